"""Results computed once and kept beside the store: a review's frames and its portfolios, signed.

A review of 50,000 projects (projection, KPIs, risk, joint portfolio) takes seconds to compute
and is the same for every reader of the same data, model set and targets. It is computed at
ingest, training and activation (and on first use otherwise), written under ``STORE/results/``
and read back by the CLI, the API and the app::

    results/<key>/meta.json     what the frames were computed from (the key's inputs) and each file's sha256
    results/<key>/meta.sig      HMAC-SHA256 of meta.json with the store's key (meta.json holds <key>: an
                                entry moved or swapped under another key is not used)
    results/<key>/<frame>.parquet

The key is a hash of everything the numbers depend on: the snapshot's fingerprint (which changes
with every vintage), the model set's signed manifest, the targets, the code, the libraries' versions
and the arguments. A changed input makes a new key, so an entry is never stale, only unused; the oldest
are removed. An entry whose signature or files do not verify is ignored and computed again:
derived numbers cannot be edited into what management reads. Parquet holds data only; nothing is
unpickled.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import polars as pl

from forecast.access import signing

META = "meta.json"
SIGNATURE = "meta.sig"
KEEP = 24  # entries kept; older ones are removed when a new one is written


@functools.cache
def code_digest() -> str:
    """A hash of the package's source: kept results never outlive the code that computed them."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def key_of(**parts: object) -> str:
    """A stable key for the inputs a result depends on."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


class Results:
    """A folder of signed, content-addressed result frames (``folder=None``: nothing is kept)."""

    def __init__(self, folder: Path | None, secret: bytes | None):
        self.folder = folder
        self._secret = secret

    @property
    def enabled(self) -> bool:
        return self.folder is not None and self._secret is not None

    def get(self, key: str) -> dict[str, pl.DataFrame] | None:
        """The frames kept under ``key``, or None when absent or when anything fails to verify."""
        if not self.enabled:
            return None
        entry = self.folder / key  # type: ignore[operator]
        try:
            meta_bytes = (entry / META).read_bytes()
            if not signing.sealed(self._secret, "result", meta_bytes, (entry / SIGNATURE).read_text("ascii")):  # type: ignore[arg-type]
                return None
            meta = json.loads(meta_bytes)
            if meta.get("key") != key:  # validly sealed, but kept under another key (moved or swapped)
                return None
            frames = {}
            for name, digest in meta["files"].items():
                data = (entry / f"{name}.parquet").read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    return None
                frames[name] = pl.read_parquet(data)
        except (OSError, ValueError, KeyError, pl.exceptions.PolarsError):
            return None
        return frames

    def problem(self) -> str | None:
        """Why nothing can be kept here (the system's reason: a full disk, a read-only folder), else None."""
        if not self.enabled:
            return "no results folder"
        folder: Path = self.folder  # type: ignore[assignment]
        probe = folder / f".probe-{uuid.uuid4().hex}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(probe, "wb") as f:
                f.write(b"probe")
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            return exc.strerror or str(exc)
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()
        return None

    def put(self, key: str, frames: dict[str, pl.DataFrame], about: dict | None = None) -> bool:
        """Keep ``frames`` under ``key`` (atomic: written aside, then renamed); False when it cannot be written."""
        if not self.enabled:
            return False
        folder: Path = self.folder  # type: ignore[assignment]
        tmp = folder / f".tmp-{uuid.uuid4().hex}"
        try:
            tmp.mkdir(parents=True)
            files = {}
            for name, df in frames.items():
                path = tmp / f"{name}.parquet"
                df.write_parquet(path, statistics=False)
                files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
            meta = json.dumps({"key": key, "about": about or {}, "files": files}, default=str, ensure_ascii=False)
            (tmp / META).write_text(meta, encoding="utf-8")
            (tmp / SIGNATURE).write_text(signing.seal(self._secret, "result", meta.encode("utf-8")), encoding="ascii")  # type: ignore[arg-type]
            target = folder / key
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            os.rename(tmp, target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            return False
        self._prune(folder)
        return True

    @staticmethod
    def _prune(folder: Path) -> None:
        entries = sorted(
            (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
        )
        for old in entries[:-KEEP]:
            shutil.rmtree(old, ignore_errors=True)
        for stale in folder.glob(".tmp-*"):  # left by a crash mid-write
            try:
                if stale.stat().st_mtime < entries[-1].stat().st_mtime - 3600:
                    shutil.rmtree(stale, ignore_errors=True)
            except (OSError, IndexError):
                pass
