"""An embedded, append-only store of report vintages.

Layout of a store directory::

    store.json                 fiscal calendar and format version
    vintages/000001/           one folder per ingest, written atomically
        manifest.json          when, from which files (sha256), rows, warnings
        finance.parquet ...    only the rows that were new or changed

Nothing is ever rewritten: an ingest validates everything first, writes its
rows to a hidden folder and renames it into place, so a failed ingest leaves
the store byte-identical. A figure that differs from an earlier vintage for the
same key is stored beside it and listed by ``revisions``.

With no store given (no ``--store`` and no ``FORECAST_STORE``) and no default
store created yet, the embedded reference data is served read-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from forecast import config
from forecast.data import templates, validate
from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.validate import Checked, Issue

FORMAT_VERSION = 1
CONFIG_FILE = "store.json"
VINTAGES_DIR = "vintages"
MANIFEST = "manifest.json"
REFERENCE_LABEL = "embedded reference data (ETDA FY2569 report, read-only)"


class StoreError(Exception):
    """A store that cannot be opened or written, with the way out in the message."""


@dataclass
class IngestResult:
    """What an ingest did: the new vintage (None when nothing changed), rows per table, issues."""

    vintage: int | None
    rows: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    store: str = ""
    created: bool = False


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _vintage_name(n: int) -> str:
    return f"{n:06d}"


def _reference_files() -> list[Path]:
    return [config.REFERENCE_DIR / f"{t}.csv" for t in s.TABLES]


@lru_cache(maxsize=4)
def _load_reference(stamp: tuple) -> tuple[dict[str, pl.DataFrame], dict]:
    raw, problems = templates.read_files(_reference_files())
    checked = validate.check(raw, problems)
    if not checked.ok:  # the shipped data is tested; this guards against edits to it
        raise StoreError("the embedded reference data does not validate:\n"
                         + "\n".join(f"  {i}" for i in checked.errors))
    manifest = _manifest(1, checked, _reference_files(), "embedded reference data")
    manifest["ingested_at"] = "embedded"
    tables = {name: _stored_rows(name, df) for name, df in checked.tables.items()}
    return tables, manifest


def _stored_rows(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Template columns plus where each row came from."""
    t = s.TABLES[name]
    source = pl.when(pl.col(validate.SHEET).is_null()).then(pl.col(validate.FILE)).otherwise(
        pl.format("{}:{}", pl.col(validate.FILE), pl.col(validate.SHEET)))
    return df.select(*t.names, source.alias(s.SOURCE_FILE), pl.col(templates.ROW).alias(s.SOURCE_ROW))


def _manifest(vintage: int, checked: Checked, paths: list[Path], note: str = "") -> dict:
    dates = sorted({d for df in checked.tables.values() if s.AS_OF in df.columns
                    for d in df[s.AS_OF].drop_nulls().unique().to_list()})
    today = dt.datetime.now(dt.timezone.utc)
    return {
        "vintage": vintage,
        "ingested_at": today.isoformat(timespec="seconds"),
        "valid_from": (dates[0] if dates else today.date()).isoformat(),
        "report_dates": [d.isoformat() for d in dates],
        "files": [{"name": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in paths],
        "warnings": [str(i) for i in checked.warnings],
        "note": note,
    }


class Store:
    """A store of vintages at ``root``; ``root=None`` is the embedded reference data (read-only).

    Use ``Store.open`` to resolve ``--store`` / ``FORECAST_STORE`` / the default.
    """

    def __init__(self, root: Path | None, calendar: FiscalCalendar | None = None):
        self.root = root
        self.calendar = calendar or FiscalCalendar()
        self._cache: dict[tuple, pl.DataFrame] = {}

    # --- opening ------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str | None = None) -> "Store":
        """The store named by ``path``, else ``FORECAST_STORE``, else the default store, else the reference data."""
        named = Path(path) if path else config.store_from_env()
        if named is None:
            if (config.DEFAULT_STORE_DIR / CONFIG_FILE).exists():
                named = config.DEFAULT_STORE_DIR
            else:
                return cls(None)
        cfg = named / CONFIG_FILE
        if not cfg.exists():
            raise StoreError(f"{named} is not a store (no {CONFIG_FILE}); create it with "
                             f"`forecast --store {named} init`.")
        meta = json.loads(cfg.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise StoreError(f"{named}: store format {meta.get('format')} is not supported "
                             f"(this version reads format {FORMAT_VERSION}).")
        return cls(named, FiscalCalendar(**meta["calendar"]))

    @classmethod
    def create(cls, path: Path | str, calendar: FiscalCalendar | None = None) -> "Store":
        """Make an empty store at ``path`` (``forecast init``)."""
        path = Path(path)
        if (path / CONFIG_FILE).exists():
            raise StoreError(f"{path} is already a store; nothing changed.")
        if path.exists() and any(path.iterdir()):
            raise StoreError(f"{path} exists and is not empty; choose a new or empty folder.")
        calendar = calendar or FiscalCalendar()
        (path / VINTAGES_DIR).mkdir(parents=True, exist_ok=True)
        meta = {"format": FORMAT_VERSION, "calendar": calendar.to_dict(),
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        tmp = path / f".{CONFIG_FILE}.tmp"
        tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        os.replace(tmp, path / CONFIG_FILE)
        return cls(path, calendar)

    @property
    def read_only(self) -> bool:
        return self.root is None

    @property
    def label(self) -> str:
        return REFERENCE_LABEL if self.root is None else str(self.root)

    @property
    def models_dir(self) -> Path:
        """Where this store's model sets live: ``models/`` for the default store and the reference data."""
        if self.root is None or self.root.resolve() == config.DEFAULT_STORE_DIR.resolve():
            return config.MODELS_DIR
        return self.root / "models"

    # --- reading ------------------------------------------------------------------
    def _vintage_dirs(self) -> list[Path]:
        base = self.root / VINTAGES_DIR  # type: ignore[operator]
        if not base.exists():
            return []
        return sorted(p for p in base.iterdir() if p.is_dir() and p.name.isdigit())

    def manifests(self) -> list[dict]:
        if self.root is None:
            return [_load_reference(self._reference_stamp())[1]]
        return [json.loads((d / MANIFEST).read_text(encoding="utf-8")) for d in self._vintage_dirs()]

    @staticmethod
    def _reference_stamp() -> tuple:
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in _reference_files())

    def _scan(self, table: str) -> pl.LazyFrame:
        """Every stored version of every row as a lazy frame (filters reach the Parquet readers)."""
        t = s.TABLES[table]
        columns = {**t.schema, s.SOURCE_FILE: pl.String, s.SOURCE_ROW: pl.Int64}
        if self.root is None:
            tables, manifest = _load_reference(self._reference_stamp())
            parts = [(tables[table].lazy() if table in tables else None, manifest)]
        else:
            parts = []
            for d in self._vintage_dirs():
                f = d / f"{table}.parquet"
                manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
                parts.append((pl.scan_parquet(f) if f.exists() else None, manifest))
        frames = []
        for lf, manifest in parts:
            if lf is None:
                continue
            valid = pl.col(t.vintage) if t.vintage else pl.lit(dt.date.fromisoformat(manifest["valid_from"]))
            frames.append(lf.cast(columns).with_columns(
                pl.lit(manifest["vintage"], dtype=pl.Int32).alias(s.VINTAGE), valid.alias(s.VALID_FROM)))
        empty = pl.LazyFrame(schema={**columns, s.VINTAGE: pl.Int32, s.VALID_FROM: pl.Date})
        return pl.concat(frames, how="vertical") if frames else empty

    def _cache_key(self, table: str) -> tuple:
        # Keyed by the vintages on disk, so a store opened long ago sees ingests made since.
        return (table, tuple(d.name for d in self._vintage_dirs()) if self.root else ())

    def records(self, table: str, fiscal_years: list[int] | None = None,
                columns: list[str] | None = None) -> pl.DataFrame:
        """Every stored version of every row, with its store vintage and the date from which it holds.

        With ``fiscal_years`` only those years are read (from the cache if the whole table is
        there, else straight from the Parquet files, which is what a large store needs); with
        ``columns`` only those (plus the key and version columns), read without caching.
        """
        if table not in s.TABLES:
            raise StoreError(f"unknown table {table!r}; choose one of {', '.join(s.TABLES)}.")
        key = self._cache_key(table)
        keep = None
        if columns is not None:
            t = s.TABLES[table]
            keep = list(dict.fromkeys([*t.key, *([t.vintage] if t.vintage else []), *columns, s.VINTAGE,
                                       s.VALID_FROM]))
        if key in self._cache:
            out = self._cache[key]
            out = out if fiscal_years is None else out.filter(pl.col(s.FISCAL_YEAR).is_in(fiscal_years))
            return out if keep is None else out.select(keep)
        if fiscal_years is not None or keep is not None:
            lf = self._scan(table)
            lf = lf if keep is None else lf.select(keep)
            return (lf if fiscal_years is None else lf.filter(pl.col(s.FISCAL_YEAR).is_in(fiscal_years))).collect()
        out = self._scan(table).collect()
        self._cache[key] = out
        return out

    def read(self, table: str, as_of: str | dt.date | None = "latest", sort: bool = True,
             fiscal_years: list[int] | None = None, columns: list[str] | None = None) -> pl.DataFrame:
        """A table as known at a report date.

        Parameters
        ----------
        table : one of projects, finance, kpis, kpi_results.
        as_of : "latest" (newest figure of every record), "all" (every vintage's figures,
            restatements included) or a date (the newest figure reported on or before it).
        sort : sort by the table's key (set False when the caller groups the rows anyway).
        fiscal_years : only these fiscal years (filtered before anything else, for large stores).
        columns : only these columns (and the key); read from disk without filling the cache.
        """
        t = s.TABLES.get(table)
        recs = self.records(table, fiscal_years, columns)
        out_cols = [c for c in [*(t.names if t else []), s.VINTAGE] if c in recs.columns]
        if as_of == "all":
            version = [*t.key, s.VALID_FROM]
            # one store vintage cannot hold a (key, report date) twice: validation refuses duplicates
            single = recs.is_empty() or recs[s.VINTAGE].n_unique() == 1
            latest = recs if single else recs.sort(s.VINTAGE).unique(version, keep="last")
            return (latest.sort(version) if sort else latest).select(out_cols)
        if as_of not in (None, "latest"):
            cutoff = as_of if isinstance(as_of, dt.date) else parse_as_of(as_of)
            recs = recs.filter(pl.col(s.VALID_FROM) <= cutoff)
        latest = recs.sort([s.VALID_FROM, s.VINTAGE]).unique(list(t.key), keep="last")
        return (latest.sort(list(t.key)) if sort else latest).select(out_cols)

    def report_date(self, as_of: str | dt.date | None = "latest") -> dt.date | None:
        """The report in effect at ``as_of``: the newest report dated on or before it ("latest": the newest)."""
        dates = self.report_dates()
        if as_of not in (None, "latest"):
            cutoff = as_of if isinstance(as_of, dt.date) else parse_as_of(as_of)
            dates = [d for d in dates if d <= cutoff]
        return max(dates) if dates else None

    def report_dates(self) -> list[dt.date]:
        """Every report date (as_of) in the store, oldest first."""
        dates = set()
        for name, t in s.TABLES.items():
            if t.vintage:
                dates |= set(self.records(name)[t.vintage].unique().to_list())
        return sorted(dates)

    def vintages(self) -> pl.DataFrame:
        """One row per store vintage: when it was ingested, the report dates and files it holds."""
        rows = [{
            "store_vintage": m["vintage"], "ingested_at": m["ingested_at"], "valid_from": m["valid_from"],
            "report_dates": ", ".join(m["report_dates"]), "files": ", ".join(f["name"] for f in m["files"]),
            "warnings": len(m.get("warnings", [])), "note": m.get("note", ""),
        } for m in self.manifests()]
        return pl.DataFrame(rows, schema={"store_vintage": pl.Int32, "ingested_at": pl.String,
                                          "valid_from": pl.String, "report_dates": pl.String,
                                          "files": pl.String, "warnings": pl.Int64, "note": pl.String})

    def fingerprint(self) -> str:
        """sha256 over every vintage's manifest: changes exactly when the store's content does."""
        h = hashlib.sha256()
        for m in self.manifests():
            h.update(json.dumps({k: m[k] for k in ("vintage", "files", "valid_from")}, sort_keys=True).encode())
        return h.hexdigest()

    # --- writing ------------------------------------------------------------------
    def current(self) -> dict[str, pl.DataFrame]:
        """Every table at its latest known figures per record (for cross-checks of new files)."""
        return {name: self.read(name, "all").select(t.names) for name, t in s.TABLES.items()}

    def check(self, paths: list[Path | str]) -> Checked:
        """Validate files against the rules and this store's contents; writes nothing."""
        raw, problems = templates.read_files(paths)
        return validate.check(raw, problems, self.calendar, self.current())

    def ingest(self, paths: list[Path | str], note: str = "") -> IngestResult:
        """Validate files and append their new or changed rows as one vintage, atomically.

        Raises ``ValidationError`` (nothing written) when any error is found. Data
        identical to what the store holds writes nothing and returns ``vintage=None``.
        Ingesting into the reference data first creates the default store from it.
        """
        if self.root is None:
            target = Store.create(config.DEFAULT_STORE_DIR)
            checked = target.check(_reference_files())
            target._append(checked, _reference_files(), "embedded reference data")
            result = target.ingest(paths, note)
            result.created = True
            return result
        paths = templates.expand(paths)
        checked = self.check(paths)
        checked.raise_for_errors()
        return self._append(checked, paths, note)

    def _append(self, checked: Checked, paths: list[Path], note: str) -> IngestResult:
        assert self.root is not None
        new: dict[str, pl.DataFrame] = {}
        for name, df in checked.tables.items():
            t = s.TABLES[name]
            have = self.read(name, "all").select(t.names)
            rows = _stored_rows(name, df)
            fresh = rows if have.is_empty() else rows.join(have, on=t.names, how="anti", nulls_equal=True)
            if not fresh.is_empty():
                new[name] = fresh
        result = IngestResult(None, {k: v.height for k, v in new.items()}, checked.issues, str(self.root))
        if not new:
            return result
        dirs = self._vintage_dirs()
        n = int(dirs[-1].name) + 1 if dirs else 1
        base = self.root / VINTAGES_DIR
        tmp = base / f".tmp-{uuid.uuid4().hex}"
        try:
            tmp.mkdir(parents=True)
            for name, df in new.items():
                df.write_parquet(tmp / f"{name}.parquet")
            manifest = _manifest(n, checked, paths, note)
            manifest["rows"] = result.rows
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
            os.rename(tmp, base / _vintage_name(n))
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(f"could not write vintage {n} to {base} ({exc}); the store is unchanged. "
                             "If another ingest ran at the same time, run this one again.") from exc
        self._cache.clear()
        result.vintage = n
        return result

    # --- restatements ---------------------------------------------------------------
    def revisions(self, include_text: bool = False) -> pl.DataFrame:
        """Every figure that changed between versions of the same record.

        ``kind`` is "restatement" when a later report gives another figure and
        "correction" when a later ingest changes the figure of the same report.
        Text columns (names, status words) are included with ``include_text``.
        """
        frames = []
        for name, t in s.TABLES.items():
            cols = [c.name for c in t.columns
                    if c.name not in t.record_key and (include_text or c.kind != "text")]
            recs = self.records(name)
            if recs.is_empty() or not cols:
                continue
            key_text = pl.concat_str([pl.format(f"{k}={{}}", pl.col(k).cast(pl.String)) for k in t.key],
                                     separator=" ")
            long = (recs.sort(s.VINTAGE).unique([*t.key, s.VALID_FROM, *cols], keep="first")
                    .select(*t.key, key_text.alias("key"), s.VALID_FROM, s.VINTAGE,
                            *(pl.col(c).cast(pl.String) for c in cols))
                    .unpivot(index=[*t.key, "key", s.VALID_FROM, s.VINTAGE], on=cols,
                             variable_name="column", value_name="new_value")
                    .sort([*t.key, "column", s.VALID_FROM, s.VINTAGE]))
            over = [*t.key, "column"]
            long = long.with_columns(
                pl.col("new_value").shift(1).over(over).alias("old_value"),
                pl.col(s.VALID_FROM).shift(1).over(over).alias("old_as_of"),
                pl.col(s.VINTAGE).shift(1).over(over).alias("old_vintage"),
            ).filter(pl.col("old_vintage").is_not_null() & pl.col("new_value").ne_missing(pl.col("old_value")))
            frames.append(long.select(
                pl.lit(name).alias("table"), "key", "column", "old_value", "old_as_of", "old_vintage",
                "new_value", pl.col(s.VALID_FROM).alias("new_as_of"), pl.col(s.VINTAGE).alias("new_vintage"),
                (pl.col("new_value").cast(pl.Float64, strict=False)
                 - pl.col("old_value").cast(pl.Float64, strict=False)).round(6).alias("change"),
                pl.when(pl.col(s.VALID_FROM) == pl.col("old_as_of")).then(pl.lit("correction"))
                .otherwise(pl.lit("restatement")).alias("kind"),
            ))
        schema = {"table": pl.String, "key": pl.String, "column": pl.String, "old_value": pl.String,
                  "old_as_of": pl.Date, "old_vintage": pl.Int32, "new_value": pl.String, "new_as_of": pl.Date,
                  "new_vintage": pl.Int32, "change": pl.Float64, "kind": pl.String}
        return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def parse_as_of(text: str) -> dt.date:
    """A report date from text (ISO, Thai or B.E. forms accepted)."""
    from forecast.data import parse

    value = pl.select(parse.date(pl.lit(text))).item()
    if value is None:
        raise StoreError(f"--as-of must be latest, all or a date such as 2026-03-31; got {text!r}.")
    return value
