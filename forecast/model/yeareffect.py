"""The year effect: the shock every line of a year shares, seen in the year's execution to date, and the ranges it widens.

Lines of one year run ahead of or behind their history together. At an origin the current year's lines show it
already: the year's execution to date (``SHARE``'s median over the lines with a budget, as in
``profile.year_profile``) against the same figure in the history's other years at the same origin quarter.

The calibration learned its residuals from years inside the range the history has seen, so within it nothing
changes. A year beyond that range lies where no calibration year was: on that side of each line's point
prediction, the normalised residuals are stretched by

    k = 1 + max(0, excess / sd - DEAD_ZONE)        (at most ``MAX_STRETCH``)

where ``excess`` is how far the year lies beyond the highest (or below the lowest) year seen and ``sd`` the
spread of the years seen (at least ``MIN_SD``). A new ordinary year tops the highest of n years seen one time
in n + 1, mostly by less than half a spread (``DEAD_ZONE``): within it the year is taken as ordinary, so that
ordinary years keep their calibrated ranges; a year 1.5 spreads beyond the history doubles that side.
P(miss) comes from the same stretched distribution, so range, median and probability stay one computation. At least ``MIN_YEARS`` other years are needed; with fewer the year effect is not estimated.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import polars as pl

from forecast.data import schema as s
from forecast.model import features as F

SHARE = F.share(F.cum(s.DISBURSED))  # execution to date: disbursed to the origin / budget at the origin
MIN_YEARS = 3
MIN_SD = 0.02  # two points of budget: the spread of year medians is never taken as smaller
MAX_STRETCH = 3.0
DEAD_ZONE = 0.5  # in spreads of the years seen: the overshoot of most new ordinary years beyond the highest seen


@dataclass(frozen=True)
class YearEffect:
    """The current year's execution to date against the years seen, and the stretch of each side of the ranges."""

    value: float
    seen_lo: float
    seen_hi: float
    sd: float
    years: int
    up: float = 1.0
    down: float = 1.0

    @property
    def stretch(self) -> tuple[float, float]:
        return self.up, self.down

    @property
    def widened(self) -> bool:
        return self.up > 1.0 or self.down > 1.0


def with_budget(X: pl.DataFrame) -> pl.DataFrame:
    """The lines that count: a budget at the origin and a share to date."""
    return X.filter((pl.col(s.BUDGET).cast(pl.Float64) > 0) & pl.col(SHARE).is_not_null())


def statistic(X: pl.DataFrame) -> float | None:
    """The year's execution to date: the median disbursed share of the budget over its lines with a budget."""
    values = with_budget(X)[SHARE]
    return None if values.is_empty() else float(values.median())  # type: ignore[arg-type]


def by_year(X: pl.DataFrame) -> dict[int, float]:
    """The statistic of each fiscal year of one origin's rows."""
    got = with_budget(X).group_by(s.FISCAL_YEAR).agg(pl.col(SHARE).median())
    return {int(y): float(v) for y, v in got.iter_rows()}


def estimate(value: float | None, past: dict[int, float]) -> YearEffect | None:
    """The year effect of a year whose statistic is ``value``, against the ``past`` years' (None when too few)."""
    if value is None or len(past) < MIN_YEARS:
        return None
    seen = list(past.values())
    lo, hi = min(seen), max(seen)
    sd = max(statistics.stdev(seen), MIN_SD)
    up = min(MAX_STRETCH, 1.0 + max(0.0, (value - hi) / sd - DEAD_ZONE))
    down = min(MAX_STRETCH, 1.0 + max(0.0, (lo - value) / sd - DEAD_ZONE))
    return YearEffect(value, lo, hi, sd, len(seen), up, down)


def against(value: float | None, history: dict[str, float], year: int) -> YearEffect | None:
    """The year effect of ``year`` (its statistic ``value``) against a kept history ({year: statistic}, as in
    ``profile.year_profile``), the year itself left out."""
    return estimate(value, {int(y): float(v) for y, v in history.items() if int(y) != year})


def of_manifest(X: pl.DataFrame, manifest: dict, origin: int, year: int) -> YearEffect | None:
    """The year effect of the current ``year``'s rows at ``origin``, against the model set's history."""
    history = ((manifest.get("year_profile") or {}).get(str(origin)) or {}).get("all") or {}
    return against(statistic(X.filter(pl.col(s.FISCAL_YEAR) == year)), history, year)
