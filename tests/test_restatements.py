"""A blank in a later report is "not reported again", not a restatement (issue 23, point 11)."""

from __future__ import annotations

import polars as pl

from forecast.data import schema as s
from forecast.data.store import Store

CUM = [s.PLAN_CUM_REPORTED, s.DISBURSED_CUM_REPORTED, s.COMMITTED_CUM_REPORTED, s.SPEND_CUM_REPORTED]


def _q3(store: Store) -> pl.DataFrame:
    """The Q3 report: Q1-Q3 again for every project, the optional printed cumulatives left blank."""
    fin = store.read("finance").drop(s.VINTAGE)
    assert fin.filter(pl.col(s.QUARTER) == 2).select(pl.col(s.DISBURSED_CUM_REPORTED).is_not_null().all()).item()
    q3 = pl.col(s.QUARTER) == 3
    return fin.filter(pl.col(s.QUARTER) <= 3).with_columns(
        pl.lit("2026-06-30").alias(s.AS_OF),
        pl.when(q3).then(pl.lit(2.0)).otherwise(pl.col(s.DISBURSED).cast(pl.Float64)).alias(s.DISBURSED),
        pl.when(q3).then(pl.lit(0.5)).otherwise(pl.col(s.COMMITTED).cast(pl.Float64)).alias(s.COMMITTED),
        pl.when(q3).then(pl.lit(2.5)).otherwise(pl.col(s.SPEND).cast(pl.Float64)).alias(s.SPEND),
        *(pl.lit(None, pl.Float64).alias(c) for c in CUM),
    )


def test_a_q3_report_with_blank_cumulatives_adds_no_restatement(tmp_path):
    store = Store.create(tmp_path / "store", from_reference=True)
    before = store.revisions()
    assert before.height > 0  # the reference's own restatements between its two reports
    (tmp_path / "q3").mkdir()
    _q3(store).write_csv(tmp_path / "q3" / "finance.csv")
    store.ingest([tmp_path / "q3" / "finance.csv"])
    after = store.revisions()
    assert after.height == before.height
    assert after.filter(pl.col("new_as_of") == pl.date(2026, 6, 30)).is_empty()
    finance = after.filter(pl.col("table") == "finance")
    assert finance.filter(pl.col("new_value").is_null()).is_empty()  # no figure is "restated to blank"


def test_a_figure_given_again_after_a_blank_is_compared_with_the_last_one_given(tmp_path):
    store = Store.create(tmp_path / "store", from_reference=True)
    before = store.revisions().height
    (tmp_path / "q3").mkdir()
    _q3(store).write_csv(tmp_path / "q3" / "finance.csv")
    store.ingest([tmp_path / "q3" / "finance.csv"])
    # the Q4 report prints Q2's cumulative disbursed again for one project, changed
    pid = "etda-cloud-services"
    q2 = store.read("finance", "2026-03-31").filter((pl.col(s.PROJECT_ID) == pid) & (pl.col(s.QUARTER) == 2))
    q4 = q2.drop(s.VINTAGE).with_columns(
        pl.lit("2026-09-30").alias(s.AS_OF),
        (pl.col(s.DISBURSED_CUM_REPORTED).cast(pl.Float64) + 1).alias(s.DISBURSED_CUM_REPORTED),
    )
    (tmp_path / "q4").mkdir()
    q4.write_csv(tmp_path / "q4" / "finance.csv")
    store.ingest([tmp_path / "q4" / "finance.csv"])
    after = store.revisions()
    assert after.height == before + 1
    new = after.filter(pl.col("new_as_of") == pl.date(2026, 9, 30)).row(0, named=True)
    assert new["column"] == s.DISBURSED_CUM_REPORTED and new["kind"] == "restatement"
    assert new["old_value"] == "11.9368" and new["new_value"] == "12.9368"
    assert new["old_as_of"].isoformat() == "2026-03-31"  # the last report that gave it, not the blank Q3 one
