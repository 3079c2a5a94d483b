"""The planner's questions: what must we still disburse to reach the target, per month and per quarter,
and what happens if we disburse a given amount in the quarters left.

``need`` sets the amount still needed against the pace so far and the best quarter so far, and flags
it when it is implausible (more per quarter than twice the best quarter yet). ``scenario`` treats a
what-if as a plan that is carried out: the year end is exactly what is disbursed to date plus the
amount, so whether it meets the target is a yes or no; P(money unused) is read from the spend
projection given that spend is at least the planned disbursement, and the score and level are
recomputed with the project's KPI chance unchanged.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from scipy.special import ndtr

from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.decisions import risk
from forecast.model import engine
from forecast.model import features as F
from forecast.model import models as M

IMPLAUSIBLE = 2.0  # a need above twice the best quarter so far is flagged


def months_left(calendar: FiscalCalendar, fiscal_year: int, report_date: dt.date | None, origin: int) -> int:
    """Whole months from the end of the reported quarter to the end of the fiscal year."""
    end = calendar.year_end(fiscal_year)
    start = calendar.quarter_end(fiscal_year, origin) if origin else calendar.year_start(fiscal_year)
    if report_date is not None and origin == 0:
        start = min(max(report_date, start), end)
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(months, 0) if origin else max(months + 1, 0)


def need(row: dict, quarters: pl.DataFrame, calendar: FiscalCalendar, target: float) -> dict:
    """What a project must still disburse by the fiscal year end to reach ``target`` (a share of its budget).

    ``row`` is one project of the projection (or ranking); ``quarters`` its finance rows as known now.
    """
    budget = float(row[s.BUDGET])
    done = float(row[engine.DISBURSED_TO_DATE] or 0)
    q = int(row[F.ORIGIN])
    left_q = 4 - q
    months = months_left(calendar, int(row[s.FISCAL_YEAR]), row.get(s.AS_OF), q)
    amount = max(target * budget - done, 0.0)
    flows = quarters.filter(pl.col(s.QUARTER) <= q).sort(s.QUARTER)[s.DISBURSED].cast(pl.Float64).fill_null(0).to_list()
    best = max(flows) if flows else 0.0
    pace = done / q if q else 0.0
    per_quarter = amount / left_q if left_q else None
    implausible = bool(amount > 0 and (left_q == 0 or (per_quarter or 0) > IMPLAUSIBLE * max(best, 1e-9)))
    return {
        "needed": amount,
        "target": target,
        "months_left": months,
        "quarters_left": left_q,
        "per_month": amount / months if months else None,
        "per_quarter": per_quarter,
        "pace_per_quarter": pace,
        "best_quarter": best,
        "implausible": implausible,
        "reached": amount <= 0,
    }


def _cdf(x: float, p10: float, p50: float, p90: float) -> float:
    """P(value < x) from three quantiles (linear between them, normal tails beyond)."""
    if not np.isfinite([p10, p50, p90]).all():
        return float("nan")
    if x <= p10:
        sd = max((p50 - p10) / M.Z90, 1e-9)
        return float(ndtr((x - p50) / sd))
    if x >= p90:
        sd = max((p90 - p50) / M.Z90, 1e-9)
        return float(ndtr((x - p50) / sd))
    return float(np.interp(x, [p10, p50, p90], [0.1, 0.5, 0.9]))


def scenario(
    row: dict, remaining: float, calendar: FiscalCalendar, policy: risk.RiskPolicy, spend_bands: tuple | None = None
) -> dict:
    """The year end, the target and the risk if exactly ``remaining`` is disbursed in the quarters left.

    ``spend_bands`` are the project's spend share p10/p50/p90 (None where commitments are not reported).
    """
    budget = float(row[s.BUDGET])
    done = float(row[engine.DISBURSED_TO_DATE] or 0)
    remaining = max(float(remaining), 0.0)
    year_end = done + remaining
    share = year_end / budget if budget > 0 else float("nan")
    meets = bool(share >= policy.target)
    q = int(row[F.ORIGIN])
    months = months_left(calendar, int(row[s.FISCAL_YEAR]), row.get(s.AS_OF), q)
    p_unused = None
    if spend_bands is not None and all(b is not None for b in spend_bands):
        full = engine.FULL_SPEND
        if share >= full:
            p_unused = 0.0
        else:  # spend is at least what is disbursed: P(S < full | S >= share)
            below_full, below_share = _cdf(full, *spend_bands), _cdf(share, *spend_bands)
            p_unused = float(np.clip((below_full - below_share) / max(1 - below_share, 1e-9), 0, 1))
    p_miss = (0.0 if meets else 1.0) if budget > 0 else None  # no budget: no target to miss
    score = float(
        policy.score(
            np.array([np.nan if p_miss is None else p_miss]),
            np.array([np.nan if p_unused is None else p_unused]),
            np.array([row.get(risk.P_MISS_KPI) or 0.0]),
        )[0]
    )
    worst = max(p_miss or 0.0, p_unused or 0.0, row.get(risk.P_MISS_KPI) or 0.0)
    return {
        "year_end": year_end,
        "share": share,
        "meets_target": meets,
        "per_month": remaining / months if months else None,
        "per_quarter": remaining / (4 - q) if q < 4 else None,
        risk.P_MISS_DISBURSEMENT: p_miss,
        risk.P_MISS_SPEND: p_unused,
        risk.RISK_SCORE: score,
        risk.LEVEL: str(policy.level(np.array([score]), np.array([worst]))[0]),
    }
