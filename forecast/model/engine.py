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

import numpy as np
import polars as pl

from forecast.data import schema as s
from forecast.data import templates, validate
from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import HISTORY as HISTORY_BASIS
from forecast.data.snapshot import SYNTHETIC as SYNTHETIC_BASIS
from forecast.data.snapshot import Snapshot
from forecast.data.store import provenance
from forecast.errors import HistoryError
from forecast.model import backtest as B
from forecast.model import features as F
from forecast.model import kpi as KM
from forecast.model import models as M
from forecast.model import registry

HISTORY, SYNTHETIC, NO_HISTORY = HISTORY_BASIS, SYNTHETIC_BASIS, "no history"
ACTUAL = "actual"
BASIS = "basis"
P_MISS_DISBURSEMENT = "p_miss_disbursement"
P_SPEND_BELOW_BUDGET = "p_miss_spend"
FULL_SPEND = 0.995  # "money left unused" means year-end spend below 99.5% of the budget
PLAN_TO_DATE = "plan_to_date"
DISBURSED_TO_DATE = B.DISBURSED_TO_DATE
SPEND_TO_DATE = B.SPEND_TO_DATE
COMMITMENTS = "commitments_reported"
projected = B.amount

PROJECTION_COLUMNS = [
    s.FISCAL_YEAR,
    s.PROJECT_ID,
    s.NAME_EN,
    s.AS_OF,
    F.ORIGIN,
    s.BUDGET,
    PLAN_TO_DATE,
    DISBURSED_TO_DATE,
    SPEND_TO_DATE,
    *(projected(f, p) for f in M.TARGET_FLOWS for p in B.BANDS),
    B.MODEL,
    BASIS,
]
DRIVER_FEATURES = [
    F.share(F.cum(s.PLAN)),
    F.share(F.cum(s.DISBURSED)),
    F.share(F.cum(s.SPEND)),
    F.cum(s.COMMITTED),
    F.share(F.cum(s.COMMITTED)),
    F.pace(s.DISBURSED),
    F.CONVERSION,
    F.momentum(s.DISBURSED),
    F.RESTATED_SHARE,
    F.QUARTERS_LEFT,
    F.BUDGET_REVISION,
    F.BUDGET_REVISION_COUNT,
]
EXTRA_COLUMNS = [
    P_MISS_DISBURSEMENT,
    P_SPEND_BELOW_BUDGET,
    COMMITMENTS,
    *(B.band(f, p) for f in M.TARGET_FLOWS for p in B.BANDS),
    *DRIVER_FEATURES,
    *(M.level(f, q) for f in (s.DISBURSED, M.AMOUNT) for q in M.LEVELS),
]


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
        source or f"complete fiscal years in {snap.label}",
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
    h: History, threshold: float = F.CABINET_TARGET, progress: Callable[[float, str], None] | None = None
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
    threshold: float = F.CABINET_TARGET,
    progress: Callable[[float, str], None] | None = None,
    activate: bool = True,
    author: dict | None = None,
    store_id: str | None = None,
    key: bytes = b"",
) -> registry.ModelSet:
    """Backtest, fit every candidate per origin on the whole history, save a versioned model set signed
    with ``key`` (the store's signing key): ``YearEndForecaster(...).fit(h).save(...)``."""
    from forecast.model.forecaster import YearEndForecaster

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


def project(
    snap: Snapshot, models: registry.ModelSet | None = None, threshold: float = F.CABINET_TARGET
) -> pl.DataFrame:
    """Year-end disbursed and spend of every project of the snapshot's latest fiscal year (p10/p50/p90).

    Each project is projected from its last reported quarter by the model set's champion for that
    origin; with no model set, by the structural model ("no history"). A project with all four quarters
    reported gets its actuals ("actual"). Amounts are in the store's unit, of the budget in force now;
    spend is empty where commitments are not reported.
    """
    year = snap.fiscal_year
    if year is None:
        return pl.DataFrame(schema={c: pl.String for c in PROJECTION_COLUMNS})
    current = snap.years([year - 1, year])
    X = F.build_current(F.panel(current), threshold).filter(pl.col(s.FISCAL_YEAR) == year)
    parts = []
    for q in sorted(X[F.ORIGIN].unique().to_list()):
        parts.append(_project_origin(X.filter(pl.col(F.ORIGIN) == q), int(q), models, threshold))
    out = pl.concat(parts, how="diagonal_relaxed").sort(F.KEY)
    names = snap.projects.select(s.FISCAL_YEAR, s.PROJECT_ID, s.NAME_EN)
    dates = snap.finance.filter(pl.col(s.FISCAL_YEAR) == year).group_by(F.KEY).agg(pl.col(s.AS_OF).max())
    money = [
        PLAN_TO_DATE,
        DISBURSED_TO_DATE,
        SPEND_TO_DATE,
        *(projected(f, p) for f in M.TARGET_FLOWS for p in B.BANDS),
    ]
    return (
        out.join(names, on=F.KEY, how="left")
        .join(dates, on=F.KEY, how="left")
        .with_columns(
            *(pl.col(c).cast(pl.Float64).round(s.DISPLAY_DECIMALS).cast(s.MONEY) for c in money),
            pl.col(s.BUDGET).cast(pl.Float64).round(s.MONEY_DECIMALS).cast(s.MONEY),
            pl.col(F.QUARTERS_LEFT).cast(pl.Int32),
        )
        .select(*PROJECTION_COLUMNS, *EXTRA_COLUMNS)
        .sort(F.KEY)
    )


def _project_origin(X: pl.DataFrame, q: int, ms: registry.ModelSet | None, threshold: float) -> pl.DataFrame:
    """Share, amount and spend distributions of the projects at one origin quarter."""
    cols: dict[str, np.ndarray] = {}
    spend_known = X[F.share(F.cum(s.SPEND))].is_not_null().to_numpy()
    n = X.height
    targets = (s.DISBURSED, M.AMOUNT, s.SPEND)
    if q == 4:
        model, basis = ACTUAL, ACTUAL
        for f in targets:
            done = M.to_date(X, M.FLOW[f])
            cols.update({B.band(f, p): done for p in B.BANDS})
        cols.update({M.level(f, lv): cols[B.band(f, 50)] for f in (s.DISBURSED, M.AMOUNT) for lv in M.LEVELS})
        cols[P_MISS_DISBURSEMENT] = (cols[B.band(s.DISBURSED, 50)] < threshold).astype(float)
        cols[P_SPEND_BELOW_BUDGET] = (cols[B.band(s.SPEND, 50)] < FULL_SPEND).astype(float)
    else:
        if ms is not None and q in ms.origins:
            model, basis = ms.champion(q), ms.basis
            chosen = dict(ms.origins[q][model])
        else:
            model, basis = M.STRUCTURAL, NO_HISTORY
            chosen = {f: M.Calibrated(M.StructuralRule(target=f).fit(X)) for f in targets}
        outs = {
            f: chosen[f].predict(X, {s.DISBURSED: threshold, s.SPEND: FULL_SPEND}.get(f))
            for f in targets
            if f in chosen
        }
        if M.AMOUNT not in outs:  # a model set without an amount model: the disbursed share of today's budget
            outs[M.AMOUNT] = outs[s.DISBURSED]
        for f in targets:
            if f in outs:
                cols.update({B.band(f, p): outs[f][f"p{p}"] for p in B.BANDS})
            else:
                cols.update({B.band(f, p): np.full(n, np.nan) for p in B.BANDS})
        cols.update(
            {M.level(f, lv): outs[f]["grid"][:, i] for f in (s.DISBURSED, M.AMOUNT) for i, lv in enumerate(M.LEVELS)}
        )
        cols[P_MISS_DISBURSEMENT] = outs[s.DISBURSED]["p_below"]
        cols[P_SPEND_BELOW_BUDGET] = outs[s.SPEND]["p_below"] if s.SPEND in outs else np.full(n, np.nan)
    for f in targets:  # the year end is never below what is already paid or contracted (barring refunds)
        done = M.to_date(X, M.FLOW[f])
        for p in B.BANDS:
            cols[B.band(f, p)] = np.maximum(cols[B.band(f, p)], done)
    done = M.to_date(X, s.DISBURSED)
    for f in (s.DISBURSED, M.AMOUNT):
        for lv in M.LEVELS:
            cols[M.level(f, lv)] = np.maximum(cols[M.level(f, lv)], done)
    cols[P_MISS_DISBURSEMENT] = np.where(done >= threshold, 0.0, cols[P_MISS_DISBURSEMENT])
    M.coherent(cols)
    # a line with no budget (closed during the year, or not funded) has no share to reach: not applicable
    no_money = ~(X[s.BUDGET].cast(pl.Float64).fill_null(0.0).to_numpy() > 0)
    for p_name in (P_MISS_DISBURSEMENT, P_SPEND_BELOW_BUDGET):
        cols[p_name] = np.where(no_money, np.nan, cols[p_name])
    for p in B.BANDS:  # no commitments reported: no spend projection
        cols[B.band(s.SPEND, p)] = np.where(spend_known, cols[B.band(s.SPEND, p)], np.nan)
    cols[P_SPEND_BELOW_BUDGET] = np.where(spend_known, cols[P_SPEND_BELOW_BUDGET], np.nan)
    budget = X[s.BUDGET].to_numpy()
    amount_of = {s.DISBURSED: M.AMOUNT, s.SPEND: s.SPEND}
    return X.select(
        *F.KEY,
        pl.lit(q, pl.Int8).alias(F.ORIGIN),
        s.BUDGET,
        pl.col(F.cum(s.PLAN)).alias(PLAN_TO_DATE),
        pl.col(F.cum(s.DISBURSED)).alias(DISBURSED_TO_DATE),
        pl.col(F.cum(s.SPEND)).alias(SPEND_TO_DATE),
        *DRIVER_FEATURES,
    ).with_columns(
        *(
            pl.Series(projected(f, p), cols[B.band(amount_of[f], p)] * budget).fill_nan(None)
            for f in M.TARGET_FLOWS
            for p in B.BANDS
        ),
        pl.lit(model).alias(B.MODEL),
        pl.lit(basis).alias(BASIS),
        pl.Series(COMMITMENTS, spend_known),
        *(pl.Series(k, v).fill_nan(None) for k, v in cols.items() if not k.startswith(M.AMOUNT + "_share_p")),
    )
