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
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from forecast.data import schema as s

ROW = "__row"  # spreadsheet row number of a record (header is row 1)
SUFFIXES = (".csv", ".parquet", ".xlsx")
GUIDE_SHEET = "columns"
MAX_SCAN_ROWS = 10  # a header is looked for in the first rows when the first one is not it
OLE2 = b"\xd0\xcf\x11\xe0"  # legacy .xls (and other OLE2 documents)
ZIP = b"PK\x03\x04"
MAX_UNZIPPED = 500 << 20  # a workbook whose parts unzip to more than this is refused (a zip bomb)
MAX_SHEET_ROWS = 500_000  # rows per workbook sheet; larger tables come as CSV or Parquet


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
    found = len(problems)
    try:  # the structure, row by row, with numbers (polars would pad short rows silently)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
        header: list[str] | None = None
        known = _known_columns()
        for line_no, row in enumerate(reader, start=1):
            if header is None:
                if not any(cell.strip() for cell in row):
                    continue
                header = row
                if line_no > 1 or not any(_clean_header(c) in known for c in row):
                    later = _header_below(text, sep, known)
                    if later:
                        problems.append(
                            FileProblem(
                                name,
                                None,
                                "header_row",
                                f"the header must be the first row; the column names are on "
                                f"row {later} (delete the title rows above them).",
                                row=later,
                            )
                        )
                        return None
                if line_no > 1:
                    problems.append(
                        FileProblem(
                            name, None, "header_row", "the header must be the first row; row 1 is empty.", row=1
                        )
                    )
                    return None
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
        return None
    if any(p.rule in ("ragged_row",) for p in problems[found:]):
        return None
    if header is None:
        return pl.DataFrame()
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
    except pl.exceptions.PolarsError as exc:
        problems.append(FileProblem(name, None, "file_unreadable", f"cannot be read ({str(exc).splitlines()[0]})."))
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
        problems += _header_problems(frame.columns, name, None)
        tables.append(RawTable(table, _with_rows(_as_text(frame, name, None, problems)), name))
    return tables, problems


def read_files(paths: Sequence[Path | str]) -> tuple[list[RawTable], list[FileProblem]]:
    """Read template files (or folders of them) into raw text tables; problems are returned, never raised."""
    tables: list[RawTable] = []
    problems: list[FileProblem] = []
    for given in map(Path, paths):
        if given.is_dir() and not expand([given]):
            problems.append(
                FileProblem(
                    given.name,
                    None,
                    "file_missing",
                    f"the folder {given} holds no template files ("
                    + ", ".join(f"{t}.csv" for t in s.TABLES)
                    + ", Parquet or one .xlsx).",
                )
            )
    seen_tables: dict[str, str] = {}
    for path in expand(paths):
        name = path.name
        table = path.stem.strip().lower()
        suffix = path.suffix.lower()
        since = len(problems)
        if not path.exists():
            problems.append(
                FileProblem(
                    name,
                    None,
                    "file_missing",
                    f"no such file ({path}); check the path.",
                    table=table if table in s.TABLES and suffix != ".xlsx" else ANY_TABLE,
                )
            )
            continue
        if suffix == ".xls" or (suffix != ".parquet" and _starts_with(path, OLE2)):
            problems.append(
                FileProblem(
                    name,
                    None,
                    "file_type",
                    "a legacy Excel 97-2003 (.xls) file; save it as .xlsx (Excel: Save As > "
                    "Excel Workbook) and load that.",
                    table=ANY_TABLE,
                )
            )
            continue
        if suffix not in SUFFIXES:
            problems.append(
                FileProblem(
                    name, None, "file_type", f"must be .csv, .parquet or .xlsx, got '{path.suffix}'.", table=ANY_TABLE
                )
            )
            continue
        if suffix == ".xlsx":
            _read_workbook(path, tables, problems, seen_tables)
            continue
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
            continue
        if _one_per_table(table, str(path), name, None, seen_tables, problems):
            _refused(problems, since, table)
            continue
        ours = False
        if suffix == ".csv":
            frame = _read_csv(path, problems)
            ours = frame is not None and exported(frame.columns)
        else:
            try:
                frame = pl.read_parquet(path)
            except (pl.exceptions.PolarsError, OSError) as exc:
                problems.append(
                    FileProblem(
                        name,
                        None,
                        "file_unreadable",
                        f"cannot be read as Parquet ({str(exc).splitlines()[0]}); the file may be cut short.",
                        table=table,
                    )
                )
                continue
        if frame is None:
            _refused(problems, since, table)
            continue
        if suffix == ".parquet":
            problems += _header_problems(frame.columns, name, None)
        tables.append(RawTable(table, _with_rows(_as_text(frame, name, None, problems, ours)), name))
    return tables, problems


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
    name = path.name
    size = _unzipped_size(path)
    if size < 0 or not _starts_with(path, ZIP):
        problems.append(
            FileProblem(
                name,
                None,
                "file_unreadable",
                "not an Excel workbook (.xlsx); save it from Excel as a workbook.",
                table=ANY_TABLE,
            )
        )
        return
    if size > MAX_UNZIPPED:
        problems.append(
            FileProblem(
                name,
                None,
                "file_unreadable",
                f"unpacks to {size / 2**20:,.0f} MB, more than the "
                f"{MAX_UNZIPPED / 2**20:,.0f} MB a template can hold; split it or use CSV.",
                table=ANY_TABLE,
            )
        )
        return
    too_big = [(sheet, n) for sheet, n in _sheet_rows(path).items() if n > MAX_SHEET_ROWS]
    for sheet, n in too_big:
        problems.append(
            FileProblem(
                name,
                sheet,
                "file_unreadable",
                f"{n:,} rows, more than the {MAX_SHEET_ROWS:,} a workbook sheet may hold here; "
                "give a table this large as CSV or Parquet.",
                table=ANY_TABLE,
            )
        )
    if too_big:
        return
    inspected = _inspect_workbook(path, problems)
    try:
        sheets = pl.read_excel(
            path, sheet_id=0, infer_schema_length=0, raise_if_empty=False, read_options={"header_row": None}
        )
    except Exception as exc:  # noqa: BLE001 - any reader failure of an untrusted file is reported to the user
        problems.append(
            FileProblem(
                name,
                None,
                "file_unreadable",
                f"cannot be read as an Excel workbook ({str(exc).splitlines()[0]}).",
                table=ANY_TABLE,
            )
        )
        return
    found = False
    for sheet, raw in sheets.items():
        table = sheet.strip().lower()
        if table not in s.TABLES:
            if table != GUIDE_SHEET:
                problems.append(FileProblem(name, sheet, "sheet_name", "not a template table; ignored.", "warning"))
            continue
        found = True
        since = len(problems)
        if inspected.get(sheet, {}).get("hidden"):
            problems.append(
                FileProblem(
                    name,
                    sheet,
                    "hidden_sheet",
                    "the sheet is hidden; unhide it (or delete it) so that what is loaded is what people see.",
                    table=table,
                )
            )
            continue
        if _one_per_table(table, str(path), name, sheet, seen, problems) or raw.height == 0:
            _refused(problems, since, table)
            continue
        frame = _sheet_frame(raw, name, sheet, problems)
        if frame is None:
            _refused(problems, since, table)
            continue
        for r in inspected.get(sheet, {}).get("hidden_rows", [])[:25]:
            problems.append(FileProblem(name, sheet, "hidden_row", "the row is hidden; unhide it or delete it.", row=r))
        for r, col, formula in inspected.get(sheet, {}).get("uncached", [])[:25]:
            problems.append(
                FileProblem(
                    name,
                    sheet,
                    "formula",
                    f"a formula ({formula}) with no saved value; open the workbook in Excel and "
                    "save it (or paste values).",
                    row=r,
                    column=col,
                )
            )
        tables.append(RawTable(table, frame, name, sheet))
    if not found:
        problems.append(FileProblem(name, None, "file_empty", "no sheet named " + ", ".join(s.TABLES) + "."))


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


def _sheet_rows(path: Path) -> dict[str, int]:
    """Rows per sheet as the workbook declares them (read-only: nothing is loaded)."""
    try:
        from openpyxl import load_workbook  # noqa: PLC0415 - lazy: openpyxl, only for workbooks

        wb = load_workbook(path, read_only=True)
        try:
            return {ws.title: int(ws.max_row or 0) for ws in wb.worksheets}
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - a workbook openpyxl cannot open is reported by the reader
        return {}


def _inspect_workbook(path: Path, problems: list[FileProblem]) -> dict[str, dict]:
    """Per sheet: hidden or not, hidden rows, formula cells without a saved value (openpyxl)."""
    try:
        from openpyxl import load_workbook  # noqa: PLC0415 - lazy: openpyxl, only for workbooks

        formulas = load_workbook(path, read_only=False, data_only=False)
        values = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a workbook openpyxl cannot open is reported by the reader
        return {}
    out: dict[str, dict] = {}
    for ws in formulas.worksheets:
        info: dict = {"hidden": ws.sheet_state != "visible", "hidden_rows": [], "uncached": []}
        if ws.title.strip().lower() in s.TABLES:
            info["hidden_rows"] = sorted(r for r, d in ws.row_dimensions.items() if d.hidden and r > 1)
            cached = values[ws.title]
            cached_rows = {i: row for i, row in enumerate(cached.iter_rows(values_only=True), start=1)}
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        saved = cached_rows.get(cell.row, ())
                        value = saved[cell.column - 1] if cell.column - 1 < len(saved) else None
                        if value is None:
                            header = ws.cell(row=1, column=cell.column).value
                            info["uncached"].append(
                                (cell.row, _clean_header(header or cell.column_letter), str(cell.value))
                            )
        out[ws.title] = info
    return out


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
