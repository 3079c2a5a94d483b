"""Reading filled templates (CSV, Parquet, XLSX) and writing the Excel template.

Files are read as text, untouched, together with where each row came from (file, sheet, row
number as a spreadsheet shows it); ``validate`` parses them. Reading never raises: every problem
with a whole file or its layout is returned as a ``FileProblem`` naming the file, and where it
helps the row: the encoding (UTF-16 and Thai Windows cp874 are read, and said so), the separator
(";" and tab are read, and said so), a title above the header, a duplicated header, ragged rows
and unclosed quotes, legacy .xls files, hidden sheets and rows, formulas without a saved value,
two sheets or files for one table, list columns in Parquet.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import polars as pl

from forecast.data import schema as s

ROW = "__row"  # spreadsheet row number of a record (header is row 1)
SUFFIXES = (".csv", ".parquet", ".xlsx")
GUIDE_SHEET = "columns"
MAX_SCAN_ROWS = 10  # a header is looked for in the first rows when the first one is not it
OLE2 = b"\xd0\xcf\x11\xe0"  # legacy .xls (and other OLE2 documents)
ZIP = b"PK\x03\x04"
MAX_UNZIPPED = 500 << 20  # a workbook whose parts unzip (as read, not as declared) to more than this is refused
MAX_SHARED_STRINGS = 64 << 20  # the text of a workbook's cells (sharedStrings.xml), as read
MAX_SHEET_ROWS = 500_000  # rows per workbook sheet, as read (not the declared <dimension>); larger: CSV or Parquet
MAX_COLUMNS = 200  # columns of a table in any file (the template has at most 22)
CHUNK = 1 << 20


@dataclass(frozen=True)
class RawTable:
    """One table as found in one file or sheet, all cells as text."""

    table: str
    frame: pl.DataFrame
    file: str
    sheet: str | None = None


ANY_TABLE = "*"  # ``FileProblem.table`` of a refused file whose tables are not known (a misnamed file, a bad workbook)


@dataclass(frozen=True)
class FileProblem:
    """A problem with a whole file or its layout, reported by ``validate``.

    ``table`` names the table the problem kept from being read (``ANY_TABLE`` when the file's tables are not
    known), so that rows of other tables are not reported again for referring to it; None when it was read.
    """

    file: str
    sheet: str | None
    rule: str
    message: str
    severity: str = "error"
    row: int | None = None
    column: str | None = None
    table: str | None = None


def _refused(problems: list[FileProblem], since: int, table: str) -> None:
    """Mark the errors found since ``since`` as having kept ``table`` from being read."""
    problems[since:] = [
        replace(p, table=table) if p.severity == "error" and p.table is None else p for p in problems[since:]
    ]


def _clean_header(name: str) -> str:
    return str(name).replace("\ufeff", "").strip().lower()


def _known_columns() -> set[str]:
    return {c for t in s.TABLES.values() for c in t.names} | set(s.STORE_COLUMNS)


# A leading apostrophe that our CSV exports put before a cell a spreadsheet would run as a formula
# (``interfaces.export.neutralise``): one apostrophe, then any more, then = + - @ or a tab or carriage return.
NEUTRALISED = r"^'('*[=+\-@\t\r])"


def exported(header: Sequence[str]) -> bool:
    """Whether a CSV was written by forecast: its header holds a column only the store writes (``store_vintage``,
    ``valid_from``, ``source_file``, ``source_row``), as every table it exports does (``forecast data``, the
    service's tables). Only there is the apostrophe of ``NEUTRALISED`` ours to take off; in any other file a
    leading apostrophe is the user's, and kept as typed."""
    return any(_clean_header(h) in s.STORE_COLUMNS for h in header)


def _as_text(
    frame: pl.DataFrame, file: str, sheet: str | None, problems: list[FileProblem], ours: bool = False
) -> pl.DataFrame:
    """Every cell as text; with ``ours`` (a file forecast exported) the apostrophe it put before a formula-like
    cell is taken off again."""
    keep, seen = [], set()
    for c in frame.columns:
        clean = _clean_header(c)
        if clean in seen:  # _header_problems reports these; the first occurrence is kept
            continue
        seen.add(clean)
        dtype = frame.schema[c]
        if dtype.is_nested():
            problems.append(
                FileProblem(
                    file,
                    sheet,
                    "file_unreadable",
                    f"column `{clean}` holds lists or structures ({dtype}); each cell must be one value.",
                    column=clean,
                )
            )
            continue
        col = pl.col(c)
        if dtype.is_float():  # NaN is not "no figure": it is kept as text so that validation refuses it
            col = pl.when(col.is_nan()).then(pl.lit("NaN")).otherwise(col.cast(pl.String))
        col = col.cast(pl.String)
        if ours:  # a cell our export neutralised ('=..., ''=... for a typed '=...) is read back as it was
            col = col.str.replace(NEUTRALISED, "$1")
        keep.append(col.alias(clean))
    frame = frame.select(keep)
    if frame.width:  # blank spreadsheet rows carry no record
        frame = frame.filter(~pl.all_horizontal(pl.all().is_null() | (pl.all().str.strip_chars() == "")))
    return frame


def _too_wide(file: str, sheet: str | None, width: int, table: str) -> FileProblem:
    """One message for a table with more columns than any template table could need (not one per column)."""
    return FileProblem(
        file,
        sheet,
        "too_many_columns",
        f"{width:,} columns, more than the {MAX_COLUMNS} a table may have (the template has at most "
        f"{max(len(t.names) for t in s.TABLES.values())}); keep the template's columns and delete the others.",
        row=1,
        table=table,
    )


def _header_problems(header: list[str], file: str, sheet: str | None) -> list[FileProblem]:
    out, seen = [], set()
    for name in header:
        clean = _clean_header(name)
        if clean in seen:
            out.append(
                FileProblem(
                    file,
                    sheet,
                    "duplicate_column",
                    f"column `{clean}` appears twice in the header; the second one is ignored — remove one.",
                    row=1,
                    column=clean,
                )
            )
        seen.add(clean)
    return out


def _with_rows(frame: pl.DataFrame, first: int = 2) -> pl.DataFrame:
    return frame.with_row_index(ROW, offset=first).with_columns(pl.col(ROW).cast(pl.Int64))


def expand(paths: Sequence[Path | str]) -> list[Path]:
    """Paths as given, except that a folder stands for the template files in it (tables and workbooks)."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(
                f
                for f in path.iterdir()
                if f.suffix.lower() in (*SUFFIXES, ".xls")
                and not f.name.startswith(".")
                and (f.stem.lower() in s.TABLES or f.suffix.lower() in (".xlsx", ".xls"))
            )
        else:
            out.append(path)
    return out


# --- CSV -------------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a CSV file and, when it was not UTF-8, the encoding found (UTF-16, Thai Windows cp874)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16 (Excel's 'Unicode Text')"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    if data[1:200:2].count(0) > 40 or data[0:200:2].count(0) > 40:  # UTF-16 without a BOM
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                return data.decode(enc), "UTF-16 (Excel's 'Unicode Text')"
            except UnicodeDecodeError:
                continue
    try:
        text = data.decode("cp874")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"the file is neither UTF-8, UTF-16 nor Thai Windows (cp874/TIS-620) text ({exc.reason} "
            f"at byte {exc.start}). Save it as UTF-8 (Excel: 'CSV UTF-8')."
        ) from exc
    if _looks_thai(text):
        return text, "Thai Windows (cp874/TIS-620)"
    raise ValueError("the file is not UTF-8 text. Save it as UTF-8 (Excel: 'CSV UTF-8').")


def _looks_thai(text: str) -> bool:
    """Whether text decoded as cp874 reads as Thai: consonants make up much of what is not ASCII."""
    other = [ch for ch in text if ord(ch) > 127]
    consonants = sum("\u0e01" <= ch <= "\u0e2e" for ch in other)
    return bool(other) and consonants >= 2 and consonants >= 0.3 * len(other)


def sniff_separator(text: str) -> str:
    """The separator of a CSV: ',' unless the first lines say ';', tab or '|'."""
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_csv(path: Path, problems: list[FileProblem]) -> pl.DataFrame | None:
    """A CSV file as text columns; None (the problems said) when it cannot be read as a table."""
    name = path.name
    text = _csv_text(path, problems)
    if text is None:
        return None
    sep = _csv_separator(text, name, problems)
    readable, header = _csv_rows(text, sep, name, problems)
    if not readable:
        return None
    if header is None:
        return pl.DataFrame()
    return _csv_frame(text, sep, header, name, problems)


def _csv_text(path: Path, problems: list[FileProblem]) -> str | None:
    """The text of a CSV file, with a note when it was not UTF-8; None when it cannot be decoded."""
    name = path.name
    try:
        text, encoding = decode(path.read_bytes())
    except ValueError as exc:
        problems.append(FileProblem(name, None, "file_unreadable", str(exc)))
        return None
    if encoding:
        problems.append(
            FileProblem(
                name,
                None,
                "file_encoding",
                f"read as {encoding}, not UTF-8; the text was converted exactly. Saving as UTF-8 avoids this note.",
                "warning",
            )
        )
    if "\r" in text and "\n" not in text:  # old Mac line endings (CR only): the rows are the same
        text = text.replace("\r", "\n")
    return text


def _csv_separator(text: str, name: str, problems: list[FileProblem]) -> str:
    """The separator of a CSV's text, with a note when it is not a comma."""
    sep = sniff_separator(text)
    if sep != ",":
        shown = {"\t": "tab", ";": "semicolon (;)", "|": "bar (|)"}[sep]
        problems.append(
            FileProblem(
                name,
                None,
                "file_separator",
                f"the cells are separated by {shown}, not commas; read that way.",
                "warning",
            )
        )
    return sep


def _csv_rows(text: str, sep: str, name: str, problems: list[FileProblem]) -> tuple[bool, list[str] | None]:
    """The structure of a CSV, row by row, with numbers (polars would pad short rows silently): whether it
    can be read (no header problem, no ragged row), and its header (None when the file holds no rows)."""
    found = len(problems)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
        header: list[str] | None = None
        known = _known_columns()
        for line_no, row in enumerate(reader, start=1):
            if header is None:
                if not any(cell.strip() for cell in row):
                    continue
                header = row
                refusal = _csv_header_refusal(header, line_no, text, sep, known, name)
                if refusal is not None:
                    problems.append(refusal)
                    return False, None
                problems += _header_problems(header, name, None)
                continue
            if len(row) != len(header) and any(cell.strip() for cell in row):
                problems.append(
                    FileProblem(
                        name,
                        None,
                        "ragged_row",
                        f"{len(row)} cells but the header has {len(header)}; a row cut short or a separator inside an "
                        "unquoted cell? Every row needs one cell per column.",
                        row=line_no,
                    )
                )
                if sum(p.rule == "ragged_row" for p in problems[found:]) >= 25:
                    break
    except csv.Error as exc:
        problems.append(FileProblem(name, None, "file_unreadable", f"{exc} (an unclosed quote?).", row=reader.line_num))
        return False, None
    return not any(p.rule in ("ragged_row",) for p in problems[found:]), header


def _csv_header_refusal(
    header: list[str], line_no: int, text: str, sep: str, known: set[str], name: str
) -> FileProblem | None:
    """Why the first non-empty row (``line_no``) cannot be the header: a title above it, or too many columns."""
    if line_no > 1 or not any(_clean_header(c) in known for c in header):
        later = _header_below(text, sep, known)
        if later:
            return FileProblem(
                name,
                None,
                "header_row",
                f"the header must be the first row; the column names are on "
                f"row {later} (delete the title rows above them).",
                row=later,
            )
    if line_no > 1:
        return FileProblem(name, None, "header_row", "the header must be the first row; row 1 is empty.", row=1)
    if len(header) > MAX_COLUMNS:
        return _too_wide(name, None, len(header), ANY_TABLE)
    return None


def _csv_frame(text: str, sep: str, header: list[str], name: str, problems: list[FileProblem]) -> pl.DataFrame | None:
    """The cells of a CSV whose structure was checked, as text; a repeated column is dropped."""
    names, seen = [], set()
    for i, h in enumerate(header):  # a repeated column is read under a private name and dropped
        clean = _clean_header(h)
        names.append(clean if clean not in seen else f"__duplicate_{i}")
        seen.add(clean)
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=sep,
            infer_schema=False,
            has_header=True,
            new_columns=names,
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
        return frame.select(pl.exclude("^__duplicate_.*$"))
    except pl.exceptions.PolarsError:
        problems.append(
            FileProblem(
                name,
                None,
                "file_unreadable",
                "cannot be read as CSV (its rows or quotes are not as a spreadsheet writes them); save it again "
                "from the spreadsheet as CSV UTF-8.",
            )
        )
        return None


def _header_below(text: str, sep: str, known: set[str]) -> int | None:
    """The line number of the first row (after the first) that holds template column names."""
    for line_no, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=sep), start=1):
        if line_no > MAX_SCAN_ROWS:
            return None
        if line_no > 1 and sum(_clean_header(c) in known for c in row) >= 2:
            return line_no
    return None


# --- files ---------------------------------------------------------------------------------------
def read_frames(frames: Mapping[str, pl.DataFrame], source: str = "given") -> tuple[list[RawTable], list[FileProblem]]:
    """Tables given in memory, read as a Parquet file of each would be (every cell as text, rows numbered
    from 2); each is named ``"<table> (<source>)"`` in messages. Problems are returned, never raised."""
    tables: list[RawTable] = []
    problems: list[FileProblem] = []
    for table, frame in frames.items():
        name = f"{table} ({source})"
        if table not in s.TABLES:
            problems.append(
                FileProblem(
                    name, None, "file_name", "the table must be one of " + ", ".join(s.TABLES) + ".", table=ANY_TABLE
                )
            )
            continue
        if frame.width > MAX_COLUMNS:
            problems.append(_too_wide(name, None, frame.width, table))
            continue
        problems += _header_problems(frame.columns, name, None)
        tables.append(RawTable(table, _with_rows(_as_text(frame, name, None, problems)), name))
    return tables, problems


def read_files(paths: Sequence[Path | str]) -> tuple[list[RawTable], list[FileProblem]]:
    """Read template files (or folders of them) into raw text tables; problems are returned, never raised."""
    tables: list[RawTable] = []
    problems = _empty_folders(paths)
    seen_tables: dict[str, str] = {}
    for path in expand(paths):
        refusal = _file_refusal(path)
        if refusal is not None:
            problems.append(refusal)
        elif path.suffix.lower() == ".xlsx":
            _read_workbook(path, tables, problems, seen_tables)
        else:
            _read_table_file(path, tables, problems, seen_tables)
    return tables, problems


def _empty_folders(paths: Sequence[Path | str]) -> list[FileProblem]:
    """A problem per folder given that holds no template files."""
    return [
        FileProblem(
            given.name,
            None,
            "file_missing",
            f"the folder {given} holds no template files ("
            + ", ".join(f"{t}.csv" for t in s.TABLES)
            + ", Parquet or one .xlsx).",
        )
        for given in map(Path, paths)
        if given.is_dir() and not expand([given])
    ]


def _file_refusal(path: Path) -> FileProblem | None:
    """Why a file is not read at all: missing, encrypted, a legacy .xls, or not a template's type."""
    name = path.name
    table = path.stem.strip().lower()
    suffix = path.suffix.lower()
    if not path.exists():
        return FileProblem(
            name,
            None,
            "file_missing",
            f"no such file ({path}); check the path.",
            table=table if table in s.TABLES and suffix != ".xlsx" else ANY_TABLE,
        )
    if suffix != ".parquet" and _encrypted(path):
        return FileProblem(
            name,
            None,
            "file_encrypted",
            "the workbook is protected with a password, so it cannot be read; in Excel remove the password "
            "(File > Info > Protect Workbook > Encrypt with Password, clear it), save, and load that.",
            table=ANY_TABLE,
        )
    if suffix == ".xls" or (suffix != ".parquet" and _starts_with(path, OLE2)):
        return FileProblem(
            name,
            None,
            "file_type",
            "a legacy Excel 97-2003 (.xls) file; save it as .xlsx (Excel: Save As > Excel Workbook) and load that.",
            table=ANY_TABLE,
        )
    if suffix not in SUFFIXES:
        return FileProblem(
            name, None, "file_type", f"must be .csv, .parquet or .xlsx, got '{path.suffix}'.", table=ANY_TABLE
        )
    return None


def _read_table_file(path: Path, tables: list[RawTable], problems: list[FileProblem], seen: dict[str, str]) -> None:
    """A CSV or Parquet file named after its table, read into ``tables`` unless it is refused."""
    name = path.name
    table = path.stem.strip().lower()
    suffix = path.suffix.lower()
    since = len(problems)
    if table not in s.TABLES:
        problems.append(
            FileProblem(
                name,
                None,
                "file_name",
                "the file name must be the table it holds: " + ", ".join(f"{t}{suffix}" for t in s.TABLES) + ".",
                table=ANY_TABLE,
            )
        )
        return
    if _one_per_table(table, name, name, None, seen, problems):  # the file's name, never a server path
        _refused(problems, since, table)
        return
    ours = False
    if suffix == ".csv":
        frame = _read_csv(path, problems)
        ours = frame is not None and exported(frame.columns)
    else:
        frame = _read_parquet(path, table, problems)
    if frame is None:
        _refused(problems, since, table)  # a Parquet problem names its table already
        return
    if frame.width > MAX_COLUMNS:
        problems.append(_too_wide(name, None, frame.width, table))
        return
    if suffix == ".parquet":
        problems += _header_problems(frame.columns, name, None)
    tables.append(RawTable(table, _with_rows(_as_text(frame, name, None, problems, ours)), name))


def _read_parquet(path: Path, table: str, problems: list[FileProblem]) -> pl.DataFrame | None:
    """A Parquet file as it is; None (the problem said) when it cannot be read."""
    try:
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        problems.append(
            FileProblem(
                path.name,
                None,
                "file_unreadable",
                f"cannot be read as Parquet ({str(exc).splitlines()[0]}); the file may be cut short.",
                table=table,
            )
        )
        return None


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(magic)) == magic
    except OSError:
        return False


def _one_per_table(
    table: str, where: str, name: str, sheet: str | None, seen: dict[str, str], problems: list[FileProblem]
) -> bool:
    """Two files or sheets for one table are refused (the second is reported, naming the first)."""
    if table in seen:
        problems.append(
            FileProblem(
                name,
                sheet,
                "duplicate_table",
                f"a second source for table {table} (the first is {seen[table]}); give each table once.",
            )
        )
        return True
    seen[table] = where if sheet is None else f"{name}, sheet {sheet!r}"
    return False


def _unzipped_size(path: Path) -> int:
    try:
        with zipfile.ZipFile(path) as z:
            return sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        return -1


def _read_workbook(path: Path, tables: list[RawTable], problems: list[FileProblem], seen: dict[str, str]) -> None:
    """The template sheets of a workbook, each read into ``tables`` unless refused; other sheets are noted."""
    name = path.name
    refusal = _workbook_refusal(path)
    if refusal is not None:
        problems.append(refusal)
        return
    scanned = _scan_workbook(path, problems)
    if scanned is None:
        return
    sheets = _excel_sheets(path, problems)
    if sheets is None:
        return
    found = False
    for sheet, raw in sheets.items():
        table = sheet.strip().lower()
        if table not in s.TABLES:
            if table != GUIDE_SHEET:
                problems.append(FileProblem(name, sheet, "sheet_name", "not a template table; ignored.", "warning"))
            continue
        found = True
        _read_sheet(path, sheet, raw, scanned.get(sheet, {}), tables, problems, seen)
    if not found:
        problems.append(FileProblem(name, None, "file_empty", "no sheet named " + ", ".join(s.TABLES) + "."))


def _workbook_refusal(path: Path) -> FileProblem | None:
    """Why a file is not opened as a workbook: not a zip, or one that unpacks too large."""
    size = _unzipped_size(path)
    if size < 0 or not _starts_with(path, ZIP):
        return FileProblem(
            path.name,
            None,
            "file_unreadable",
            "not an Excel workbook (.xlsx); save it from Excel as a workbook.",
            table=ANY_TABLE,
        )
    if size > MAX_UNZIPPED:
        return FileProblem(
            path.name,
            None,
            "file_unreadable",
            f"unpacks to {size / 2**20:,.0f} MB, more than the "
            f"{MAX_UNZIPPED / 2**20:,.0f} MB a template can hold; split it or use CSV.",
            table=ANY_TABLE,
        )
    return None


def _scan_workbook(path: Path, problems: list[FileProblem]) -> dict[str, dict] | None:
    """``scan`` of a workbook; None (the problem said) when a bound is passed or it is not a workbook."""
    try:
        return scan(path)
    except WorkbookTooBig as exc:
        problems.append(FileProblem(path.name, exc.sheet, exc.rule, str(exc), table=ANY_TABLE))
        return None
    except (zipfile.BadZipFile, zlib.error, ElementTree.ParseError, KeyError, ValueError, OSError, EOFError) as exc:
        problems.append(
            FileProblem(
                path.name,
                None,
                "file_unreadable",
                f"not a workbook Excel can open ({type(exc).__name__}); save it again from Excel as a workbook.",
                table=ANY_TABLE,
            )
        )
        return None


def _excel_sheets(path: Path, problems: list[FileProblem]) -> dict[str, pl.DataFrame] | None:
    """Every sheet of a workbook as text cells, without a header; None (the problem said) when it cannot be read."""
    try:
        return pl.read_excel(
            path, sheet_id=0, infer_schema_length=0, raise_if_empty=False, read_options={"header_row": None}
        )
    except Exception:  # noqa: BLE001 - any reader failure of an untrusted file is reported to the user
        problems.append(
            FileProblem(
                path.name,
                None,
                "file_unreadable",
                "cannot be read as an Excel workbook (a part of it is damaged or not as Excel writes it); open it "
                "in Excel and save it again as a workbook (.xlsx).",
                table=ANY_TABLE,
            )
        )
        return None


def _read_sheet(
    path: Path,
    sheet: str,
    raw: pl.DataFrame,
    info: dict,
    tables: list[RawTable],
    problems: list[FileProblem],
    seen: dict[str, str],
) -> None:
    """One template sheet (``info``: what ``scan`` found of it) read into ``tables`` unless it is refused."""
    name = path.name
    table = sheet.strip().lower()
    since = len(problems)
    if info.get("hidden"):
        problems.append(
            FileProblem(
                name,
                sheet,
                "hidden_sheet",
                "the sheet is hidden; unhide it (or delete it) so that what is loaded is what people see.",
                table=table,
            )
        )
        return
    if _one_per_table(table, str(path), name, sheet, seen, problems) or raw.height == 0:
        _refused(problems, since, table)
        return
    if raw.width > MAX_COLUMNS:  # cells without a reference, which the scan could not place
        problems.append(_too_wide(name, sheet, raw.width, table))
        return
    frame = _sheet_frame(raw, name, sheet, problems)
    if frame is None:
        _refused(problems, since, table)
        return
    problems += _sheet_cell_problems(path, sheet, raw, info)
    tables.append(RawTable(table, frame, name, sheet))


def _sheet_cell_problems(path: Path, sheet: str, raw: pl.DataFrame, info: dict) -> list[FileProblem]:
    """The hidden rows and the formulas without a saved value of a sheet (25 of each at most)."""
    name = path.name
    inspected = (
        inspect_sheet(path, info["member"])
        if info.get("hidden_rows") or info.get("formulas")
        else {"hidden_rows": [], "uncached": []}
    )
    header = [str(c) if c is not None else "" for c in raw.row(0)] if raw.height else []
    problems = [
        FileProblem(name, sheet, "hidden_row", "the row is hidden; unhide it or delete it.", row=r)
        for r in inspected["hidden_rows"][:25]
    ]
    for r, index, formula in inspected["uncached"][:25]:
        col = _clean_header(header[index]) if index < len(header) and header[index] else f"column {index + 1}"
        problems.append(
            FileProblem(
                name,
                sheet,
                "formula",
                f"a formula ({formula}) with no saved value; open the workbook in Excel and save it (or paste values).",
                row=r,
                column=col,
            )
        )
    return problems


def _sheet_frame(raw: pl.DataFrame, name: str, sheet: str, problems: list[FileProblem]) -> pl.DataFrame | None:
    """The sheet with its first row as the header (which must be the first row)."""
    known = _known_columns()
    rows = raw.rows()
    if not rows:
        return None
    header = [str(c) if c is not None else "" for c in rows[0]]
    if not any(_clean_header(c) in known for c in header):
        for i, row in enumerate(rows[1:MAX_SCAN_ROWS], start=2):
            if sum(_clean_header(str(c)) in known for c in row if c is not None) >= 2:
                problems.append(
                    FileProblem(
                        name,
                        sheet,
                        "header_row",
                        f"the header must be the first row; the column names are on row {i} "
                        "(delete the title rows above them).",
                        row=i,
                    )
                )
                return None
    problems += _header_problems(header, name, sheet)
    body = raw.slice(1)
    names, keep = [], []
    for i, h in enumerate(header):
        clean = _clean_header(h)
        if not clean or clean in names:
            continue
        names.append(clean)
        keep.append(pl.col(raw.columns[i]).cast(pl.String).alias(clean))
    frame = body.select(keep).with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    cells = [c for c in frame.columns if c != ROW]
    if cells:
        frame = frame.filter(
            ~pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells])
        )
    return frame


# --- what a workbook holds, read with bounds ---------------------------------------------------------
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROW = re.compile(rb"<(?:\w{1,16}:)?row[\s>/]")
_HIDDEN_ROW = re.compile(rb"<(?:\w{1,16}:)?row\s[^>]{0,400}?\bhidden=\"(?:1|true)\"")
_FORMULA = re.compile(rb"<(?:\w{1,16}:)?f[\s>/]")
_CELL_COLUMN = re.compile(rb"<(?:\w{1,16}:)?c\s[^>]{0,400}?\br=\"([A-Z]{1,3})[0-9]+\"")
_TAIL = 512  # bytes carried from one chunk to the next, longer than any match above


class WorkbookTooBig(Exception):
    """A bound of ``scan`` was passed; the message says which, in the user's terms (``rule``, ``sheet``: where)."""

    def __init__(self, message: str, rule: str = "file_unreadable", sheet: str | None = None):
        super().__init__(message)
        self.rule, self.sheet = rule, sheet


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _stream(z: zipfile.ZipFile, member: str, budget: list[int], limit: int, what: str):
    """The decompressed bytes of ``member``, chunk by chunk, counting what is actually read against ``budget``
    (the workbook's) and ``limit`` (this part's): the sizes a zip declares are not trusted."""
    read = 0
    with z.open(member) as f:
        while chunk := f.read(CHUNK):
            read += len(chunk)
            budget[0] += len(chunk)
            if read > limit:
                raise WorkbookTooBig(f"{what} unpacks to more than {limit / 2**20:,.0f} MB; split it or use CSV.")
            if budget[0] > MAX_UNZIPPED:
                raise WorkbookTooBig(
                    f"unpacks to more than the {MAX_UNZIPPED / 2**20:,.0f} MB a template can hold; split it or use CSV."
                )
            yield chunk


def _xml(z: zipfile.ZipFile, member: str, budget: list[int]) -> ElementTree.Element:
    data = b"".join(_stream(z, member, budget, 16 << 20, member))
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise WorkbookTooBig(f"{member} declares entities, which a workbook never needs; save it again from Excel.")
    return ElementTree.fromstring(data)


def _sheet_parts(z: zipfile.ZipFile, budget: list[int]) -> list[tuple[str, str, bool]]:
    """(sheet name, zip member, hidden) for every sheet, from the workbook's own list (``xl/workbook.xml``)."""
    book = _xml(z, "xl/workbook.xml", budget)
    rels = _xml(z, "xl/_rels/workbook.xml.rels", budget)
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = []
    for sheet in book.iter(f"{{{_NS_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_NS_REL}}}id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out.append((sheet.get("name", ""), member, sheet.get("state", "visible") != "visible"))
    return out


def scan(path: Path) -> dict[str, dict]:
    """Per sheet, read once with bounds on what is actually unpacked (never the declared ``<dimension>`` or
    zip sizes): its rows, widest column, whether it is hidden, and whether it has hidden rows or formulas
    (then ``inspect_sheet`` looks closer). ``WorkbookTooBig`` when a sheet passes ``MAX_SHEET_ROWS`` or
    ``MAX_COLUMNS``, the cells' text ``MAX_SHARED_STRINGS``, or the workbook ``MAX_UNZIPPED``: it stops there,
    so a crafted file costs at most that much reading."""
    budget = [0]
    out: dict[str, dict] = {}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        if "xl/sharedStrings.xml" in names:
            for _ in _stream(z, "xl/sharedStrings.xml", budget, MAX_SHARED_STRINGS, "the text of its cells"):
                pass
        for sheet, member, hidden in _sheet_parts(z, budget):
            info: dict[str, Any] = {
                "member": member,
                "hidden": hidden,
                "rows": 0,
                "columns": 0,
                "hidden_rows": False,
                "formulas": False,
            }
            out[sheet] = info
            if member not in names:
                continue
            tail = b""
            for chunk in _stream(z, member, budget, MAX_UNZIPPED, f"sheet {sheet!r}"):
                buf = tail + chunk
                fresh = len(tail)
                info["rows"] += sum(1 for m in _ROW.finditer(buf) if m.end() > fresh)
                for m in _CELL_COLUMN.finditer(buf):
                    if m.end() > fresh:
                        info["columns"] = max(info["columns"], _column_number(m.group(1)))
                info["hidden_rows"] = info["hidden_rows"] or bool(_HIDDEN_ROW.search(buf))
                info["formulas"] = info["formulas"] or bool(_FORMULA.search(buf))
                if info["rows"] > MAX_SHEET_ROWS:
                    raise WorkbookTooBig(
                        f"sheet {sheet!r} has more than the {MAX_SHEET_ROWS:,} rows a workbook sheet may hold "
                        "here (counted as read, whatever its declared size); give a table this large as CSV or "
                        "Parquet."
                    )
                if info["columns"] > MAX_COLUMNS and sheet.strip().lower() in s.TABLES:
                    raise WorkbookTooBig(
                        f"cells in column {info['columns']:,}, more than the {MAX_COLUMNS} columns a table may "
                        "have; keep the template's columns and delete the others.",
                        "too_many_columns",
                        sheet,
                    )
                tail = buf[-_TAIL:]
    return out


def inspect_sheet(path: Path, member: str) -> dict:
    """Hidden rows and formula cells without a saved value of one sheet (already bounded by ``scan``):
    ``{"hidden_rows": [row, ...], "uncached": [(row, column index from 0, formula), ...]}``."""
    hidden: list[int] = []
    uncached: list[tuple[int, int, str]] = []
    row_no = 0
    with zipfile.ZipFile(path) as z, z.open(member) as f:
        for _, el in ElementTree.iterparse(f, events=("end",)):
            tag = el.tag.rpartition("}")[2]
            if tag == "c":
                formula = value = None
                for child in el:
                    kind = child.tag.rpartition("}")[2]
                    if kind == "f":
                        formula = "=" + (child.text or "")  # as Excel shows it
                    elif kind in ("v", "is"):
                        value = child.text if kind == "v" else "".join(child.itertext())
                ref = el.get("r") or ""
                if formula is not None and not value and len(uncached) < 25:
                    letters = re.match(r"[A-Z]+", ref)
                    col = _column_number(letters.group().encode()) - 1 if letters else 0
                    uncached.append((int(ref[len(letters.group()) :]) if letters else row_no, col, formula))
                el.clear()
            elif tag == "row":
                row_no = int(el.get("r") or row_no + 1)
                if el.get("hidden") in ("1", "true") and row_no > 1 and len(hidden) < 25:
                    hidden.append(row_no)
                el.clear()
    return {"hidden_rows": hidden, "uncached": uncached}


def _encrypted(path: Path) -> bool:
    """A workbook protected with a password: Excel writes it as an OLE2 file holding an ``EncryptedPackage``."""
    try:
        with open(path, "rb") as f:
            data = f.read(64 << 20)
    except OSError:
        return False
    return data.startswith(OLE2) and "EncryptedPackage".encode("utf-16-le") in data


# --- writing ------------------------------------------------------------------------------------
def _guide() -> pl.DataFrame:
    def need(t: s.Table, c: s.Column) -> str:
        if c.name in s.NAMED.get(t.name, ()):  # the column and the cell: one of the two names is enough
            return " or ".join(s.NAMED[t.name]) + " required"
        return "required" if c.required else ("optional column" if c.optional else "may be empty")

    rows = [
        {
            "table": t.name,
            "column": c.name,
            "required": need(t, c),
            "type": c.kind,
            "description": c.doc_en,
            "คำอธิบาย": c.doc_th,
        }
        for t in s.TABLES.values()
        for c in t.columns
    ]
    return pl.DataFrame(rows)


def write_workbook(path: Path | str, frames: dict[str, pl.DataFrame], guide: bool = True) -> Path:
    """Write frames to one workbook, a sheet each, plus the column guide sheet (text is never a formula)."""
    import xlsxwriter  # noqa: PLC0415 - lazy: xlsxwriter, only to write the template

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False}) as wb:
        for sheet, frame in frames.items():
            frame.write_excel(
                wb,
                worksheet=sheet,
                autofit=True,
                float_precision=4,
                table_style="Table Style Light 9",
                freeze_panes=(1, 0),
            )
        if guide:
            _guide().write_excel(
                wb, worksheet=GUIDE_SHEET, autofit=True, table_style="Table Style Light 1", freeze_panes=(1, 0)
            )
    return path


def write_template(path: Path | str, example: dict[str, pl.DataFrame] | None = None) -> Path:
    """The blank Excel template: a sheet per table (headers, optionally example rows) and a guide sheet."""
    frames = {name: (example or {}).get(name, s.empty(t)).select(t.names) for name, t in s.TABLES.items()}
    return write_workbook(path, frames)
