"""Progress to date per project and for the portfolio, from a snapshot."""

from __future__ import annotations

import polars as pl

from forecast.data import schema as s
from forecast.data.snapshot import Snapshot
from forecast.model.features import share

REPORTED_QUARTER = "reported_quarter"
PLAN_TO_DATE = "plan_to_date"
DISBURSED_TO_DATE = "disbursed_to_date"
COMMITTED_TO_DATE = "committed_to_date"
SPEND_TO_DATE = "spend_to_date"
TO_DATE = {s.PLAN: PLAN_TO_DATE, s.DISBURSED: DISBURSED_TO_DATE, s.COMMITTED: COMMITTED_TO_DATE, s.SPEND: SPEND_TO_DATE}
KEY = [s.FISCAL_YEAR, s.PROJECT_ID]


def progress(snap: Snapshot, year: int | None = None) -> pl.DataFrame:
    """One row per project of a fiscal year (the latest by default): budget, last reported quarter and
    plan/actuals to that quarter (amounts and shares); committed and spend are empty where commitments
    are not reported."""
    year = snap.fiscal_year if year is None else year
    finance = snap.finance.lazy().filter(pl.col(s.FISCAL_YEAR) == year)
    reported = (
        finance.filter(pl.col(s.DISBURSED).is_not_null() | pl.col(s.SPEND).is_not_null())
        .group_by(KEY)
        .agg(pl.col(s.QUARTER).max().alias(REPORTED_QUARTER), pl.col(s.AS_OF).max())
    )
    to_date = (
        finance.join(reported, on=KEY, how="inner", suffix="_r")
        .filter(pl.col(s.QUARTER) <= pl.col(REPORTED_QUARTER))
        .group_by(KEY)
        .agg(*(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(t) for c, t in TO_DATE.items()))
    )
    projects = (
        snap.projects.lazy()
        .filter(pl.col(s.FISCAL_YEAR) == year)
        .select(*KEY, s.NAME_TH, s.NAME_EN, s.PLAN_LINE, s.OWNER, s.AGENCY, s.BUDGET)
    )
    out = (
        projects.join(reported, on=KEY, how="left")
        .join(to_date, on=KEY, how="left")
        .with_columns(
            *(
                pl.col(t).fill_null(0).cast(s.MONEY) if c in (s.PLAN, s.DISBURSED) else pl.col(t).cast(s.MONEY)
                for c, t in TO_DATE.items()
            )
        )
        .with_columns(
            *(
                pl.when(pl.col(s.BUDGET) > 0)
                .then(pl.col(t).cast(pl.Float64) / pl.col(s.BUDGET).cast(pl.Float64))
                .alias(share(t))
                for t in TO_DATE.values()
            )
        )
    )
    return out.sort(KEY).collect()


def portfolio_curve(snap: Snapshot, year: int | None = None) -> pl.DataFrame:
    """The fiscal year's cumulative plan, spend and disbursed by quarter (actuals only for reported quarters)."""
    year = snap.fiscal_year if year is None else year
    fin = snap.finance.lazy().filter(pl.col(s.FISCAL_YEAR) == year)
    return (
        fin.group_by(s.FISCAL_YEAR, s.QUARTER)
        .agg(
            pl.col(s.PLAN).sum(),
            *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in (s.SPEND, s.DISBURSED)),
        )
        .sort(s.FISCAL_YEAR, s.QUARTER)
        .with_columns(*(pl.col(c).cum_sum().over(s.FISCAL_YEAR) for c in (s.PLAN, s.SPEND, s.DISBURSED)))
        .collect()
    )
