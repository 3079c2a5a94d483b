"""Which figures changed between versions of the same record: a pure function of the stored rows.

A change is a figure that differs from the last earlier *non-empty* figure for the same key: a
quarter reported for the first time is not a change (a planned figure given where the plan
was empty is), and neither is a blank in a later report where an actual or an optional, as-printed
figure stood: a figure not given again (a Q3 report that leaves the optional ``*_cum_reported``
columns of Q2 empty) is "not reported again", not a restatement to blank, and a figure given again
after a blank is compared with the last one given. A plan is given whole, so a planned figure that
becomes blank (a KPI's quarterly plan moved to another quarter) is still a revision.
Each change has a ``kind``:

* ``correction`` - a later ingest changed the figure of the same report (same ``as_of``);
* ``restatement`` - a later report changed an actual (disbursed, committed, spend, a KPI value);
* ``revision`` - a later report changed a plan, a budget or a target (planned figures).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import polars as pl

from forecast import labels
from forecast.data import schema as s

CORRECTION, RESTATEMENT, REVISION = "correction", "restatement", "revision"
PLANNED = {s.PLAN, s.BUDGET, s.BUDGET_CUT, s.TARGET, *s.PLAN_Q, *s.TIERS.values(), s.PLAN_CUM_REPORTED}
KEY_TEXT = "key"
TABLE, COLUMN, KIND, CHANGE = "table", "column", "kind", "change"
OLD_VALUE, OLD_AS_OF, OLD_VINTAGE = "old_value", "old_as_of", "old_vintage"
NEW_VALUE, NEW_AS_OF, NEW_VINTAGE = "new_value", "new_as_of", "new_vintage"
SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    TABLE: pl.String,
    s.FISCAL_YEAR: pl.Int32,
    s.PROJECT_ID: pl.String,
    KEY_TEXT: pl.String,
    COLUMN: pl.String,
    OLD_VALUE: pl.String,
    OLD_AS_OF: pl.Date,
    OLD_VINTAGE: pl.Int32,
    NEW_VALUE: pl.String,
    NEW_AS_OF: pl.Date,
    NEW_VINTAGE: pl.Int32,
    CHANGE: pl.Float64,
    KIND: pl.String,
}


KEY_PARTS = (s.QUARTER, s.KPI_ID)  # the key columns a change's ``key`` text names ("quarter 1, kpi_id 2")


def key_label(key: str, lang: str) -> str:
    """A change's ``key`` text for people: 'quarter 1, kpi_id 2' -> 'ไตรมาส 1, ตัวชี้วัด 2'."""
    if not key:
        return ""
    parts = re.split(rf"(?:^|, )({'|'.join(map(re.escape, KEY_PARTS))}) ", key)
    if parts[0]:  # not a key this module wrote: as it is
        return key
    return ", ".join(f"{labels.column(k, lang)} {v}" for k, v in zip(parts[1::2], parts[2::2], strict=True))


def changes(records: Mapping[str, pl.DataFrame], include_text: bool = False) -> pl.DataFrame:
    """Every changed figure, per table, from every stored row of every vintage (``store_vintage``).

    Text columns (names, status words) are included with ``include_text``.
    """
    frames = []
    for name, t in s.TABLES.items():
        recs = records.get(name)
        cols = [
            c.name for c in t.columns if c.name not in t.record_key and (include_text or c.kind not in ("text", "name"))
        ]
        if recs is None or recs.is_empty() or not cols:
            continue
        found = _table_changes(t, _versions(t, recs, cols), cols)
        if found is not None:
            frames.append(found)
    if not frames:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat([f.cast(pl.Schema(SCHEMA)) for f in frames])


def _versions(t: s.Table, recs: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """One row per distinct version of a record with two or more, in order, with its key group and text."""
    extra = [k for k in t.key if k not in (s.FISCAL_YEAR, s.PROJECT_ID)]
    key_text = (
        pl.concat_str([pl.format(f"{k} {{}}", pl.col(k).cast(pl.String)) for k in extra], separator=", ")
        if extra
        else pl.lit("")
    )
    rows = (
        recs.sort(s.VINTAGE)
        .unique([*t.key, s.AS_OF, *cols], keep="first")
        .filter(pl.len().over(t.key) > 1)
        .sort([*t.key, s.AS_OF, s.VINTAGE], nulls_last=False)
    )
    if rows.is_empty():
        return rows
    same = pl.all_horizontal([pl.col(k).eq_missing(pl.col(k).shift(1)) for k in t.key])
    group = (~same).cum_sum().alias("_group")  # one number per key (the rows are sorted by key)
    return rows.with_columns(same.alias("_same"), group, key_text.alias(KEY_TEXT))


def _table_changes(t: s.Table, rows: pl.DataFrame, cols: list[str]) -> pl.DataFrame | None:
    """The changes of one table's versioned ``rows``, column by column, in key order; None when none."""
    if rows.is_empty():
        return None
    found_all = [found for c in cols if (found := _column_changes(t, rows, c)) is not None]
    if not found_all:
        return None
    return pl.concat(found_all).sort([*t.key, COLUMN, "new_as_of", NEW_VINTAGE], nulls_last=False).select(list(SCHEMA))


def _with_old(t: s.Table, rows: pl.DataFrame, c: str) -> tuple[pl.DataFrame, pl.Expr]:
    """``rows`` with the earlier figure of ``c`` it is compared with, and the filter of the rows that changed it."""
    old = pl.col(f"_old_{c}")
    if c in PLANNED and not t.column(c).optional:  # a plan is given whole: a blank moves it
        with_old = rows.with_columns(
            pl.col(c).shift(1).alias(f"_old_{c}"),
            pl.col(s.AS_OF).shift(1).alias("old_as_of"),
            pl.col(s.VINTAGE).shift(1).alias(OLD_VINTAGE),
        )
        return with_old, pl.col("_same") & pl.col(c).ne_missing(old)

    def last_given(what: pl.Expr) -> pl.Expr:
        """``what`` at the last earlier row of the same key where ``c`` was given (not blank)."""
        return pl.when(pl.col(c).is_not_null()).then(what).shift(1).forward_fill().over("_group")

    # an actual or an as-printed figure: a blank is "not reported again", never a change
    with_old = rows.with_columns(
        last_given(pl.col(c)).alias(f"_old_{c}"),
        pl.coalesce(last_given(pl.col(s.AS_OF)), pl.col(s.AS_OF).shift(1)).alias("old_as_of"),
        pl.coalesce(last_given(pl.col(s.VINTAGE)), pl.col(s.VINTAGE).shift(1)).alias(OLD_VINTAGE),
    )
    kept = pl.col("_same") & pl.col(c).is_not_null() & pl.col(c).ne_missing(old)
    if c not in PLANNED:  # an actual given for the first time is news, not a change
        kept = kept & old.is_not_null()
    return with_old, kept


def _column_changes(t: s.Table, rows: pl.DataFrame, c: str) -> pl.DataFrame | None:
    """The changes of column ``c`` of one table, one row each, with its kind; None when none."""
    with_old, kept = _with_old(t, rows, c)
    found = with_old.filter(kept)
    if found.is_empty():
        return None
    old = pl.col(f"_old_{c}")
    kind_c = t.column(c).kind
    kind = (
        pl.when(pl.col("new_as_of").eq_missing(pl.col("old_as_of")))
        .then(pl.lit(CORRECTION))
        .when(pl.col(COLUMN).is_in(list(PLANNED)))
        .then(pl.lit(REVISION))
        .otherwise(pl.lit(RESTATEMENT))
    )
    return found.select(
        *[k for k in t.key if k not in (s.FISCAL_YEAR, s.PROJECT_ID)],
        pl.lit(t.name).alias(TABLE),
        pl.col(s.FISCAL_YEAR).cast(pl.Int32),
        s.PROJECT_ID,
        KEY_TEXT,
        pl.lit(c).alias(COLUMN),
        _text(old, kind_c).alias("old_value"),
        "old_as_of",
        OLD_VINTAGE,
        _text(pl.col(c), kind_c).alias("new_value"),
        pl.col(s.AS_OF).alias("new_as_of"),
        pl.col(s.VINTAGE).alias(NEW_VINTAGE),
    ).with_columns(
        (pl.col("new_value").cast(pl.Float64, strict=False) - pl.col("old_value").cast(pl.Float64, strict=False))
        .round(6)
        .alias("change"),
        kind.alias(KIND),
    )


def _text(col: pl.Expr, kind: str) -> pl.Expr:
    """A figure as text; amounts with at least four decimals, as printed (no float noise)."""
    if kind == "money":
        return money_text(col).alias(col.meta.output_name())
    return col.cast(pl.String)


def money_text(col: pl.Expr) -> pl.Expr:
    """Decimal amounts as text with four decimals, or up to six when the figure has them (22.674500 -> 22.6745)."""
    t = col.cast(pl.String)
    return t.str.replace(r"^(-?\d+\.\d{4}\d*?)0+$", "${1}")


def counts(changes_: pl.DataFrame) -> dict[str, int]:
    """How many changes of each kind."""
    return {k: changes_.filter(pl.col(KIND) == k).height for k in (CORRECTION, RESTATEMENT, REVISION)}
