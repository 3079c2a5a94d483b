"""The Python API: the same operations as the command line, on a store or on files.

Each call reads the store once (``Store.snapshot``) and hands the snapshot to the pure
functions underneath; the CLI and the app use the same path (``decisions.review``)::

    import forecast
    store = forecast.Store.open()                   # the reference data, or your store
    forecast.project(store)                         # year-end p10/p50/p90 per project
    forecast.rank(store, lang="en", compare_to="previous")
    forecast.train(store, ["history/"])             # backtest, fit, save a model set
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from forecast.access.audit import OK, REFUSED
from forecast.data import templates
from forecast.data.store import IngestResult, Store, author, sha256_file
from forecast.decisions import kpi as K
from forecast.decisions import review as R
from forecast.decisions.risk import RiskPolicy
from forecast.errors import ForecastError, RegistryError
from forecast.model import engine, registry
from forecast.model.backtest import BacktestResult

ACTIVE = "active"


def models_of(store: Store, models: registry.ModelSet | str | None = ACTIVE) -> registry.ModelSet | None:
    """The store's active model set (``"active"``), a given one, or None (the structural model)."""
    if models != ACTIVE:
        return models  # type: ignore[return-value]
    version = registry.active_version(store.models_dir)
    return registry.load(store.models_dir, store.signing_key(), version) if version else None


def refresh(store: Store) -> R.Review | None:
    """Compute and keep the latest review and portfolios (whole, by agency) with the active model set,
    and the review of the report before it (for "what changed"), so that the app and the CLI read
    them instead of computing them; None when nothing can be kept (the read-only reference data, an
    empty store) or the active set cannot be loaded."""
    if not store.results.enabled:
        return None
    try:
        snap = store.snapshot("latest", last_years=2)
        if snap.fiscal_year is None:
            return None
        store.revisions()  # the restatements the overview counts
        ms = models_of(store)
        rv = R.precompute(snap, ms, store.results)
        earlier = [d for d in store.report_dates() if snap.as_of is not None and d < snap.as_of]
        if earlier:
            before = store.snapshot(earlier[-1].isoformat(), last_years=2)
            R.review(before, ms, R.policy_for(before), store.results)
        return rv
    except ForecastError:
        return None  # best effort: a reader computes what is not kept, and says why a set cannot be loaded


def ingest(store: Store, paths: Sequence[Path | str], note: str = "", by: dict | None = None) -> IngestResult:
    """Validate and store files as one vintage (see ``Store.ingest``), then refresh the kept review."""
    result = store.ingest(paths, note=note, by=by)
    if result.vintage is not None:
        refresh(store)
    return result


def activate(store: Store, version: str, foreign: bool = False, by: dict | None = None) -> bool:
    """Make a model set the active one, recorded in the audit trail; True when it was accepted as foreign."""
    by = by or author()
    try:
        was_foreign = registry.activate(store.models_dir, version, store.signing_key(), foreign, by)
    except RegistryError as exc:
        store.audit.record("activate", by, REFUSED, target=version, details={"reason": str(exc)})
        raise
    store.audit.record(
        "activate",
        by,
        OK,
        target=version,
        details={"foreign": True, "warning": "a model set trained elsewhere was accepted"} if was_foreign else {},
    )
    refresh(store)
    return was_foreign


def project(
    store: Store,
    as_of: str | dt.date = "latest",
    models: registry.ModelSet | str | None = ACTIVE,
    target: float | None = None,
) -> pl.DataFrame:
    """Year-end disbursed and spend per project of the latest fiscal year (p10/p50/p90)."""
    snap = store.snapshot(as_of, last_years=2)
    return R.review(snap, models_of(store, models), R.policy_for(snap, target), store.results).projection


def portfolio(
    store: Store,
    by: str | None = None,
    as_of: str | dt.date = "latest",
    target: float | None = None,
    models: registry.ModelSet | str | None = ACTIVE,
    draws: int = 10_000,
    seed: int = 0,
) -> pl.DataFrame:
    """The whole portfolio and each group (agency, plan_line or owner): joint range, P(miss), shortfall."""
    snap = store.snapshot(as_of, last_years=2)
    return R.review(snap, models_of(store, models), R.policy_for(snap, target), store.results).portfolio(
        by, draws, seed
    )


def kpi_attainment(
    store: Store, as_of: str | dt.date = "latest", models: registry.ModelSet | str | None = ACTIVE
) -> pl.DataFrame:
    """Every KPI's projected year-end value and chance of reaching its target."""
    ms = models_of(store, models)
    return K.attainment(store.snapshot(as_of, last_years=2), K.model_of(ms.manifest if ms else None))


def review(
    store: Store,
    as_of: str | dt.date = "latest",
    policy: RiskPolicy | None = None,
    models: registry.ModelSet | str | None = ACTIVE,
    target: float | None = None,
    quarterly_targets: tuple[float, float, float, float] | None = None,
) -> R.Review:
    """Projection, KPIs and ranking from one snapshot (``review.snapshot``): with the store's targets for the
    year, unless a policy or a target (and quarterly targets) is given."""
    snap = store.snapshot(as_of, last_years=2)
    if policy is None and (target is not None or quarterly_targets):
        policy = R.policy_for(snap, target, quarterly_targets)
    return R.review(snap, models_of(store, models), policy, store.results)


def rank(
    store: Store,
    as_of: str | dt.date = "latest",
    policy: RiskPolicy | None = None,
    lang: str = "th",
    models: registry.ModelSet | str | None = ACTIVE,
    compare_to: str | dt.date | None = None,
) -> pl.DataFrame:
    """Projects by risk, highest first; with ``compare_to`` ("previous", a report date or a store vintage
    number) also the previous rank, the move and whether the project is newly high-risk."""
    ms = models_of(store, models)
    snap = store.snapshot(as_of, last_years=2)
    now = R.review(snap, ms, policy, store.results)
    if compare_to is None:
        return now.ranking(lang)
    before_date = R.compare_date(store.report_dates(), now.snapshot.as_of, compare_to, store.manifests())
    before = R.review(store.snapshot(before_date, last_years=2), ms, now.policy, store.results)
    return R.compare(now, before, lang).with_columns(pl.lit(before_date).alias("compared_to"))


def history(store: Store, paths: Sequence[Path | str] | None = None) -> engine.History:
    """Training history: the given files (in the template), else the store's complete fiscal years."""
    if paths:
        return engine.read_history(paths, store.calendar)
    return engine.history(store.snapshot())


def backtest(
    store: Store,
    paths: Sequence[Path | str] | None = None,
    target: float = 0.93,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[BacktestResult, engine.History]:
    h = history(store, paths)
    return engine.backtest(h, target, progress), h


def train(
    store: Store,
    paths: Sequence[Path | str] | None = None,
    target: float = 0.93,
    progress: Callable[[float, str], None] | None = None,
    activate: bool = True,
    by: dict | None = None,
) -> registry.ModelSet:
    """Backtest, fit and save a model set signed for this store; recorded in the audit trail."""
    by = by or author()
    files = [{"name": p.name, "sha256": sha256_file(p)} for p in templates.expand(paths or []) if p.is_file()]
    try:
        registry.check_writable(store.models_dir)
        h = history(store, paths)
        ms = engine.train(h, store.models_dir, target, progress, activate, by, store.id, store.signing_key())
    except ForecastError as exc:
        store.audit.record("train", by, REFUSED, details={"history": files or "store", "reason": str(exc)[:500]})
        raise
    store.audit.record(
        "train",
        by,
        OK,
        target=ms.version,
        details={
            "history": files or "store",
            "basis": ms.basis,
            "years": ms.manifest["years"],
            "activated": activate,
            "manifest_sha256": sha256_file(store.models_dir / ms.version / registry.MANIFEST),
        },
    )
    if activate:
        refresh(store)
    return ms


def model_sets(store: Store) -> pl.DataFrame:
    """Every saved model set, with whether this store's key signs it."""
    return registry.listing(store.models_dir, store.signing_key() if registry.versions(store.models_dir) else None)
