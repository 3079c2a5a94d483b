"""Decisions: KPI attainment, risk ranking, progress and the portfolio."""
