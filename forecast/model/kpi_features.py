"""KPI features as known at a report date: pure polars steps with no look-ahead.

A *state* is one KPI of one project-year at an origin quarter ``q``: its definition and results as
known at a cutoff date (in a backtest, the report that first gave quarter ``q``; for a projection,
the snapshot's date). Every figure is in the KPI's direction (positive is better) and scale
(relative to its target), so that percentages, rates, averages and counts share one model:

* ``gap_naive`` - where the naive rule lands (a level at its value, a count at the pace to date)
  against the target;
* ``gap_plan`` - the value to date against the plan to date;
* ``momentum`` - the change of ``gap_plan`` since the previous quarter; ``volatility`` - the mean
  absolute quarterly change of ``gap_plan`` so far;
* ``prior_gap`` - the same KPI's year-end gap the year before (``has_prior`` where there is one);
* ``project_gap`` - the mean ``gap_naive`` of the project's other KPIs at the same origin (KPIs of
  one project, and sub-lines of one parent, move together);
* ``quarters_left``, the measure and the direction.

The outcome (``truth``) is the year-end value as last reported against the final definition.
"""

from __future__ import annotations

import polars as pl

from forecast.data import measure as ms
from forecast.data import schema as s

KEY = [s.FISCAL_YEAR, s.PROJECT_ID, s.KPI_ID]
PROJECT_KEY = [s.FISCAL_YEAR, s.PROJECT_ID]
ORIGIN = "origin_quarter"
CUTOFF = "cutoff"
DIRECTION = "direction"
SCALE = "scale"
VALUE_TO_DATE = "value_to_date"
VALUE_QUARTER = "value_quarter"
PLAN_TO_DATE = "plan_to_date"
PLAN_TOTAL = "plan_total"
NAIVE_END = "naive_year_end"
REACHED_QUARTER = "reached_quarter"
BUST_QUARTER = "bust_quarter"  # a cumulative "at most" KPI that has already gone past its ceiling
FINAL_VALUE = "final_value"
MET = "met"
GAP_END = "gap_end"

GAP_NAIVE = "gap_naive"
GAP_PLAN = "gap_plan"
MOMENTUM = "momentum"
VOLATILITY = "volatility"
PRIOR_GAP = "prior_gap"
HAS_PRIOR = "has_prior"
PROJECT_GAP = "project_gap"
KNOWN = "value_known"
QUARTERS_LEFT = "quarters_left"
IS_LEVEL = "is_level"
IS_MILESTONE = "is_milestone"
LOWER = "lower_is_better"
FEATURES = (
    GAP_NAIVE,
    GAP_PLAN,
    MOMENTUM,
    VOLATILITY,
    PRIOR_GAP,
    HAS_PRIOR,
    PROJECT_GAP,
    KNOWN,
    QUARTERS_LEFT,
    IS_LEVEL,
    IS_MILESTONE,
    LOWER,
)
CLIP = 2.0  # relative gaps beyond +-200% of the target carry no more information


def _latest(df: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    order = [s.AS_OF, *([s.VINTAGE] if s.VINTAGE in df.collect_schema().names() else [])]
    return df.sort(order, nulls_last=False).unique(key, keep="last")


def report_origins(results: pl.LazyFrame) -> pl.LazyFrame:
    """Backtest origins: per project-year and quarter 1-3, the date of the report that first gave it."""
    return (
        results.filter(pl.col(s.QUARTER) <= 3)
        .group_by(*PROJECT_KEY, pl.col(s.QUARTER).alias(ORIGIN))
        .agg(pl.col(s.AS_OF).min().alias(CUTOFF))
    )


def current_origins(results: pl.LazyFrame, kpis: pl.LazyFrame) -> pl.LazyFrame:
    """Projection origins: per project-year with KPIs, its last reported quarter (0 if none) and no cutoff."""
    last = results.group_by(PROJECT_KEY).agg(pl.col(s.QUARTER).max().alias(ORIGIN))
    return (
        kpis.select(PROJECT_KEY)
        .unique()
        .join(last, on=PROJECT_KEY, how="left")
        .with_columns(pl.col(ORIGIN).fill_null(0).cast(pl.Int8), pl.lit(None, pl.Date).alias(CUTOFF))
    )


def _known(df: pl.LazyFrame, origins: pl.LazyFrame) -> pl.LazyFrame:
    """Rows of ``df`` known at each origin's cutoff (all rows where the cutoff is empty)."""
    return df.join(origins, on=PROJECT_KEY, how="inner").filter(
        pl.col(CUTOFF).is_null() | pl.col(s.AS_OF).is_null() | (pl.col(s.AS_OF) <= pl.col(CUTOFF))
    )


def definitions(kpis: pl.LazyFrame, origins: pl.LazyFrame) -> pl.LazyFrame:
    """Each KPI's definition as known at each origin (its earliest one if none was known yet)."""
    k = ms.with_measure(kpis)
    at = _latest(_known(k, origins), [*KEY, ORIGIN])
    first = k.sort(s.AS_OF, nulls_last=False).unique(KEY, keep="first").join(origins, on=PROJECT_KEY, how="inner")
    return pl.concat([at, first.join(at.select(*KEY, ORIGIN), on=[*KEY, ORIGIN], how="anti")], how="diagonal")


def _values(results: pl.LazyFrame, origins: pl.LazyFrame, defs: pl.LazyFrame) -> pl.LazyFrame:
    """Per KPI and origin: the value to date, its quarter, the reached quarter and the gap path."""
    r = _latest(_known(results, origins).filter(pl.col(s.QUARTER) <= pl.col(ORIGIN)), [*KEY, ORIGIN, s.QUARTER])
    d = defs.select(*KEY, ORIGIN, s.TARGET, s.COMPARATOR, s.MEASURE, SCALE, DIRECTION, *s.PLAN_Q, s.PLAN_IS_CUMULATIVE)
    upto = pl.col(s.QUARTER).cast(pl.Int64)
    plan_at = pl.concat_list([pl.col(p) for p in s.PLAN_Q]).list.head(upto).list.drop_nulls().list.max()
    inc = [pl.col(p).fill_null(0) for p in s.PLAN_Q]
    plan_cum = pl.concat_list([pl.sum_horizontal(inc[: i + 1]) for i in range(4)]).list.get(
        pl.col(s.QUARTER).cast(pl.Int64) - 1
    )
    qplan = pl.when(pl.col(s.PLAN_IS_CUMULATIVE)).then(plan_at).otherwise(plan_cum)
    exact = pl.concat_list([pl.col(p) for p in s.PLAN_Q]).list.get(upto - 1)
    qplan = pl.when(pl.col(s.MEASURE) == s.LEVEL).then(pl.coalesce(exact, pl.col(s.TARGET))).otherwise(qplan)
    gap = (
        pl.col(DIRECTION)
        * (pl.col(s.VALUE) - qplan)
        / pl.when(qplan.abs() > 0).then(qplan.abs()).otherwise(pl.col(SCALE))
    )
    cumulative = pl.col(s.MEASURE) != s.LEVEL
    hit = ms.meets(pl.col(s.VALUE)) & cumulative & (pl.col(DIRECTION) > 0)
    bust = ~ms.meets(pl.col(s.VALUE)) & cumulative & (pl.col(DIRECTION) < 0)
    return (
        r.join(d, on=[*KEY, ORIGIN], how="inner")
        .filter(pl.col(s.VALUE).is_not_null())
        .with_columns(gap.clip(-CLIP, CLIP).alias(GAP_PLAN))
        .sort([*KEY, ORIGIN, s.QUARTER])
        .group_by([*KEY, ORIGIN])
        .agg(
            pl.col(s.VALUE).last().alias(VALUE_TO_DATE),
            pl.col(s.QUARTER).last().alias(VALUE_QUARTER),
            pl.col(s.QUARTER).filter(hit.fill_null(False)).min().alias(REACHED_QUARTER),
            pl.col(s.QUARTER).filter(bust.fill_null(False)).min().alias(BUST_QUARTER),
            pl.col(GAP_PLAN).last().alias(GAP_PLAN),
            (pl.col(GAP_PLAN).diff().last()).alias(MOMENTUM),
            pl.col(GAP_PLAN).diff().abs().mean().alias(VOLATILITY),
        )
    )


def _scaled(defs: pl.LazyFrame) -> pl.LazyFrame:
    plans = [pl.col(p) for p in s.PLAN_Q]
    target = pl.col(s.TARGET)
    plan_total = (
        pl.when(pl.col(s.PLAN_IS_CUMULATIVE))
        .then(pl.coalesce(*reversed(plans), target))
        .otherwise(
            pl.when(pl.any_horizontal(p.is_not_null() for p in plans)).then(pl.sum_horizontal(plans)).otherwise(target)
        )
    )
    return defs.with_columns(
        ms.direction().alias(DIRECTION),
        pl.when(target.abs() > 0)
        .then(target.abs())
        .otherwise(pl.max_horizontal(plan_total.abs(), pl.lit(1.0)))
        .alias(SCALE),
        plan_total.alias(PLAN_TOTAL),
    )


def _plan_to_date(q: pl.Expr) -> pl.Expr:
    plans = [pl.col(p) for p in s.PLAN_Q]
    due = [pl.when(pl.lit(i + 1) <= q).then(p) for i, p in enumerate(plans)]
    return (
        pl.when(pl.col(s.PLAN_IS_CUMULATIVE))
        .then(pl.max_horizontal(due).fill_null(0.0))
        .otherwise(pl.sum_horizontal(due))
    )


def states(kpis: pl.LazyFrame, results: pl.LazyFrame, origins: pl.LazyFrame) -> pl.LazyFrame:
    """One row per KPI and origin: definition, value to date, plan to date and the model's features."""
    defs = _scaled(definitions(kpis, origins))
    vals = _values(results, origins, defs)
    q = pl.col(ORIGIN).cast(pl.Int8)
    v = pl.col(VALUE_TO_DATE)
    d = pl.col(DIRECTION)
    level = pl.col(s.MEASURE) == s.LEVEL
    pace_end = (
        pl.when(pl.col(PLAN_TO_DATE) > 0)
        .then(v * pl.col(PLAN_TOTAL) / pl.col(PLAN_TO_DATE))
        .otherwise(v.fill_null(0) + pl.col(PLAN_TOTAL) - pl.col(PLAN_TO_DATE))
    )
    naive = pl.when(level).then(v).otherwise(pl.when(q >= 4).then(v).otherwise(pace_end))
    out = (
        defs.join(vals, on=[*KEY, ORIGIN], how="left")
        .with_columns(_plan_to_date(q).alias(PLAN_TO_DATE), (4 - q).clip(0, 4).cast(pl.Int8).alias(QUARTERS_LEFT))
        .with_columns(naive.alias(NAIVE_END), v.is_not_null().alias(KNOWN))
        .with_columns(
            (d * (pl.col(NAIVE_END) - pl.col(s.TARGET)) / pl.col(SCALE))
            .clip(-CLIP, CLIP)
            .fill_null(0.0)
            .alias(GAP_NAIVE)
        )
    )
    others = (
        out.filter(pl.col(KNOWN))
        .group_by([*PROJECT_KEY, ORIGIN])
        .agg(pl.col(GAP_NAIVE).sum().alias("_sum"), pl.len().alias("_n"))
    )
    prior = _prior(out)
    return (
        out.join(others, on=[*PROJECT_KEY, ORIGIN], how="left")
        .join(prior, on=[s.PROJECT_ID, s.KPI_ID, s.FISCAL_YEAR], how="left")
        .with_columns(
            pl.when(pl.col("_n") - pl.col(KNOWN).cast(pl.Int64) > 0)
            .then(
                (pl.col("_sum") - pl.when(pl.col(KNOWN)).then(pl.col(GAP_NAIVE)).otherwise(0.0))
                / (pl.col("_n") - pl.col(KNOWN).cast(pl.Int64))
            )
            .otherwise(0.0)
            .alias(PROJECT_GAP),
            pl.col(GAP_PLAN).fill_null(0.0),
            pl.col(MOMENTUM).fill_null(0.0),
            pl.col(VOLATILITY).fill_null(0.0),
            pl.col(PRIOR_GAP).is_not_null().alias(HAS_PRIOR),
            pl.col(PRIOR_GAP).fill_null(0.0),
            level.alias(IS_LEVEL),
            (pl.col(s.MEASURE) == s.MILESTONE).alias(IS_MILESTONE),
            (d < 0).alias(LOWER),
        )
        .drop("_sum", "_n")
    )


def _prior(out: pl.LazyFrame) -> pl.LazyFrame:
    """The same KPI's year-end gap the fiscal year before (from the states at origin 4, when given)."""
    return (
        out.filter((pl.col(ORIGIN) == 4) & pl.col(KNOWN))
        .select(
            s.PROJECT_ID, s.KPI_ID, (pl.col(s.FISCAL_YEAR) + 1).alias(s.FISCAL_YEAR), pl.col(GAP_NAIVE).alias(PRIOR_GAP)
        )
        .unique([s.PROJECT_ID, s.KPI_ID, s.FISCAL_YEAR], keep="last")
    )


def truth(kpis: pl.LazyFrame, results: pl.LazyFrame) -> pl.LazyFrame:
    """Per KPI-year with Q4 reported: the year-end value as last reported and whether it met the final target."""
    final_def = _scaled(ms.with_measure(_latest(kpis, KEY)))
    final = _latest(results.filter(pl.col(s.QUARTER) == 4), KEY).select(*KEY, pl.col(s.VALUE).alias(FINAL_VALUE))
    return (
        final_def.join(final, on=KEY, how="inner")
        .filter(pl.col(FINAL_VALUE).is_not_null())
        .select(
            *KEY,
            FINAL_VALUE,
            ms.meets(pl.col(FINAL_VALUE)).alias(MET),
            (pl.col(DIRECTION) * (pl.col(FINAL_VALUE) - pl.col(s.TARGET)) / pl.col(SCALE))
            .clip(-CLIP, CLIP)
            .alias(GAP_END),
        )
    )


def _complete(df: pl.DataFrame, table: str) -> pl.DataFrame:
    """The frame with every column of its template table (missing optional ones empty)."""
    t = s.TABLES[table]
    return df.with_columns(*(pl.lit(None, c.dtype).alias(c.name) for c in t.columns if c.name not in df.columns))


def training_rows(kpis: pl.DataFrame, results: pl.DataFrame) -> pl.DataFrame:
    """States at origins 1-3 of every KPI-year with a known outcome, with the outcome; and the states at
    origin 4 that give the next year its ``prior_gap``."""
    k, r = kpis.lazy(), results.lazy()
    at4 = (
        results.lazy()
        .filter(pl.col(s.QUARTER) == 4)
        .group_by(PROJECT_KEY)
        .agg(pl.lit(4, pl.Int8).alias(ORIGIN), pl.lit(None, pl.Date).alias(CUTOFF))
    )
    origins = pl.concat([report_origins(r).with_columns(pl.col(ORIGIN).cast(pl.Int8)), at4], how="diagonal")
    st = states(k, r, origins).filter(pl.col(ORIGIN) <= 3)
    return st.join(truth(k, r), on=KEY, how="inner").sort([*KEY, ORIGIN]).collect()


def current(
    kpis: pl.DataFrame,
    results: pl.DataFrame,
    history_kpis: pl.DataFrame | None = None,
    history_results: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The state of every KPI of the given (current) year at its project's last reported quarter, with
    ``prior_gap`` from the year before where ``history_*`` hold it."""
    kpis, results = _complete(kpis, "kpis"), _complete(results, "kpi_results")
    k, r = kpis.lazy(), results.lazy()
    origins = current_origins(r, k)
    if history_kpis is not None and history_results is not None and not history_kpis.is_empty():
        hk = pl.concat([_complete(history_kpis, "kpis").lazy(), k], how="diagonal_relaxed")
        hr = pl.concat([_complete(history_results, "kpi_results").lazy(), r], how="diagonal_relaxed")
        at4 = (
            hr.filter(pl.col(s.QUARTER) == 4)
            .group_by(PROJECT_KEY)
            .agg(pl.lit(4, pl.Int8).alias(ORIGIN), pl.lit(None, pl.Date).alias(CUTOFF))
        )
        origins_all = pl.concat(
            [origins, at4.join(origins.select(PROJECT_KEY), on=PROJECT_KEY, how="anti")], how="diagonal"
        )
        years = kpis[s.FISCAL_YEAR].unique().to_list()
        return (
            states(hk, hr, origins_all)
            .join(origins, on=[*PROJECT_KEY, ORIGIN], how="semi")
            .filter(pl.col(s.FISCAL_YEAR).is_in(years))
            .sort(KEY)
            .collect()
        )
    return states(k, r, origins).sort(KEY).collect()
