"""Bounded work and no tracebacks: crafted workbooks and CSVs end fast with one clear message, and every
command on a read-only store or a full disk says so in the user's terms (nothing written, nothing half done)."""

from __future__ import annotations

import shutil
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from forecast.access import users
from forecast.data import templates
from forecast.data.store import Store
from forecast.interfaces.cli import main
from forecast.model import synthetic
from tests import disk
from tests.conftest import read_rows, write_csv

HEADER = ["fiscal_year", "project_id", "quarter", "as_of", "plan", "disbursed", "committed", "spend"]
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_BOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="finance" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_BOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="A1:H2"/><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _row(n: int, cells: list) -> str:
    out = []
    for j, v in enumerate(cells):
        ref = f"{chr(65 + j)}{n}"
        out.append(
            f'<c r="{ref}"><v>{v}</v></c>'
            if isinstance(v, (int, float))
            else f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        )
    return f'<row r="{n}">{"".join(out)}</row>'


def _workbook(path: Path, sheet: str, shared: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _BOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return path


def _bomb(path: Path, repeat: bytes, times: int, head: bytes, tail: bytes, declared: int | None = None) -> Path:
    """A real zip bomb, written by hand: the sheet's deflate stream is one compressed block of ``repeat``
    (fully flushed, so it is the same bytes each time) repeated ``times``: gigabytes in a megabyte or two."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(repeat) + comp.flush(zlib.Z_FULL_FLUSH)
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    finish = end.compress(tail) + end.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(repeat, crc)
    crc = zlib.crc32(tail, crc) & 0xFFFFFFFF
    size = (len(head) + len(repeat) * times + len(tail)) & 0xFFFFFFFF if declared is None else declared
    data = start + block * times + finish
    name = b"xl/worksheets/sheet1.xml"
    _workbook(path, "")  # the other parts, then the sheet's entry replaced by the bomb
    with zipfile.ZipFile(path) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist() if i.filename != name.decode()]
    out, central = bytearray(), bytearray()
    for filename, body in [*((n.encode(), b) for n, b in parts), (name, None)]:
        if body is None:
            raw, c, usize, method = data, crc, size, 8
        else:
            raw, c, usize, method = body, zlib.crc32(body) & 0xFFFFFFFF, len(body), 0
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, c, len(raw), usize, len(filename), 0)
        out += filename + raw
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            method,
            0,
            0,
            c,
            len(raw),
            usize,
            len(filename),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += filename
    count = len(parts) + 1
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    path.write_bytes(bytes(out))
    return path


# --- workbooks -----------------------------------------------------------------------------------------
def test_an_xlsx_bomb_ends_fast_with_one_message(tmp_path):
    row = b'<row><c t="n"><v>1</v></c></row>' * 131072  # 4 MiB of rows
    bomb = _bomb(tmp_path / "bomb.xlsx", row, 130, SHEET_HEAD.encode(), SHEET_TAIL.encode())
    assert 1e6 < bomb.stat().st_size < 2e6  # 1.35 MB that unpacks to 545 MB
    start = time.perf_counter()
    tables, problems = templates.read_files([bomb])
    assert time.perf_counter() - start < 10
    assert not tables and [p.rule for p in problems] == ["file_unreadable"]
    assert "unpacks to 520 MB, more than the 500 MB a template can hold" in problems[0].message
    # the same bomb declaring a small size: what is read is counted, and the rows stop it
    small = _bomb(tmp_path / "liar.xlsx", row, 130, SHEET_HEAD.encode(), SHEET_TAIL.encode(), declared=20_000_000)
    start = time.perf_counter()
    tables, problems = templates.read_files([small])
    assert time.perf_counter() - start < 10
    assert not tables and [p.rule for p in problems] == ["file_unreadable"]
    assert "more than the 500,000 rows a workbook sheet may hold" in problems[0].message


def test_a_bomb_without_rows_stops_at_the_bytes_actually_read(tmp_path, monkeypatch):
    monkeypatch.setattr(templates, "MAX_UNZIPPED", 64 << 20)
    monkeypatch.setattr(templates, "_unzipped_size", lambda path: 0)  # as if the declared sizes lied
    junk = b"<x/>" * (1 << 18)  # 1 MiB, no row at all
    bomb = _bomb(tmp_path / "junk.xlsx", junk, 600, SHEET_HEAD.encode(), SHEET_TAIL.encode())
    start = time.perf_counter()
    _, problems = templates.read_files([bomb])
    assert time.perf_counter() - start < 10
    assert [p.rule for p in problems] == ["file_unreadable"] and "unpacks to more than the 64 MB" in problems[0].message


def test_rows_are_counted_as_read_not_as_the_dimension_declares(tmp_path, monkeypatch):
    monkeypatch.setattr(templates, "MAX_SHEET_ROWS", 100)
    body = _row(1, HEADER) + "".join(
        _row(n, [2569, "etda-digital-id", 1, "2026-03-31", 1, 1, 0, 1]) for n in range(2, 160)
    )
    path = _workbook(tmp_path / "lies.xlsx", SHEET_HEAD + body + SHEET_TAIL)  # declares A1:H2
    tables, problems = templates.read_files([path])
    assert not tables and "more than the 100 rows" in problems[0].message


def test_a_huge_shared_string_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(templates, "MAX_SHARED_STRINGS", 8 << 20)
    shared = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    path = _workbook(
        tmp_path / "shared.xlsx",
        SHEET_HEAD + _row(1, HEADER) + SHEET_TAIL,
        shared + "A" * (20 << 20) + "</t></si></sst>",
    )
    assert path.stat().st_size < 1 << 20
    _, problems = templates.read_files([path])
    assert [p.rule for p in problems] == [
        "file_unreadable"
    ] and "the text of its cells unpacks to more than" in problems[0].message


def test_a_sheet_with_too_many_columns_is_one_message(tmp_path):
    wide = [*HEADER, *(f"extra_{i}" for i in range(300))]
    path = _workbook(tmp_path / "wide.xlsx", SHEET_HEAD + "".join(_row(1, wide[:26])) + SHEET_TAIL)
    assert templates.read_files([path])[1] == []  # 26 columns: fine
    cells = "".join(f'<c r="{_letters(j + 1)}1" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(wide))
    path = _workbook(tmp_path / "wide.xlsx", SHEET_HEAD + f'<row r="1">{cells}</row>' + SHEET_TAIL)
    _, problems = templates.read_files([path])
    assert [(p.rule, p.sheet) for p in problems] == [("too_many_columns", "finance")]
    assert "more than the 200 columns a table may have" in problems[0].message


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def test_a_password_protected_workbook_is_not_called_a_legacy_xls(tmp_path):
    path = tmp_path / "locked.xlsx"  # what Excel writes: an OLE2 file holding the encrypted package
    path.write_bytes(
        templates.OLE2 + b"\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 100
    )
    checked = Store.open().check([path])
    assert [i.rule for i in checked.errors] == ["file_encrypted"]
    assert "protected with a password" in checked.errors[0].message and "legacy" not in checked.errors[0].message
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(templates.OLE2 + b"\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "legacy" in Store.open().check([legacy]).errors[0].message


# --- CSV -------------------------------------------------------------------------------------------------
def test_twenty_thousand_unknown_csv_columns_end_fast_with_one_message(tmp_path):
    rows = read_rows("finance")
    columns = [*rows[0], *(f"col_{i}" for i in range(20_000))]
    path = tmp_path / "finance.csv"
    path.write_text(
        ",".join(columns) + "\n" + "\n".join(",".join([*r.values(), *[""] * 20_000]) for r in rows[:50]) + "\n"
    )
    start = time.perf_counter()
    checked = Store.open().check([path])
    assert time.perf_counter() - start < 10
    assert [(i.rule, i.row) for i in checked.issues] == [("too_many_columns", 1)]
    assert "20,012 columns, more than the 200 a table may have" in checked.issues[0].message


def test_cr_only_line_endings_are_read_and_polars_never_speaks(tmp_path):
    rows = read_rows("finance")
    text = "\r".join([",".join(rows[0]), *(",".join(r.values()) for r in rows)]) + "\r"
    folder = tmp_path / "mac"
    folder.mkdir()
    (folder / "finance.csv").write_text(text, encoding="utf-8")
    checked = Store.open().check([folder / "finance.csv"])
    assert checked.ok and checked.tables["finance"].height == len(rows)
    broken = tmp_path / "b"
    broken.mkdir()
    (broken / "finance.csv").write_text(",".join(rows[0]) + '\n2569,"x\n', encoding="utf-8")
    message = " ".join(i.message for i in Store.open().check([broken / "finance.csv"]).errors)
    assert "polars" not in message.lower() and "new_columns" not in message


def test_a_duplicate_upload_names_files_not_server_paths(tmp_path):
    a = write_csv(tmp_path / "upload-3f2a" / "a", "finance", read_rows("finance"))
    b = write_csv(tmp_path / "upload-3f2a" / "b", "finance", read_rows("finance"))
    checked = Store.open().check([a, b])
    e = next(i for i in checked.errors if i.rule == "duplicate_table")
    assert "the first is finance.csv" in e.message and str(tmp_path) not in e.message


# --- commands on a read-only store or a full disk -------------------------------------------------------
@pytest.fixture(scope="module")
def trained_store(tmp_path_factory):
    """A store from the reference data with a model set trained (not activated) on a small simulated history."""
    root = tmp_path_factory.mktemp("bounded")
    history = root / "history"
    synthetic.write(synthetic.simulate(projects=12, years=4, seed=1), history)
    mp = pytest.MonkeyPatch()
    mp.setattr(users, "N", 2**14)
    try:
        st = str(root / "store")
        assert main(["--store", st, "init", "--from-reference"]) == 0
        assert main(["--store", st, "users", "add", "malee", "--role", "viewer"]) == 0
        assert main(["--store", st, "train", "--history", str(history), "--no-activate"]) == 0
    finally:
        mp.undo()
    return root / "store", history


def test_targets_set_works_without_quarterly_targets(tmp_path, capsys):
    st = str(tmp_path / "s")
    assert main(["--store", st, "init", "--from-reference"]) == 0
    assert main(["--store", st, "targets", "set", "--fiscal-year", "2569", "--year-end", "0.93"]) == 0
    assert "stored as vintage 2" in capsys.readouterr().out
    assert Store.open(st).read("targets")["year_end"].to_list() == [0.93]


@pytest.mark.parametrize("draws", ["0", "-5", "1000001"])
def test_portfolio_draws_out_of_range_are_one_message(draws, capsys):
    assert main(["portfolio", "--draws", draws]) == 2
    err = capsys.readouterr().err
    assert f"whole number from 1 to 1,000,000 (10,000 by default); got {draws}" in err and "Traceback" not in err


COMMANDS = {
    "train": ["train", "--history", "{history}"],
    "activate": ["models", "--activate", "v0001"],
    "users add": ["users", "add", "somchai", "--role", "analyst"],
    "users passwd": ["users", "passwd", "malee"],
    "report": ["report", "--out", "{out}/r.xlsx"],
    "rank --target": ["rank", "--target", "0.8"],
    "rank csv": ["rank", "--format", "csv"],
    "refresh": ["refresh"],
    "targets set": ["targets", "set", "--fiscal-year", "2569", "--year-end", "0.9"],
    "ingest": ["ingest", "{history}/finance.csv"],
}


@pytest.mark.parametrize("code", [disk.READ_ONLY, disk.FULL], ids=["read-only", "full"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_traceback_on_a_read_only_store_or_a_full_disk(trained_store, tmp_path, monkeypatch, capsys, code, command):
    source, history = trained_store
    st = tmp_path / "store"
    shutil.copytree(source, st)
    out = tmp_path / "out"
    out.mkdir()
    before = sorted(p.relative_to(st) for p in st.rglob("*") if ".lock" not in p.name)
    disk.broken(monkeypatch, st, code)
    args = [a.format(history=history, out=out) for a in COMMANDS[command]]
    rc = main(["--store", str(st), *args])  # any exception other than a ForecastError would fail the test here
    err = capsys.readouterr().err
    writes = command not in ("rank --target",)
    if writes:
        assert rc == 2, err
        reason = "Read-only file system" if code == disk.READ_ONLY else "No space left on device"
        assert reason in err and "cannot be" in err, err
        if code == disk.FULL:
            assert "read-only" not in err.split("(")[0]  # a full disk is not called read-only
    else:
        assert rc == 0, err
    assert list(out.iterdir()) == []  # no report without its record
    after = sorted(p.relative_to(st) for p in st.rglob("*") if ".lock" not in p.name)
    assert after == before  # nothing written, nothing half done


def test_activation_on_a_store_that_cannot_be_written_stops_before_the_probe(trained_store, tmp_path, monkeypatch):
    from forecast.model import registry, vetting

    source, _ = trained_store
    st = tmp_path / "store"
    shutil.copytree(source, st)
    store = Store.open(st)
    disk.broken(monkeypatch, st, disk.READ_ONLY)
    monkeypatch.setattr(vetting, "probe", lambda *a: pytest.fail("the probe ran on a store that cannot take the set"))
    with pytest.raises(registry.RegistryError, match=r"cannot be written .*Read-only file system.*still none"):
        registry.activate(store.models_dir, "v0001", store.signing_key())
