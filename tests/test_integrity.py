"""Nothing wrong gets in, nothing stored goes wrong unnoticed: the adversarial cases, each with its message."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from forecast import config
from forecast.data import schema as s
from forecast.data.store import Store
from forecast.data.validate import ValidationError
from forecast.errors import StoreError
from forecast.interfaces.cli import main
from tests.conftest import REFERENCE_FILES, read_rows, reference_copy, write_csv

HEADER = "fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend\n"


def _tree(root: Path) -> dict[str, str]:
    """The stored data (the audit trail in access/ records refused attempts as well)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock" and "access" not in p.relative_to(root).parts
    }


@pytest.fixture
def agency(tmp_path) -> Store:
    store = Store.create(tmp_path / "store")
    store.ingest(REFERENCE_FILES)
    return store


def _finance(tmp_path: Path, body: str, name: str = "finance.csv") -> Path:
    folder = tmp_path / "up"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


# --- amounts: stored exactly as given, or refused with the cell and what was expected ----------------
@pytest.mark.parametrize(
    "cell, why",
    [
        ("0,1", "comma used as the decimal separator"),
        ("1,0", "comma used as the decimal separator"),
        ("1,5", "comma used as the decimal separator"),
        ("1,00", "comma used as the decimal separator"),
        ("5,000,000 บาท", "currency or unit word"),
        ("10%", "a percent is not an amount"),
        ("1,2345", "comma used as the decimal separator"),
        ("12,34,567", "thousands separators must group three"),
        ("0.1234567", "more than 6 decimals"),
        ("NaN", "must be an amount"),
    ],
)
def test_ambiguous_amounts_are_refused_with_their_cell(agency, tmp_path, cell, why):
    path = _finance(tmp_path, f'2569,etda-digital-id,2,2026-03-31,"{cell}",0.5,0.5,1.0\n')
    before = _tree(agency.root)
    checked = agency.check([path])
    hit = [i for i in checked.errors if i.column == "plan"]
    assert hit and hit[0].row == 2 and why in hit[0].message, [str(i) for i in checked.issues]
    with pytest.raises(ValidationError):
        agency.ingest([path])
    assert _tree(agency.root) == before


def test_an_implausible_magnitude_is_refused_before_it_poisons_the_store(agency, tmp_path):
    rows = read_rows("projects")
    write_csv(tmp_path / "p", "projects", [rows[0] | {"budget": "100000000000000"}, *rows[1:]])
    i = [i for i in agency.check([tmp_path / "p" / "projects.csv"]).errors if i.rule == "implausible_amount"]
    assert i and i[0].row == 2 and "largest plausible amount" in i[0].message


def test_a_money_column_in_baht_is_converted_exactly(agency, tmp_path):
    rows = read_rows("projects")
    out = [
        {k: v for k, v in r.items() if k != "budget"} | {"budget_baht": f"{float(r['budget']) * 1e6:.0f}"} for r in rows
    ]
    write_csv(tmp_path / "b", "projects", out)
    checked = agency.check([tmp_path / "b" / "projects.csv"])
    assert checked.ok and any(i.rule == "unit_column" for i in checked.warnings)
    assert checked.tables["projects"][s.BUDGET].sum() == agency.read("projects")[s.BUDGET].sum()
    odd = [out[0] | {"budget_baht": "120554200.5"}, *out[1:]]  # 120.5542005 million: seven decimals
    write_csv(tmp_path / "c", "projects", odd)
    assert any("more than 6 decimals" in i.message for i in agency.check([tmp_path / "c" / "projects.csv"]).errors)


# --- one key, one value, whatever the source -------------------------------------------------------
def test_two_files_for_one_table_are_refused(agency, tmp_path):
    a = _finance(tmp_path / "a", "2569,etda-digital-id,3,2026-06-30,0.8325,1.0,0.5,1.5\n")
    b = _finance(tmp_path / "b", "2569,etda-digital-id,3,2026-06-30,0.8325,2.0,0.5,2.5\n")
    rules = [i.rule for i in agency.check([a, b]).errors]
    assert rules == ["duplicate_table"]


def _workbook(
    path: Path,
    sheets: dict[str, list[list]],
    hidden: tuple[str, ...] = (),
    hidden_rows: dict[str, list[int]] | None = None,
) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if name in hidden:
            ws.sheet_state = "hidden"
        for r in (hidden_rows or {}).get(name, []):
            ws.row_dimensions[r].hidden = True
    wb.save(path)
    return path


ROW = [2569, "etda-digital-id", 3, "2026-06-30", 0.8325, 1.0, 0.5, 1.5]


def test_workbook_traps_are_refused(agency, tmp_path):
    cols = HEADER.strip().split(",")
    two = _workbook(tmp_path / "two.xlsx", {"Finance": [cols, ROW], "finance ": [cols, ROW]})
    assert [i.rule for i in agency.check([two]).errors] == ["duplicate_table"]
    hidden = _workbook(tmp_path / "hidden.xlsx", {"columns": [["guide"]], "finance": [cols, ROW]}, hidden=("finance",))
    assert [i.rule for i in agency.check([hidden]).errors] == ["hidden_sheet"]
    rows = _workbook(tmp_path / "rows.xlsx", {"finance": [cols, ROW]}, hidden_rows={"finance": [2]})
    errors = agency.check([rows]).errors
    assert [(i.rule, i.row) for i in errors] == [("hidden_row", 2)]
    formula = _workbook(tmp_path / "formula.xlsx", {"finance": [cols, [*ROW[:4], "=0.05*2", *ROW[5:]]]})
    errors = agency.check([formula]).errors
    assert [(i.rule, i.row, i.column) for i in errors] == [("formula", 2, "plan")]
    assert "=0.05*2" in errors[0].message and "no saved value" in errors[0].message


def test_a_row_cut_short_and_nan_in_parquet_are_refused_with_their_row(agency, tmp_path):
    short = _finance(
        tmp_path, "2569,etda-digital-id,3,2026-06-30,0.8325,1.0,0.5,1.5\n2569,etda-digital-id,4,2026-06-30,6.4\n"
    )
    errors = agency.check([short]).errors
    assert [(i.rule, i.row) for i in errors] == [("ragged_row", 3)] and "5 cells but the header has 8" in errors[
        0
    ].message
    folder = tmp_path / "pq"
    folder.mkdir()
    pl.DataFrame(
        {
            "fiscal_year": [2569],
            "project_id": ["etda-digital-id"],
            "quarter": [3],
            "as_of": ["2026-06-30"],
            "plan": [0.8325],
            "disbursed": [float("nan")],
            "committed": [0.5],
            "spend": [1.5],
        }
    ).write_parquet(folder / "finance.parquet")
    errors = agency.check([folder / "finance.parquet"]).errors
    assert [(i.rule, i.row, i.column) for i in errors] == [("type", 2, "disbursed")]
    listed = tmp_path / "lst"
    listed.mkdir()
    pl.DataFrame({"fiscal_year": [2569], "project_id": ["x"], "quarter": [[1, 2]]}).write_parquet(
        listed / "finance.parquet"
    )
    assert any("holds lists" in i.message for i in agency.check([listed / "finance.parquet"]).errors)


# --- rules against the store's view ----------------------------------------------------------------
def test_a_partial_upload_cannot_slip_an_overrun_through_and_a_refund_passes(agency, tmp_path):
    # Digital ID: budget 42.7377, plan Q1+Q2 34.4192, disbursed 7.3036 to Q2
    over = _finance(tmp_path / "o", "2569,etda-digital-id,3,2026-06-30,42.7377,40.0,0,40.0\n")
    rules = {i.rule for i in agency.check([over]).issues}
    assert {"plan_sum", "cumulative_over_budget"} <= rules  # Q3 planned as the whole budget, Q4 still planned
    refund = _finance(tmp_path / "r", "2569,etda-digital-id,3,2026-06-30,0.8325,-0.5,0.5,0\n")
    checked = agency.check([refund])
    assert checked.ok and "negative_flow" in {i.rule for i in checked.warnings}


# --- vintage order ----------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [("q1", "fix"), ("fix", "q1")])
def test_a_later_ingest_always_wins_for_the_same_key_and_report_date(tmp_path, order):
    store = Store.create(tmp_path / "s")
    store.ingest(REFERENCE_FILES)
    files = {
        # a correction of the Q2 report's figures (a later report date), finance only
        "q1": [
            p
            for p in reference_copy(
                tmp_path / "q1",
                {
                    "finance": lambda r: [
                        x | ({"disbursed": "21.6300", "committed": "-12.0459"} if i == 10 else {})
                        for i, x in enumerate(r)
                    ]
                },
            )
            if p.stem == "finance"
        ],
        # a correction of the projects table (no as_of) together with finance of the earliest report
        "fix": reference_copy(
            tmp_path / "fix",
            {
                "projects": lambda r: [r[0] | {"owner": "แก้ไขแล้ว"}, *r[1:]],
                "finance": lambda r: [x for x in r if x["as_of"] == "2025-12-30"],
            },
        ),
    }
    for name in order:
        store.ingest(files[name])
    assert store.read("projects").filter(pl.col(s.OWNER) == "แก้ไขแล้ว").height == 1
    assert f"{store.read('finance').filter(pl.col(s.DISBURSED) == 21.63).height}" == "1"


def test_a_failed_ingest_writes_nothing_with_or_without_a_store(tmp_path, capsys):
    bad = reference_copy(tmp_path / "bad", {"finance": lambda r: [r[0] | {"quarter": "9"}, *r[1:]]})
    assert main(["ingest", *map(str, bad)]) == 2  # no store given: the reference data is read-only
    assert "init --from-reference" in capsys.readouterr().err
    assert not config.DEFAULT_STORE_DIR.exists()


# --- a verifiable store -----------------------------------------------------------------------------
def _damage(store: Store, how: str) -> str:
    v1 = store.root / "vintages" / "000001"
    if how == "edit_figures":
        f = v1 / "finance.parquet"
        df = pl.read_parquet(f)
        df.with_columns(pl.col(s.DISBURSED) * 100).write_parquet(f)
        return "finance.parquet"
    if how == "delete_file":
        (v1 / "finance.parquet").unlink()
        return "finance.parquet is missing"
    if how == "delete_vintage":
        shutil.rmtree(store.root / "vintages" / "000002")
        return "vintages were deleted"
    if how == "rename_vintage":
        os.rename(store.root / "vintages" / "000001", store.root / "vintages" / "000007")
        return "vintage 1 is missing"
    if how == "renumber_manifest":
        m = json.loads((v1 / "manifest.json").read_text())
        m["vintage"] = 7
        (v1 / "manifest.json").write_text(json.dumps(m))
        return "says vintage 7"
    if how == "edit_calendar":
        cfg = store.root / "store.json"
        meta = json.loads(cfg.read_text())
        meta["calendar"]["start_month"] = 1
        cfg.write_text(json.dumps(meta))
        return "store.json differs"
    if how == "corrupt_manifest":
        (v1 / "manifest.json").write_text("{not json")
        return "not a valid manifest"
    raise ValueError(how)


@pytest.mark.parametrize(
    "how",
    [
        "edit_figures",
        "delete_file",
        "delete_vintage",
        "rename_vintage",
        "renumber_manifest",
        "edit_calendar",
        "corrupt_manifest",
    ],
)
def test_tampering_is_reported_on_open_and_by_verify(tmp_path, capsys, how):
    store = Store.create(tmp_path / "s")
    store.ingest(REFERENCE_FILES)
    fix = reference_copy(tmp_path / "fix", {"projects": lambda r: [r[0] | {"owner": "ใหม่"}, *r[1:]]})
    store.ingest(fix)
    assert Store.open(store.root).verify() == []
    assert main(["--store", str(store.root), "verify"]) == 0
    capsys.readouterr()
    expected = _damage(store, how)
    with pytest.raises(StoreError, match="damaged or was changed outside forecast"):
        Store.open(store.root)
    assert main(["--store", str(store.root), "verify"]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert main(["--store", str(store.root), "data", "--table", "finance"]) == 2  # never silently used


def test_orphans_of_killed_writes_are_removed_at_the_next_write(agency, tmp_path):
    orphan = agency.root / "vintages" / ".tmp-deadbeef"
    orphan.mkdir()
    (orphan / "finance.parquet").write_bytes(b"half")
    assert Store.open(agency.root).verify() == []  # not a vintage: ignored by readers
    agency.ingest(reference_copy(tmp_path / "fix", {"projects": lambda r: [r[0] | {"owner": "x"}, *r[1:]]}))
    assert not orphan.exists()


def test_a_truncated_parquet_names_the_file(agency):
    f = agency.root / "vintages" / "000001" / "finance.parquet"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(StoreError, match=r"finance\.parquet"):
        Store.open(agency.root)


# --- no tracebacks ------------------------------------------------------------------------------------
def test_many_unknown_projects_are_reported_without_a_crash(agency, tmp_path):
    body = "".join(f"2569,nope-{i},1,2026-03-31,1,0.5,0.5,1\n" for i in range(17_000))
    errors = agency.check([_finance(tmp_path, body)]).errors
    assert errors[0].rule == "unknown_project" and "16975 more rows" in errors[-1].message


def test_targets_are_checked(capsys):
    assert main(["rank", "--target", "0.9", "--format", "csv"]) == 0
    assert "p_miss_disbursement" in capsys.readouterr().out
    for args in (
        ["--target", "nan"],
        ["--target", "1.5"],
        ["--quarterly-targets", "0.5", "0.4", "0.7", "0.9"],
        ["--quarterly-targets", "-0.1", "0.4", "0.7", "0.9"],
    ):
        assert main(["rank", *args]) == 2
        assert "between 0 and 1" in capsys.readouterr().err


def test_a_read_only_models_folder_fails_before_training(agency, tmp_path, capsys):
    from forecast.model import synthetic

    synthetic.write(synthetic.simulate(projects=10, years=3, seed=1), tmp_path / "h")
    (agency.root / "models").write_text("not a folder")  # fails for every user, root included
    assert main(["--store", str(agency.root), "train", "--history", str(tmp_path / "h")]) == 2
    assert "cannot be written" in capsys.readouterr().err


# --- messages that help -----------------------------------------------------------------------------
def test_separators_and_encodings_are_detected_and_said(agency, tmp_path):
    text = HEADER + "2569,etda-digital-id,3,2026-06-30,0.8325,1.0,0.5,1.5\n"
    semi = tmp_path / "semi"
    semi.mkdir()
    (semi / "finance.csv").write_text(text.replace(",", ";"), encoding="utf-8")
    checked = agency.check([semi / "finance.csv"])
    assert checked.ok and any("semicolon" in i.message for i in checked.warnings)
    for enc, said in (("utf-16", "UTF-16"), ("cp874", "cp874")):
        folder = tmp_path / enc
        folder.mkdir()
        thai = text + "2569,etda-digital-id,4,2026-06-30,6.4000,,,\n"
        kpi = "fiscal_year,project_id,kpi_id,quarter,as_of,value,status_text\n2569,etda-digital-id,1,3,2026-06-30,1900,ผลสะสม\n"
        (folder / "kpi_results.csv").write_bytes(kpi.encode(enc))
        checked = agency.check([folder / "kpi_results.csv"])
        assert checked.ok, [str(i) for i in checked.issues]
        assert any(said in i.message for i in checked.warnings)
        assert checked.tables["kpi_results"][s.STATUS_TEXT].item() == "ผลสะสม"
        del thai


def test_layout_problems_say_what_to_do(agency, tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "finance.csv").write_text(
        "Quarterly report Q3\n" + HEADER + "2569,etda-digital-id,3,2026-06-30,0.8325,1,0.5,1.5\n", encoding="utf-8"
    )
    errors = agency.check([folder / "finance.csv"]).errors
    assert [i.rule for i in errors] == ["header_row"] and "the header must be the first row" in errors[0].message
    (folder / "finance.csv").write_text(
        HEADER.replace("spend", "plan") + "2569,x,3,2026-06-30,1,1,0.5,1\n", encoding="utf-8"
    )
    assert "column `plan` appears twice" in " ".join(i.message for i in agency.check([folder / "finance.csv"]).issues)
    (folder / "finance.csv").write_text(HEADER + '2569,"etda-digital-id,3,2026-06-30,1,1,0.5,1\n', encoding="utf-8")
    errors = agency.check([folder / "finance.csv"]).errors
    assert errors and errors[0].rule in ("file_unreadable", "ragged_row") and errors[0].row is not None
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert "save it as .xlsx" in agency.check([xls]).errors[0].message


# --- a property over generated cells ------------------------------------------------------------------
from decimal import Decimal  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _render(value: Decimal, style: str) -> str:
    text = f"{abs(value):f}"
    whole, _, frac = text.partition(".")
    sign = "-" if value < 0 else ""
    if style == "plain":
        return sign + text
    if style == "grouped":
        return sign + f"{int(whole):,}" + (f".{frac}" if frac else "")
    if style == "parens":
        return f"({text})" if value < 0 else text
    if style == "thai_digits":
        return sign + text.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    if style == "comma_decimal":
        return sign + whole + "," + (frac or "5")
    if style == "percent":
        return sign + text + "%"
    if style == "currency":
        return sign + text + " บาท"
    raise ValueError(style)


EXACT = ("plain", "grouped", "parens", "thai_digits")
AMBIGUOUS = ("comma_decimal", "percent", "currency")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.one_of(
        *(
            st.decimals(
                min_value=Decimal("-5"), max_value=Decimal("30"), places=p, allow_nan=False, allow_infinity=False
            )
            for p in (0, 2, 4, 6)
        )
    ),
    style=st.sampled_from(EXACT + AMBIGUOUS),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp874"]),
)
def test_every_cell_is_stored_exactly_or_refused_where_it_is(agency, tmp_path_factory, value, style, sep, encoding):
    if style == "parens" and value >= 0:
        style = "plain"
    cell = _render(value, style)
    folder = tmp_path_factory.mktemp("cell")
    rows = [HEADER.strip().split(","), ["2569", "etda-digital-id", "3", "2026-06-30", "0.8325", cell, "", ""]]
    text = "\n".join(sep.join(f'"{c}"' if (sep in c or '"' in c) else c for c in r) for r in rows) + "\n"
    (folder / "finance.csv").write_bytes(text.encode(encoding))
    before = _tree(agency.root)
    checked = agency.check([folder / "finance.csv"])
    if checked.ok:  # stored exactly as its value, and only an unambiguous cell gets this far
        assert style in EXACT, (cell, encoding)
        assert checked.tables["finance"][s.DISBURSED].item() == value
        return
    located = [
        i
        for i in checked.errors
        if (i.row, i.column) == (2, s.DISBURSED) or (i.rule == "file_unreadable" and encoding == "cp874")
    ]  # a lone Thai digit is not proof of cp874
    assert located, (cell, encoding, [str(i) for i in checked.issues])
    assert style in AMBIGUOUS or located[0].rule == "file_unreadable"
    with pytest.raises(ValidationError):
        agency.ingest([folder / "finance.csv"])
    assert _tree(agency.root) == before


def test_a_workbook_sheet_with_too_many_rows_is_refused(tmp_path, monkeypatch):
    import xlsxwriter

    from forecast.data import templates

    monkeypatch.setattr(templates, "MAX_SHEET_ROWS", 50)
    path = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("finance")
    ws.write_row(0, 0, HEADER.strip().split(","))
    for r in range(1, 61):
        ws.write_row(r, 0, [2569, "etda-digital-id", 1, "2026-03-31", 1, 1, 0, 1])
    wb.close()
    tables, problems = templates.read_files([path])
    assert not tables and "more than the 50 rows a workbook sheet may hold" in problems[0].message
