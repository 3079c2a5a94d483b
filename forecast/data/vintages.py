"""The on-disk vintage format: append-only, hash-chained, verifiable, with a materialised latest view.

Layout of a store directory::

    store.json                 format, fiscal calendar, amount unit (never rewritten)
    HEAD                       the newest vintage, its manifest's sha256 and their seal
    vintages/000001/           one folder per ingest, written to a hidden folder, fsynced and renamed
        manifest.json          who, when, input files (sha256), stored files (sha256, bytes, rows),
                               report dates, warnings, the previous manifest's sha256, store.json's sha256
        manifest.mac           the manifest's seal: HMAC-SHA256 with the store's key (access/signing.key)
        finance.parquet ...    only the rows that were new or changed
    latest/                    every (key, report date) at its newest vintage: a cache rebuilt from the
                               vintages whenever it does not match HEAD; STATE.json is sealed too

Nothing is ever rewritten. Each manifest holds the sha256 of the one before it, so a deleted,
renamed, reordered or edited vintage breaks the chain, and its seal means that one written or
re-hashed by hand does not verify; ``problems`` names the damaged file and vintage. Opening a store
checks the chain, the seals and every file's size (and its sha256 when the store is small);
``problems(full=True)`` (``forecast verify``) hashes every file. A vintage is written aside
(``prepare``), recorded by the caller, then put in place (``commit``): see ``Store.recover``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from forecast.access import signing
from forecast.data import schema as s
from forecast.durable import fsync_dir, fsync_file, sha256_bytes, sha256_file, write_durably
from forecast.errors import StoreError

FORMAT_VERSION = 2
CONFIG_FILE = "store.json"
HEAD_FILE = "HEAD"
VINTAGES_DIR = "vintages"
LATEST_DIR = "latest"
MANIFEST = "manifest.json"
SEAL = "manifest.mac"  # the manifest's HMAC with the store's key: a vintage written by hand does not verify
STATE = "STATE.json"
STATE_SEAL = "seal"  # STATE.json's own HMAC (over its other keys)
LOCK = ".lock"
FULL_CHECK_BYTES = 64 << 20  # below this many stored bytes, opening a store hashes every file

_verified: dict[tuple, str] = {}  # (path, size, mtime_ns) -> sha256 already checked in this process


def vintage_name(n: int) -> str:
    return f"{n:06d}"


class DiskVintages:
    """The vintages of a store directory: reading, verifying and appending."""

    def __init__(self, root: Path, access: Path | None = None):
        self.root = root
        self.access = access if access is not None else root / "access"  # where the store's key is kept
        self.base = root / VINTAGES_DIR
        self._held: dict[str, tuple[str, pl.DataFrame]] = {}
        self._pin = threading.local()  # per thread: the newest vintage a read in progress may see

    # --- reading ----------------------------------------------------------------------
    def dirs(self) -> list[Path]:
        if not self.base.exists():
            return []
        out = sorted(
            (p for p in self.base.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name),
        )
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
            raise StoreError(
                f"{d / MANIFEST} cannot be read ({exc.strerror or exc}); the store is damaged. "
                "Check it with a full verification."
            ) from exc

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
            head = json.loads(f.read_text(encoding="utf-8"))
            return head if isinstance(head, dict) else {"vintage": -1, "manifest": ""}
        except (OSError, ValueError):
            return {"vintage": -1, "manifest": ""}

    def _secret(self) -> bytes | None:
        return signing.existing(self.access)

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
                frames.append(
                    lf.select(list(columns))
                    .cast(pl.Schema(columns))
                    .with_columns(pl.lit(int(d.name), dtype=pl.Int32).alias(s.VINTAGE))
                )
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
                        raise StoreError(
                            f"{f} cannot be read ({str(bad).splitlines()[0]}); the store is damaged. "
                            "Restore it from a backup, or ingest the original files into a new "
                            "store."
                        ) from bad
            raise StoreError(f"the {table} table of {self.root} cannot be read ({str(exc).splitlines()[0]}).") from exc

    def _read_cache(self, table: str, state: str) -> pl.DataFrame | None:
        folder = self.root / LATEST_DIR
        try:
            meta = json.loads((folder / STATE).read_text(encoding="utf-8"))
            if not _state_sealed(self._secret(), meta):  # edited by hand: not used (and verify names it)
                return None
            entry = meta[table]
            path = folder / f"{table}.parquet"
            if entry["head"] != state or path.stat().st_size != entry["bytes"] or _checked(path) != entry["sha256"]:
                return None
            return pl.read_parquet(path)
        except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError):
            return None

    def write_cache(self, table: str, df: pl.DataFrame, state: str) -> None:
        """Best effort (a read-only store recomputes its views); a cache that does not match is rebuilt. Its state
        is sealed with the store's key, so a view edited by hand (its file and its sha256 both) is never used."""
        folder = self.root / LATEST_DIR
        secret = self._secret()
        if secret is None:
            return
        try:
            folder.mkdir(exist_ok=True)
            tmp = folder / f".{table}.{uuid.uuid4().hex}.parquet"
            df.write_parquet(tmp)
            path = folder / f"{table}.parquet"
            os.replace(tmp, path)
            try:
                meta = json.loads((folder / STATE).read_text(encoding="utf-8"))
                meta = meta if _state_sealed(secret, meta) else {}
            except (OSError, ValueError):
                meta = {}
            meta.pop(STATE_SEAL, None)
            meta[table] = {"head": state, "sha256": sha256_file(path), "bytes": path.stat().st_size}
            meta[STATE_SEAL] = signing.seal(secret, "latest", _canonical(meta))
            tmp_state = folder / f".{STATE}.{uuid.uuid4().hex}"
            tmp_state.write_text(json.dumps(meta, indent=1), encoding="utf-8")
            os.replace(tmp_state, folder / STATE)
        except OSError:
            return

    # --- verifying --------------------------------------------------------------------
    def problems(self, full: bool = False) -> list[str]:
        """Every sign of damage or tampering, each naming the file and vintage; [] for a sound store."""
        try:
            config_sha = sha256_file(self.root / CONFIG_FILE)
        except OSError as exc:
            return [f"{self.root / CONFIG_FILE} cannot be read ({exc.strerror or exc})."]
        out, manifests = self._read_manifests()
        total = sum(int(f.get("bytes", 0)) for _, m, _ in manifests if m for f in (m.get("stored") or {}).values())
        full = full or total <= FULL_CHECK_BYTES
        secret = self._secret()
        if secret is None and (manifests or (self.root / HEAD_FILE).exists()):
            out.append(
                f"the store's key ({self.access / signing.KEY_FILE}) is missing, so its seals cannot be checked "
                "(the access folder was deleted or moved)."
            )
        previous = None
        for i, (d, m, raw) in enumerate(manifests, start=1):
            if int(d.name) != i:
                out.append(
                    f"vintage {i} is missing (found {d.name} in its place): a vintage folder was deleted or renamed."
                )
            if m is not None:
                out += self._vintage_problems(d, m, raw, previous, config_sha, secret)
                out += _file_problems(d, m, full)
            previous = sha256_bytes(raw) if m is not None else None
        out += self._head_problems(manifests, secret)
        out += self._state_problems(secret)
        return out

    def _read_manifests(self) -> tuple[list[str], list[tuple[Path, dict | None, bytes]]]:
        out: list[str] = []
        manifests: list[tuple[Path, dict | None, bytes]] = []
        for d in self.dirs():
            if not d.name.isdigit() or len(d.name) != 6:
                out.append(f"{d}: a folder that is not a vintage (renamed?); vintages are numbered 000001, 000002, ...")
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
        return out, manifests

    def _vintage_problems(
        self, d: Path, m: dict, raw: bytes, previous: str | None, config_sha: str, secret: bytes | None
    ) -> list[str]:
        n, out = int(d.name), []
        if m.get("vintage") != n:
            out.append(
                f"vintage {n}: {d / MANIFEST} says vintage {m.get('vintage')!r}; the manifest was "
                "edited or the folder renamed."
            )
        if m.get("previous") != previous and not (n == 1 and m.get("previous") is None):
            out.append(
                f"vintage {n}: the chain is broken: {d / MANIFEST} does not hold the sha256 of "
                f"vintage {n - 1}'s manifest (one of them was edited, deleted or replaced)."
            )
        if m.get("config") != config_sha:
            out.append(
                f"vintage {n}: {self.root / CONFIG_FILE} differs from the one this vintage was "
                "written under (the calendar or unit was edited; every date would be reread)."
            )
        if secret is not None:
            try:
                seal = (d / SEAL).read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError):
                out.append(
                    f"vintage {n}: {d / SEAL} is missing: the vintage carries no seal (written by hand, or before "
                    "keyed chains: an administrator can seal the store as it is now with `forecast verify --seal`)."
                )
            else:
                if not signing.sealed(secret, "vintage", raw, seal):
                    out.append(
                        f"vintage {n}: its manifest's seal does not verify with this store's key (the vintage was "
                        "written or re-hashed by hand)."
                    )
        return out

    def _head_problems(self, manifests: list[tuple[Path, dict | None, bytes]], secret: bytes | None) -> list[str]:
        head, n = self.head(), len(manifests)
        if head is None:
            return []
        hv, out = head.get("vintage"), []
        if not n:
            if isinstance(hv, int) and hv > 0:
                out.append(f"{self.root / HEAD_FILE} names vintage {hv} but there are no vintages: they were deleted.")
            return out
        if not isinstance(hv, int) or hv > n or hv < 1:
            return [
                f"{self.root / HEAD_FILE} names vintage {hv!r} but the newest is {n}: vintages were "
                "deleted (or HEAD edited)."
            ]
        if manifests[hv - 1][1] is not None and head.get("manifest") != sha256_bytes(manifests[hv - 1][2]):
            out.append(f"vintage {hv}: its manifest does not match {self.root / HEAD_FILE} (edited).")
        elif hv < n - 1:
            out.append(f"{self.root / HEAD_FILE} names vintage {hv} but the newest is {n}.")
        elif secret is not None and not signing.sealed(secret, "head", _head_text(head), head.get("seal")):
            out.append(
                f"{self.root / HEAD_FILE} is not sealed with this store's key (written by hand, or before keyed "
                "chains: an administrator can seal the store as it is now with `forecast verify --seal`)."
            )
        return out

    def _state_problems(self, secret: bytes | None) -> list[str]:
        path = self.root / LATEST_DIR / STATE
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            return [f"{path} cannot be read (it was edited); the latest view is not used."]
        if secret is not None and not _state_sealed(secret, meta):
            return [
                f"{path} is not sealed with this store's key: the latest view was edited (its files or their sha256), "
                "or written before keyed chains (`forecast verify --seal` rebuilds it)."
            ]
        return []

    # --- appending --------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, wait: bool = True) -> Iterator[None]:
        """One writer at a time (readers never wait); ``wait`` False raises ``BlockingIOError`` when it is held."""
        try:
            self.base.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / LOCK, "a+")  # noqa: SIM115 - opened here to report OSError; closed by the with below
        except OSError as exc:
            raise StoreError(
                f"the store at {self.root} cannot be written ({exc.strerror or exc}); nothing was "
                "stored. Check the folder's permissions and free space."
            ) from exc
        with handle as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def prepared(self) -> list[Path]:
        """Vintages written aside by a writer that did not finish (``.tmp-*``); under ``lock`` none is in use."""
        return sorted(self.base.glob(".tmp-*")) if self.base.exists() else []

    def clean(self) -> None:
        """Remove what killed writers left (vintages written aside, the latest view's and HEAD's temp files).
        The caller holds ``lock`` and has first completed any vintage the audit trail already records."""
        for orphan in self.prepared():
            shutil.rmtree(orphan, ignore_errors=True)
        for pattern, folder in ((f".{HEAD_FILE}.*", self.root), (".*", self.root / LATEST_DIR)):
            if folder.exists():
                for f in folder.glob(pattern):
                    with contextlib.suppress(OSError):
                        f.unlink()

    def prepare(self, frames: dict[str, pl.DataFrame], manifest: dict) -> Prepared:
        """Write the next vintage aside, complete and sealed, but not yet in place (``commit`` puts it there).
        The caller holds ``lock``."""
        secret = signing.key(self.access)
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
                fsync_file(path)
                stored[name] = {
                    "file": path.name,
                    "sha256": sha256_file(path),
                    "bytes": path.stat().st_size,
                    "rows": df.height,
                }
            body = {
                "format": FORMAT_VERSION,
                "vintage": n,
                **manifest,
                "stored": stored,
                "previous": previous,
                "config": sha256_file(self.root / CONFIG_FILE),
            }
            raw = json.dumps(body, indent=2, ensure_ascii=False, default=str).encode("utf-8")
            write_durably(tmp / MANIFEST, raw)
            write_durably(tmp / SEAL, signing.seal(secret, "vintage", raw).encode("ascii"))
            fsync_dir(tmp)
        except (OSError, pl.exceptions.PolarsError) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise _unwritten(n, self.base, exc) from exc
        return Prepared(n, sha256_bytes(raw), tmp)

    def commit(self, ready: Prepared) -> None:
        """Put a prepared vintage in place (one rename) and move HEAD to it."""
        try:
            os.rename(ready.folder, self.base / vintage_name(ready.vintage))
            fsync_dir(self.base)
        except OSError as exc:
            shutil.rmtree(ready.folder, ignore_errors=True)
            raise _unwritten(ready.vintage, self.base, exc) from exc
        self._move_head(ready.vintage, ready.manifest)

    def _move_head(self, n: int, manifest: str) -> None:
        secret = signing.existing(self.access)
        head = {"vintage": n, "manifest": manifest}
        if secret is not None:
            head["seal"] = signing.seal(secret, "head", _head_text(head))
        with contextlib.suppress(OSError):  # HEAD one behind the newest vintage is read as a crash, not damage
            tmp_head = self.root / f".{HEAD_FILE}.{uuid.uuid4().hex}"
            write_durably(tmp_head, json.dumps(head).encode())
            os.replace(tmp_head, self.root / HEAD_FILE)
            fsync_dir(self.root)

    def find_prepared(self, manifest: str) -> Prepared | None:
        """The vintage a killed writer prepared whose manifest has sha256 ``manifest`` (and a valid seal)."""
        secret = self._secret()
        for folder in self.prepared():
            try:
                raw = (folder / MANIFEST).read_bytes()
                seal = (folder / SEAL).read_text(encoding="ascii")
                n = json.loads(raw).get("vintage")
            except (OSError, ValueError, AttributeError):
                continue
            if sha256_bytes(raw) == manifest and secret and signing.sealed(secret, "vintage", raw, seal):
                return Prepared(int(n), manifest, folder)
        return None

    def any_sealed(self) -> bool:
        """Whether any vintage or HEAD carries a seal (a store written before keyed chains has none)."""
        head = self.head() or {}
        return "seal" in head or any((d / SEAL).exists() for d in self.dirs())

    def seal(self) -> int:
        """Seal every vintage, HEAD and the latest view as they are now (a store written before keyed chains);
        returns the number of vintages sealed. The caller holds ``lock`` and has verified the unkeyed chain."""
        secret = signing.key(self.access)
        sealed = 0
        for d in self.dirs():
            if d.name.isdigit() and not (d / SEAL).exists():
                write_durably(d / SEAL, signing.seal(secret, "vintage", (d / MANIFEST).read_bytes()).encode("ascii"))
                sealed += 1
        dirs = [d for d in self.dirs() if d.name.isdigit()]
        if dirs:
            self._move_head(int(dirs[-1].name), sha256_bytes((dirs[-1] / MANIFEST).read_bytes()))
        shutil.rmtree(self.root / LATEST_DIR, ignore_errors=True)  # rebuilt, sealed, on first read
        return sealed


@dataclass(frozen=True)
class Prepared:
    """A vintage written aside: its number, its manifest's sha256 and the folder it waits in."""

    vintage: int
    manifest: str
    folder: Path


def _unwritten(n: int, base: Path, exc: Exception) -> StoreError:
    why = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
    return StoreError(
        f"could not write vintage {n} to {base} ({why}); the store is unchanged. Check "
        "the free space and permissions, then ingest again."
    )


def _head_text(head: dict) -> bytes:
    return f"{head.get('vintage')} {head.get('manifest')}".encode()


def _canonical(meta: dict) -> bytes:
    body = {k: v for k, v in meta.items() if k != STATE_SEAL}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _state_sealed(secret: bytes | None, meta: object) -> bool:
    return (
        secret is not None
        and isinstance(meta, dict)
        and signing.sealed(secret, "latest", _canonical(meta), meta.get(STATE_SEAL))
    )


def _file_problems(d: Path, m: dict, full: bool) -> list[str]:
    """Each stored file of vintage ``d`` against its manifest: there, of its size, of its sha256 (``full``)."""
    n, out = int(d.name), []
    stored = m.get("stored") or {}
    for f in stored.values():
        path = d / f.get("file", "")
        if not path.is_file():
            out.append(f"vintage {n}: {path} is missing.")
            continue
        if path.stat().st_size != f.get("bytes"):
            out.append(
                f"vintage {n}: {path} has {path.stat().st_size} bytes, the manifest says "
                f"{f.get('bytes')}: the file was changed after it was written."
            )
        elif full and _checked(path) != f.get("sha256"):
            out.append(
                f"vintage {n}: {path}: sha256 does not match the manifest: the file was changed after it was written."
            )
    listed = {f.get("file") for f in stored.values()} | {MANIFEST, SEAL}
    for extra in sorted(p.name for p in d.iterdir() if p.name not in listed):
        out.append(f"vintage {n}: {d / extra} is not in the manifest (added after the vintage was written).")
    return out


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
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
