"""The vintage store: atomic append, idempotent re-ingest, restatements kept, byte-identical on failure."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecast import config
from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.store import Store, StoreError
from forecast.data.validate import ValidationError
from forecast.errors import InputError
from tests.conftest import REFERENCE_FILES, reference_copy


def _snapshot(root: Path) -> dict[str, str]:
    """Every data file and folder of a store (the audit trail in access/ records attempts too)."""
    files = [p for p in sorted(root.rglob("*")) if "access" not in p.relative_to(root).parts]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()} | {
        "dirs": str(sorted(str(p.relative_to(root)) for p in files if p.is_dir()))
    }


def test_ingest_equals_the_embedded_reference(store, reference):
    result = store.ingest(REFERENCE_FILES)
    assert result.vintage == 1 and result.rows["finance"] == 45
    for table in s.TABLES:
        for as_of in ("all", "latest", "2025-12-31"):
            assert_frame_equal(store.read(table, as_of), reference.read(table, as_of))
    assert_frame_equal(store.revisions(), reference.revisions())


def test_reingest_is_idempotent(store):
    store.ingest(REFERENCE_FILES)
    before = _snapshot(store.root)
    result = store.ingest(REFERENCE_FILES)
    assert result.vintage is None and result.rows == {}
    assert _snapshot(store.root) == before


def test_failing_ingest_leaves_the_store_byte_identical(store, tmp_path):
    store.ingest(REFERENCE_FILES)
    before = _snapshot(store.root)
    bad = reference_copy(tmp_path / "bad", {"finance": lambda r: [r[0] | {"quarter": "5"}, *r[1:]]})
    with pytest.raises(ValidationError) as exc:
        store.ingest(bad)
    assert "finance.csv, row 2, column `quarter`: must be 1-4, got 5." in str(exc.value)
    assert _snapshot(store.root) == before


def test_a_changed_figure_is_kept_as_a_correction(store, tmp_path):
    store.ingest(REFERENCE_FILES)

    # Row 12: online-platform Q2 in the 2026-03-31 report; a corrected disbursement.
    def fix(rows):
        rows[10].update(disbursed="21.6300", committed="-12.0459")
        return rows

    result = store.ingest(reference_copy(tmp_path / "fix", {"finance": fix}), note="corrected Q2")
    assert result.vintage == 2 and result.rows == {"finance": 1}
    latest = (
        store.read("finance")
        .filter((pl.col(s.PROJECT_ID) == "etda-online-platform-awareness") & (pl.col(s.QUARTER) == 2))
        .row(0, named=True)
    )
    assert latest[s.DISBURSED] == Decimal("21.6300") and latest[s.VINTAGE] == 2
    rev = store.revisions().filter(pl.col("kind") == "correction")
    assert rev.select("column", "old_value", "new_value", "old_vintage", "new_vintage").rows() == [
        ("committed", "-12.0452", "-12.0459", 1, 2),
        ("disbursed", "21.6293", "21.6300", 1, 2),
    ]
    # The old figure is still there.
    versions = store.records("finance").filter(
        (pl.col(s.PROJECT_ID) == "etda-online-platform-awareness") & (pl.col(s.QUARTER) == 2)
    )
    assert sorted(versions[s.DISBURSED].to_list()) == [Decimal("21.6293"), Decimal("21.6300")]
    assert store.vintages()["note"].to_list() == ["", "corrected Q2"]


def test_as_of_views(reference):
    q1 = reference.read("finance", "2026-01-15")
    assert set(q1[s.AS_OF]) == {dt.date(2025, 12, 30)} and q1.height == 9
    assert reference.read("finance", "2025-11-01").is_empty()
    assert reference.read("finance", "31 มี.ค. 2569").height == 36
    with pytest.raises(InputError, match="a report date must be 'latest' or a date"):
        reference.read("finance", "yesterday")


def test_store_resolution(tmp_path, monkeypatch):
    assert Store.open().read_only
    with pytest.raises(StoreError, match="is not a store"):
        Store.open(tmp_path / "nowhere")
    Store.create(tmp_path / "env")
    monkeypatch.setenv(config.STORE_ENV, str(tmp_path / "env"))
    assert Store.open().root == tmp_path / "env"
    with pytest.raises(StoreError, match="already a store"):
        Store.create(tmp_path / "env")


def test_the_reference_data_is_read_only_and_a_store_is_made_explicitly(tmp_path):
    new = reference_copy(tmp_path / "fix", {"projects": lambda r: [r[0] | {"owner": "ทีมใหม่"}, *r[1:]]})
    with pytest.raises(StoreError, match="read-only; nothing was stored"):
        Store.open().ingest(new)
    assert not config.DEFAULT_STORE_DIR.exists()  # a failed ingest creates nothing
    Store.create(config.DEFAULT_STORE_DIR, from_reference=True)
    store = Store.open()
    assert store.root == config.DEFAULT_STORE_DIR and store.vintages()["note"].to_list() == ["embedded reference data"]
    assert store.ingest(new).vintage == 2
    assert store.read("projects").filter(pl.col(s.OWNER) == "ทีมใหม่").height == 1


def test_calendar_is_kept_per_store(tmp_path):
    cal = FiscalCalendar(start_month=4, era="CE")
    Store.create(tmp_path / "in", cal)
    assert Store.open(tmp_path / "in").calendar == cal


def test_other_calendars_load_the_same_way(tmp_path):
    """An April-March, C.E. agency: FY 2026 = Apr 2025 - Mar 2026."""
    store = Store.create(tmp_path / "st", FiscalCalendar(start_month=4, era="CE"))
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "projects.csv").write_text(
        "fiscal_year,project_id,name_th,name_en,plan_line,owner,budget,budget_cut\n2026,roads,ถนน,Roads,,,10.0000,0\n",
        encoding="utf-8",
    )
    (folder / "finance.csv").write_text(
        "fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend\n"
        "2026,roads,1,2025-06-30,4.0000,1.0000,2.0000,3.0000\n"
        "2026,roads,2,2025-06-30,3.0000,,,\n"
        "2026,roads,3,2025-06-30,2.0000,,,\n"
        "2026,roads,4,2025-06-30,1.0000,,,\n",
        encoding="utf-8",
    )
    assert store.ingest([folder / "projects.csv", folder / "finance.csv"]).vintage == 1
    (folder / "finance.csv").write_text(
        "fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend\n"
        "2026,roads,1,2026-06-30,4.0000,1.0000,2.0000,3.0000\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match=r"outside fiscal year 2026 \(2025-04-01 to 2026-03-31\)"):
        store.ingest([folder / "finance.csv"])


def test_an_open_store_sees_later_ingests(store, tmp_path):
    assert store.read("projects").is_empty()
    Store.open(store.root).ingest(REFERENCE_FILES)
    assert store.read("projects").height == 9


def test_a_new_quarter_restates_nothing_and_a_changed_figure_is_one_restatement(tmp_path):
    store = Store.create(tmp_path / "store", from_reference=True)
    before = store.revisions().height
    fin = store.read("finance").drop(s.VINTAGE)
    q3 = fin.filter(pl.col(s.QUARTER) == 3).with_columns(
        pl.lit("2026-06-30").alias(s.AS_OF),
        pl.lit(1.0).alias(s.DISBURSED),
        pl.lit(0.5).alias(s.COMMITTED),
        pl.lit(1.5).alias(s.SPEND),
    )
    (tmp_path / "q3").mkdir()
    q3.write_csv(tmp_path / "q3" / "finance.csv")
    store.ingest([tmp_path / "q3" / "finance.csv"])
    assert store.revisions().height == before  # newly reported Q3 figures are not restatements
    q1 = fin.filter((pl.col(s.QUARTER) == 1) & (pl.col(s.PROJECT_ID) == "etda-digital-id")).with_columns(
        pl.lit("2026-06-30").alias(s.AS_OF),
        (pl.col(s.DISBURSED) + 1).alias(s.DISBURSED),
        (pl.col(s.SPEND) + 1).alias(s.SPEND),
    )
    (tmp_path / "fix").mkdir()
    q1.write_csv(tmp_path / "fix" / "finance.csv")
    store.ingest([tmp_path / "fix" / "finance.csv"])
    after = store.revisions()
    assert after.height == before + 2  # disbursed and spend of one Q1 record, each once
    new = after.filter(pl.col("new_as_of") == pl.date(2026, 6, 30))
    assert set(new["column"]) == {s.DISBURSED, s.SPEND} and set(new["kind"]) == {"restatement"}
