"""Disbursement-pace features per project, fiscal year and origin quarter.

The input is a *panel*: one row per fiscal year, project and quarter 1-4 (long
format), with the budget, the quarter's plan and actual flows as last reported,
and how much the quarter's disbursed figure was restated between reports. Every
feature is a pure function ``LazyFrame -> LazyFrame`` windowed per project-year
(``cum_over``, ``total_over``, ``lag_over``: the runs of the sorted panel);
``build_all`` composes them with ``.pipe`` and collects once.

No look-ahead: ``build(panel, origin=q)`` first blanks every actual of a quarter
after q, so nothing reported for quarters q+1..4 can reach the features of
origin q (the quarterly *plans* are known from the start of the year and stay).
Feature names are derived from the flows and parameters in one place
(``FEATURES``); the models select columns by these names only.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from forecast.data import schema as s

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
    by_date = pl.col(s.AS_OF)
    d = pl.col(s.DISBURSED).cast(pl.Float64).sort_by(by_date)
    versions = finance.lazy().group_by(_Q).agg(
        *(pl.col(f).cast(pl.Float64).sort_by(by_date).last() for f in FLOWS),
        (d.last() - d.first()).abs().fill_null(0.0).alias(RESTATED),  # first report to last; 0 if either is empty
        by_date.max(),
    )
    proj = projects.lazy()
    agency = pl.col(s.AGENCY) if s.AGENCY in proj.collect_schema() else pl.lit(None, pl.String)
    quarters = pl.LazyFrame({s.QUARTER: list(s.QUARTERS)}, schema={s.QUARTER: pl.Int8})
    base = proj.select(*KEY, agency.alias(s.AGENCY), pl.col(s.BUDGET).cast(pl.Float64)).join(quarters, how="cross")
    return (base.join(versions, on=_Q, how="left")
            .with_columns(pl.col(RESTATED).fill_null(0.0))
            .sort(_Q))


def panel_from_store(store, as_of="latest", last_years: int | None = None) -> pl.LazyFrame:
    """The panel of a store as known at a report date ("latest" or a date); ``last_years`` keeps only
    the latest fiscal years (the current one and, with 2, the one before for prior-year features)."""
    projects = store.read("projects", as_of, sort=False, columns=[s.BUDGET, s.AGENCY])
    years = None
    if last_years and not projects.is_empty():
        latest = projects[s.FISCAL_YEAR].max()
        years = list(range(latest - last_years + 1, latest + 1))
        projects = projects.filter(pl.col(s.FISCAL_YEAR).is_in(years))
    finance = store.read("finance", "all", sort=False, fiscal_years=years, columns=list(FLOWS))
    if as_of not in (None, "latest"):
        from forecast.data.store import parse_as_of

        cutoff = as_of if isinstance(as_of, dt.date) else parse_as_of(as_of)
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


# Windows per project-year. The panel is sorted by fiscal year, project and quarter, so each
# project-year is one run of rows: ``GROUP`` numbers the runs, and the window sums and shifts
# below are computed along the run (the same as ``.over(KEY)``, without hashing 500,000 groups).
GROUP = "__group"


def _new_group() -> pl.Expr:
    return pl.col(GROUP) != pl.col(GROUP).shift(1)


def cum_over(x: pl.Expr) -> pl.Expr:
    """Cumulative sum of ``x`` within each project-year, nulls as 0."""
    c = x.fill_null(0.0).cum_sum()
    return c - pl.when(_new_group().fill_null(True)).then(c - x.fill_null(0.0)).forward_fill()


def total_over(x: pl.Expr) -> pl.Expr:
    """Sum of ``x`` over each project-year, on every row of it."""
    c = cum_over(x)
    last = pl.col(GROUP) != pl.col(GROUP).shift(-1)
    return pl.when(last.fill_null(True)).then(c).backward_fill()


def lag_over(x: pl.Expr) -> pl.Expr:
    """``x`` of the previous quarter of the same project-year (null on its first row)."""
    return pl.when(_new_group().fill_null(True)).then(None).otherwise(x.shift(1))


def cumulative(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Cumulative flows to each quarter; windows look back only (rows are sorted by quarter first)."""
    return lf.sort(_Q).with_columns(pl.struct(KEY).rle_id().alias(GROUP)).with_columns(
        *(cum_over(pl.col(f)).alias(cum(f)) for f in FLOWS),
        cum_over(pl.col(RESTATED)).alias(cum(RESTATED)),
        total_over(pl.col(s.PLAN)).alias(cum("plan_total")),
        (total_over(pl.col(s.PLAN).is_null().cast(pl.Float64)) > 0).alias("__plan_partial"),
        total_over(pl.when(pl.col(s.QUARTER) <= 2).then(pl.col(s.PLAN))).alias("__plan_h1"),
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
    outstanding = lag_over(pl.col(cum(s.COMMITTED)))
    return lf.with_columns(
        pl.when(outstanding > 0).then((pl.col(s.DISBURSED) / outstanding).clip(0, 5)).alias(CONVERSION))


def momenta(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.with_columns(
        *(((pl.col(f) - lag_over(pl.col(f)).fill_null(0.0)) / pl.col(s.BUDGET))
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
        return lf.with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32)).join(prior, on=KEY, how="left",
                                                                           maintain_order="left")
    return step


COLUMNS = [*KEY, s.AGENCY, ORIGIN, s.BUDGET, *(cum(f) for f in FLOWS), *FEATURES]


def build_all(lf: pl.LazyFrame, target: float = CABINET_TARGET, with_outcomes: bool = True,
              history: pl.LazyFrame | None = None) -> pl.DataFrame:
    """Features of every project-year at every origin 1-4 in one pass: a row per project-year and quarter.

    The row of quarter q holds the features of origin q: every window looks back only
    (cumulative sums and shifts over quarters sorted ascending; totals over the plan, which is
    known from the start; outcomes of earlier years), so nothing after quarter q reaches it.
    ``history`` gives the earlier years' outcomes when ``lf`` has been masked (origin 0).
    """
    feats = (lf.pipe(cumulative).pipe(shares).pipe(paces).pipe(conversion).pipe(momenta)
             .pipe(required(target)).pipe(prior_year(lf if history is None else history))
             .with_columns(pl.col(s.QUARTER).cast(pl.Int8).alias(ORIGIN)))
    cols = list(COLUMNS)
    if with_outcomes:
        done = outcomes(lf if history is None else history).with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32))
        feats = feats.join(done, on=KEY, how="left", maintain_order="left")
        cols += list(TARGETS.values())
    return feats.select(cols).collect()  # in panel order: fiscal year, project, quarter


def build(lf: pl.LazyFrame, origin: int, target: float = CABINET_TARGET,
          with_outcomes: bool = True) -> pl.DataFrame:
    """Features of every project-year at ``origin`` (0-4): one row per fiscal_year, project_id.

    Origin 0 (nothing reported yet) gives the features at quarter 1 with every actual blank
    (``known_at``); origins 1-4 are the rows of ``build_all``.
    With ``with_outcomes`` the year-end shares (``y_true_*``) are joined where the year is complete.
    Money to date (MTHB) comes along as ``<flow>_cum`` for reporting.
    """
    if origin == 0:
        return (build_all(lf.pipe(known_at(0)), target, with_outcomes, history=lf)
                .filter(pl.col(ORIGIN) == 1).with_columns(pl.lit(0, pl.Int8).alias(ORIGIN)))
    return build_all(lf, target, with_outcomes).filter(pl.col(ORIGIN) == origin)
