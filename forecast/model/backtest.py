"""Rolling-origin backtest by fiscal year, conformal calibration and champion selection.

For each origin quarter and each fiscal year after the first, every candidate is
fitted on the earlier years only and predicts the year: these out-of-sample
predictions are the backtest. A year's intervals are calibrated on the residuals
of the years before it (so the first predicted year only calibrates, and metrics
start from the third year of history). The final models are fitted on every year
and calibrated on all backtest residuals. The champion of an origin is the
candidate with the lowest mean absolute error of the year-end disbursed share
(then of the spend share), baselines included: a model that cannot beat a simple
rule does not get chosen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from forecast.model import features as F
from forecast.model import models as M
from forecast.data import schema as s

ORIGINS = (1, 2, 3)
MIN_YEARS = 3
MODEL = "model"
KIND = "kind"
IS_CHAMPION = "is_champion"
P_MISS = "p_miss"


band, BANDS = M.band, M.BANDS
PREDICTION_COLUMNS = [s.FISCAL_YEAR, s.PROJECT_ID, F.ORIGIN, MODEL, IS_CHAMPION, F.Y_DISBURSED, F.Y_SPEND,
                      *(band(s.DISBURSED, p) for p in BANDS), P_MISS, *(band(s.SPEND, p) for p in BANDS)]
METRIC_COLUMNS = [F.ORIGIN, MODEL, KIND, IS_CHAMPION, "n", "mae_disbursed_pp", "medae_disbursed_pp",
                  "mae_spend_pp", "medae_spend_pp", "coverage_disbursed", "coverage_spend", "brier_miss",
                  "auc_miss"]

Fitted = dict[str, dict[str, M.Calibrated]]  # candidate name -> target flow -> calibrated model


@dataclass
class BacktestResult:
    """Out-of-sample predictions, their metrics, the champion per origin and (optionally) the final models."""

    predictions: pl.DataFrame
    metrics: pl.DataFrame
    champions: dict[int, str]
    years: list[int]
    threshold: float
    final: dict[int, Fitted] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # "features", "backtest", "fit": wall time


def training_rows(panel: pl.LazyFrame, origin: int | None = None) -> pl.DataFrame:
    """Features of the complete project-years (with year-end outcomes): at ``origin``, or at every origin."""
    rows = F.build_all(panel).filter(pl.col(F.Y_DISBURSED).is_not_null())
    return rows if origin is None else rows.filter(pl.col(F.ORIGIN) == origin)


def _fit(name: str, target: str, X: pl.DataFrame) -> M.ShareModel:
    return M.CANDIDATES[name](target=target).fit(X, X[F.TARGETS[target]].to_numpy())


def _origin(X: pl.DataFrame, origin: int, threshold: float, candidates: list[str], fit_final: bool,
            tick: Callable[[], None], clock: dict[str, float]) -> tuple[pl.DataFrame, Fitted]:
    start = time.perf_counter()
    years = sorted(X[s.FISCAL_YEAR].unique().to_list())
    fy = X[s.FISCAL_YEAR].to_numpy()
    oos: dict[tuple[str, str], dict[int, np.ndarray]] = {}
    for i in range(1, len(years)):
        train, test = X.filter(pl.col(s.FISCAL_YEAR) < years[i]), X.filter(pl.col(s.FISCAL_YEAR) == years[i])
        for name in candidates:
            for target in M.TARGET_FLOWS:
                oos.setdefault((name, target), {})[years[i]] = _fit(name, target, train).predict(test)
            tick()

    truth = {t: X[F.TARGETS[t]].to_numpy() for t in M.TARGET_FLOWS}
    scales = {t: M.scale(X, t) for t in M.TARGET_FLOWS}

    def grid(name: str, target: str, upto: int) -> np.ndarray:
        rows = np.isin(fy, years[1:upto])  # X is in fiscal-year order, as are the stored predictions
        pred = np.concatenate([oos[(name, target)][y] for y in years[1:upto]])
        return M.Calibrated.residual_grid(truth[target][rows], pred, scales[target][rows])

    tests = {y: X.filter(pl.col(s.FISCAL_YEAR) == y).select(s.FISCAL_YEAR, s.PROJECT_ID, F.ORIGIN, F.Y_DISBURSED,
                                                             F.Y_SPEND, *_CALIBRATION_INPUTS)
             for y in years[2:]}
    frames = []  # built in output order (origin, candidate, fiscal year, project): no sort of millions of rows
    for name in candidates:
        for i in range(2, len(years)):
            test = tests[years[i]]
            cols = {}
            for target in M.TARGET_FLOWS:
                fitted = M.CANDIDATES[name](target=target)
                cal = M.Calibrated(_Frozen(fitted, oos[(name, target)][years[i]]), grid(name, target, i))
                out = cal.predict(test, threshold if target == s.DISBURSED else None)
                cols.update({band(target, p): out[f"p{p}"] for p in BANDS})
                if target == s.DISBURSED:
                    cols[P_MISS] = out["p_below"]
            M.coherent(cols)
            frames.append(test.select(s.FISCAL_YEAR, s.PROJECT_ID, F.ORIGIN, F.Y_DISBURSED, F.Y_SPEND)
                          .with_columns(pl.lit(name).alias(MODEL), *(pl.Series(k, v) for k, v in cols.items())))
    clock["backtest"] = clock.get("backtest", 0.0) + time.perf_counter() - start
    start = time.perf_counter()
    final: Fitted = {}
    if fit_final:
        for name in candidates:
            final[name] = {t: M.Calibrated(_fit(name, t, X), grid(name, t, len(years))) for t in M.TARGET_FLOWS}
            tick()
    clock["fit"] = clock.get("fit", 0.0) + time.perf_counter() - start
    return pl.concat(frames, rechunk=False), final


# what Calibrated.predict reads besides the point prediction: the share to date of each target
_CALIBRATION_INPUTS = [F.share(F.cum(f)) for f in M.TARGET_FLOWS]


class _Frozen(M.ShareModel):
    """Replays stored out-of-sample predictions through ``Calibrated`` (backtest only)."""

    def __init__(self, like: M.ShareModel, values: np.ndarray):
        self.target = like.target
        self.values = values
        self.n_train_ = len(values)

    def _predict(self, X):
        return self.values


def metrics(predictions: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Per origin and model: errors in percentage points, p10-p90 coverage, Brier score and AUC of missing."""
    rows = []
    for (origin, name), g in predictions.group_by(F.ORIGIN, MODEL, maintain_order=True):
        y_d, y_s = g[F.Y_DISBURSED].to_numpy(), g[F.Y_SPEND].to_numpy()
        e_d = np.abs(g[band(s.DISBURSED, 50)].to_numpy() - y_d) * 100
        e_s = np.abs(g[band(s.SPEND, 50)].to_numpy() - y_s) * 100
        miss = (y_d < threshold).astype(float)
        p = g[P_MISS].to_numpy()

        def covered(flow, y):
            return float(np.mean((g[band(flow, 10)].to_numpy() <= y) & (y <= g[band(flow, 90)].to_numpy())))
        rows.append({
            F.ORIGIN: origin, MODEL: name, KIND: M.kind(name), "n": g.height,
            "mae_disbursed_pp": float(e_d.mean()), "medae_disbursed_pp": float(np.median(e_d)),
            "mae_spend_pp": float(e_s.mean()), "medae_spend_pp": float(np.median(e_s)),
            "coverage_disbursed": covered(s.DISBURSED, y_d), "coverage_spend": covered(s.SPEND, y_s),
            "brier_miss": float(np.mean((p - miss) ** 2)),
            "auc_miss": float(roc_auc_score(miss, p)) if 0 < miss.sum() < len(miss) else None,
        })
    out = pl.DataFrame(rows, schema_overrides={F.ORIGIN: pl.Int8, "auc_miss": pl.Float64})
    best = (out.sort(F.ORIGIN, "mae_disbursed_pp", "mae_spend_pp", MODEL)
            .group_by(F.ORIGIN, maintain_order=True).first().select(F.ORIGIN, pl.col(MODEL).alias("__best")))
    return (out.join(best, on=F.ORIGIN).with_columns((pl.col(MODEL) == pl.col("__best")).alias(IS_CHAMPION))
            .select(METRIC_COLUMNS).sort(F.ORIGIN, "mae_disbursed_pp", MODEL))


def reliability(predictions: pl.DataFrame, threshold: float, bins: int = 5) -> pl.DataFrame:
    """Champions' predicted P(miss) against the observed miss rate, in equal-width probability bins."""
    champ = predictions.filter(pl.col(IS_CHAMPION))
    edges = np.linspace(0, 1, bins + 1)
    labels = [f"{lo:.1f}-{hi:.1f}" for lo, hi in zip(edges[:-1], edges[1:])]
    return (champ.with_columns(
        pl.col(P_MISS).clip(0, 1 - 1e-12).mul(bins).floor().cast(pl.Int32).alias("__bin"),
        (pl.col(F.Y_DISBURSED) < threshold).cast(pl.Float64).alias("__miss"))
        .group_by(F.ORIGIN, "__bin").agg(pl.len().alias("n"), pl.col(P_MISS).mean().alias("mean_p_miss"),
                                          pl.col("__miss").mean().alias("observed_miss_rate"))
        .with_columns(pl.col("__bin").replace_strict(dict(enumerate(labels)), return_dtype=pl.String).alias("p_miss_bin"))
        .sort(F.ORIGIN, "__bin").select(F.ORIGIN, "p_miss_bin", "n", "mean_p_miss", "observed_miss_rate"))


def run(panel: pl.LazyFrame, origins: tuple[int, ...] = ORIGINS, threshold: float = F.CABINET_TARGET,
        candidates: list[str] | None = None, fit_final: bool = True,
        progress: Callable[[float, str], None] | None = None) -> BacktestResult:
    """Rolling-origin backtest of every candidate at every origin; with ``fit_final`` also the final models.

    Raises ``ValueError`` when the history has fewer than three complete fiscal years.
    """
    candidates = list(candidates or M.CANDIDATES)
    clock: dict[str, float] = {}
    start = time.perf_counter()
    every = training_rows(panel)
    rows = {q: every.filter(pl.col(F.ORIGIN) == q) for q in origins}
    del every
    clock["features"] = time.perf_counter() - start
    years = sorted(rows[origins[0]][s.FISCAL_YEAR].unique().to_list())
    if len(years) < MIN_YEARS:
        raise ValueError(f"a backtest needs at least {MIN_YEARS} complete fiscal years (Q1-Q4 reported) of "
                         f"history; got {len(years)} ({', '.join(map(str, years)) or 'none'}). Load more "
                         "years with --history, or try `forecast simulate` for a synthetic history.")
    total = len(origins) * len(candidates) * (len(years) - 1 + int(fit_final))
    done = [0]

    def tick():
        done[0] += 1
        if progress:
            progress(done[0] / total, f"{done[0]}/{total} fits")

    preds, final = [], {}
    for q in origins:
        p, fitted = _origin(rows[q], q, threshold, candidates, fit_final, tick, clock)
        preds.append(p)
        final[q] = fitted
    predictions = pl.concat(preds)
    table = metrics(predictions, threshold)
    champions = {int(r[F.ORIGIN]): r[MODEL] for r in table.filter(pl.col(IS_CHAMPION)).iter_rows(named=True)}
    predictions = predictions.with_columns(
        (pl.col(MODEL) == pl.col(F.ORIGIN).replace_strict(champions, return_dtype=pl.String)).alias(IS_CHAMPION)
    ).select(PREDICTION_COLUMNS)
    return BacktestResult(predictions, table, champions, years, threshold, final if fit_final else {}, clock)
