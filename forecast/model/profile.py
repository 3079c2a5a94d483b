"""What a training history looked like at each origin, kept in the model set's manifest.

Two summaries, both per origin quarter 1-3 and per fiscal year, so that a projection can compare the
current year with the *other* years of the history (the year being projected is left out when the set
was trained on it):

* ``year_profile``: the year-level median, over the lines with a budget, of the disbursed share of the
  budget at the origin (``disbursed_cum_share``) - the whole history and each agency (``agency``, else
  ``owner``) with at least ``MIN_LINES`` lines that year;
* ``feature_ranges``: each drift feature's 1st and 99th percentile per year (the central 98% of the lines).

``decisions.unusual`` reads them at projection time. Nothing here reads a store.
"""

from __future__ import annotations

import polars as pl

from forecast.data import schema as s
from forecast.model import features as F
from forecast.model import yeareffect as YE
from forecast.model.projection import DRIVER_FEATURES

SHARE = YE.SHARE  # execution to date: disbursed to the origin / budget at the origin
ORIGINS = (1, 2, 3)
MIN_LINES = 3  # an agency's year counts when it has at least this many lines with a budget
TAILS = (0.01, 0.99)  # the central 98% of a feature's training values
# features compared with the training history (drift): the ranking's driver features whose scale does not depend on
# the size of a line or on the quarter (shares and paces; not amounts, counts or quarters left)
DRIFT_FEATURES = tuple(
    f for f in DRIVER_FEATURES if f not in (F.cum(s.COMMITTED), F.QUARTERS_LEFT, F.BUDGET_REVISION_COUNT)
)
DIGITS = 6


def _lines(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows at origins 1-3 of lines with a budget at the origin and a share to date."""
    return YE.with_budget(rows.filter(pl.col(F.ORIGIN).is_in(ORIGINS)))


def year_profile(rows: pl.DataFrame) -> dict:
    """{origin: {"all": {year: median share}, "agency": {agency: {year: median share}}}} of a history's rows."""
    lines = _lines(rows)
    out: dict[str, dict] = {}
    for q in ORIGINS:
        at = lines.filter(pl.col(F.ORIGIN) == q)
        if at.is_empty():
            continue
        by = (
            at.filter(pl.col(s.AGENCY).is_not_null())
            .group_by(s.AGENCY, s.FISCAL_YEAR)
            .agg(pl.col(SHARE).median(), pl.len().alias("n"))
            .filter(pl.col("n") >= MIN_LINES)
            .sort(s.AGENCY, s.FISCAL_YEAR)
        )
        agencies: dict[str, dict[str, float]] = {}
        for agency, year, value, _ in by.iter_rows():
            agencies.setdefault(str(agency), {})[str(year)] = round(float(value), DIGITS)
        out[str(q)] = {
            "all": {str(y): round(v, DIGITS) for y, v in sorted(YE.by_year(at).items())},
            "agency": agencies,
        }
    return out


def feature_ranges(rows: pl.DataFrame) -> dict:
    """{origin: {feature: {year: [p1, p99]}}}: the central 98% of each drift feature's values per training year."""
    lines = _lines(rows)
    out: dict[str, dict] = {}
    lo, hi = TAILS
    for q in ORIGINS:
        at = lines.filter(pl.col(F.ORIGIN) == q)
        if at.is_empty():
            continue
        per: dict[str, dict[str, list[float]]] = {}
        for f in DRIFT_FEATURES:
            if f not in at.columns:
                continue
            got = (
                at.filter(pl.col(f).is_not_null() & pl.col(f).is_finite())
                .group_by(s.FISCAL_YEAR)
                .agg(pl.col(f).quantile(lo, "linear").alias("lo"), pl.col(f).quantile(hi, "linear").alias("hi"))
                .sort(s.FISCAL_YEAR)
            )
            if got.height:
                per[f] = {str(y): [round(float(a), DIGITS), round(float(b), DIGITS)] for y, a, b in got.iter_rows()}
        out[str(q)] = per
    return out
