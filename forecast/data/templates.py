"""Reading filled templates (CSV, Parquet, XLSX) and writing the Excel template and exports.

Files are read as text, untouched, together with where each row came from
(file, sheet, row number as a spreadsheet shows it); ``validate`` parses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from forecast.data import schema as s

ROW = "__row"  # spreadsheet row number of a record (header is row 1)
SUFFIXES = (".csv", ".parquet", ".xlsx")
GUIDE_SHEET = "columns"


@dataclass(frozen=True)
class RawTable:
    """One table as found in one file or sheet, all cells as text."""

    table: str
    frame: pl.DataFrame
    file: str
    sheet: str | None = None


@dataclass(frozen=True)
class FileProblem:
    """A problem with a whole file (unreadable, misnamed), reported by ``validate``."""

    file: str
    sheet: str | None
    rule: str
    message: str
    severity: str = "error"


def _clean_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _as_text(frame: pl.DataFrame, file: str, sheet: str | None,
             problems: list[FileProblem]) -> pl.DataFrame:
    seen: set[str] = set()
    keep = []
    for c in frame.columns:
        clean = _clean_header(c)
        if clean in seen:
            problems.append(FileProblem(file, sheet, "duplicate_column",
                                        f"{file}: column `{clean}` appears twice in the header; the second "
                                        "one is ignored — remove one."))
            continue
        seen.add(clean)
        keep.append(pl.col(c).cast(pl.String).alias(clean))
    frame = frame.select(keep)
    # Blank spreadsheet rows carry no record.
    if frame.width:
        frame = frame.filter(~pl.all_horizontal(pl.all().is_null() | (pl.all().str.strip_chars() == "")))
    return frame


def _with_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def expand(paths: list[Path | str]) -> list[Path]:
    """Paths as given, except that a folder stands for the template files in it (tables and workbooks)."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(f for f in path.iterdir() if f.suffix.lower() in SUFFIXES and not f.name.startswith(".")
                          and (f.stem.lower() in s.TABLES or f.suffix.lower() == ".xlsx"))
        else:
            out.append(path)
    return out


def read_files(paths: list[Path | str]) -> tuple[list[RawTable], list[FileProblem]]:
    """Read template files (or folders of them) into raw text tables; problems are returned, never raised."""
    tables: list[RawTable] = []
    problems: list[FileProblem] = []
    for given in map(Path, paths):
        if given.is_dir() and not expand([given]):
            problems.append(FileProblem(given.name, None, "file_missing",
                                        f"{given}: the folder holds no template files ("
                                        + ", ".join(f"{t}.csv" for t in s.TABLES) + ", Parquet or one .xlsx)."))
    for path in expand(paths):
        name = path.name
        if not path.exists():
            problems.append(FileProblem(name, None, "file_missing", f"no such file ({path}); check the path."))
            continue
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            problems.append(FileProblem(name, None, "file_type",
                                        f"{name}: must be .csv, .parquet or .xlsx, got '{path.suffix}'."))
            continue
        if suffix == ".xlsx":
            _read_workbook(path, tables, problems)
            continue
        table = path.stem.lower()
        if table not in s.TABLES:
            problems.append(FileProblem(
                name, None, "file_name",
                f"{name}: the file name must be the table it holds: "
                + ", ".join(f"{t}{suffix}" for t in s.TABLES) + "."))
            continue
        try:
            if suffix == ".csv":
                frame = pl.read_csv(path, infer_schema=False, encoding="utf8", truncate_ragged_lines=False)
            else:
                frame = pl.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure is reported to the user
            hint = " Save it as UTF-8 (Excel: 'CSV UTF-8')." if "utf" in str(exc).lower() else ""
            problems.append(FileProblem(name, None, "file_unreadable",
                                        f"{name}: cannot be read ({str(exc).splitlines()[0]}).{hint}"))
            continue
        tables.append(RawTable(table, _with_rows(_as_text(frame, name, None, problems)), name))
    return tables, problems


def _read_workbook(path: Path, tables: list[RawTable], problems: list[FileProblem]) -> None:
    name = path.name
    try:
        sheets = pl.read_excel(path, sheet_id=0, infer_schema_length=0, raise_if_empty=False)
    except Exception as exc:  # noqa: BLE001
        problems.append(FileProblem(name, None, "file_unreadable",
                                    f"{name}: cannot be read as an Excel workbook ({str(exc).splitlines()[0]})."))
        return
    found = False
    for sheet, frame in sheets.items():
        table = sheet.strip().lower()
        if table in s.TABLES:
            found = True
            if frame.width:
                tables.append(RawTable(table, _with_rows(_as_text(frame, name, sheet, problems)), name, sheet))
        elif table != GUIDE_SHEET:
            problems.append(FileProblem(name, sheet, "sheet_name",
                                        f"{name}, sheet '{sheet}': not a template table; ignored.", "warning"))
    if not found:
        problems.append(FileProblem(name, None, "file_empty",
                                    f"{name}: no sheet named " + ", ".join(s.TABLES) + "."))


def _guide() -> pl.DataFrame:
    rows = [
        {"table": t.name, "column": c.name,
         "required": "required" if c.required else ("optional column" if c.optional else "may be empty"),
         "type": c.kind, "description": c.doc_en, "คำอธิบาย": c.doc_th}
        for t in s.TABLES.values() for c in t.columns
    ]
    return pl.DataFrame(rows)


def write_workbook(path: Path | str, frames: dict[str, pl.DataFrame], guide: bool = True) -> Path:
    """Write frames to one workbook, a sheet each, plus the column guide sheet."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(path) as wb:
        for sheet, frame in frames.items():
            frame.write_excel(wb, worksheet=sheet, autofit=True, float_precision=4,
                              table_style="Table Style Light 9", freeze_panes=(1, 0))
        if guide:
            _guide().write_excel(wb, worksheet=GUIDE_SHEET, autofit=True, table_style="Table Style Light 1",
                                 freeze_panes=(1, 0))
    return path


def write_template(path: Path | str, example: dict[str, pl.DataFrame] | None = None) -> Path:
    """The blank Excel template: a sheet per table (headers, optionally example rows) and a guide sheet."""
    frames = {name: (example or {}).get(name, s.empty(t)).select(t.names)
              for name, t in s.TABLES.items()}
    return write_workbook(path, frames)
