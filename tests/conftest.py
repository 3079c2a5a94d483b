"""Shared fixtures. Tests never write into the repository: the default store is redirected to tmp_path.

The tests fit on small frames, where OpenMP threads only add overhead: on a loaded 2-core machine a
gradient-boosting fit of 60 rows took 43 s with threads and 0.2 s without. One thread per process,
set before scikit-learn loads (subprocesses and joblib's workers inherit it).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import csv  # the imports below come after the thread limit, which must precede scikit-learn
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from forecast import config
from forecast.access import users
from forecast.data.store import Store


def _defaults(fn: Callable, **values) -> tuple:
    """``fn.__defaults__`` with the named parameters' defaults replaced."""
    names = [n for n, p in inspect.signature(fn).parameters.items() if p.default is not inspect.Parameter.empty]
    assert set(values) <= set(names), values
    return tuple(values.get(n, d) for n, d in zip(names, fn.__defaults__ or (), strict=True))


@contextmanager
def _training(gbm: dict, run: dict) -> Iterator[None]:
    """Trainings with other defaults of ``QuantileGBM`` (``gbm``) and ``backtest.run`` (``run``)."""
    from forecast.model import backtest
    from forecast.model.estimators import QuantileGBM

    saved = QuantileGBM.__init__.__defaults__, backtest.run.__defaults__
    QuantileGBM.__init__.__defaults__ = _defaults(QuantileGBM.__init__, **gbm)
    backtest.run.__defaults__ = _defaults(backtest.run, **run)
    try:
        yield
    finally:
        QuantileGBM.__init__.__defaults__, backtest.run.__defaults__ = saved


@pytest.fixture(scope="session", autouse=True)
def _light_training() -> Iterator[None]:
    """Trainings in tests fit the boosted model with 10 rounds (200 in production) and the backtest's origins in
    this process, so that the smaller setting reaches them (``test_engine`` checks that origins fitted in
    parallel give the same backtest). The champions of the ``trained`` set are the same (the fractional logit
    at every origin, with the same metrics); the boosted model's accuracy at 200 rounds is the benchmarks'."""
    with _training({"max_iter": 10}, {"n_jobs": 1}):
        yield


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    # passwords are hashed at scrypt N=2^14 in tests (128 MiB and 1-2 s a check at the real cost, 2^17, on a
    # loaded 2-core machine); test_sign_in checks the real cost and the rehash from a lower one
    monkeypatch.setattr(users, "N", 2**14)
    monkeypatch.delenv(config.STORE_ENV, raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)  # pytest-xdist sets it in its workers; the CLI wraps to it
    monkeypatch.setattr(config, "DEFAULT_STORE_DIR", tmp_path_factory.mktemp("default") / "store")
    monkeypatch.setattr(config, "MODELS_DIR", tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def trained(tmp_path_factory, worker_id):
    """A named store holding the reference report, and a model set trained on a synthetic history
    (one per test run: training dominates the suite's time). Under xdist the first worker to ask trains it
    in the run's shared folder and every worker gets its own copy, so that no test sees another's writes."""
    import shutil

    from forecast.durable import locked
    from forecast.model import registry

    root = tmp_path_factory.mktemp("engine")
    if worker_id == "master":
        return _train(root)
    shared = tmp_path_factory.getbasetemp().parent / "trained"  # this run's, shared by its workers
    with locked(shared):
        if not (shared / "done").exists():
            _, _, files = _train(shared)
            (shared / "done").write_text("\n".join(f.name for f in files))
    for part in ("history", "store"):
        shutil.copytree(shared / part, root / part, symlinks=True)
    store = Store.open(root / "store")
    ms = registry.load(store.models_dir, store.signing_key())
    assert ms is not None
    return store, ms, [root / "history" / name for name in (shared / "done").read_text().splitlines()]


def _train(root: Path) -> tuple:
    from forecast import api
    from forecast.model import synthetic

    history = synthetic.write(synthetic.simulate(projects=40, years=5, seed=3), root / "history")
    store = Store.create(root / "store")
    store.ingest([config.REFERENCE_DIR])  # a folder stands for the template files in it
    return store, api.train(store, [root / "history"]), history


@pytest.fixture
def reference() -> Store:
    return Store.open()


@pytest.fixture
def store(tmp_path) -> Store:
    return Store.create(tmp_path / "store")


REFERENCE_FILES = [config.REFERENCE_DIR / f"{t}.csv" for t in ("projects", "finance", "kpis", "kpi_results")]


def read_rows(table: str) -> list[dict]:
    with open(config.REFERENCE_DIR / f"{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(folder: Path, table: str, rows: list[dict], columns: list[str] | None = None) -> Path:
    """Write rows (dicts of text) as ``folder/table.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.csv"
    columns = columns or list(rows[0])
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def reference_copy(folder: Path, edit: dict | None = None) -> list[Path]:
    """Copy the reference CSVs to ``folder``, applying ``edit[table](rows) -> rows``."""
    paths = []
    for table in ("projects", "finance", "kpis", "kpi_results"):
        rows = read_rows(table)
        columns = list(rows[0])
        if edit and table in edit:
            rows = edit[table](rows)
        paths.append(write_csv(folder, table, rows, columns))
    return paths
