"""Progress to date per project and for the portfolio, from the store as of a report date."""

from __future__ import annotations

import polars as pl

from forecast.data import schema as s
from forecast.data.store import Store

REPORTED_QUARTER = "reported_quarter"
PLAN_TO_DATE = "plan_to_date"
DISBURSED_TO_DATE = "disbursed_to_date"
COMMITTED_TO_DATE = "committed_to_date"
SPEND_TO_DATE = "spend_to_date"
TO_DATE = {s.PLAN: PLAN_TO_DATE, s.DISBURSED: DISBURSED_TO_DATE, s.COMMITTED: COMMITTED_TO_DATE,
           s.SPEND: SPEND_TO_DATE}


def share(name: str) -> str:
    """Name of a column expressed as a share of budget."""
    return f"{name}_share"


def progress(store: Store, as_of: str = "latest") -> pl.DataFrame:
    """One row per project: budget, last reported quarter and plan/actuals to that quarter (MTHB and shares)."""
    finance = store.read("finance", as_of).lazy()
    by = [s.FISCAL_YEAR, s.PROJECT_ID]
    reported = (finance.filter(pl.col(s.SPEND).is_not_null()).group_by(by)
                .agg(pl.col(s.QUARTER).max().alias(REPORTED_QUARTER), pl.col(s.AS_OF).max()))
    to_date = (finance.join(reported, on=by, how="inner", suffix="_r")
               .filter(pl.col(s.QUARTER) <= pl.col(REPORTED_QUARTER))
               .group_by(by).agg(*(pl.col(c).sum().alias(t) for c, t in TO_DATE.items())))
    projects = store.read("projects", as_of).lazy().select(by + [s.NAME_TH, s.NAME_EN, s.PLAN_LINE, s.BUDGET])
    out = (projects.join(reported, on=by, how="left").join(to_date, on=by, how="left")
           .with_columns(*(pl.col(t).fill_null(0).cast(s.MONEY) for t in TO_DATE.values()))
           .with_columns(*((pl.col(t).cast(pl.Float64) / pl.col(s.BUDGET).cast(pl.Float64)).alias(share(t))
                           for t in TO_DATE.values())))
    return out.sort(by).collect()


def portfolio_curve(store: Store, as_of: str = "latest") -> pl.DataFrame:
    """Portfolio cumulative plan, spend and disbursed by quarter (actuals only for reported quarters)."""
    fin = store.read("finance", as_of).lazy()
    return (fin.group_by(s.FISCAL_YEAR, s.QUARTER)
            .agg(pl.col(s.PLAN).sum(),
                 *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c)
                   for c in (s.SPEND, s.DISBURSED)))
            .sort(s.FISCAL_YEAR, s.QUARTER)
            .with_columns(*(pl.col(c).cum_sum().over(s.FISCAL_YEAR) for c in (s.PLAN, s.SPEND, s.DISBURSED)))
            .collect())
