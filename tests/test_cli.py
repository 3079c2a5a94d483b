"""The command line as a user types it."""

from __future__ import annotations

import json

from forecast.interfaces import cli
from tests.conftest import REFERENCE_FILES, reference_copy


def test_data_table_renders_thai(capsys):
    assert cli.main(["data", "--table", "projects", "--wide"]) == 0
    out = capsys.readouterr().out
    assert "โครงการส่งเสริมและกำกับดูแล Digital ID ของประเทศ" in out and " 42.7377" in out


def test_data_json_is_stable(capsys):
    assert cli.main(["data", "--table", "finance", "--as-of", "2025-12-30", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 9 and rows[0]["as_of"] == "2025-12-30"
    assert {r["disbursed"] for r in rows} >= {"0.6334", "0.7632"}


def test_validate_exit_codes(tmp_path, capsys):
    assert cli.main(["validate", *map(str, REFERENCE_FILES)]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    bad = reference_copy(tmp_path, {"finance": lambda r: [r[0] | {"quarter": "5"}, *r[1:]]})
    assert cli.main(["validate", *map(str, bad)]) == 1
    out = capsys.readouterr().out
    assert "finance.csv, row 2, column `quarter`: must be 1-4, got 5." in out
    assert cli.main(["validate", "--format", "json", *map(str, bad)]) == 1
    issues = json.loads(capsys.readouterr().out)
    assert {"severity": "error", "rule": "quarter_range", "row": 2, "column": "quarter"}.items() <= issues[0].items()


def test_init_ingest_revisions(tmp_path, capsys):
    st = str(tmp_path / "st")
    assert cli.main(["--store", st, "init", "--fiscal-year-start", "10", "--era", "BE"]) == 0
    assert cli.main(["--store", st, "ingest", *map(str, REFERENCE_FILES)]) == 0
    assert "Stored vintage 1" in capsys.readouterr().out
    assert cli.main(["--store", st, "ingest", *map(str, REFERENCE_FILES)]) == 0
    assert "No change" in capsys.readouterr().out
    bad = reference_copy(tmp_path / "bad", {"finance": lambda r: [r[0] | {"plan": "x"}, *r[1:]]})
    assert cli.main(["--store", st, "ingest", *map(str, bad)]) == 1
    err = capsys.readouterr().err
    assert "Not ingested" in err and "nothing was stored" in err and "Traceback" not in err
    assert cli.main(["--store", st, "revisions", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "table,fiscal_year,project_id,key,column,old_value,old_as_of,old_vintage,"
        "new_value,new_as_of,new_vintage,change,kind"
    )
    assert "0.6334,2025-12-30,1,1.7334,2026-03-31,1" in out


def test_errors_without_traceback(tmp_path, capsys):
    assert cli.main(["--store", str(tmp_path / "none"), "data", "--table", "projects"]) == 2
    assert "is not a store" in capsys.readouterr().err
    assert cli.main(["data", "--table", "finance", "--as-of", "soon"]) == 2
    assert "a report date must be 'latest' or a date" in capsys.readouterr().err


def test_rank_fits_the_terminal_in_display_cells(monkeypatch, capsys):
    from forecast.interfaces.table import cell_width

    monkeypatch.setenv("COLUMNS", "100")
    assert cli.main(["rank"]) == 0
    cap = capsys.readouterr()
    lines = cap.out.splitlines() + cap.err.splitlines()
    assert max(cell_width(line) for line in lines) <= 100
    header = cap.out.splitlines()[0].split()
    assert header[:4] == ["rank", "name", "level", "score"] and "P(miss)" in header
    assert "โครงการ" in cap.out and "None" not in cap.out
    assert cli.main(["rank", "--wide"]) == 0
    wide = capsys.readouterr().out
    assert "โครงการส่งเสริมการใช้งานเทคโนโลยีใหม่ และพัฒนาแนวทางการกำกับดูแลที่จำเป็น" in wide  # full names
    assert max(cell_width(line) for line in wide.splitlines()) > 100


def test_table_cells_align_and_count_thai_marks_as_no_width():
    import polars as pl

    from forecast.interfaces.table import cell_width, clip, render

    assert cell_width("ที่") == 1 and cell_width("โครงการ") == 7 and cell_width("abc") == 3
    assert clip("โครงการส่งเสริม", 5) == "โครง…" and cell_width(clip("โครงการส่งเสริม", 5)) == 5
    df = pl.DataFrame(
        {"name": ["ก", "bb"], "budget": [1.5, None], "p_miss_kpi": [0.996, 0.5]},
        schema_overrides={"budget": pl.Decimal(38, 6)},
    )
    text, hidden = render(df)
    rows = text.splitlines()
    assert rows[0] == "name  budget  p_miss_kpi" and hidden == []
    assert rows[2] == "ก     1.5000        >99%"  # money with four decimals, numbers to the right
    assert rows[3] == "bb                   50%"  # missing money is blank, never None
    text, hidden = render(df, width=14)
    assert hidden == ["p_miss_kpi"] and max(cell_width(r) for r in text.splitlines()) <= 14


def test_rank_on_the_reference_data_does_not_load_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys; from forecast.interfaces import cli; cli.main(['rank', '--format', 'csv']); "
        "print([m for m in ('sklearn', 'statsmodels', 'scipy.stats') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False).stdout
    assert out.strip().splitlines()[-1] == "[]"
