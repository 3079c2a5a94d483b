"""The year-end spend engine's public operations: history, backtest, train, models, project.

These are what the CLI and the app call; each takes a ``Store`` (and optional
history files) and returns polars frames or a ``ModelSet``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from forecast.model import backtest as B
from forecast.model import features as F
from forecast.model import models as M
from forecast.decisions import kpi
from forecast.model import registry, synthetic
from forecast.data import templates, validate
from forecast.data import schema as s
from forecast.data.store import Store
from forecast.decisions.summary import DISBURSED_TO_DATE, PLAN_TO_DATE, SPEND_TO_DATE

HISTORY, SYNTHETIC, NO_HISTORY = registry.BASES
ACTUAL = "actual"
BASIS = "basis"
P_MISS_DISBURSEMENT = "p_miss_disbursement"
P_SPEND_BELOW_BUDGET = "p_spend_below_budget"
FULL_SPEND = 0.995  # "money left unused" means year-end spend below 99.5% of the budget


def projected(flow: str, p: int) -> str:
    """Projection column in MTHB, e.g. disbursed_p50."""
    return f"{flow}_p{p}"


PROJECTION_COLUMNS = [s.FISCAL_YEAR, s.PROJECT_ID, s.NAME_EN, s.AS_OF, F.ORIGIN, s.BUDGET, PLAN_TO_DATE,
                      DISBURSED_TO_DATE, SPEND_TO_DATE,
                      *(projected(f, p) for f in M.TARGET_FLOWS for p in B.BANDS), B.MODEL, BASIS]
DRIVER_FEATURES = [F.share(F.cum(s.PLAN)), F.share(F.cum(s.DISBURSED)), F.share(F.cum(s.SPEND)),
                   F.cum(s.COMMITTED), F.share(F.cum(s.COMMITTED)), F.pace(s.DISBURSED), F.CONVERSION,
                   F.momentum(s.DISBURSED), F.RESTATED_SHARE, F.QUARTERS_LEFT]
EXTRA_COLUMNS = [P_MISS_DISBURSEMENT, P_SPEND_BELOW_BUDGET,
                 *(B.band(f, p) for f in M.TARGET_FLOWS for p in B.BANDS), *DRIVER_FEATURES]


@dataclass
class History:
    """Training history as a panel, with where it came from."""

    panel: pl.LazyFrame
    basis: str
    source: str
    fingerprint: str
    years: list[int]
    rows: int
    kpis: pl.DataFrame | None = None
    kpi_results: pl.DataFrame | None = None


def _fingerprint(lf: pl.LazyFrame) -> str:
    data = lf.select(*F.KEY, s.QUARTER, s.BUDGET, *F.FLOWS, F.RESTATED).sort([*F.KEY, s.QUARTER]).collect()
    return hashlib.sha256(data.write_csv().encode()).hexdigest()


def _history(panel: pl.LazyFrame, projects: pl.DataFrame, source: str, kpis: pl.DataFrame | None = None,
             results: pl.DataFrame | None = None) -> History:
    done = F.outcomes(panel).collect()
    years = sorted(done[s.FISCAL_YEAR].unique().to_list())
    basis = SYNTHETIC if synthetic.is_synthetic(projects[s.PROJECT_ID]) else HISTORY
    if kpis is not None and results is not None:
        kpis, results = (t.filter(pl.col(s.FISCAL_YEAR).is_in(years)) for t in (kpis, results))
    return History(panel, basis, source, _fingerprint(panel), years, done.height, kpis, results)


def read_history(paths: list[Path | str], store: Store | None = None) -> History:
    """Validate history files in the template (raises ``ValidationError`` listing every problem)."""
    raw, problems = templates.read_files(paths)
    checked = validate.check(raw, problems, store.calendar if store else None)
    checked.raise_for_errors()
    for need in ("projects", "finance"):
        if need not in checked.tables:
            raise ValueError(f"history {', '.join(map(str, paths))}: no {need} table found; a history needs "
                             "projects and finance (in the template).")
    projects, tables = checked.tables["projects"], checked.tables
    return _history(F.panel(projects, tables["finance"]).collect().lazy(), projects, ", ".join(map(str, paths)),
                    _latest(tables.get("kpis")), _latest(tables.get("kpi_results")))


def _latest(df: pl.DataFrame | None) -> pl.DataFrame | None:
    """The last report's version of every record (history files may hold several vintages)."""
    if df is None:
        return None
    key = [c for c in (s.FISCAL_YEAR, s.PROJECT_ID, s.KPI_ID, s.QUARTER) if c in df.columns]
    return df.sort(s.AS_OF).unique(key, keep="last", maintain_order=True)


def store_history(store: Store) -> History:
    """The complete fiscal years (every project with Q4 reported) in a store."""
    lf = F.panel_from_store(store).collect().lazy()  # built once; the backtest reads it several times
    complete = (lf.group_by(s.FISCAL_YEAR).agg(
        (pl.col(s.DISBURSED).is_not_null() | (pl.col(s.QUARTER) < 4)).all().alias("__done"))
        .filter("__done").select(s.FISCAL_YEAR))
    lf = lf.join(complete, on=s.FISCAL_YEAR, how="semi", maintain_order="left").collect().lazy()
    kpi_cols = [s.UNIT, s.COMPARATOR, s.TARGET, *s.PLAN_Q, s.PLAN_IS_CUMULATIVE, *s.TIERS.values()]
    return _history(lf, store.read("projects", sort=False, columns=[s.BUDGET]),
                    f"complete fiscal years in {store.label}", store.read("kpis", sort=False, columns=kpi_cols),
                    store.read("kpi_results", sort=False, columns=[s.VALUE]))


def history(store: Store, paths: list[Path | str] | None = None) -> History:
    return read_history(paths, store) if paths else store_history(store)


def backtest(store: Store, paths: list[Path | str] | None = None, threshold: float = F.CABINET_TARGET,
             progress: Callable[[float, str], None] | None = None) -> tuple[B.BacktestResult, History]:
    """Rolling-origin backtest of every model and baseline on the history (nothing is saved)."""
    h = history(store, paths)
    return B.run(h.panel, threshold=threshold, fit_final=False, progress=progress), h


def kpi_backtest(h: History) -> pl.DataFrame | None:
    """KPI attainment backtest on a history's KPIs (None when it has none)."""
    if h.kpis is None or h.kpi_results is None or h.kpis.is_empty():
        return None
    return kpi.backtest(h.kpis, h.kpi_results)


def train(store: Store, paths: list[Path | str] | None = None, threshold: float = F.CABINET_TARGET,
          progress: Callable[[float, str], None] | None = None, activate: bool = True) -> registry.ModelSet:
    """Backtest, fit every candidate per origin on the whole history, save a versioned model set."""
    h = history(store, paths)
    kpi_calibration = (kpi.calibrate(h.kpis, h.kpi_results)
                       if h.kpis is not None and h.kpi_results is not None else None)
    h.kpis = h.kpi_results = None  # free them before the backtest
    result = B.run(h.panel, threshold=threshold, fit_final=True, progress=progress)
    manifest = {
        "basis": h.basis, "source": h.source, "training_fingerprint": h.fingerprint, "years": h.years,
        "rows": h.rows, "threshold": threshold, "features": list(F.FEATURES),
        "candidates": {n: {"kind": c.kind, "label": c.label} for n, c in M.CANDIDATES.items()},
        "champions": {str(q): n for q, n in result.champions.items()},
        "metrics": result.metrics.to_dicts(),
        "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
        "reliability": B.reliability(result.predictions, threshold).to_dicts(),
        "kpi_calibration": kpi_calibration,
    }
    return registry.save(store.models_dir, result.final, manifest, make_active=activate)


def model_sets(store: Store) -> pl.DataFrame:
    return registry.listing(store.models_dir)


def active_models(store: Store) -> registry.ModelSet | None:
    return registry.load(store.models_dir)


def current_year(store: Store, as_of="latest") -> pl.LazyFrame:
    """The panel of the latest fiscal year in the store as of a report date, and of the year before it."""
    return F.panel_from_store(store, as_of, last_years=2)


def project(store: Store, as_of="latest", models: registry.ModelSet | None | str = "active",
            threshold: float = F.CABINET_TARGET) -> pl.DataFrame:
    """Year-end disbursed and spend of every project of the latest fiscal year, with p10/p50/p90 (MTHB).

    Each project is projected from its last reported quarter by the active model set's
    champion for that origin; with no model set, by the structural model ("no history").
    A project with all four quarters reported gets its actuals ("actual").
    """
    ms = active_models(store) if models == "active" else models
    lf = current_year(store, as_of)
    year = lf.select(pl.col(s.FISCAL_YEAR).max()).collect().item()
    if year is None:
        return pl.DataFrame(schema={c: pl.String for c in PROJECTION_COLUMNS})
    lf = lf.collect().lazy()  # the current year, and the one before for the prior-year features
    origin = F.reported_quarter(lf.filter(pl.col(s.FISCAL_YEAR) == year)).collect()
    every = F.build_all(lf, threshold, with_outcomes=False).filter(pl.col(s.FISCAL_YEAR) == year)
    parts = []
    for q in sorted(origin[F.ORIGIN].unique().to_list()):
        ids = origin.filter(pl.col(F.ORIGIN) == q)[s.PROJECT_ID].implode()
        X = (F.build(lf, 0, threshold, with_outcomes=False).filter(pl.col(s.FISCAL_YEAR) == year) if q == 0
             else every.filter(pl.col(F.ORIGIN) == q))
        parts.append(_project_origin(X.filter(pl.col(s.PROJECT_ID).is_in(ids)), q, ms, threshold))
    out = pl.concat(parts, how="vertical_relaxed")
    names = store.read("projects", as_of).select(s.FISCAL_YEAR, s.PROJECT_ID, s.NAME_EN)
    dates = lf.filter(pl.col(s.FISCAL_YEAR) == year).group_by(F.KEY).agg(pl.col(s.AS_OF).max()).collect()
    money = [PLAN_TO_DATE, DISBURSED_TO_DATE, SPEND_TO_DATE, *(projected(f, p) for f in M.TARGET_FLOWS
                                                               for p in B.BANDS)]
    return (out.join(names, on=F.KEY, how="left").join(dates, on=F.KEY, how="left")
            .with_columns(*(pl.col(c).round(4).cast(s.MONEY) for c in money), pl.col(s.BUDGET).cast(s.MONEY),
                          pl.col(F.QUARTERS_LEFT).cast(pl.Int32))
            .select(*PROJECTION_COLUMNS, *EXTRA_COLUMNS).sort(F.KEY))


def _project_origin(X: pl.DataFrame, q: int, ms: registry.ModelSet | None, threshold: float) -> pl.DataFrame:
    cols: dict[str, np.ndarray] = {}
    if q == 4:
        model, basis = ACTUAL, ACTUAL
        for f in M.TARGET_FLOWS:
            done = M.to_date(X, f)
            cols.update({B.band(f, p): done for p in B.BANDS})
        d = cols[B.band(s.DISBURSED, 50)]
        cols[P_MISS_DISBURSEMENT] = (d < threshold).astype(float)
        cols[P_SPEND_BELOW_BUDGET] = (cols[B.band(s.SPEND, 50)] < FULL_SPEND).astype(float)
    else:
        if ms is not None and q in ms.origins:
            model, basis = ms.champion(q), ms.basis
            chosen = ms.origins[q][model]
        else:
            model, basis = M.STRUCTURAL, NO_HISTORY
            chosen = {f: M.Calibrated(M.StructuralModel(target=f).fit(X)) for f in M.TARGET_FLOWS}
        for f in M.TARGET_FLOWS:
            out = chosen[f].predict(X, threshold if f == s.DISBURSED else FULL_SPEND)
            cols.update({B.band(f, p): out[f"p{p}"] for p in B.BANDS})
            cols[P_MISS_DISBURSEMENT if f == s.DISBURSED else P_SPEND_BELOW_BUDGET] = out["p_below"]
    M.coherent(cols)
    budget = X[s.BUDGET].to_numpy()
    return X.select(
        *F.KEY, pl.lit(q, pl.Int8).alias(F.ORIGIN), s.BUDGET,
        pl.col(F.cum(s.PLAN)).alias(PLAN_TO_DATE), pl.col(F.cum(s.DISBURSED)).alias(DISBURSED_TO_DATE),
        pl.col(F.cum(s.SPEND)).alias(SPEND_TO_DATE), *DRIVER_FEATURES,
    ).with_columns(
        *(pl.Series(projected(f, p), cols[B.band(f, p)] * budget) for f in M.TARGET_FLOWS for p in B.BANDS),
        pl.lit(model).alias(B.MODEL), pl.lit(basis).alias(BASIS),
        *(pl.Series(k, v) for k, v in cols.items()),
    )
