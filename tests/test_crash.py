"""A crash at any instant: kills at every durable step of an ingest and of an audit record, then ``verify``.

Slow (a process per step), so it runs in CI's second job: ``uv run pytest -m slow``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecast.access.audit import ROLLED_BACK
from forecast.data.store import Store
from tests.conftest import REFERENCE_FILES, reference_copy
from tests.crash import KILLED

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def _run(k: int, action: str, store: Path, files: list[Path], slow: float = 0.0) -> subprocess.Popen:
    env = {**os.environ, "FORECAST_SLOW": str(slow)}
    cmd = [sys.executable, "-m", "tests.crash", str(k), action, str(store), *map(str, files)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _sound(root: Path) -> Store:
    """The state a kill left is read as an interrupted write, not as damage; opening completes it."""
    assert Store.open(root, verify=False).verify() == []
    store = Store.open(root)  # recovers
    assert store.verify() == []
    assert not list((root / "vintages").glob(".tmp-*"))
    standing = store._recorded()
    for d in store.disk.dirs():  # every vintage is the one an audit entry records
        assert int(d.name) in standing
    seqs = store.audit.entries()["seq"].to_list()
    assert seqs == list(range(1, len(seqs) + 1))  # numbers never repeat
    return store


@pytest.fixture
def base(tmp_path) -> tuple[Path, list[Path]]:
    store = Store.create(tmp_path / "base")
    store.ingest(REFERENCE_FILES)
    fix = reference_copy(tmp_path / "fix", {"projects": lambda r: [r[0] | {"owner": "ใหม่"}, *r[1:]]})
    return store.root, fix


def test_a_kill_at_any_step_of_an_ingest_leaves_a_store_that_verifies(base, tmp_path):
    root0, fix = base
    outcomes: dict[str, int] = {}
    for k in range(1, 200):
        root = tmp_path / f"k{k}"
        subprocess.run(["cp", "-a", str(root0), str(root)], check=True)
        proc = _run(k, "ingest", root, fix)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode in (0, KILLED), err.decode()
        store = _sound(root)
        vintages = len(store.disk.dirs())
        outcome = store.audit.entries()["outcome"].to_list()
        kind = "completed" if vintages == 2 else ("rolled back" if ROLLED_BACK in outcome else "not begun")
        outcomes[kind] = outcomes.get(kind, 0) + 1
        again = store.ingest(fix)  # a retry stores the vintage, or finds it already stored
        assert (again.vintage is None) == (vintages == 2)
        assert _sound(root).disk.dirs()[-1].name == "000002"
        if proc.returncode == 0:
            break
    else:
        pytest.fail("the ingest never finished")
    assert outcomes.get("completed", 0) >= 2 and outcomes.get("not begun", 0) >= 2, outcomes


def test_a_kill_at_any_step_of_an_audit_record_never_breaks_the_chain(base, tmp_path):
    root0, _ = base
    for k in range(1, 50):
        root = tmp_path / f"k{k}"
        subprocess.run(["cp", "-a", str(root0), str(root)], check=True)
        proc = _run(k, "record", root, [])
        proc.communicate(timeout=120)
        store = _sound(root)
        store.audit.record("sign-in", {"user": "somchai"})  # the next write repairs the head and goes on
        _sound(root)
        if proc.returncode == 0:
            break


def test_kills_from_outside_in_widened_windows(base, tmp_path):
    root0, fix = base
    rng = random.Random(7)
    for i in range(6):
        root = tmp_path / f"r{i}"
        subprocess.run(["cp", "-a", str(root0), str(root)], check=True)
        proc = _run(0, "ingest", root, fix, slow=0.05)
        time.sleep(rng.uniform(2.0, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=120)
        _sound(root)


def test_a_killed_model_save_leaves_nothing_behind(base):
    root, _ = base
    orphan = root / "models" / ".tmp-0123"
    orphan.mkdir(parents=True)
    (orphan / "origin-1.skops").write_bytes(b"half")
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    Store.open(root)
    assert not orphan.exists()
