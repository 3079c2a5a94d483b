"""The store: where the vintages live, how they are opened, read into snapshots and appended to.

``Store.open`` resolves a location (a path given, else ``FORECAST_STORE``, else the default
store ``data/store`` once created, else the embedded reference data, read-only). A store on
disk is a ``DiskVintages`` folder (see ``vintages``), verified on open; the reference data is
validated from the CSVs shipped in ``data/reference``. Reading goes through ``snapshot``;
writing through ``ingest``, which validates everything first against the store's view and
then appends one vintage atomically. Creating the default store from the reference data is
an explicit step (``Store.create(..., from_reference=True)``), never a side effect.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from forecast import config, formats, labels
from forecast.access import signing
from forecast.access.audit import NO_CHANGE, OK, REFUSED, ROLLED_BACK, VINTAGE_TARGET, AuditLog
from forecast.access.roles import author
from forecast.access.users import Users
from forecast.data import revisions as R
from forecast.data import schema as s
from forecast.data import templates, validate
from forecast.data.calendar import FiscalCalendar
from forecast.data.results import Results, code_digest, key_of
from forecast.data.snapshot import (
    HISTORY,
    SYNTHETIC,
    Snapshot,
    at,
    known_at,
    latest,
    parse_as_of,
    provenance,
    report_dates,
)
from forecast.data.units import AmountUnit
from forecast.data.validate import Checked, Issue
from forecast.data.vintages import CONFIG_FILE, FORMAT_VERSION, VINTAGES_DIR, DiskVintages, dedupe, now
from forecast.durable import sha256_bytes, sha256_file, write_durably
from forecast.errors import StoreError

ACCESS_DIR = "access"
RESULTS_DIR = "results"
REFERENCE_ID = "reference"
REFERENCE_LABEL = "embedded reference data (ETDA FY2569 report, read-only)"
REFERENCE_NOTE = "embedded reference data"
# the columns of the list of vintages (besides store_vintage and note)
INGESTED_AT, AUTHOR, REPORT_DATES = "ingested_at", "author", "report_dates"
FILES, ROWS, WARNINGS = "files", "rows", "warnings"
EMBEDDED = "embedded"  # when the reference data was "ingested": it comes with the program
APP_NOTE = "uploaded in the app"  # the note of an upload in the app (ui/actions.py)
TARGETS_NOTE = "targets for fiscal year {y}"  # the note of ``forecast targets set`` (api.set_targets)


def note_text(note: str, lang: str) -> str:
    """A vintage's note for people: the store's own notes in ``lang``, a person's note as written."""
    if note in (REFERENCE_NOTE, APP_NOTE):
        return labels.code("note", note, lang)
    head, _, year = note.rpartition(" ")
    if head == TARGETS_NOTE.rpartition(" ")[0] and year.isdigit():
        return labels.t("targets_note", lang).format(y=year)
    return note


__all__ = ["IngestResult", "Store", "StoreError", "author", "parse_as_of", "sha256_file"]


@dataclass
class IngestResult:
    """What an ingest did: the new vintage (None when nothing changed), rows per table, issues."""

    vintage: int | None
    rows: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    store: str = ""


def reference_files() -> list[Path]:
    return [f for f in (config.REFERENCE_DIR / f"{t}.csv" for t in s.TABLES) if f.exists()]


def _stamp() -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in reference_files())


@lru_cache(maxsize=2)
def _reference(stamp: tuple) -> tuple[dict[str, pl.DataFrame], dict]:
    raw, problems = templates.read_files(reference_files())
    checked = validate.check(raw, problems)
    if not checked.ok:  # the shipped data is tested; this guards against edits to it
        raise StoreError(
            "the embedded reference data does not validate:\n" + "\n".join(f"  {i}" for i in checked.errors)
        )
    tables = {
        name: stored_rows(name, df).with_columns(pl.lit(1, pl.Int32).alias(s.VINTAGE))
        for name, df in checked.tables.items()
    }
    for name, t in s.TABLES.items():  # a table the reference does not give is empty
        if name not in tables:
            tables[name] = pl.DataFrame(
                schema={**t.schema, s.SOURCE_FILE: pl.String, s.SOURCE_ROW: pl.Int64, s.VINTAGE: pl.Int32}
            )
    manifest = {
        "vintage": 1,
        "ingested_at": EMBEDDED,
        "note": REFERENCE_NOTE,
        "author": {},
        "report_dates": [d.isoformat() for d in report_dates(tables)],
        "inputs": [{"name": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in reference_files()],
        "warnings": [str(i) for i in checked.warnings],
    }
    return tables, manifest


def stored_rows(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Template columns plus where each row came from."""
    t = s.TABLES[name]
    source = (
        pl.when(pl.col(validate.SHEET).is_null())
        .then(pl.col(validate.FILE))
        .otherwise(pl.format("{}:{}", pl.col(validate.FILE), pl.col(validate.SHEET)))
    )
    return df.select(*t.names, source.alias(s.SOURCE_FILE), pl.col(templates.ROW).alias(s.SOURCE_ROW))


class Store:
    """A store of vintages at ``root``; ``root=None`` is the embedded reference data (read-only).

    Use ``Store.open`` to resolve a location and ``Store.create`` to make one.
    """

    def __init__(
        self,
        root: Path | None,
        calendar: FiscalCalendar | None = None,
        unit: AmountUnit | None = None,
        max_amount: float = validate.DEFAULT_MAX_AMOUNT,
        store_id: str | None = None,
        activate_trained: bool = False,
    ):
        self.root = root
        # a model set trained by someone who may not activate (an analyst) waits for an administrator,
        # unless the store says otherwise (store.json "activate_trained": true)
        self.activate_trained = activate_trained
        self.id = store_id or (
            REFERENCE_ID if root is None else hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
        )
        self.calendar = calendar or FiscalCalendar()
        self.unit = unit or AmountUnit()
        self.max_amount = max_amount
        self.disk = DiskVintages(root, root / ACCESS_DIR) if root is not None else None

    # --- location and creation -----------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str | None = None, verify: bool = True) -> Store:
        """The store at ``path``, else ``FORECAST_STORE``, else the default store, else the reference data.

        A store on disk is verified first (the chain of manifests and every file's size; every file's
        sha256 when it is small): damage raises ``StoreError`` naming the file, and nothing is read.
        """
        named = Path(path) if path else config.store_from_env()
        if named is None:
            if (config.DEFAULT_STORE_DIR / CONFIG_FILE).exists():
                named = config.DEFAULT_STORE_DIR
            else:
                return cls(None)
        cfg = named / CONFIG_FILE
        if not cfg.exists():
            raise StoreError(f"{named} is not a store (it has no {CONFIG_FILE}); create one there first.")
        try:
            meta = json.loads(cfg.read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT_VERSION:
                raise StoreError(
                    f"{named}: store format {meta.get('format')} is not supported (this version reads "
                    f"format {FORMAT_VERSION}); ingest the original files into a new store."
                )
            store = cls(
                named,
                FiscalCalendar(**meta["calendar"]),
                AmountUnit.from_dict(meta.get("unit")),
                float(meta.get("max_amount", validate.DEFAULT_MAX_AMOUNT)),
                meta.get("id"),
                bool(meta.get("activate_trained", False)),
            )
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise StoreError(f"{cfg} cannot be read ({exc}); the store is damaged.") from exc
        if verify:
            store.recover(wait=False)
            problems = store.verify(full=False)
            if problems:
                raise StoreError(
                    f"the store at {named} is damaged or was changed outside forecast; nothing was "
                    "read:\n"
                    + "\n".join(f"  {p}" for p in problems[:8])
                    + ("\n  ..." if len(problems) > 8 else "")
                    + "\nRestore it from a backup, or ingest the original files into a new store."
                )
        return store

    @classmethod
    def create(
        cls,
        path: Path | str,
        calendar: FiscalCalendar | None = None,
        unit: AmountUnit | None = None,
        from_reference: bool = False,
        max_amount: float | None = None,
        by: dict | None = None,
        activate_trained: bool = False,
    ) -> Store:
        """Make an empty store at ``path``; with ``from_reference`` it starts with the reference data."""
        path = Path(path)
        if (path / CONFIG_FILE).exists():
            raise StoreError(f"{path} is already a store; nothing changed.")
        if path.exists() and any(f.name != ACCESS_DIR for f in path.iterdir()):
            raise StoreError(f"{path} exists and is not empty; choose a new or empty folder.")
        calendar = calendar or FiscalCalendar()
        unit = unit or AmountUnit()
        if from_reference and (calendar != FiscalCalendar() or unit != AmountUnit()):
            raise StoreError(
                "the reference data is in Thai fiscal years (October-September, B.E.) and million "
                "baht; a store made from it keeps that calendar and unit."
            )
        limit = float(max_amount or validate.DEFAULT_MAX_AMOUNT * unit_factor_ratio(unit))
        try:
            (path / VINTAGES_DIR).mkdir(parents=True, exist_ok=True)
            meta = {
                "format": FORMAT_VERSION,
                "id": uuid.uuid4().hex,
                "calendar": calendar.to_dict(),
                "unit": unit.to_dict(),
                "max_amount": limit,
                "activate_trained": activate_trained,
                "created_at": now(),
            }
            tmp = path / f".{CONFIG_FILE}.tmp"
            write_durably(tmp, json.dumps(meta, indent=2).encode("utf-8"))
            os.replace(tmp, path / CONFIG_FILE)
        except OSError as exc:
            raise StoreError(f"cannot create a store at {path} ({exc.strerror or exc}).") from exc
        store = cls(path, calendar, unit, limit, str(meta["id"]), activate_trained)
        store.audit.record(
            "create store",
            by or author(),
            target=str(path),
            details={
                "calendar": calendar.to_dict(),
                "unit": unit.to_dict(),
                "from_reference": from_reference,
                "activate_trained": activate_trained,
            },
        )
        if from_reference:
            store.ingest(reference_files(), note=REFERENCE_NOTE, by=by)
        return store

    @property
    def read_only(self) -> bool:
        return self.root is None

    @property
    def label(self) -> str:
        return REFERENCE_LABEL if self.root is None else str(self.root)

    @property
    def access_dir(self) -> Path:
        """Users, the audit trail and the signing key: ``STORE/access`` (the default store's for the
        reference data, which shares its models folder)."""
        return (self.root if self.root is not None else config.DEFAULT_STORE_DIR) / ACCESS_DIR

    @property
    def audit(self) -> AuditLog:
        return AuditLog(self.access_dir)

    @property
    def users(self) -> Users:
        return Users(self.access_dir)

    def signing_key(self) -> bytes:
        return signing.key(self.access_dir)

    @property
    def results(self) -> Results:
        """Reviews and portfolios computed once and kept, signed, in ``STORE/results`` (none for the
        read-only reference data, which is small enough to compute each time)."""
        if self.read_only or self.root is None:
            return Results(None, None)
        try:
            return Results(self.root / RESULTS_DIR, self.signing_key())
        except (OSError, StoreError):  # a store this user may read but not write: results are computed, not kept
            return Results(None, None)

    def results_problem(self) -> str | None:
        """Why results cannot be kept in this store on disk (a full disk, a read-only folder: the system's
        reason), else None; None for the reference data too, which keeps none."""
        if self.root is None:
            return None
        try:
            key = self.signing_key()
        except OSError as exc:
            return exc.strerror or str(exc)
        except StoreError as exc:
            return str(exc.params.get("reason") or exc)
        return Results(self.root / RESULTS_DIR, key).problem()

    @property
    def models_dir(self) -> Path:
        """Where this store's model sets live: ``models/`` for the default store and the reference data."""
        if self.root is None or self.root.resolve() == config.DEFAULT_STORE_DIR.resolve():
            return config.MODELS_DIR
        return self.root / "models"

    # --- reading ------------------------------------------------------------------------
    def manifests(self) -> list[dict]:
        if self.disk is None:
            return [_reference(_stamp())[1]]
        return self.disk.manifests()

    def records(self, table: str) -> pl.DataFrame:
        """Every stored row of every vintage (corrections and restatements side by side)."""
        _check_table(table)
        if self.disk is None:
            return _reference(_stamp())[0][table]
        return self.disk.collect(table)

    def versions(self, table: str, fiscal_years: list[int] | None = None) -> pl.DataFrame:
        """Every (key, report date) once, at its newest ingest: the table's 'all' view."""
        _check_table(table)
        out = dedupe(_reference(_stamp())[0][table], table) if self.disk is None else self.disk.versions(table)
        t = s.TABLES[table]
        missing = [c for c in t.columns if c.name not in out.columns]  # optional columns added since it was stored
        if missing:
            out = out.with_columns(*(pl.lit(None, c.dtype).alias(c.name) for c in missing))
        return out if fiscal_years is None else out.filter(pl.col(s.FISCAL_YEAR).is_in(fiscal_years))

    def report_dates(self) -> list[dt.date]:
        """Every report date (as_of) in the store, oldest first (targets are not reports)."""
        return report_dates(
            {name: self.versions(name).select(s.AS_OF) for name in s.TABLES if name not in s.POLICY_TABLES}
        )

    def snapshot(self, as_of: str | dt.date | None = "latest", last_years: int | None = None) -> Snapshot:
        """Everything known at a report date, read once (``last_years``: only the newest fiscal years), from
        one state of the store: an ingest landing meanwhile is not half seen."""
        with self.disk.pinned() if self.disk is not None else contextlib.nullcontext():
            return self._snapshot(as_of, last_years)

    def _snapshot(self, as_of: str | dt.date | None = "latest", last_years: int | None = None) -> Snapshot:
        """Everything known at a report date, read once, in the store's calendar (see ``snapshot.at``):
        the current year is the latest that has started by then with projects known then, and
        ``last_years`` keeps it and the years before it."""
        cutoff = None if as_of in (None, "latest") else parse_as_of(as_of)
        resolved, versions = at(
            {name: self.versions(name) for name in s.TABLES}, cutoff or "latest", self.calendar, last_years
        )
        return Snapshot(
            resolved,
            versions,
            self.calendar,
            self.unit,
            self.label,
            f"{self.fingerprint()}@{cutoff or 'latest'}:{last_years or 'all'}",
            self._provenance(versions["projects"]),
        )

    def _provenance(self, projects: pl.DataFrame) -> str:
        """Synthetic when any of these rows came in a vintage recorded as synthetic at ingest."""
        recorded = {m.get("vintage"): m.get("provenance") for m in self.manifests()}
        used = set(projects[s.VINTAGE].unique().to_list()) if s.VINTAGE in projects.columns else set(recorded)
        if any(recorded.get(v) == SYNTHETIC for v in used):
            return SYNTHETIC
        if any(recorded.get(v) is None for v in used):  # vintages stored before provenance was recorded
            return provenance(projects)
        return HISTORY

    def read(self, table: str, as_of: str | dt.date | None = "latest") -> pl.DataFrame:
        """A table as known at a report date ("latest", "all" for every report's figures, or a date),
        with the store vintage of each row."""
        t = s.TABLES.get(table) or _check_table(table)
        v = self.versions(table)
        if as_of == "all":
            out = v.sort([*t.key, s.AS_OF], nulls_last=False)
        else:
            out = latest(known_at(v, None if as_of in (None, "latest") else parse_as_of(as_of), self.calendar), table)
        return out.select(*t.names, s.VINTAGE)

    def vintages(self, lang: str | None = None) -> pl.DataFrame:
        """One row per store vintage: when, by whom, the report dates and files it holds; as recorded, or for
        people in ``lang`` (moments and dates written out, the channel, tables and the store's own notes
        in words)."""
        era = self.calendar.era

        def author_of(a: dict) -> str:
            who = f"{a.get('user', '?')}@{a.get('host', '?')}"
            if lang is None:
                return f"{who} ({a.get('via', '?')})"
            return labels.t("author_via", lang).format(who=who, via=labels.code("via", a.get("via"), lang))

        rows = [
            {
                s.VINTAGE: m.get("vintage"),
                INGESTED_AT: m.get("ingested_at")
                if lang is None
                else labels.code("ingested", EMBEDDED, lang)
                if m.get("ingested_at") == EMBEDDED
                else formats.moment(m.get("ingested_at"), lang, era),
                AUTHOR: author_of(m["author"]) if m.get("author") else "",
                REPORT_DATES: ", ".join(
                    d if lang is None else formats.date(d, lang, era) for d in m.get("report_dates", [])
                ),
                FILES: ", ".join(f["name"] for f in m.get("inputs", [])),
                ROWS: ", ".join(
                    f"{k if lang is None else labels.code('table', k, lang)} {v['rows']}"
                    for k, v in (m.get("stored") or {}).items()
                ),
                WARNINGS: len(m.get("warnings", [])),
                s.NOTE: m.get("note", "") if lang is None else note_text(m.get("note", ""), lang),
            }
            for m in self.manifests()
        ]
        return pl.DataFrame(
            rows,
            schema={
                s.VINTAGE: pl.Int32,
                INGESTED_AT: pl.String,
                AUTHOR: pl.String,
                REPORT_DATES: pl.String,
                FILES: pl.String,
                ROWS: pl.String,
                WARNINGS: pl.Int64,
                s.NOTE: pl.String,
            },
        )

    def fingerprint(self) -> str:
        """Changes exactly when the store's content does (the newest manifest chains every earlier one)."""
        if self.disk is None:
            return hashlib.sha256(repr(_stamp()).encode()).hexdigest()
        return self.disk.state() or "empty"

    def verify(self, full: bool = True, against: Anchor | None = None) -> list[str]:
        """Every sign of damage or tampering ([] for a sound store): the vintages' chain and seals, HEAD, the
        latest view, the audit trail's chain and seals, and that every vintage is the one its audit entry
        records. ``full`` hashes every stored file (otherwise only small stores are hashed, and a trail over
        ``QUICK_AUDIT_BYTES`` is left to the full check). ``against`` (digests kept elsewhere, from
        ``anchor``) also proves that nothing up to them changed, and that nothing was cut off or deleted."""
        if self.disk is None:
            return []
        out = self.disk.problems(full)
        trail = self.audit
        if full or against is not None or _size(trail.path) <= QUICK_AUDIT_BYTES:
            out += trail.problems(against.audit if against else None)
            if not out:
                out += self._trail_problems()
        if against is not None:
            out += self._anchor_problems(against)
        return out

    def _recorded(self) -> dict[int, dict]:
        """Each vintage the audit trail records as stored: its latest ingest entry, unless rolled back."""
        standing: dict[int, dict] = {}
        for e in self.audit.ingests():
            if e["outcome"] == OK:
                standing[e["vintage"]] = e
            elif e["outcome"] == ROLLED_BACK and e["vintage"] in standing:
                del standing[e["vintage"]]
        return standing

    def _trail_problems(self) -> list[str]:
        assert self.disk is not None
        standing = self._recorded()
        manifests = {int(d.name): sha256_bytes(self.disk._manifest_bytes(d)) for d in self.disk.dirs()}
        out = []
        for n, digest in manifests.items():
            e = standing.get(n)
            if e is None:
                out.append(
                    f"vintage {n}: no entry of the audit trail records it (it was written outside forecast, or its "
                    "entry was removed)."
                )
            elif e["manifest"] is not None and e["manifest"] != digest:
                out.append(f"vintage {n}: it is not the vintage that audit entry {e['seq']} records (it was replaced).")
        newest = max(manifests, default=0)
        for n, e in standing.items():
            if n not in manifests and n != newest + 1:  # newest + 1: an ingest a crash interrupted (``recover``)
                out.append(f"audit entry {e['seq']} records vintage {n}, which is not in the store (it was deleted).")
        return out

    def anchor(self) -> Anchor:
        """The digests that pin this store as it is now: kept elsewhere, ``verify(against=...)`` later proves
        that nothing up to them changed, even for someone holding the key."""
        assert self.disk is not None
        dirs = [d for d in self.disk.dirs() if d.name.isdigit()]
        return Anchor(self.id, (int(dirs[-1].name) if dirs else 0, self.disk.state()), self.audit.anchor())

    def _anchor_problems(self, against: Anchor) -> list[str]:
        assert self.disk is not None
        out = []
        if against.store != self.id:
            out.append(f"the digests are of another store ({against.store}), not of {self.root} ({self.id}).")
        n, digest = against.vintage
        dirs = {int(d.name): d for d in self.disk.dirs() if d.name.isdigit()}
        if n and n not in dirs:
            out.append(f"vintage {n}, anchored, is not in the store (vintages were deleted).")
        elif n and sha256_bytes(self.disk._manifest_bytes(dirs[n])) != digest:
            out.append(f"vintage {n}: it is not the vintage anchored (the vintages up to it were rewritten).")
        return out

    def recover(self, wait: bool = True) -> list[str]:
        """Finish what a killed writer left, under the store's lock: a vintage its audit entry already records is
        put in place, or the entry is rolled back (recorded) when the vintage was never completed; then the
        temp files are removed. Returns what was done; nothing on a store that cannot be written, or (``wait``
        False) while another writer holds the lock."""
        if self.disk is None:
            return []
        self._clean_stale()
        if not self.disk.prepared():
            return []
        try:
            with self.disk.lock(wait=wait):
                return self._recover()
        except (StoreError, BlockingIOError):
            return []

    def _clean_stale(self) -> None:
        """Remove what killed model saves and result writes left (``.tmp-*`` folders older than ``STALE``
        seconds: one in use is younger); best effort."""
        cutoff = dt.datetime.now().timestamp() - STALE
        for folder in (self.models_dir, self.root / RESULTS_DIR) if self.root is not None else ():
            with contextlib.suppress(OSError):
                for tmp in folder.glob(".tmp-*"):
                    if tmp.stat().st_mtime < cutoff:
                        shutil.rmtree(tmp, ignore_errors=True)

    def _recover(self) -> list[str]:
        """Under the lock (see ``recover``)."""
        assert self.disk is not None
        done: list[str] = []
        standing = self._recorded()
        newest = max((int(d.name) for d in self.disk.dirs() if d.name.isdigit()), default=0)
        pending = standing.get(newest + 1)
        if pending is not None:
            ready = self.disk.find_prepared(pending["manifest"]) if pending["manifest"] else None
            target = VINTAGE_TARGET.format(n=newest + 1)
            if ready is not None and ready.vintage == newest + 1:
                self.disk.commit(ready)
                self.audit.record("recover", {}, OK, target=target, details={"completed": "ingest"})
                done.append(f"completed {target}")
            else:
                self.audit.record("ingest", {}, ROLLED_BACK, target=target, details={"manifest": pending["manifest"]})
                done.append(f"rolled back {target}")
        self.disk.clean()
        return done

    def seal(self, by: dict | None = None) -> int:
        """Seal a store written before keyed chains as it is now (trust on first use: an administrator's
        decision, recorded); refused when its unkeyed chains do not hold. Returns the vintages sealed."""
        if self.disk is None:
            raise StoreError("the embedded reference data is read-only; there is nothing to seal.")
        with self.disk.lock():
            broken = [p for p in self.disk.problems(full=True) + self.audit.problems() if not _unsealed(p)]
            if self.disk.any_sealed() or self.audit.any_sealed():  # a store partly sealed was changed by hand
                broken.insert(
                    0,
                    "parts of this store are sealed with its key and others are not: what is not was written or "
                    "stripped by hand since, and is not sealed over.",
                )
            if broken:
                raise StoreError(
                    "the store's chain is broken, so it cannot be sealed as it is:\n"
                    + "\n".join(f"  {p}" for p in broken)
                )
            n = self.disk.seal()
            self.audit.record("seal", by or author(), OK, target=str(self.root), details={"vintages": n})
        return n

    def revisions(self, include_text: bool = False) -> pl.DataFrame:
        """Every figure that changed between versions of the same record (see ``revisions.changes``);
        computed once per store state and kept with the results."""
        kept = self.results
        key = key_of(kind="revisions", store=self.fingerprint(), include_text=include_text, code=code_digest())
        found = kept.get(key) if kept.enabled else None
        if found is not None:
            return found["revisions"]
        out = R.changes({name: self.records(name) for name in s.TABLES}, include_text)
        kept.put(key, {"revisions": out}, {"kind": "revisions"})
        return out

    # --- writing ------------------------------------------------------------------------
    def check(self, paths: Sequence[Path | str]) -> Checked:
        """Validate files against the rules and this store's contents; writes nothing."""
        return self._check(*templates.read_files(paths))

    def _check(self, raw: list[templates.RawTable], problems: list[templates.FileProblem]) -> Checked:
        known = {name: self.versions(name).select(t.names) for name, t in s.TABLES.items()}
        return validate.check(raw, problems, self.calendar, known, self.max_amount, self.unit)

    def ingest(self, paths: Sequence[Path | str], note: str = "", by: dict | None = None) -> IngestResult:
        """Validate files and append their new or changed rows as one vintage, atomically.

        Raises ``ValidationError`` (nothing written) when any error is found, and ``StoreError`` on the
        read-only reference data. Data identical to what the store holds writes nothing (``vintage=None``).
        """
        paths = templates.expand(paths)
        files = [{"name": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in paths if p.is_file()]
        return self._ingest(lambda: templates.read_files(paths), files, paths, note, by)

    def ingest_tables(
        self, tables: Mapping[str, pl.DataFrame], note: str = "", by: dict | None = None, source: str = "given"
    ) -> IngestResult:
        """Validate tables given in memory (their cells read as text, as from a file) and append them as one
        vintage, exactly as ``ingest`` does with files; ``source`` names them in messages and the manifest."""
        files = [
            {"name": f"{name} ({source})", "sha256": sha256_bytes(df.write_csv().encode("utf-8")), "rows": df.height}
            for name, df in tables.items()
        ]
        return self._ingest(lambda: templates.read_frames(tables, source), files, [], note, by)

    def _ingest(
        self,
        read: Callable[[], tuple[list[templates.RawTable], list[templates.FileProblem]]],
        files: list[dict],
        paths: list[Path],
        note: str,
        by: dict | None,
    ) -> IngestResult:
        if self.disk is None:
            raise StoreError(
                "the embedded reference data is read-only; nothing was stored. Create a store "
                "(empty, or holding a copy of the reference data) and ingest into it."
            )
        by = by or author()
        with self.disk.lock():
            self._recover()
            checked = self._check(*read())
            if checked.errors:
                self.audit.record("ingest", by, REFUSED, details={"files": files, "errors": len(checked.errors)})
            checked.raise_for_errors()
            new: dict[str, pl.DataFrame] = {}
            before: dict[str, pl.DataFrame] = {}
            for name, df in checked.tables.items():
                t = s.TABLES[name]
                have = self.versions(name)
                rows = stored_rows(name, df)
                fresh = (
                    rows
                    if have.is_empty()
                    else rows.join(have.select(t.names), on=t.names, how="anti", nulls_equal=True)
                )
                if not fresh.is_empty():
                    new[name], before[name] = fresh, have
            result = IngestResult(None, {k: v.height for k, v in new.items()}, checked.issues, str(self.root))
            if not new:
                self.audit.record("ingest", by, OK, target=NO_CHANGE, details={"files": files})
                return result
            dates = report_dates(checked.tables)
            manifest = {
                "ingested_at": now(),
                "author": by,
                "note": note,
                "report_dates": [d.isoformat() for d in dates],
                "inputs": files,
                "warnings": [str(i) for i in checked.warnings],
                "provenance": provenance(checked.tables.get("projects", s.empty(s.PROJECTS)), paths),
            }
            # written aside, then recorded, then put in place: a crash between leaves an entry that ``recover``
            # completes (the vintage is there, sealed) or rolls back, never a vintage no entry records
            ready = self.disk.prepare(new, manifest)
            target = VINTAGE_TARGET.format(n=ready.vintage)
            try:
                self.audit.record(
                    "ingest",
                    by,
                    OK,
                    target=target,
                    details={"files": files, "rows": result.rows, "note": note, "manifest": ready.manifest},
                )
            except StoreError:
                shutil.rmtree(ready.folder, ignore_errors=True)
                raise
            try:
                self.disk.commit(ready)
            except StoreError:
                with contextlib.suppress(StoreError):
                    self.audit.record("ingest", by, ROLLED_BACK, target=target, details={"manifest": ready.manifest})
                raise
            n = ready.vintage
            for name, fresh in new.items():  # keep the latest cache in step with the new vintage
                merged = pl.concat(
                    [before[name], fresh.with_columns(pl.lit(n, pl.Int32).alias(s.VINTAGE))], how="vertical_relaxed"
                )
                self.disk.write_cache(name, dedupe(merged, name), ready.manifest)
        result.vintage = n
        return result


STALE = 3600  # a temp folder older than this (seconds) was left by a killed writer
QUICK_AUDIT_BYTES = 16 << 20  # opening a store checks the audit trail's chain when it is no larger than this


@dataclass(frozen=True)
class Anchor:
    """Digests that pin a store: its id, its newest vintage (number, manifest sha256), its audit trail's last
    entry (number, hash). ``text`` is one line to keep elsewhere; ``parse`` reads it back."""

    store: str
    vintage: tuple[int, str]
    audit: tuple[int, str]

    PREFIX = "forecast-anchor"

    @property
    def text(self) -> str:
        (v, vd), (a, ad) = self.vintage, self.audit
        return f"{self.PREFIX} store={self.store} vintage={v}:{vd} audit={a}:{ad}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """From ``text`` (as ``text`` writes it, anywhere in the given text); ``StoreError`` when it is not."""
        for line in text.splitlines():
            fields = dict(f.partition("=")[::2] for f in line.split()[1:]) if line.startswith(cls.PREFIX) else {}
            try:
                v, _, vd = fields["vintage"].partition(":")
                a, _, ad = fields["audit"].partition(":")
                return cls(fields["store"], (int(v), vd), (int(a), ad))
            except (KeyError, ValueError):
                continue
        raise StoreError(
            f"no digests found: expected a line as `forecast verify --anchor` prints it ({cls.PREFIX} store=... "
            "vintage=N:... audit=N:...)."
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unsealed(problem: str) -> bool:
    """A problem that only says a seal is missing (what ``seal`` adds), not that anything was changed."""
    return "forecast verify --seal" in problem


def unit_factor_ratio(unit: AmountUnit) -> float:
    """How the default plausible maximum (1e7 in millions) scales to a unit: 1e13 when amounts are in units."""
    return 1e6 / unit.factor


def _check_table(table: str):
    if table not in s.TABLES:
        raise StoreError(f"unknown table {table!r}; the tables are {', '.join(s.TABLES)}.")
    return s.TABLES[table]
