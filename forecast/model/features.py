"""Disbursement-pace features per project-year and origin quarter, as known in real time.

The input is a ``Snapshot`` (every version of the projects and finance tables). ``panel``
lays it out as *knowledge states*: for each project-year and each date on which something
about it was reported (a finance report, a budget revision), the four quarters as known on
that date - each quarter's latest figure dated on or before it, the budget in force then,
how often the budget had been revised, and how much each quarter's disbursement had been
restated since it was first reported. Every feature is a pure ``LazyFrame -> LazyFrame``
step windowed per state (``cum_over``, ``total_over``, ``lag_over``: runs of the sorted
panel); ``build_all`` composes them with ``.pipe`` and collects once.

No look-ahead, in two ways. The origin of quarter q is the state of the report that first
gave quarter q's actuals: later reports (restatements, budget and plan revisions) do not
reach its features. And within a state, ``known_at(q)`` blanks every actual after quarter q,
so a history with one report per year (all four quarters at once) behaves as before.
The year-end truth comes from the latest state; prior-year features from the prior year's
outcome as known at the origin. Feature names are derived in one place (``FEATURES``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from forecast.data import schema as s
from forecast.data.snapshot import Snapshot

# --- names -----------------------------------------------------------------------
RESTATED = "restated"  # panel: |figure at the state - first reported figure| of the quarter's disbursed
STATE = "state_as_of"  # panel: the date of the knowledge state a row belongs to
ORIGIN = "origin_quarter"
BUDGET_FIRST = "budget_first"
BUDGET_FINAL = "budget_final"
BUDGET_REVISION_COUNT = "budget_revisions"
FLOWS = (s.PLAN, s.DISBURSED, s.COMMITTED, s.SPEND)
CABINET_TARGET = s.DEFAULT_TARGET  # the name bench/accuracy.py uses; the value is declared in schema
EPOCH = dt.date(1, 1, 1)  # a projects row without as_of holds from the start


def cum(flow: str) -> str:
    """Cumulative flow to the origin quarter; for committed: the commitments outstanding."""
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
BUDGET_REVISION = "budget_revision_log"
PLAN_REVISION_SHARE = share("plan_revision")
PRIOR_DISBURSED = "prior_year_disbursed_share"
PRIOR_SPEND = "prior_year_spend_share"
PRIOR_Q4 = "prior_year_q4_share"
QUARTERS_LEFT = "quarters_left"
REQUIRED = required_rate(s.DEFAULT_TARGET)

Y_DISBURSED = "y_true_disbursed_share"
Y_SPEND = "y_true_spend_share"
Y_RATIO = "y_true_disbursed_ratio"  # year-end disbursed / the budget known at the origin (amounts, revisions included)
AMOUNT_TARGET = "amount"
TARGETS = {s.DISBURSED: Y_DISBURSED, s.SPEND: Y_SPEND, AMOUNT_TARGET: Y_RATIO}
AMOUNT = {s.DISBURSED: "y_true_disbursed", s.SPEND: "y_true_spend"}  # year-end amounts, the store's unit

FEATURES: dict[str, str] = {
    **{share(cum(f)): f"cumulative {f} to the origin quarter / budget at the origin" for f in FLOWS},
    pace(s.DISBURSED): "disbursed to date / plan to date",
    pace(s.SPEND): "spend (disbursed + committed) to date / plan to date (empty: commitments not reported)",
    PAID_RATIO: "disbursed to date / spend to date: how much of what was contracted is paid",
    CONVERSION: "disbursed in the origin quarter / commitments outstanding at the previous quarter end",
    REMAINING_PLAN_SHARE: "plan for the quarters after the origin / budget (budget - plan to date if not given)",
    PLAN_TOTAL_SHARE: "plan for the whole year / budget",
    REQUIRED: "share of budget to disburse per remaining quarter to reach the target",
    FRONT_LOADING: "plan for Q1+Q2 / plan for the year",
    momentum(s.DISBURSED): "disbursed share in the origin quarter minus in the quarter before",
    momentum(s.SPEND): "spend share in the origin quarter minus in the quarter before",
    RESTATED_SHARE: "disbursed restated between reports, to date / budget",
    LOG_BUDGET: "natural log of the budget at the origin (the size of the line)",
    BUDGET_REVISION: "log of budget at the origin / first budget of the year: revisions to date (0: none)",
    BUDGET_REVISION_COUNT: "how many times the budget was revised up to the origin",
    PLAN_REVISION_SHARE: "year's plan at the origin minus the first plan of the year / budget",
    PRIOR_DISBURSED: "the line's year-end disbursed share in the previous fiscal year, as known at the origin",
    PRIOR_SPEND: "the line's year-end spend share in the previous fiscal year, as known at the origin",
    PRIOR_Q4: "the share of the previous year's disbursement paid in its Q4 (the line's year-end catch-up)",
    QUARTERS_LEFT: "quarters left after the origin",
}
KEY = [s.FISCAL_YEAR, s.PROJECT_ID]
_S = [*KEY, STATE]
_Q = [*_S, s.QUARTER]


# --- the panel ---------------------------------------------------------------------
def panel(snap: Snapshot) -> pl.LazyFrame:
    """Knowledge states of every project-year in a snapshot: 4 quarter rows per state.

    Returns
    -------
    LazyFrame with fiscal_year, project_id, state_as_of, agency (else owner), plan line, quarter 1-4, the
    budget in force at
    the state (``budget``), the year's first budget, the count of budget revisions to the state, the
    four flows as Float64 in the store's unit, and ``restated``; quarters not yet reported (or not
    listed by any report up to the state) have null flows.
    """
    fin = snap.versions["finance"].lazy()
    proj = snap.versions["projects"].lazy().with_columns(pl.col(s.AS_OF).fill_null(EPOCH))
    dates = pl.concat(
        [
            fin.select(*KEY, pl.col(s.AS_OF).alias(STATE)),
            proj.filter(pl.col(s.AS_OF) > EPOCH).select(*KEY, pl.col(s.AS_OF).alias(STATE)),
        ]
    )
    have = proj.select(KEY).unique()
    states = dates.unique().join(have, on=KEY, how="semi")
    # a project-year with a budget and no report yet still has a state (its plan may be all there is)
    states = pl.concat(
        [states, have.join(states.select(KEY).unique(), on=KEY, how="anti").with_columns(pl.lit(EPOCH).alias(STATE))]
    )
    quarters = pl.LazyFrame({s.QUARTER: list(s.QUARTERS)}, schema={s.QUARTER: pl.Int8})
    grid = states.join(quarters, how="cross").sort(STATE)

    versions = fin.select(*KEY, s.QUARTER, s.AS_OF, *(pl.col(f).cast(pl.Float64) for f in FLOWS)).sort(s.AS_OF)
    first = (
        fin.filter(pl.col(s.DISBURSED).is_not_null())
        .sort(s.AS_OF)
        .group_by([*KEY, s.QUARTER])
        .agg(pl.col(s.DISBURSED).first().cast(pl.Float64).alias("__first"))
    )
    at = (
        grid.join_asof(
            versions, left_on=STATE, right_on=s.AS_OF, by=[*KEY, s.QUARTER], strategy="backward", check_sortedness=False
        )
        .join(first, on=[*KEY, s.QUARTER], how="left")
        .with_columns((pl.col(s.DISBURSED) - pl.col("__first")).abs().fill_null(0.0).alias(RESTATED))
        .drop("__first")
    )

    budgets = proj.sort(s.AS_OF).select(
        *KEY,
        pl.col(s.AS_OF).alias("__p_as_of"),
        group_agency().alias(s.AGENCY),
        pl.col(s.PLAN_LINE),
        pl.col(s.BUDGET).cast(pl.Float64),
        pl.col(s.BUDGET).cast(pl.Float64).first().over(KEY, order_by=s.AS_OF).alias(BUDGET_FIRST),
        (pl.col(s.BUDGET) != pl.col(s.BUDGET).shift(1))
        .fill_null(False)
        .cast(pl.Int32)
        .cum_sum()
        .over(KEY, order_by=s.AS_OF)
        .alias(BUDGET_REVISION_COUNT),
    )
    return (
        at.sort(STATE)
        .join_asof(
            budgets.sort("__p_as_of"),
            left_on=STATE,
            right_on="__p_as_of",
            by=KEY,
            strategy="backward",
            check_sortedness=False,
        )
        .drop("__p_as_of", s.AS_OF)
        .sort(_Q)
    )


def group_agency() -> pl.Expr:
    """The agency a line belongs to: ``agency`` where given, else its ``owner`` (a state body in budget data)."""
    return pl.coalesce(pl.col(s.AGENCY).replace("", None), pl.col(s.OWNER).replace("", None))


def _reported(lf: pl.LazyFrame) -> pl.Expr:
    return pl.col(s.DISBURSED).is_not_null() | pl.col(s.SPEND).is_not_null()


def origin_states(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per project-year and origin 1-4: the state of the report that first gave that quarter's actuals."""
    return (
        lf.filter(_reported(lf))
        .group_by(*KEY, s.QUARTER)
        .agg(pl.col(STATE).min())
        .select(*KEY, pl.col(s.QUARTER).alias(ORIGIN), STATE)
    )


def current_states(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per project-year: the latest state and the last quarter reported in it (0 if none)."""
    last = lf.group_by(KEY).agg(pl.col(STATE).max())
    at = lf.join(last, on=_S, how="semi")
    return at.group_by(_S).agg(pl.col(s.QUARTER).filter(_reported(at)).max().fill_null(0).cast(pl.Int8).alias(ORIGIN))


def outcomes(lf: pl.LazyFrame, every_state: bool = False) -> pl.LazyFrame:
    """Year-end outcomes of complete project-years (all four quarters' disbursement reported).

    From the latest state (the truth); with ``every_state``, at each state where the year was complete
    (what was known of the outcome on that date, for prior-year features). Shares are of the budget in
    force at the state; years whose final budget is 0 (a line closed during the year) have no share.
    """
    if not every_state:
        lf = lf.join(lf.group_by(KEY).agg(pl.col(STATE).max()), on=_S, how="semi")
    spend_known = pl.col(s.SPEND).is_not_null().all()
    out = (
        lf.group_by(_S)
        .agg(
            pl.col(s.DISBURSED).is_not_null().all().alias("__complete"),
            pl.len().alias("__n"),
            pl.col(s.BUDGET).first().alias(BUDGET_FINAL),
            pl.col(s.DISBURSED).sum().alias(AMOUNT[s.DISBURSED]),
            pl.when(spend_known).then(pl.col(s.SPEND).sum()).alias(AMOUNT[s.SPEND]),
            pl.when(pl.col(s.DISBURSED).sum() > 0)
            .then(pl.col(s.DISBURSED).filter(pl.col(s.QUARTER) == 4).sum() / pl.col(s.DISBURSED).sum())
            .alias(PRIOR_Q4),
        )
        .filter(pl.col("__complete") & (pl.col("__n") == 4))
    )
    positive = pl.col(BUDGET_FINAL) > 0
    return out.select(
        *_S,
        BUDGET_FINAL,
        *AMOUNT.values(),
        PRIOR_Q4,
        *(
            pl.when(positive).then(pl.col(AMOUNT[f]) / pl.col(BUDGET_FINAL)).alias(TARGETS[f])
            for f in (s.DISBURSED, s.SPEND)
        ),
    )


# --- features (pure, windowed per knowledge state) ---------------------------------
def known_at(origin: int):
    """Blank every actual (and its restatement) of quarters after ``origin``."""

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        late = pl.col(s.QUARTER) > origin
        return lf.with_columns(
            *(
                pl.when(late).then(None).otherwise(pl.col(c)).alias(c)
                for c in (s.DISBURSED, s.COMMITTED, s.SPEND, RESTATED)
            )
        )

    return step


# Windows per state. The panel is sorted by fiscal year, project, state and quarter, so each state is
# one run of rows: ``GROUP`` numbers the runs, and the window sums and shifts below are computed along
# the run (the same as ``.over(...)``, without hashing millions of groups).
GROUP = "__group"


def _new_group() -> pl.Expr:
    return pl.col(GROUP) != pl.col(GROUP).shift(1)


def cum_over(x: pl.Expr) -> pl.Expr:
    """Cumulative sum of ``x`` within each state, nulls as 0."""
    c = x.fill_null(0.0).cum_sum()
    return c - pl.when(_new_group().fill_null(True)).then(c - x.fill_null(0.0)).forward_fill()


def total_over(x: pl.Expr) -> pl.Expr:
    """Sum of ``x`` over each state, on every row of it."""
    c = cum_over(x)
    last = pl.col(GROUP) != pl.col(GROUP).shift(-1)
    return pl.when(last.fill_null(True)).then(c).backward_fill()


def lag_over(x: pl.Expr) -> pl.Expr:
    """``x`` of the previous quarter of the same state (null on its first row)."""
    return pl.when(_new_group().fill_null(True)).then(None).otherwise(x.shift(1))


def cumulative(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Cumulative flows to each quarter; windows look back only (rows are sorted by quarter first).

    A flow with no figure at all to date (commitments not reported) stays empty rather than 0.
    """
    reported = {f: cum_over(pl.col(f).is_not_null().cast(pl.Float64)) > 0 for f in (s.COMMITTED, s.SPEND)}
    return (
        lf.sort(_Q)
        .with_columns(pl.struct(_S).rle_id().alias(GROUP))
        .with_columns(
            *(
                pl.when(reported[f]).then(cum_over(pl.col(f))).alias(cum(f))
                if f in reported
                else cum_over(pl.col(f)).alias(cum(f))
                for f in FLOWS
            ),
            cum_over(pl.col(RESTATED)).alias(cum(RESTATED)),
            total_over(pl.col(s.PLAN)).alias(cum("plan_total")),
            (total_over(pl.col(s.PLAN).is_null().cast(pl.Float64)) > 0).alias("__plan_partial"),
            total_over(pl.when(pl.col(s.QUARTER) <= 2).then(pl.col(s.PLAN))).alias("__plan_h1"),
        )
    )


def shares(lf: pl.LazyFrame) -> pl.LazyFrame:
    budget = pl.col(s.BUDGET)
    positive = budget > 0
    total = pl.when(pl.col("__plan_partial")).then(budget).otherwise(pl.col(cum("plan_total")))

    def of_budget(x: pl.Expr) -> pl.Expr:
        return pl.when(positive).then(x / budget)

    return lf.with_columns(
        *(of_budget(pl.col(cum(f))).alias(share(cum(f))) for f in FLOWS),
        of_budget(pl.col(cum(RESTATED))).alias(RESTATED_SHARE),
        of_budget(total).alias(PLAN_TOTAL_SHARE),
        of_budget((total - pl.col(cum(s.PLAN))).clip(0)).alias(REMAINING_PLAN_SHARE),
        pl.when(pl.col("__plan_partial") | (pl.col(cum("plan_total")) <= 0))
        .then(None)
        .otherwise(pl.col("__plan_h1") / pl.col(cum("plan_total")))
        .alias(FRONT_LOADING),
        pl.when(positive).then(budget.log()).alias(LOG_BUDGET),
        pl.when(positive & (pl.col(BUDGET_FIRST) > 0))
        .then((budget / pl.col(BUDGET_FIRST)).log())
        .alias(BUDGET_REVISION),
    )


def paces(lf: pl.LazyFrame) -> pl.LazyFrame:
    planned = pl.col(cum(s.PLAN))
    return lf.with_columns(
        *(pl.when(planned > 0).then(pl.col(cum(f)) / planned).alias(pace(f)) for f in (s.DISBURSED, s.SPEND)),
        pl.when(pl.col(cum(s.SPEND)) > 0).then(pl.col(cum(s.DISBURSED)) / pl.col(cum(s.SPEND))).alias(PAID_RATIO),
    )


def conversion(lf: pl.LazyFrame) -> pl.LazyFrame:
    """How fast commitments turn into payments: this quarter's disbursed over last quarter's outstanding."""
    outstanding = lag_over(pl.col(cum(s.COMMITTED)))
    return lf.with_columns(
        pl.when(outstanding > 0).then((pl.col(s.DISBURSED) / outstanding).clip(0, 5)).alias(CONVERSION)
    )


def momenta(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.with_columns(
        *(
            pl.when(pl.col(s.BUDGET) > 0)
            .then((pl.col(f) - lag_over(pl.col(f)).fill_null(0.0)) / pl.col(s.BUDGET))
            .alias(momentum(f))
            for f in (s.DISBURSED, s.SPEND)
        )
    )


def required(target: float = s.DEFAULT_TARGET):
    """Share of budget to disburse per remaining quarter to reach ``target`` (column ``REQUIRED``)."""

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        left = 4 - pl.col(s.QUARTER).cast(pl.Int32)
        gap = (pl.lit(target) - pl.col(share(cum(s.DISBURSED)))).clip(0)
        return lf.with_columns(
            left.alias(QUARTERS_LEFT), pl.when(left > 0).then(gap / left).otherwise(gap).alias(REQUIRED)
        )

    return step


def plan_revision(first_totals: pl.LazyFrame):
    """The year's plan at the state against the year's first complete plan (a share of the budget)."""

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        return (
            lf.join(first_totals, on=KEY, how="left", maintain_order="left")
            .with_columns(
                pl.when(~pl.col("__plan_partial") & (pl.col(s.BUDGET) > 0))
                .then((pl.col(cum("plan_total")) - pl.col("__plan_first")) / pl.col(s.BUDGET))
                .alias(PLAN_REVISION_SHARE)
            )
            .drop("__plan_first")
        )

    return step


def prior_year(known: pl.LazyFrame):
    """The line's previous-year outcome as known at each state (complete years only: no look-ahead)."""
    prior = known.select(
        (pl.col(s.FISCAL_YEAR) + 1).cast(pl.Int32).alias(s.FISCAL_YEAR),
        s.PROJECT_ID,
        pl.col(STATE).alias("__prior_state"),
        pl.col(Y_DISBURSED).alias(PRIOR_DISBURSED),
        pl.col(Y_SPEND).alias(PRIOR_SPEND),
        pl.col(PRIOR_Q4),
    ).sort("__prior_state")

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        return (
            lf.with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32))
            .with_row_index("__order")
            .sort(STATE)
            .join_asof(
                prior, left_on=STATE, right_on="__prior_state", by=KEY, strategy="backward", check_sortedness=False
            )
            .sort("__order")
            .drop("__order", "__prior_state")
        )

    return step


COLUMNS = [*KEY, s.AGENCY, s.PLAN_LINE, ORIGIN, STATE, s.BUDGET, *(cum(f) for f in FLOWS), *FEATURES]


def _first_plan_totals(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per project-year: the plan total of its first state with a plan for all four quarters."""
    complete = lf.group_by(_S).agg(
        pl.col(s.PLAN).sum().alias("__plan_first"), pl.col(s.PLAN).is_not_null().all().alias("__full")
    )
    return (
        complete.filter("__full")
        .sort(STATE)
        .group_by(KEY)
        .agg(pl.col("__plan_first").first())
        .with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32))
    )


def _features(lf: pl.LazyFrame, target: float, history: pl.LazyFrame) -> pl.LazyFrame:
    known = outcomes(history, every_state=True)
    return (
        lf.pipe(cumulative)
        .pipe(shares)
        .pipe(paces)
        .pipe(conversion)
        .pipe(momenta)
        .pipe(required(target))
        .pipe(plan_revision(_first_plan_totals(history)))
        .pipe(prior_year(known))
    )


def build_all(lf: pl.LazyFrame, target: float = s.DEFAULT_TARGET, with_outcomes: bool = True) -> pl.DataFrame:
    """Features of every project-year at every origin 0-4 as known then: a row per project-year and origin.

    Origin q (1-4) is the row of quarter q in the state that first reported quarter q; every window
    looks back only, so nothing after quarter q, and nothing reported later, reaches it. Origin 0 is the
    first state with every actual blank (``known_at(0)``).
    With ``with_outcomes`` the year-end truth (from the latest state) is joined where the year is complete.
    """
    lf = lf.collect().lazy()  # read several times below
    every = _features(lf, target, lf)
    at_origin = every.join(
        origin_states(lf), left_on=[*_S, s.QUARTER], right_on=[*_S, ORIGIN], how="inner", maintain_order="left"
    ).with_columns(pl.col(s.QUARTER).cast(pl.Int8).alias(ORIGIN))
    first = lf.join(lf.group_by(KEY).agg(pl.col(STATE).min()), on=_S, how="semi")
    zero = (
        _features(first.pipe(known_at(0)), target, lf)
        .filter(pl.col(s.QUARTER) == 1)
        .with_columns(pl.lit(0, pl.Int8).alias(ORIGIN))
    )
    feats = pl.concat([zero.select(COLUMNS), at_origin.select(COLUMNS)])
    if with_outcomes:
        done = outcomes(lf).drop(STATE).with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32)).drop(PRIOR_Q4)
        feats = feats.join(done, on=KEY, how="left", maintain_order="left").with_columns(
            pl.when((pl.col(BUDGET_FINAL) > 0) & (pl.col(s.BUDGET) > 0))
            .then(pl.col(AMOUNT[s.DISBURSED]) / pl.col(s.BUDGET))
            .alias(Y_RATIO)
        )
    return feats.sort([*KEY, ORIGIN]).collect()


def build(lf: pl.LazyFrame, origin: int, target: float = s.DEFAULT_TARGET, with_outcomes: bool = True) -> pl.DataFrame:
    """Features of every project-year at ``origin`` (0-4): one row per fiscal_year, project_id."""
    return build_all(lf, target, with_outcomes).filter(pl.col(ORIGIN) == origin)


def build_current(lf: pl.LazyFrame, target: float = s.DEFAULT_TARGET) -> pl.DataFrame:
    """Features of every project-year at its latest state, from its last reported quarter (0: none yet)."""
    lf = lf.collect().lazy()
    cur = current_states(lf)
    every = _features(lf.join(cur.select(_S), on=_S, how="semi"), target, lf)
    reported = every.join(
        cur, left_on=[*_S, s.QUARTER], right_on=[*_S, ORIGIN], how="inner", maintain_order="left"
    ).with_columns(pl.col(s.QUARTER).cast(pl.Int8).alias(ORIGIN))
    none = cur.filter(pl.col(ORIGIN) == 0).select(_S)
    zero = (
        _features(lf.join(none, on=_S, how="semi").pipe(known_at(0)), target, lf)
        .filter(pl.col(s.QUARTER) == 1)
        .with_columns(pl.lit(0, pl.Int8).alias(ORIGIN))
    )
    return pl.concat([zero.select(COLUMNS), reported.select(COLUMNS)]).sort(KEY).collect()
