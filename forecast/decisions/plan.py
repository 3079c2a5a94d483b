"""The planner's questions: what must we still disburse to reach the target, per month and per quarter,
and what happens if we disburse a given amount in the quarters left.

``need`` sets the amount still needed against the pace so far and the best quarter so far, and flags
it when it is implausible (more per quarter than twice the best quarter yet). ``scenario`` is the
projection moved: the year-end distributions shift so that their median is disbursed to date plus the
amount, and the probabilities, score and level are read off them by the ranking's own rule, so
an untouched what-if is the projection itself.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from scipy.special import ndtr, ndtri

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


def _below(x: float, xs: list[float], ps: list[float]) -> float:
    """P(value < x) of a distribution known by knots (value, P(value < knot)): linear between knots
    on the normal-score scale (exact at each knot) and extended along the outer segments beyond."""
    v, z = np.asarray(xs, float), ndtri(np.clip(np.asarray(ps, float), 1e-9, 1 - 1e-9))
    keep = np.isfinite(v) & np.isfinite(z)
    v, z = v[keep], z[keep]
    if v.size == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, z = v[order], np.maximum.accumulate(z[order])
    hit = np.flatnonzero(v == x)
    if hit.size:
        return float(ndtr(z[hit[0]]))
    if v.size == 1 or not v[0] < x < v[-1]:
        a, b = (0, 1) if x < v[0] else (-2, -1)
        if v.size == 1 or v[b] - v[a] <= 1e-12 or z[b] <= z[a]:
            return float(x > v[-1]) if x > v[-1] else 0.0
        return float(ndtr(z[a] + (z[b] - z[a]) / (v[b] - v[a]) * (x - v[a])))
    return float(ndtr(np.interp(x, v, z)))


def scenario(row: dict, remaining: float, calendar: FiscalCalendar, policy: risk.RiskPolicy) -> dict:
    """The projection of one project (a row of ``engine.project``, with its ``p_miss_kpi``) if
    ``remaining`` (the store's unit) is disbursed in the quarters left instead of the projected median.

    The year-end distributions move by the difference, as a share of the budget: the median becomes
    disbursed to date + ``remaining``, P(miss) is the moved distribution's mass below the target and
    P(money unused) the moved spend distribution's below full spend; the score and level are graded
    by the same rule as the ranking. So an untouched what-if (``remaining`` = projected p50 - to date)
    *is* the projection: the same probabilities, score and level.
    """
    budget = float(row[s.BUDGET] or 0)
    done = float(row[engine.DISBURSED_TO_DATE] or 0)
    remaining = max(float(remaining), 0.0)
    year_end = done + remaining
    q = int(row[F.ORIGIN])
    months = months_left(calendar, int(row[s.FISCAL_YEAR]), row.get(s.AS_OF), q)
    p50 = row[engine.projected(s.DISBURSED, 50)]
    shift = (year_end - float(p50)) / budget if budget > 0 and p50 is not None else 0.0
    p_miss, p_unused = row.get(risk.P_MISS_DISBURSEMENT), row.get(risk.P_MISS_SPEND)
    if budget > 0 and p_miss is not None and shift:
        grid = [row[M.level(s.DISBURSED, lv)] for lv in M.LEVELS]
        p_miss = (
            0.0
            if done / budget >= policy.target
            else _below(policy.target - shift, [*grid, policy.target], [*M.LEVELS, p_miss])
        )
    if budget > 0 and p_unused is not None and shift:
        bands = [row[M.band(s.SPEND, p)] for p in M.BANDS]
        p_unused = _below(
            engine.FULL_SPEND - shift, [*bands, engine.FULL_SPEND], [*(b / 100 for b in M.BANDS), p_unused]
        )
    p_kpi = row.get(risk.P_MISS_KPI)
    score, level = policy.grade(p_miss, p_unused, p_kpi)
    lo, hi = (row[engine.projected(s.DISBURSED, p)] for p in (10, 90))
    s_lo, s_hi = (row.get(M.band(s.DISBURSED, p)) for p in (10, 90))
    floor = done / budget if budget > 0 else 0.0
    return {
        "year_end": year_end,
        "year_end_p10": None if lo is None else max(float(lo) + shift * budget, done),
        "year_end_p90": None if hi is None else max(float(hi) + shift * budget, done),
        "share": year_end / budget if budget > 0 else float("nan"),
        "share_p10": None if s_lo is None else (max(s_lo + shift, floor) if shift else s_lo),
        "share_p90": None if s_hi is None else (max(s_hi + shift, floor) if shift else s_hi),
        "meets_target": bool(p_miss is not None and p_miss < 0.5),
        "per_month": remaining / months if months else None,
        "per_quarter": remaining / (4 - q) if q < 4 else None,
        risk.P_MISS_DISBURSEMENT: p_miss,
        risk.P_MISS_SPEND: p_unused,
        risk.RISK_SCORE: score,
        risk.LEVEL: level,
    }
