"""Is this year unlike the history? Two checks made at projection time, returned as codes and parameters.

**An unusual year** (``YEAR``, and ``AGENCIES`` per agency). The statistic is the year's execution to
date: the median, over the lines with a budget, of the disbursed share of the budget at the origin. The
model set keeps the same median for every year of its training history at every origin
(``model.profile.year_profile``). The current year is compared with the *other* years at the same origin
quarter: with n ≥ ``MIN_YEARS`` of them, a new ordinary year would lie within the 95% prediction interval

    mean ± t(0.975, n - 1) · sd · √(1 + 1/n)

(Student t: n is small, the spread of year medians is estimated from them); its half-width is at least
``MIN_HALF_WIDTH`` (a difference under 2 points of budget is never called unusual). Outside it, the year
is unusual. The same rule, on the agency's own lines and its own years (``MIN_LINES`` lines or more), for
each agency: one agency in twenty of an ordinary year lies outside by chance, and the note says how many
would.

**The year effect** (``model.yeareffect``). Where the store's year lies beyond every year the history has
seen at that origin, the projection stretched that side of the ranges (and P(miss) with them): the note says
by how much (``widened``, ``side``, ``stretch``). A year beyond them but within the 95% interval gets its own
note (``BEYOND``). Agencies are compared, never widened one by one (``widened`` False: the note says so).

**Drift** (``DRIFT``). The model set keeps each drift feature's central 98% per training year
(``model.profile.feature_ranges``). A feature drifts when more than ``DRIFT_RATE`` of the current lines
(five times the 2% expected) and at least ``DRIFT_MIN_LINES`` of them lie outside the widest of the other
years' ranges: the lines look unlike anything the models were fitted on.

The words are in ``labels.note_text``; nothing here is said in a language.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

import polars as pl

from forecast.data import schema as s
from forecast.model import features as F
from forecast.model import profile as PR
from forecast.model import yeareffect as YE

YEAR = "unusual_year"
AGENCIES = "unusual_agencies"
DRIFT = "drift"
BEYOND = "year_beyond_history"
CODES = (YEAR, AGENCIES, DRIFT, BEYOND)
LEVEL = 0.95
MIN_YEARS = 3
MIN_LINES = PR.MIN_LINES
MIN_HALF_WIDTH = 0.02
EXPECTED_OUTSIDE = 1 - (PR.TAILS[1] - PR.TAILS[0])  # 2% of ordinary lines lie outside the central 98%
DRIFT_RATE = 5 * EXPECTED_OUTSIDE
DRIFT_MIN_LINES = 5
# t(0.975, df) for df = 1..30; above 30 the normal's 1.96 is within 2%
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


@dataclass(frozen=True)
class Note:
    """A finding: its code (``CODES``) and the figures the sentence quotes."""

    code: str
    params: dict = field(default_factory=dict)


def t975(df: int) -> float:
    return _T975[df - 1] if df <= len(_T975) else 1.96


def usual_range(values: list[float]) -> tuple[float, float]:
    """The 95% prediction interval of a new year's value from the past years' ``values`` (at least two)."""
    n = len(values)
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    half = max(t975(n - 1) * sd * math.sqrt(1 + 1 / n), MIN_HALF_WIDTH)
    return mean - half, mean + half


def _compare(now: float, by_year: dict[str, float], year: int) -> dict | None:
    """The figures of one comparison (None when the other years are too few), ``unusual`` when outside."""
    past = {int(y): v for y, v in by_year.items() if int(y) != year}
    if len(past) < MIN_YEARS:
        return None
    lo, hi = usual_range(list(past.values()))
    if min(past.values()) >= 0:  # a share to date below 0 (refunds beyond payments) is not an ordinary year
        lo = max(lo, 0.0)
    return {
        "value": now,
        "lo": lo,
        "hi": hi,
        "seen_lo": min(past.values()),
        "seen_hi": max(past.values()),
        "years": len(past),
        "first": min(past),
        "last": max(past),
        "direction": "above" if now > hi else "below" if now < lo else "",
        "distance": (now - (lo + hi) / 2) / ((hi - lo) / 2),
    }


def _lines(projection: pl.DataFrame, projects: pl.DataFrame) -> pl.DataFrame:
    keys = [s.FISCAL_YEAR, s.PROJECT_ID]
    info = projects.unique(keys, keep="last").select(*keys, F.group_agency().alias(s.AGENCY))
    return YE.with_budget(projection.join(info, on=keys, how="left").filter(pl.col(F.ORIGIN).is_in(PR.ORIGINS)))


def check(projection: pl.DataFrame, projects: pl.DataFrame, manifest: dict | None, year: int) -> list[Note]:
    """The notes on the current ``year``'s lines (``projection`` with its projects) against the model set's
    history (``manifest``): unusual year, unusual agencies, drift; empty when the set keeps no profile."""
    manifest = manifest or {}
    profile, ranges = manifest.get("year_profile") or {}, manifest.get("feature_ranges") or {}
    if not (profile or ranges) or projection.is_empty():
        return []
    lines = _lines(projection, projects)
    notes: list[Note] = []
    for q in sorted(int(v) for v in lines[F.ORIGIN].unique().to_list()):
        at = lines.filter(pl.col(F.ORIGIN) == q)
        if at.height < MIN_LINES:
            continue
        notes += _year(at, q, profile.get(str(q)) or {}, year)
        notes += _drift(at, q, ranges.get(str(q)) or {}, year)
    return notes


def _widening(value: float, by_year: dict[str, float], year: int) -> dict:
    """How the projection widened the ranges for the year effect (``model.yeareffect``, the same figures)."""
    effect = YE.against(value, by_year, year)
    if effect is None or not effect.widened:
        return {"widened": False}
    side, k = ("upper", effect.up) if effect.up > 1 else ("lower", effect.down)
    return {"widened": True, "side": side, "stretch": round(k, 2), "sd": effect.sd}


def _year(at: pl.DataFrame, q: int, profile: dict, year: int) -> list[Note]:
    out = []
    value = float(at[PR.SHARE].median())  # type: ignore[arg-type]
    whole = _compare(value, profile.get("all") or {}, year)
    widening = _widening(value, profile.get("all") or {}, year)
    if whole is not None and whole["direction"]:
        out.append(Note(YEAR, {"q": q, "lines": at.height, **whole, **widening}))
    elif whole is not None and widening["widened"]:  # within what a new year may be, but beyond every year seen
        out.append(Note(BEYOND, {"q": q, "lines": at.height, **whole, **widening}))
    history = profile.get("agency") or {}
    found, checked = [], 0
    by = at.filter(pl.col(s.AGENCY).is_not_null()).group_by(s.AGENCY).agg(pl.col(PR.SHARE).median(), pl.len())
    for agency, value, n in by.sort(s.AGENCY).iter_rows():
        got = _compare(float(value), history.get(str(agency)) or {}, year) if n >= MIN_LINES else None
        if got is None:
            continue
        checked += 1
        if got["direction"]:
            found.append({"agency": str(agency), "lines": int(n), **got})
    if found:
        found.sort(key=lambda g: -abs(g["distance"]))
        params = {"q": q, "n": len(found), "of": checked, "expected": round(checked * (1 - LEVEL), 1)}
        out.append(Note(AGENCIES, {**params, "agencies": found, "widened": False}))
    return out


def _drift(at: pl.DataFrame, q: int, ranges: dict, year: int) -> list[Note]:
    found = []
    for feature, by_year in ranges.items():
        past = [v for y, v in by_year.items() if int(y) != year]
        if not past or feature not in at.columns:
            continue
        lo, hi = min(v[0] for v in past), max(v[1] for v in past)
        values = at[feature].cast(pl.Float64).drop_nulls()
        values = values.filter(values.is_finite())
        if values.is_empty():
            continue
        outside = int(((values < lo) | (values > hi)).sum())
        share = outside / values.len()
        if outside >= DRIFT_MIN_LINES and share > DRIFT_RATE:
            found.append({"feature": feature, "outside": share, "n": values.len(), "lo": lo, "hi": hi})
    if not found:
        return []
    found.sort(key=lambda f: -f["outside"])
    return [Note(DRIFT, {"q": q, "features": found, "expected": EXPECTED_OUTSIDE})]
