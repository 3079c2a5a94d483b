"""The year-end engine's operations: history, backtest, train and project - all on snapshots.

``project(snapshot, models)`` projects every project of the snapshot's latest fiscal year;
``history(snapshot)`` / ``read_history(paths)`` give the complete fiscal years to learn from;
``backtest`` and ``train`` run the rolling-origin backtest on a history. Nothing here reads
a store: the caller reads it once (``Store.snapshot``) and passes the snapshot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from forecast.data import schema as s
from forecast.data import templates, validate
from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import Snapshot, provenance
from forecast.errors import HistoryError
from forecast.labels import t
from forecast.model import backtest as B
from forecast.model import features as F
from forecast.model import kpi as KM
from forecast.model import registry
from forecast.model.forecaster import YearEndForecaster
from forecast.model.projection import (
    ACTUAL,
    BASIS,
    BASIS_KINDS,
    COMMITMENTS,
    DISBURSED_TO_DATE,
    DRIVER_FEATURES,
    EXTRA_COLUMNS,
    FULL_SPEND,
    HISTORY,
    NO_HISTORY,
    P_MISS_DISBURSEMENT,
    P_SPEND_BELOW_BUDGET,
    PLAN_TO_DATE,
    PROJECTION_COLUMNS,
    SCHEMA,
    SPEND_TO_DATE,
    SYNTHETIC,
    basis_kind,
    project,
    projected,
)
from forecast.model.registry import FOREIGN_HISTORY, FOREIGN_SYNTHETIC, FOREIGN_UNVERIFIED, is_foreign

STORE_SOURCE = "complete fiscal years in {label}"  # a history taken from the store (else: the files' names)


def source_text(source: str, lang: str) -> str:
    """Where a model set's history came from, for people in ``lang`` (the files' names as they are)."""
    head = STORE_SOURCE.partition("{")[0]
    if source.startswith(head):
        return t("source_store", lang).format(label=source[len(head) :])
    return source


@dataclass
class History:
    """A training history: feature rows at every origin (with year-end truth), and where it came from."""

    rows: pl.DataFrame
    basis: str
    source: str
    fingerprint: str
    years: list[int]
    project_years: int
    kpis: pl.DataFrame | None = None
    kpi_results: pl.DataFrame | None = None
    closed: int = 0  # project-years whose final budget was 0 (a line closed during the year): no share


def _fingerprint(snap: Snapshot) -> str:
    h = hashlib.sha256()
    for name in ("projects", "finance"):
        v = snap.versions[name].sort([*s.TABLES[name].record_key], nulls_last=False)
        h.update(v.select(s.TABLES[name].names).write_csv().encode())
    return h.hexdigest()


def history(snap: Snapshot, source: str | None = None) -> History:
    """The complete fiscal years of a snapshot (every project-year with Q4 reported), as feature rows."""
    panel = F.panel(snap)
    truth = F.outcomes(panel).collect()
    done_years = (
        truth.group_by(s.FISCAL_YEAR)
        .len()
        .join(snap.versions["projects"].group_by(s.FISCAL_YEAR).agg(pl.col(s.PROJECT_ID).n_unique()), on=s.FISCAL_YEAR)
        .filter(pl.col("len") == pl.col(s.PROJECT_ID))[s.FISCAL_YEAR]
        .to_list()
    )
    years = sorted(int(y) for y in done_years)
    rows = F.build_all(panel.filter(pl.col(s.FISCAL_YEAR).is_in(years)))
    kv, rv = snap.versions["kpis"], snap.versions["kpi_results"]
    kpi_years = sorted(int(y) for y in rv.filter(pl.col(s.QUARTER) == 4)[s.FISCAL_YEAR].unique().to_list())
    kpis = kv.filter(pl.col(s.FISCAL_YEAR).is_in(kpi_years))  # every vintage: features as known at each origin
    results = rv.filter(pl.col(s.FISCAL_YEAR).is_in(kpi_years))
    in_years = truth.filter(pl.col(s.FISCAL_YEAR).is_in(years))
    return History(
        rows,
        snap.provenance,
        source or STORE_SOURCE.format(label=snap.label),
        _fingerprint(snap),
        years,
        in_years.height,
        kpis,
        results,
        in_years.filter(pl.col(F.BUDGET_FINAL) <= 0).height,
    )


def read_history(paths: Sequence[Path | str], calendar: FiscalCalendar | None = None) -> History:
    """Validate history files in the template (raises ``ValidationError`` listing every problem)."""
    raw, problems = templates.read_files(paths)
    checked = validate.check(raw, problems, calendar)
    checked.raise_for_errors()
    for need in ("projects", "finance"):
        if need not in checked.tables:
            raise HistoryError(
                f"history {', '.join(map(str, paths))}: no {need} table found; a history needs "
                "projects and finance (in the template)."
            )
    label = ", ".join(Path(p).name for p in paths)
    snap = Snapshot.from_tables(
        checked.tables,
        calendar=calendar or FiscalCalendar(),
        label=label,
        provenance=provenance(checked.tables["projects"], templates.expand(paths)),
    )
    return history(snap, label)


def backtest(
    h: History, threshold: float = s.DEFAULT_TARGET, progress: Callable[[float, str], None] | None = None
) -> B.BacktestResult:
    """Rolling-origin backtest of every model and baseline on the history (nothing is saved)."""
    return B.run(h.rows, threshold=threshold, fit_final=False, progress=progress)


def kpi_backtest(h: History) -> KM.KpiBacktest | None:
    """KPI attainment backtest on a history's KPIs (None when it has too few complete years)."""
    if h.kpis is None or h.kpi_results is None or h.kpis.is_empty():
        return None
    rows = KM.KF.training_rows(h.kpis, h.kpi_results)
    if rows[s.FISCAL_YEAR].n_unique() < KM.MIN_YEARS:
        return None
    return KM.backtest(rows)


def train(
    h: History,
    models_dir: Path,
    threshold: float = s.DEFAULT_TARGET,
    progress: Callable[[float, str], None] | None = None,
    activate: bool = True,
    author: dict | None = None,
    store_id: str | None = None,
    key: bytes = b"",
) -> registry.ModelSet:
    """Backtest, fit every candidate per origin on the whole history, save a versioned model set signed
    with ``key`` (the store's signing key): ``YearEndForecaster(...).fit(h).save(...)``."""
    registry.check_writable(models_dir)
    if len(h.years) >= B.MIN_YEARS:
        fc = YearEndForecaster(target=threshold).fit(h, progress)
        return fc.save(models_dir, key, activate, author, store_id)
    money_reason = (
        f"the money model needs at least {B.MIN_YEARS} complete fiscal years (Q1-Q4 reported) of "
        f"finance; this history has {len(h.years)}"
    )
    section = KM.train(h.kpis, h.kpi_results, h.basis)
    if not section.get("trained"):
        raise HistoryError(f"nothing to train: {money_reason}; {section.get('reason')}.")
    manifest = {
        "basis": h.basis,
        "source": h.source,
        "training_fingerprint": h.fingerprint,
        "years": section["years"],
        "rows": 0,
        "closed_lines": 0,
        "threshold": threshold,
        "features": [],
        "targets": [],
        "candidates": {},
        "champions": {},
        "metrics": [],
        "reliability": [],
        "dependence": {},
        "money": {"trained": False, "reason": money_reason},
        "kpi": section,
        "author": author,
        "store": store_id,
    }
    return registry.save(models_dir, {}, manifest, key, make_active=activate)


__all__ = [
    "ACTUAL",
    "BASIS",
    "BASIS_KINDS",
    "COMMITMENTS",
    "DISBURSED_TO_DATE",
    "DRIVER_FEATURES",
    "EXTRA_COLUMNS",
    "FOREIGN_HISTORY",
    "FOREIGN_SYNTHETIC",
    "FOREIGN_UNVERIFIED",
    "FULL_SPEND",
    "HISTORY",
    "NO_HISTORY",
    "PLAN_TO_DATE",
    "PROJECTION_COLUMNS",
    "P_MISS_DISBURSEMENT",
    "P_SPEND_BELOW_BUDGET",
    "SCHEMA",
    "SPEND_TO_DATE",
    "SYNTHETIC",
    "History",
    "backtest",
    "basis_kind",
    "history",
    "is_foreign",
    "kpi_backtest",
    "project",
    "projected",
    "read_history",
    "source_text",
    "train",
]
