"""A disk that is full, or read-only, under one folder: for tests that the product says so and never crashes.

Tests run as root here, for whom file modes do not stop a write, so the refusal is made in the calls a
write goes through: ``open`` and ``os.open`` for writing, ``os.write``, ``os.mkdir``, ``os.replace``,
``os.rename``, ``os.chmod`` and polars' own writers. Reading goes on as before.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path

import polars as pl

FULL, READ_ONLY = errno.ENOSPC, errno.EROFS
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def broken(monkeypatch, root: Path | str, code: int = FULL) -> None:
    """Make every write under ``root`` fail with ``code`` (ENOSPC: the disk is full; EROFS: read-only)."""
    root = Path(root).resolve()
    fds: set[int] = set()

    def under(path) -> bool:
        if isinstance(path, int):
            return path in fds
        try:
            return Path(os.fsdecode(path)).resolve().is_relative_to(root)
        except (TypeError, ValueError):
            return False

    def refuse(path):
        return OSError(code, os.strerror(code), os.fsdecode(path) if not isinstance(path, int) else str(path))

    real_open, real_os_open, real_write = builtins.open, os.open, os.write

    def fake_open(file, mode="r", *args, **kwargs):
        if not isinstance(file, int) and any(c in mode for c in "wax+") and under(file):
            raise refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & _WRITE_FLAGS and under(path):
            if code == READ_ONLY or flags & os.O_CREAT:
                raise refuse(path)
            fd = real_os_open(path, flags, *args, **kwargs)
            fds.add(fd)  # a full disk opens the file, then refuses the bytes
            return fd
        return real_os_open(path, flags, *args, **kwargs)

    def fake_write(fd, data):
        if fd in fds:
            raise refuse(fd)
        return real_write(fd, data)

    def guard(real, *positions):
        def call(*args, **kwargs):
            if any(under(args[i]) for i in positions if i < len(args)):
                raise refuse(args[positions[0]])
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "write", fake_write)
    for name, positions in (("mkdir", (0,)), ("replace", (0, 1)), ("rename", (0, 1)), ("chmod", (0,))):
        monkeypatch.setattr(os, name, guard(getattr(os, name), *positions))
    for name in ("write_parquet", "write_csv", "write_ipc", "write_json"):
        real = getattr(pl.DataFrame, name)

        def writer(self, file=None, *args, _real=real, **kwargs):
            if file is not None and not hasattr(file, "write") and under(file):
                raise refuse(file)
            return _real(self, file, *args, **kwargs)

        monkeypatch.setattr(pl.DataFrame, name, writer)
