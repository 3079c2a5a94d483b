"""The on-disk vintage format: append-only, hash-chained, verifiable, with a materialised latest view.

Layout of a store directory::

    store.json                 format, fiscal calendar, amount unit (never rewritten)
    HEAD                       the newest vintage and its manifest's sha256
    vintages/000001/           one folder per ingest, written to a hidden folder, fsynced and renamed
        manifest.json          who, when, input files (sha256), stored files (sha256, bytes, rows),
                               report dates, warnings, the previous manifest's sha256, store.json's sha256
        finance.parquet ...    only the rows that were new or changed
    latest/                    every (key, report date) at its newest vintage: a cache rebuilt from the
                               vintages whenever it does not match HEAD

Nothing is ever rewritten. Each manifest holds the sha256 of the one before it, so a deleted,
renamed, reordered or edited vintage breaks the chain; ``problems`` names the damaged file and
vintage. Opening a store checks the chain and every file's size (and its sha256 when the store
is small); ``problems(full=True)`` (``forecast verify``) hashes every file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from forecast.data import schema as s
from forecast.errors import StoreError

FORMAT_VERSION = 2
CONFIG_FILE = "store.json"
HEAD_FILE = "HEAD"
VINTAGES_DIR = "vintages"
LATEST_DIR = "latest"
MANIFEST = "manifest.json"
STATE = "STATE.json"
LOCK = ".lock"
FULL_CHECK_BYTES = 64 << 20  # below this many stored bytes, opening a store hashes every file

_verified: dict[tuple, str] = {}  # (path, size, mtime_ns) -> sha256 already checked in this process


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Write a file and fsync it (and its folder), so a rename after it never exposes a partial file."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def vintage_name(n: int) -> str:
    return f"{n:06d}"


class DiskVintages:
    """The vintages of a store directory: reading, verifying and appending."""

    def __init__(self, root: Path):
        self.root = root
        self.base = root / VINTAGES_DIR
        self._held: dict[str, tuple[str, pl.DataFrame]] = {}
        self._pin = threading.local()  # per thread: the newest vintage a read in progress may see

    # --- reading ----------------------------------------------------------------------
    def dirs(self) -> list[Path]:
        if not self.base.exists():
            return []
        out = sorted((p for p in self.base.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name))
        pin = getattr(self._pin, "vintage", None)
        return out if pin is None else [p for p in out if not p.name.isdigit() or int(p.name) <= pin]

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """Every read inside sees the vintages that were in place when it began: one state for every table,
        however many ingests land meanwhile (a reader never mixes two vintages)."""
        if getattr(self._pin, "vintage", None) is not None:  # already inside a pinned read
            yield
            return
        numbered = [int(p.name) for p in self.dirs() if p.name.isdigit()]
        self._pin.vintage = max(numbered, default=0)
        try:
            yield
        finally:
            self._pin.vintage = None

    def _manifest_bytes(self, d: Path) -> bytes:
        try:
            return (d / MANIFEST).read_bytes()
        except OSError as exc:
            raise StoreError(f"{d / MANIFEST} cannot be read ({exc.strerror or exc}); the store is damaged. "
                             "Check it with a full verification.") from exc

    def manifests(self) -> list[dict]:
        out = []
        for d in self.dirs():
            raw = self._manifest_bytes(d)
            try:
                out.append(json.loads(raw))
            except ValueError as exc:
                raise StoreError(f"{d / MANIFEST} is not valid JSON ({exc}); the store is damaged.") from exc
        return out

    def head(self) -> dict | None:
        f = self.root / HEAD_FILE
        if not f.exists():
            return None
        try:
            return json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"vintage": -1, "manifest": ""}

    def state(self) -> str:
        """The newest manifest's sha256 (it chains every vintage before it); '' when empty."""
        dirs = self.dirs()
        return sha256_bytes(self._manifest_bytes(dirs[-1])) if dirs else ""

    def table_state(self, table: str) -> str:
        """The sha256 of the newest manifest that stored rows of ``table`` ('' when none did)."""
        for d in reversed(self.dirs()):
            raw = self._manifest_bytes(d)
            try:
                if table in (json.loads(raw).get("stored") or {}):
                    return sha256_bytes(raw)
            except ValueError:
                return ""
        return ""

    def scan(self, table: str) -> pl.LazyFrame:
        """Every stored row of every vintage, with its vintage number."""
        t = s.TABLES[table]
        columns: dict[str, pl.DataType] = {**t.schema, s.SOURCE_FILE: pl.String(), s.SOURCE_ROW: pl.Int64()}
        frames = []
        for d in self.dirs():
            f = d / f"{table}.parquet"
            if f.exists():
                lf = pl.scan_parquet(f)
                have = lf.collect_schema().names()
                lf = lf.with_columns(*(pl.lit(None, dt_).alias(c) for c, dt_ in columns.items() if c not in have))
                frames.append(lf.select(list(columns)).cast(pl.Schema(columns)).with_columns(
                    pl.lit(int(d.name), dtype=pl.Int32).alias(s.VINTAGE)))
        if not frames:
            return pl.LazyFrame(schema={**columns, s.VINTAGE: pl.Int32})
        return pl.concat(frames, how="vertical")

    def versions(self, table: str) -> pl.DataFrame:
        """Every (key, report date) at its newest vintage, from the latest cache (rebuilt when stale);
        held in memory while the table's state is unchanged (a report's snapshot and its report dates
        read each table once)."""
        state = self.table_state(table)
        held = self._held.get(table)
        if held is not None and held[0] == state:
            return held[1]
        out = self._read_cache(table, state)
        if out is None:
            out = dedupe(self.collect(table), table)
            self.write_cache(table, out, state)
        self._held[table] = (state, out)
        return out

    def collect(self, table: str) -> pl.DataFrame:
        """Every stored row of ``table``; a file that cannot be read is named in a ``StoreError``."""
        try:
            return self.scan(table).collect()
        except (pl.exceptions.PolarsError, OSError) as exc:
            for d in self.dirs():
                f = d / f"{table}.parquet"
                if f.exists():
                    try:
                        pl.read_parquet(f)
                    except (pl.exceptions.PolarsError, OSError) as bad:
                        raise StoreError(f"{f} cannot be read ({str(bad).splitlines()[0]}); the store is damaged. "
                                         "Restore it from a backup, or ingest the original files into a new "
                                         "store.") from bad
            raise StoreError(f"the {table} table of {self.root} cannot be read ({str(exc).splitlines()[0]}).") from exc

    def _read_cache(self, table: str, state: str) -> pl.DataFrame | None:
        folder = self.root / LATEST_DIR
        try:
            entry = json.loads((folder / STATE).read_text(encoding="utf-8"))[table]
            path = folder / f"{table}.parquet"
            if entry["head"] != state or path.stat().st_size != entry["bytes"] or _checked(path) != entry["sha256"]:
                return None
            return pl.read_parquet(path)
        except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError):
            return None

    def write_cache(self, table: str, df: pl.DataFrame, state: str) -> None:
        """Best effort (a read-only store recomputes its views); a cache that does not match is rebuilt."""
        folder = self.root / LATEST_DIR
        try:
            folder.mkdir(exist_ok=True)
            tmp = folder / f".{table}.{uuid.uuid4().hex}.parquet"
            df.write_parquet(tmp)
            path = folder / f"{table}.parquet"
            os.replace(tmp, path)
            try:
                meta = json.loads((folder / STATE).read_text(encoding="utf-8"))
                meta = meta if isinstance(meta, dict) else {}
            except (OSError, ValueError):
                meta = {}
            meta[table] = {"head": state, "sha256": sha256_file(path), "bytes": path.stat().st_size}
            tmp_state = folder / f".{STATE}.{uuid.uuid4().hex}"
            tmp_state.write_text(json.dumps(meta, indent=1), encoding="utf-8")
            os.replace(tmp_state, folder / STATE)
        except OSError:
            return

    # --- verifying --------------------------------------------------------------------
    def problems(self, full: bool = False) -> list[str]:
        """Every sign of damage or tampering, each naming the file and vintage; [] for a sound store."""
        out: list[str] = []
        try:
            config_sha = sha256_file(self.root / CONFIG_FILE)
        except OSError as exc:
            return [f"{self.root / CONFIG_FILE} cannot be read ({exc.strerror or exc})."]
        dirs = self.dirs()
        total = 0
        manifests: list[tuple[Path, dict | None, bytes]] = []
        for d in dirs:
            if not d.name.isdigit() or len(d.name) != 6:
                out.append(f"{d}: a folder that is not a vintage (renamed?); vintages are numbered 000001, "
                           "000002, ...")
                continue
            try:
                raw = (d / MANIFEST).read_bytes()
                m = json.loads(raw)
                if not isinstance(m, dict):
                    raise ValueError("not an object")
            except OSError:
                out.append(f"vintage {int(d.name)}: {d / MANIFEST} is missing or unreadable.")
                manifests.append((d, None, b""))
                continue
            except ValueError as exc:
                out.append(f"vintage {int(d.name)}: {d / MANIFEST} is not a valid manifest ({exc}).")
                manifests.append((d, None, b""))
                continue
            manifests.append((d, m, raw))
            total += sum(int(f.get("bytes", 0)) for f in (m.get("stored") or {}).values())
        full = full or total <= FULL_CHECK_BYTES
        previous = None
        for i, (d, m, raw) in enumerate(manifests, start=1):
            n = int(d.name)
            if n != i:
                out.append(f"vintage {i} is missing (found {d.name} in its place): a vintage folder was deleted "
                           "or renamed.")
            if m is None:
                previous = None
                continue
            if m.get("vintage") != n:
                out.append(f"vintage {n}: {d / MANIFEST} says vintage {m.get('vintage')!r}; the manifest was "
                           "edited or the folder renamed.")
            if m.get("previous") != previous and not (i == 1 and m.get("previous") is None):
                out.append(f"vintage {n}: the chain is broken: {d / MANIFEST} does not hold the sha256 of "
                           f"vintage {n - 1}'s manifest (one of them was edited, deleted or replaced).")
            if m.get("config") != config_sha:
                out.append(f"vintage {n}: {self.root / CONFIG_FILE} differs from the one this vintage was "
                           "written under (the calendar or unit was edited; every date would be reread).")
            stored = m.get("stored") or {}
            for table, f in stored.items():
                path = d / f.get("file", "")
                if not path.is_file():
                    out.append(f"vintage {n}: {path} is missing.")
                    continue
                if path.stat().st_size != f.get("bytes"):
                    out.append(f"vintage {n}: {path} has {path.stat().st_size} bytes, the manifest says "
                               f"{f.get('bytes')}: the file was changed after it was written.")
                elif full and _checked(path) != f.get("sha256"):
                    out.append(f"vintage {n}: {path}: sha256 does not match the manifest: the file was changed "
                               "after it was written.")
            listed = {f.get("file") for f in stored.values()}
            for extra in sorted(p.name for p in d.iterdir() if p.name != MANIFEST and p.name not in listed):
                out.append(f"vintage {n}: {d / extra} is not in the manifest (added after the vintage was written).")
            previous = sha256_bytes(raw)
        head = self.head()
        n = len(manifests)
        if head is not None and n:
            hv = head.get("vintage")
            if not isinstance(hv, int) or hv > n:
                out.append(f"{self.root / HEAD_FILE} names vintage {hv!r} but the newest is {n}: vintages were "
                           "deleted (or HEAD edited).")
            elif hv >= 1 and manifests[hv - 1][1] is not None and head.get("manifest") != sha256_bytes(
                    manifests[hv - 1][2]):
                out.append(f"vintage {hv}: its manifest does not match {self.root / HEAD_FILE} (edited).")
            elif hv < n - 1:
                out.append(f"{self.root / HEAD_FILE} names vintage {hv} but the newest is {n}.")
        elif head is not None and head.get("vintage", 0) > 0 and not n:
            out.append(f"{self.root / HEAD_FILE} names vintage {head.get('vintage')} but there are no vintages: "
                       "they were deleted.")
        return out

    # --- appending --------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time (readers never wait); orphans of killed writers are removed under it."""
        try:
            self.base.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / LOCK, "a+")
        except OSError as exc:
            raise StoreError(f"the store at {self.root} cannot be written ({exc.strerror or exc}); nothing was "
                             "stored. Check the folder's permissions and free space.") from exc
        with handle as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                for orphan in self.base.glob(".tmp-*"):
                    shutil.rmtree(orphan, ignore_errors=True)
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def append(self, frames: dict[str, pl.DataFrame], manifest: dict) -> tuple[int, str]:
        """Write one vintage atomically; returns its number and its manifest's sha256. The caller holds ``lock``."""
        dirs = [d for d in self.dirs() if d.name.isdigit()]
        n = int(dirs[-1].name) + 1 if dirs else 1
        previous = self.state() if dirs else None
        tmp = self.base / f".tmp-{uuid.uuid4().hex}"
        try:
            tmp.mkdir(parents=True)
            stored = {}
            for name, df in frames.items():
                path = tmp / f"{name}.parquet"
                df.write_parquet(path)
                _fsync_file(path)
                stored[name] = {"file": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size,
                                "rows": df.height}
            body = {"format": FORMAT_VERSION, "vintage": n, **manifest, "stored": stored, "previous": previous,
                    "config": sha256_file(self.root / CONFIG_FILE)}
            raw = json.dumps(body, indent=2, ensure_ascii=False, default=str).encode("utf-8")
            write_durably(tmp / MANIFEST, raw)
            _fsync_dir(tmp)
            os.rename(tmp, self.base / vintage_name(n))
            _fsync_dir(self.base)
        except (OSError, pl.exceptions.PolarsError) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            why = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
            raise StoreError(f"could not write vintage {n} to {self.base} ({why}); the store is unchanged. Check "
                             "the free space and permissions, then ingest again.") from exc
        head = json.dumps({"vintage": n, "manifest": sha256_bytes(raw)}).encode()
        with contextlib.suppress(OSError):  # HEAD one behind the newest vintage is read as a crash, not damage
            tmp_head = self.root / f".{HEAD_FILE}.{uuid.uuid4().hex}"
            write_durably(tmp_head, head)
            os.replace(tmp_head, self.root / HEAD_FILE)
            _fsync_dir(self.root)
        return n, sha256_bytes(raw)


def _checked(path: Path) -> str:
    """sha256 of a file, remembered for the process while its size and mtime stay the same."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _verified:
        _verified[key] = sha256_file(path)
    return _verified[key]


def dedupe(records: pl.DataFrame, table: str) -> pl.DataFrame:
    """Every (key, report date) once: the newest vintage's figure."""
    t = s.TABLES[table]
    if records.is_empty() or records[s.VINTAGE].n_unique() == 1:
        return records
    return records.sort(s.VINTAGE).unique(t.record_key, keep="last", maintain_order=True)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
