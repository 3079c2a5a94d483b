"""Durable writes, content hashes and folder locks: the bottom floor every writer stands on.

Vintages, the users file, the audit trail, the signing key and model sets all write through these,
so a crash never leaves a partial file where a reader looks, and one writer holds a folder at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from forecast.errors import StoreError

LOCK = ".lock"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk; best effort where the OS cannot."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def write_durably(path: Path, data: bytes) -> None:
    """Write a file and fsync it, so a rename after it never exposes a partial file."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def replace_durably(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically: written beside it, fsynced, given ``mode``, then renamed."""
    tmp = path.with_name(f".{path.name}.tmp")
    write_durably(tmp, data)
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def unwritable(path: Path, exc: OSError) -> StoreError:
    """The error for a file or folder that cannot be written (a full disk, a read-only store), in the user's
    terms: which file, and the system's reason; nothing was changed by the write that failed."""
    reason = exc.strerror or str(exc)
    return StoreError(
        f"{path} cannot be written ({reason}; is the disk full or read-only?); nothing changed.",
        key="error_unwritable",
        path=Path(path).name,
        reason=reason,
    )


def publish(path: Path, data: bytes, record: Callable[[], object]) -> None:
    """Write ``data`` to ``path`` only once ``record()`` (its audit entry) has succeeded: written beside it and
    fsynced first (a full disk fails there, before anything is recorded), then recorded, then renamed into
    place. When either fails nothing is left at ``path`` (nor beside it) and the error goes on; a file that
    cannot be written raises ``StoreError`` in the user's terms."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_durably(tmp, data)
        except OSError as exc:
            raise unwritable(path, exc) from exc
        record()
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise unwritable(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on a folder (``.lock`` inside it), for writers of users and the audit trail; a folder
    where the lock cannot be made (read-only, full) raises ``StoreError`` saying so."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        f = open(folder / LOCK, "a+")  # noqa: SIM115 - closed below, after the lock is released
    except OSError as exc:
        raise unwritable(folder, exc) from exc
    with f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
