"""The Excel template and XLSX ingest."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from forecast import config
from forecast.data import schema as s
from forecast.data import templates
from forecast.data.store import Store


def test_shipped_template_matches_the_schema():
    sheets = pl.read_excel(config.TEMPLATE_XLSX, sheet_id=0, infer_schema_length=0)
    assert list(sheets) == [*s.TABLES, templates.GUIDE_SHEET]
    for name, t in s.TABLES.items():
        assert sheets[name].columns == t.names
    guide = sheets[templates.GUIDE_SHEET]
    assert guide.height == sum(len(t.columns) for t in s.TABLES.values())
    assert guide.filter(pl.col("column") == s.COMMITTED)["description"].item().startswith("Net change")


def test_a_filled_workbook_ingests_like_the_csvs(tmp_path, reference):
    frames = {n: reference.read(n, "all").drop(s.VINTAGE) for n in s.TABLES}
    book = templates.write_workbook(tmp_path / "etda.xlsx", frames)
    store = Store.create(tmp_path / "st")
    result = store.ingest([book])
    assert result.vintage == 1 and {i.rule for i in result.issues} == {"measure_inferred"}  # the report gives none
    for n in s.TABLES:
        assert_frame_equal(store.read(n, "all"), reference.read(n, "all"))
    assert store.records("finance")[s.SOURCE_FILE][0] == "etda.xlsx:finance"


def test_workbook_errors_name_the_sheet(tmp_path, reference):
    frames = {
        "finance": reference.read("finance", "all")
        .drop(s.VINTAGE)
        .with_columns(pl.when(pl.col(s.QUARTER) == 4).then(9).otherwise(pl.col(s.QUARTER)).alias(s.QUARTER)),
        "notes": pl.DataFrame({"x": [1]}),
    }
    book = templates.write_workbook(tmp_path / "bad.xlsx", frames, guide=False)
    checked = Store.open().check([book])
    err = next(i for i in checked.errors if i.rule == "quarter_range")
    assert str(err).startswith("error: bad.xlsx, sheet 'finance', row ") and err.value == "9"
    assert any(i.rule == "sheet_name" and i.severity == "warning" for i in checked.issues)
