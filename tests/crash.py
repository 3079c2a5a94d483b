"""Kill a process at its K-th durable step: for tests that no crash leaves the store in a state ``verify`` rejects.

Run as ``python -m tests.crash K ACTION STORE [FILES...]``. Every call that moves what is on disk (``os.write``,
``os.fsync``, ``os.rename``, ``os.replace``, ``os.truncate``-like ``ftruncate``) is counted, and the K-th ends
the process at once (``os._exit``, as a kill would: no cleanup, no ``finally``). ``FORECAST_SLOW`` (seconds)
sleeps before each counted call instead, widening every window for a kill from outside. The exit code is 0
when the action finished before its K-th step.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from forecast.data.store import Store

KILLED = 137


def arm(k: int, slow: float = 0.0) -> None:
    count = [0]

    def counted(real):
        def call(*args, **kwargs):
            count[0] += 1
            if slow:
                time.sleep(slow)
            if k and count[0] == k:
                os._exit(KILLED)
            return real(*args, **kwargs)

        return call

    for name in ("write", "fsync", "rename", "replace", "ftruncate"):
        setattr(os, name, counted(getattr(os, name)))


def main(argv: list[str]) -> int:
    k, action, root, *files = argv
    store = Store.open(Path(root))
    arm(int(k), float(os.environ.get("FORECAST_SLOW", "0")))
    if action == "ingest":
        store.ingest([Path(f) for f in files])
    elif action == "record":
        store.audit.record("export", {"user": "somchai"}, target="report.pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
