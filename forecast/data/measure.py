"""What a KPI's value is (its ``measure``) and which way is better (its direction), as polars expressions.

A KPI's ``measure`` is given in the ``kpis`` table or, when left empty, inferred by this rule, in
order (the first that applies):

1. unit ``percent`` or ``score``: a **level** (the latest value is the year's value so far);
2. a target or quarterly plan with a fractional part (a rate, an average: 1.07 injuries per 100,000
   hours): a **level**;
3. a discrete unit (items, use cases, datasets, ...) with two or more cumulative plans whose first is
   already half the target or more (a year-to-date target that does not build up from zero, such as a
   mean distance between failures of 3,767 or an employee lost-time rate of 6): a **level**;
4. a discrete unit with a target of at most 10, higher being better: a **milestone**;
5. otherwise **cumulative** (persons, services, visits, money: counts that add up over the year).

``validate`` warns for each KPI whose measure it inferred, and every KPI basis says so.
"""

from __future__ import annotations

import polars as pl

from forecast.data import schema as s

DISCRETE_UNITS = ("item", "use_case", "dataset", "mechanism", "sector", "domain", "system", "organization")
LEVEL_UNITS = ("percent", "score")
MILESTONE_MAX = 10
MEASURE_INFERRED = "measure_inferred"


def inferred() -> pl.Expr:
    """The measure the documented rule gives a KPI row (ignoring any given one)."""
    target = pl.col(s.TARGET)
    plans = [pl.col(p) for p in s.PLAN_Q]
    fractional = pl.any_horizontal(((v - v.round(0)).abs() > 1e-9).fill_null(False) for v in (target, *plans))
    discrete = pl.col(s.UNIT).is_in(list(DISCRETE_UNITS))
    given = pl.sum_horizontal(p.is_not_null().cast(pl.Int8) for p in plans)
    first = pl.coalesce(*plans)
    flat = pl.col(s.PLAN_IS_CUMULATIVE).fill_null(False) & (given >= 2) & (first.abs() >= 0.5 * target.abs())
    return (
        pl.when(pl.col(s.UNIT).is_in(list(LEVEL_UNITS)))
        .then(pl.lit(s.LEVEL))
        .when(fractional)
        .then(pl.lit(s.LEVEL))
        .when(discrete & flat)
        .then(pl.lit(s.LEVEL))
        .when(discrete & (target.abs() <= MILESTONE_MAX) & ~pl.col(s.COMPARATOR).is_in(list(s.LOWER_IS_BETTER)))
        .then(pl.lit(s.MILESTONE))
        .otherwise(pl.lit(s.CUMULATIVE))
    )


def with_measure(kpis: pl.LazyFrame | pl.DataFrame):
    """The KPIs with ``measure`` filled (given, else inferred) and ``measure_inferred`` telling which."""
    has = s.MEASURE in kpis.collect_schema().names()
    given = pl.col(s.MEASURE) if has else pl.lit(None, pl.String)
    return kpis.with_columns(
        given.is_null().alias(MEASURE_INFERRED),
        pl.coalesce(given, inferred()).alias(s.MEASURE),
    )


def direction() -> pl.Expr:
    """+1 where higher is better (>=, >), -1 where lower is (<=, <)."""
    return pl.when(pl.col(s.COMPARATOR).is_in(list(s.LOWER_IS_BETTER))).then(-1.0).otherwise(1.0)


def meets(value: pl.Expr, target: pl.Expr | None = None) -> pl.Expr:
    """Whether ``value`` meets the target in the KPI's direction (strict for > and <)."""
    t = pl.col(s.TARGET) if target is None else target
    c = pl.col(s.COMPARATOR)
    return (
        pl.when(c == ">")
        .then(value > t)
        .when(c == "<")
        .then(value < t)
        .when(c == "<=")
        .then(value <= t)
        .otherwise(value >= t)
    )
