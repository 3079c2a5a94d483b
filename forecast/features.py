"""Disbursement-pace features per project, fiscal year and origin quarter.

The input is a *panel*: one row per fiscal year, project and quarter 1-4 (long
format), with the budget, the quarter's plan and actual flows as last reported,
and how much the quarter's disbursed figure was restated between reports. Every
feature is a pure function ``LazyFrame -> LazyFrame`` windowed per project-year
with ``.over``; ``build`` composes them with ``.pipe`` and collects once.

No look-ahead: ``build(panel, origin=q)`` first blanks every actual of a quarter
after q, so nothing reported for quarters q+1..4 can reach the features of
origin q (the quarterly *plans* are known from the start of the year and stay).
Feature names are derived from the flows and parameters in one place
(``FEATURES``); the models select columns by these names only.
"""

from __future__ import annotations

import polars as pl

from forecast import schema as s

# --- names -----------------------------------------------------------------------
RESTATED = "restated"  # panel: |last - first reported| disbursed of the quarter, MTHB
ORIGIN = "origin_quarter"
FLOWS = (s.PLAN, s.DISBURSED, s.COMMITTED, s.SPEND)
CABINET_TARGET = 0.93  # FY2569 cabinet target: 93% of the budget disbursed by year end


def cum(flow: str) -> str:
    """Cumulative flow to the origin quarter (MTHB); for committed: the commitments outstanding."""
    return f"{flow}_cum"


def share(name: str) -> str:
    """A column expressed as a share of the budget."""
    return f"{name}_share"


def pace(flow: str) -> str:
    """Cumulative flow over cumulative plan to date."""
    return f"{flow}_pace"


def momentum(flow: str, lag: int = 1) -> str:
    return f"{flow}_momentum_{lag}q"


def required_rate(target: float) -> str:
    return f"required_rate_{round(target * 100)}"


PLAN_TOTAL_SHARE = share("plan_total")
REMAINING_PLAN_SHARE = share("remaining_plan")
FRONT_LOADING = "plan_front_loading"
PAID_RATIO = "paid_ratio"
CONVERSION = "conversion_last_q"
RESTATED_SHARE = share(RESTATED)
LOG_BUDGET = "log_budget"
PRIOR_DISBURSED = "prior_year_disbursed_share"
PRIOR_SPEND = "prior_year_spend_share"
QUARTERS_LEFT = "quarters_left"

Y_DISBURSED = "y_true_disbursed_share"
Y_SPEND = "y_true_spend_share"
TARGETS = {s.DISBURSED: Y_DISBURSED, s.SPEND: Y_SPEND}

FEATURES: dict[str, str] = {
    **{share(cum(f)): f"cumulative {f} to the origin quarter / budget" for f in FLOWS},
    pace(s.DISBURSED): "disbursed to date / plan to date",
    pace(s.SPEND): "spend (disbursed + committed) to date / plan to date",
    PAID_RATIO: "disbursed to date / spend to date: how much of what was contracted is paid",
    CONVERSION: "disbursed in the origin quarter / commitments outstanding at the previous quarter end",
    REMAINING_PLAN_SHARE: "plan for the quarters after the origin / budget (budget - plan to date if not given)",
    PLAN_TOTAL_SHARE: "plan for the whole year / budget",
    required_rate(CABINET_TARGET): "share of budget to disburse per remaining quarter to reach the target",
    FRONT_LOADING: "plan for Q1+Q2 / plan for the year",
    momentum(s.DISBURSED): "disbursed share in the origin quarter minus in the quarter before",
    momentum(s.SPEND): "spend share in the origin quarter minus in the quarter before",
    RESTATED_SHARE: "disbursed restated between reports, to date / budget",
    LOG_BUDGET: "natural log of the budget (MTHB)",
    PRIOR_DISBURSED: "the project's year-end disbursed share in the previous fiscal year (empty if unknown)",
    PRIOR_SPEND: "the project's year-end spend share in the previous fiscal year (empty if unknown)",
    QUARTERS_LEFT: "quarters left after the origin",
}
KEY = [s.FISCAL_YEAR, s.PROJECT_ID]
_Q = [*KEY, s.QUARTER]


# --- the panel ---------------------------------------------------------------------
def panel(projects: pl.DataFrame | pl.LazyFrame, finance: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Long panel from the projects table and every reported version of the finance table.

    Parameters
    ----------
    projects : one row per fiscal_year, project_id with the budget (latest version).
    finance : finance rows of every report vintage to use (``as_of`` tells them apart);
        the last report of each quarter wins, earlier ones only measure restatements.

    Returns
    -------
    LazyFrame with fiscal_year, project_id, agency, quarter 1-4, budget and the four flows
    as Float64 MTHB, plus ``restated``; quarters a report does not list have null flows.
    """
    fin = finance.lazy().sort([*_Q, s.AS_OF])
    d = pl.col(s.DISBURSED).cast(pl.Float64)
    versions = fin.group_by(_Q).agg(
        *(pl.col(f).cast(pl.Float64).last() for f in FLOWS),
        (d.drop_nulls().last() - d.drop_nulls().first()).abs().fill_null(0.0).alias(RESTATED),
        pl.col(s.AS_OF).max(),
    )
    proj = projects.lazy()
    agency = pl.col(s.AGENCY) if s.AGENCY in proj.collect_schema() else pl.lit(None, pl.String)
    quarters = pl.LazyFrame({s.QUARTER: list(s.QUARTERS)}, schema={s.QUARTER: pl.Int8})
    base = proj.select(*KEY, agency.alias(s.AGENCY), pl.col(s.BUDGET).cast(pl.Float64)).join(quarters, how="cross")
    return (base.join(versions, on=_Q, how="left")
            .with_columns(pl.col(RESTATED).fill_null(0.0))
            .sort(_Q))


def panel_from_store(store, as_of="latest") -> pl.LazyFrame:
    """The panel of a store as known at a report date ("latest" or a date)."""
    projects = store.read("projects", as_of)
    finance = store.read("finance", "all")
    if as_of not in (None, "latest"):
        cutoff = store.read("finance", as_of)[s.AS_OF].max() if not finance.is_empty() else None
        if cutoff is not None:
            finance = finance.filter(pl.col(s.AS_OF) <= cutoff)
    return panel(projects, finance)


def reported_quarter(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per project-year: the last quarter with actuals (0 if none)."""
    return (lf.group_by(KEY).agg(
        pl.col(s.QUARTER).filter(pl.col(s.SPEND).is_not_null() | pl.col(s.DISBURSED).is_not_null())
        .max().fill_null(0).cast(pl.Int8).alias(ORIGIN)))


def outcomes(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Year-end disbursed and spend shares of project-years with all four quarters reported."""
    return (lf.group_by(KEY).agg(
        pl.col(s.DISBURSED).is_not_null().all().alias("__complete"),
        pl.col(s.BUDGET).first(),
        pl.col(s.DISBURSED).sum(), pl.col(s.SPEND).sum(), pl.len().alias("__n"))
        .filter(pl.col("__complete") & (pl.col("__n") == 4) & (pl.col(s.BUDGET) > 0))
        .select(*KEY, *((pl.col(f) / pl.col(s.BUDGET)).alias(y) for f, y in TARGETS.items())))


# --- features (pure, windowed per project-year) ----------------------------------
def known_at(origin: int):
    """Blank every actual (and its restatement) of quarters after ``origin``."""
    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        late = pl.col(s.QUARTER) > origin
        return lf.with_columns(*(pl.when(late).then(None).otherwise(pl.col(c)).alias(c)
                                 for c in (s.DISBURSED, s.COMMITTED, s.SPEND, RESTATED)))
    return step


def cumulative(lf: pl.LazyFrame) -> pl.LazyFrame:
    by = pl.col(s.QUARTER)
    return lf.sort(_Q).with_columns(
        *(pl.col(f).fill_null(0.0).cum_sum().over(KEY, order_by=by).alias(cum(f)) for f in FLOWS),
        pl.col(RESTATED).fill_null(0.0).cum_sum().over(KEY, order_by=by).alias(cum(RESTATED)),
        pl.col(s.PLAN).sum().over(KEY).alias(cum("plan_total")),
        pl.col(s.PLAN).is_null().any().over(KEY).alias("__plan_partial"),
        pl.col(s.PLAN).filter(pl.col(s.QUARTER) <= 2).sum().over(KEY).alias("__plan_h1"),
    )


def shares(lf: pl.LazyFrame) -> pl.LazyFrame:
    budget = pl.col(s.BUDGET)
    total = pl.when(pl.col("__plan_partial")).then(budget).otherwise(pl.col(cum("plan_total")))
    return lf.with_columns(
        *((pl.col(cum(f)) / budget).alias(share(cum(f))) for f in FLOWS),
        (pl.col(cum(RESTATED)) / budget).alias(RESTATED_SHARE),
        (total / budget).alias(PLAN_TOTAL_SHARE),
        ((total - pl.col(cum(s.PLAN))).clip(0) / budget).alias(REMAINING_PLAN_SHARE),
        pl.when(pl.col("__plan_partial")).then(None)
        .otherwise(pl.col("__plan_h1") / pl.col(cum("plan_total"))).alias(FRONT_LOADING),
        budget.log().alias(LOG_BUDGET),
    )


def paces(lf: pl.LazyFrame) -> pl.LazyFrame:
    planned = pl.col(cum(s.PLAN))
    return lf.with_columns(
        *(pl.when(planned > 0).then(pl.col(cum(f)) / planned).alias(pace(f)) for f in (s.DISBURSED, s.SPEND)),
        pl.when(pl.col(cum(s.SPEND)) > 0).then(pl.col(cum(s.DISBURSED)) / pl.col(cum(s.SPEND)))
        .alias(PAID_RATIO),
    )


def conversion(lf: pl.LazyFrame) -> pl.LazyFrame:
    """How fast commitments turn into payments: this quarter's disbursed over last quarter's outstanding."""
    outstanding = pl.col(cum(s.COMMITTED)).shift(1).over(KEY, order_by=pl.col(s.QUARTER))
    return lf.with_columns(
        pl.when(outstanding > 0).then((pl.col(s.DISBURSED) / outstanding).clip(0, 5)).alias(CONVERSION))


def momenta(lf: pl.LazyFrame) -> pl.LazyFrame:
    q = pl.col(s.QUARTER)
    return lf.with_columns(
        *(((pl.col(f) - pl.col(f).shift(1).over(KEY, order_by=q).fill_null(0.0)) / pl.col(s.BUDGET))
          .alias(momentum(f)) for f in (s.DISBURSED, s.SPEND)))


def required(target: float = CABINET_TARGET):
    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        left = (4 - pl.col(s.QUARTER).cast(pl.Int32))
        gap = (pl.lit(target) - pl.col(share(cum(s.DISBURSED)))).clip(0)
        return lf.with_columns(left.alias(QUARTERS_LEFT),
                               pl.when(left > 0).then(gap / left).otherwise(gap).alias(required_rate(target)))
    return step


def prior_year(history: pl.LazyFrame):
    """Attach last fiscal year's outcome of the same project (complete years only: no look-ahead)."""
    prior = outcomes(history).select(
        (pl.col(s.FISCAL_YEAR) + 1).cast(pl.Int32).alias(s.FISCAL_YEAR), s.PROJECT_ID,
        pl.col(Y_DISBURSED).alias(PRIOR_DISBURSED), pl.col(Y_SPEND).alias(PRIOR_SPEND))

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        return lf.with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32)).join(prior, on=KEY, how="left")
    return step


def build(lf: pl.LazyFrame, origin: int, target: float = CABINET_TARGET,
          with_outcomes: bool = True) -> pl.DataFrame:
    """Features of every project-year at ``origin`` (0-4): one row per fiscal_year, project_id.

    Origin 0 (nothing reported yet) gives the features at quarter 1 with every actual blank;
    origin 4 the year's actuals.

    With ``with_outcomes`` the year-end shares (``y_true_*``) are joined where the year is complete.
    Money to date (MTHB) comes along as ``<flow>_cum`` for reporting.
    """
    feats = (lf.pipe(known_at(origin)).pipe(cumulative).pipe(shares).pipe(paces).pipe(conversion)
             .pipe(momenta).pipe(required(target)).pipe(prior_year(lf))
             .filter(pl.col(s.QUARTER) == max(origin, 1))
             .with_columns(pl.lit(origin, pl.Int8).alias(ORIGIN)))
    cols = [*KEY, s.AGENCY, ORIGIN, s.BUDGET, *(cum(f) for f in FLOWS), *FEATURES]
    if with_outcomes:
        feats = feats.join(outcomes(lf).with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32)), on=KEY, how="left")
        cols += list(TARGETS.values())
    return feats.select(cols).sort(KEY).collect()
