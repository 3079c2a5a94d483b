"""The command line as a user types it."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecast import api, formats
from forecast.data import schema as s
from forecast.data.store import Store
from forecast.decisions import kpi, risk
from forecast.errors import InputError
from forecast.interfaces import cli
from forecast.interfaces.table import View, cell_width, render
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
    # --lang th says each problem in Thai, the file, row and column still named
    assert cli.main(["validate", "--lang", "th", *map(str, bad)]) == 1
    out = capsys.readouterr().out
    assert "ข้อผิดพลาด: ไฟล์ finance.csv, แถว 2, คอลัมน์ `quarter`" in out and "must be 1-4" not in out
    assert cli.main(["validate", "--lang", "th", "--format", "json", *map(str, bad)]) == 1
    assert json.loads(capsys.readouterr().out)[0]["severity"] == "ข้อผิดพลาด"


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


# --- tables for pipes and people -------------------------------------------------------------------
# every command that prints a table (``portfolio`` with fewer draws: its numbers are not the point here)
TABLE_COMMANDS = [
    ["rank"],
    ["rank", "--compare-to", "previous"],
    ["project"],
    ["kpi"],
    ["portfolio", "--draws", "1000"],
    ["portfolio", "--by", "agency", "--draws", "1000"],
    ["data", "--table", "projects"],
    ["data", "--table", "finance"],
    ["data", "--table", "kpis"],
    ["data", "--table", "kpi_results"],
    ["data", "--table", "finance", "--as-of", "all"],
    ["revisions"],
    ["vintages"],
    ["audit"],
    ["targets"],
    ["models"],
    ["validate", "--rules"],
    ["users"],
]


@pytest.fixture
def ref_store(tmp_path, capsys) -> str:
    """``forecast init --from-reference`` into tmp_path."""
    st = str(tmp_path / "st")
    assert cli.main(["--store", st, "init", "--from-reference"]) == 0
    capsys.readouterr()
    return st


def _widest(text: str) -> int:
    return max((cell_width(line) for line in text.splitlines()), default=0)


def _run(capsys, st: str, *command: str) -> tuple[str, str]:
    """(stdout, stderr) of one command, which must succeed."""
    assert cli.main(["--store", st, *command]) == 0, command
    cap = capsys.readouterr()
    return cap.out, cap.err


def _csv(capsys, st: str, *command: str) -> pl.DataFrame:
    out, _ = _run(capsys, st, *command, "--format", "csv")
    return pl.read_csv(io.StringIO(out))


def test_piped_tables_are_100_columns_at_most(ref_store, monkeypatch, capsys):
    monkeypatch.delenv("COLUMNS", raising=False)  # capsys is no terminal: a pipe
    for command in TABLE_COMMANDS:
        out, err = _run(capsys, ref_store, *command)
        assert out, command
        assert _widest(out) <= 100, (command, _widest(out))
        assert len(err.splitlines()) <= 6  # the notes (stderr is no terminal either): one line each
    monkeypatch.setenv("COLUMNS", "100")  # notes are wrapped where the width is known
    for command in TABLE_COMMANDS:
        out, err = _run(capsys, ref_store, *command)
        assert _widest(out) <= 100 and _widest(err) <= 100, (command, _widest(out), _widest(err))
    monkeypatch.delenv("COLUMNS")
    out, _ = _run(capsys, ref_store, "rank")
    assert len(out.splitlines()) == 2 + 9  # the header, its rule and one line per project: nothing wraps
    out, _ = _run(capsys, ref_store, "rank", "--wide")
    assert _widest(out) > 300  # every column, as before: the limit above is the one at work
    monkeypatch.setenv("COLUMNS", "132")
    out, _ = _run(capsys, ref_store, "rank")
    assert 100 < _widest(out) <= 132  # $COLUMNS wins


def test_a_synthetic_store_fits_and_its_ids_are_whole(tmp_path, monkeypatch, capsys):
    st, sim = str(tmp_path / "sim-store"), str(tmp_path / "sim")
    _run(capsys, st, "simulate", "--projects", "12", "--years", "1", "--as-of-quarter", "2", "--out", sim)
    _run(capsys, st, "init")
    _run(capsys, st, "ingest", sim)
    ids = set(_csv(capsys, st, "kpi")[s.PROJECT_ID])
    assert len(ids) >= 10 and len({i[:10] for i in ids}) == 1  # ids that share a long prefix
    monkeypatch.delenv("COLUMNS", raising=False)
    for command in (["rank"], ["project"], ["kpi"], ["portfolio", "--by", "plan_line", "--draws", "1000"]):
        out, _ = _run(capsys, st, *command)
        assert _widest(out) <= 100, command
    for columns in ("80", "60"):
        monkeypatch.setenv("COLUMNS", columns)
        out, _ = _run(capsys, st, "kpi")
        assert _widest(out) <= int(columns)
        shown = {line.split()[0] for line in out.splitlines()[2:]}
        assert shown == ids  # every id whole, none cut to a shared prefix


def test_narrow_tables_keep_the_important_columns(ref_store, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    expected = {
        ("portfolio", "--draws", "1000"): ["group", "P(miss)", "p50"],
        ("kpi",): ["project_id", "kpi_id", "P(attain)"],
        ("revisions",): ["project_id", "column", "new_value"],
        ("audit",): ["at", "action"],
        ("rank",): ["rank", "level", "P(miss)", "name"],
    }
    for command, columns in expected.items():
        out, err = _run(capsys, ref_store, *command)
        assert _widest(out) <= 80 and _widest(err) <= 80, command
        header = out.splitlines()[0].split()
        assert all(c in header for c in columns), (command, header)
        assert "more column(s)" in err  # something was left out, and the user is told
    # the kept columns hold the real figures, ids and times whole
    out, _ = _run(capsys, ref_store, "rank")
    first = _csv(capsys, ref_store, "rank").row(0, named=True)
    row = out.splitlines()[2]
    assert row.split()[0] == "1" and first[risk.LEVEL] in row and formats.chance(first[risk.P_MISS_DISBURSEMENT]) in row
    out, _ = _run(capsys, ref_store, "audit")
    times = _csv(capsys, ref_store, "audit")["at"].to_list()
    at = out.splitlines()[0].split().index("at")
    assert [line.split()[at] for line in out.splitlines()[2:]] == times  # e.g. 2026-...T...+00:00, not cut
    out, _ = _run(capsys, ref_store, "revisions")
    new = _csv(capsys, ref_store, "revisions")
    assert [line.split()[0] for line in out.splitlines()[2:]] == new[s.PROJECT_ID].to_list()
    assert "1.7334" in out  # a new value (disbursed to Q1, restated)
    out, _ = _run(capsys, ref_store, "kpi")
    assert "…" not in "".join(line.split()[0] for line in out.splitlines()[2:])


def test_render_gives_up_the_least_important_columns_first():
    df = pl.DataFrame(
        {
            "id": ["project-with-a-long-id-1", "project-with-a-long-id-2"],
            "name": ["a name long enough to be cut somewhere", "short"],
            "extra": ["x" * 20, "y"],
            "low": [1.0, 2.0],
            "p_miss": [0.5, 0.25],
        }
    )
    shape = View(keep=("id", "p_miss", "name"), then=("low",))
    text, hidden = render(df, 65, view=shape, prose={"name"})
    assert hidden == ["extra"] and _widest(text) <= 65  # named in no priority: first to go
    text, hidden = render(df, 48, view=shape, prose={"name"})
    assert hidden == ["extra", "low"] and _widest(text) <= 48
    lines = text.splitlines()
    assert lines[0].split() == ["id", "name", "p_miss"]
    assert lines[2].startswith("project-with-a-long-id-1  a name") and "…" in lines[2] and lines[2].endswith("50%")
    text, hidden = render(df, 36, view=shape, prose={"name"})
    assert hidden == ["name", "extra", "low"] and text.splitlines()[3] == "project-with-a-long-id-2     25%"


def test_tsv_round_trips_to_the_values_of_csv(ref_store, capsys):
    def same(a: pl.DataFrame, b: pl.DataFrame) -> None:
        blank = [pl.col(c).replace("", None) for c, d in a.schema.items() if d == pl.String]
        assert_frame_equal(a.with_columns(blank), b.with_columns(blank))  # TSV has no quotes for an empty text

    for command in (["rank", "--lang", "en"], ["kpi"], ["revisions"], ["portfolio", "--draws", "1000"], ["audit"]):
        csv_text, _ = _run(capsys, ref_store, *command, "--format", "csv")
        tsv_text, _ = _run(capsys, ref_store, *command, "--format", "tsv")
        tsv = pl.read_csv(io.StringIO(tsv_text), separator="\t")
        csv = pl.read_csv(io.StringIO(csv_text))
        if command == ["audit"]:  # the trail printed as TSV holds the CSV export just recorded, as one more entry
            assert tsv.row(-1, named=True)["action"] == "export" and "audit --format csv" in tsv["target"][-1]
            tsv = tsv.head(csv.height)
        same(csv, tsv)
        assert tsv.height >= 1 and tsv.width == len(tsv_text.splitlines()[0].split("\t"))
    rank = pl.read_csv(io.StringIO(_run(capsys, ref_store, "rank", "--format", "tsv")[0]), separator="\t")
    assert (
        rank[risk.P_MISS_DISBURSEMENT][0] == _csv(capsys, ref_store, "rank")[risk.P_MISS_DISBURSEMENT][0] > 0.99
    )  # full
    # tabs and line breaks become spaces; formulas are neutralised as in CSV, numbers (and money) are not
    df = pl.DataFrame(
        {
            "text": ["=SUM(A1)", "a\tb\nc", "-minus", '"quoted" first', "+66 2 123 4567", "-1.5"],
            "n": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0],
            "money": [Decimal("-1.1"), None, Decimal("2"), None, None, None],
        },
        schema_overrides={"money": pl.Decimal(38, 6)},
    )
    for fmt in ("csv", "tsv"):
        buf = io.StringIO()
        cli.emit(df, fmt, buf)
        back = pl.read_csv(io.StringIO(buf.getvalue()), separator="\t" if fmt == "tsv" else ",")
        one_line = "a b c" if fmt == "tsv" else "a\tb\nc"
        assert back["text"].to_list() == ["'=SUM(A1)", one_line, "'-minus", '"quoted" first', "'+66 2 123 4567", "-1.5"]
        assert back["n"].to_list() == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]
        assert back["money"].to_list()[:3] == [-1.1, None, 2.0]
    buf = io.StringIO()
    cli.emit(df, "tsv", buf)
    assert buf.getvalue().splitlines()[1] == "'=SUM(A1)\t-1.5\t-1.1000"  # one line per row, tab separated


def test_lang_th_says_headers_and_notes_in_thai(ref_store, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "100")
    thai = re.compile("[\u0e00-\u0e7f]")
    out, err = _run(capsys, ref_store, "rank", "--lang", "th")
    header = out.splitlines()[0].split()
    assert header[0] == "อันดับ" and "โอกาสพลาด" in header and all(thai.search(h) for h in header)
    assert "จัดอันดับความเสี่ยง" in err and "Risk ranking" not in err and "ที่มา: ไม่มีข้อมูลย้อนหลัง" in err
    assert "สูง" in out and " high " not in out  # the levels too
    for command, word in (
        (["kpi"], "โอกาสถึงเป้า"),
        (["portfolio", "--draws", "1000"], "ขาดเป้า"),
        (["revisions"], "ค่าใหม่"),
        (["audit"], "เวลา"),
        (["vintages"], "นำเข้าเมื่อ"),
    ):
        out, err = _run(capsys, ref_store, *command, "--lang", "th")
        assert word in out.splitlines()[0], command
        assert thai.search(err), command  # the note under it
        assert _widest(out) <= 100 and _widest(err) <= 100, command  # counted in display cells
    out, err = _run(capsys, ref_store, "rank", "--lang", "en")
    assert out.splitlines()[0].split()[:2] == ["rank", "name"] and "Risk ranking" in err
    assert "Promoting" in out  # English names with --lang en


def test_a_date_before_the_first_report_is_an_error(ref_store, tmp_path, capsys):
    for command in (
        ["rank"],
        ["project"],
        ["kpi"],
        ["portfolio"],
        ["data", "--table", "finance"],
        ["report", "--out", str(tmp_path / "r.xlsx")],
    ):
        assert cli.main(["--store", ref_store, *command, "--as-of", "2025-06-30"]) == 2, command
        cap = capsys.readouterr()
        out, err = cap.out, cap.err
        assert err.strip() == (
            "forecast: there is no report on or before 2025-06-30: the first report is dated 2025-12-30."
        ), command
        assert out == ""
    assert not (tmp_path / "r.xlsx").exists()
    assert cli.main(["--store", ref_store, "rank", "--as-of", "2025-06-30", "--lang", "th"]) == 2
    assert "รายงานฉบับแรกลงวันที่ 2025-12-30" in capsys.readouterr().err
    _run(capsys, ref_store, "rank", "--as-of", "2025-12-30")  # the first report itself is fine
    with pytest.raises(InputError) as caught:  # at the door: the app and the service are refused too
        api.review(Store.open(ref_store), "2025-06-30")
    assert caught.value.params["first"] == dt.date(2025, 12, 30) and caught.value.key == "error_as_of_before_first"


def test_kpi_on_a_store_without_kpis(tmp_path, capsys):
    st = str(tmp_path / "st")
    _run(capsys, st, "init")
    assert _run(capsys, st, "kpi") == ("no KPIs\n", "")
    _run(capsys, st, "ingest", *(str(p) for p in REFERENCE_FILES[:2]))  # projects and finance, no KPIs
    assert _run(capsys, st, "kpi")[0] == "no KPIs\n"
    assert _run(capsys, st, "kpi", "--lang", "th")[0] == "ไม่มีตัวชี้วัด\n"
    csv_text, _ = _run(capsys, st, "kpi", "--format", "csv")
    assert csv_text.splitlines() == [",".join(kpi.COLUMNS)]  # a script gets the header and no rows
