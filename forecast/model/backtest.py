"""Rolling-origin backtest by fiscal year, conformal calibration and champion selection.

For each origin quarter and each fiscal year after the first, every candidate is fitted on the
earlier years only (recent years weigh more) and predicts the year: these out-of-sample
predictions are the backtest. Features come from what was known at each origin's report date
(``features.build_all``), the truth from the latest report. A year's predictive distributions are
calibrated on the out-of-sample scores of the years before it (so the first predicted year only
calibrates, and metrics start from the third year of history). The final models are fitted on every
year and calibrated on every out-of-sample score.

The champion of an origin is the candidate with the lowest mean pinball loss over p10, p50 and p90
of the year-end disbursed share - a proper score of the whole predictive distribution, which a few
huge misses cannot dominate as they dominate a mean absolute error - baselines included: a model
that cannot beat a simple rule does not get chosen.

Cost: (years - 1 + 1 final) fits per candidate, target and origin; origins run in parallel.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from forecast.data import schema as s
from forecast.errors import HistoryError
from forecast.model import features as F
from forecast.model import models as M
from forecast.model import yeareffect as YE
from forecast.model.dependence import estimate_dependence

ORIGINS = (1, 2, 3)
MIN_YEARS = 3
MODEL = "model"
KIND = "kind"
IS_CHAMPION = "is_champion"
P_MISS = "p_miss"
POINT = "disbursed_share_point"  # the estimator's own point forecast (a baseline's rule), before calibration
BUDGET_AT_ORIGIN = "budget_at_origin"
DISBURSED_TO_DATE = "disbursed_to_date"
SPEND_TO_DATE = "spend_to_date"

band, BANDS = M.band, M.BANDS


def amount(flow: str, p: int) -> str:
    """Predicted year-end amount in the store's unit, e.g. disbursed_p50."""
    return f"{flow}_p{p}"


PREDICTION_COLUMNS = [
    s.FISCAL_YEAR,
    s.PROJECT_ID,
    F.ORIGIN,
    MODEL,
    IS_CHAMPION,
    F.Y_DISBURSED,
    F.Y_SPEND,
    *(band(s.DISBURSED, p) for p in BANDS),
    POINT,
    P_MISS,
    *(band(s.SPEND, p) for p in BANDS),
    BUDGET_AT_ORIGIN,
    F.BUDGET_FINAL,
    DISBURSED_TO_DATE,
    F.AMOUNT[s.DISBURSED],
    *(amount(s.DISBURSED, p) for p in BANDS),
    SPEND_TO_DATE,
    F.AMOUNT[s.SPEND],
    *(amount(s.SPEND, p) for p in BANDS),
    s.AGENCY,
    s.PLAN_LINE,
    F.Y_RATIO,
    *(M.level(t, q) for t in (s.DISBURSED, M.AMOUNT) for q in M.LEVELS),
]
METRIC_COLUMNS = [
    F.ORIGIN,
    MODEL,
    KIND,
    IS_CHAMPION,
    "n",
    "mae_disbursed_pp",
    "medae_disbursed_pp",
    "medae_point_pp",
    "pinball_disbursed_pp",
    "coverage_disbursed",
    "coverage_amount",
    "brier_miss",
    "auc_miss",
    "mae_spend_pp",
    "medae_spend_pp",
    "coverage_spend",
]

COST = {"model": 4.0}  # a fitted model's backtest takes about four times a rule's (the rest: 1)
PROGRESS_SHARE = 0.9  # of a training's progress bar: the backtest and fits; the rest is saving and the KPI model
Fitted = dict[str, dict[str, M.Calibrated]]  # candidate name -> target flow -> calibrated model


@dataclass
class BacktestResult:
    """Out-of-sample predictions, their metrics, the champion per origin and (optionally) the final models."""

    predictions: pl.DataFrame
    metrics: pl.DataFrame
    champions: dict[int, str]
    years: list[int]
    threshold: float
    targets: tuple[str, ...]
    final: dict[int, Fitted] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # "features", "backtest", "fit": wall time
    dependence: dict[int, dict] = field(default_factory=dict)  # origin -> how lines of one year miss together


def candidate_estimators() -> dict:
    """The candidate estimators (imports scikit-learn, so only when a backtest runs)."""
    from forecast.model.estimators import CANDIDATES  # noqa: PLC0415 - lazy: scikit-learn, statsmodels

    return CANDIDATES


def training_rows(rows: pl.DataFrame, origin: int | None = None) -> pl.DataFrame:
    """Feature rows of complete project-years (with a year-end outcome): at ``origin``, or at every origin."""
    rows = rows.filter(pl.col(F.Y_DISBURSED).is_not_null())
    return rows if origin is None else rows.filter(pl.col(F.ORIGIN) == origin)


def targets_of(rows: pl.DataFrame) -> tuple[str, ...]:
    """The disbursed share and amount always; spend too where the history reports commitments."""
    has_spend = rows.height > 0 and rows[F.Y_SPEND].is_not_null().mean() >= 0.5  # type: ignore[operator]
    return (s.DISBURSED, M.AMOUNT, s.SPEND) if has_spend else (s.DISBURSED, M.AMOUNT)


def _fit(name: str, target: str, X: pl.DataFrame, half_life: float):
    y = X[F.TARGETS[target]].to_numpy()
    w = M.recency_weights(X[s.FISCAL_YEAR].to_numpy(), half_life)
    return candidate_estimators()[name](target=target).fit(X, y, sample_weight=w)


def _calibration(
    y: np.ndarray, mid: np.ndarray, spread: np.ndarray, years: np.ndarray, half_life: float, threshold: float | None
) -> M.Calibration:
    """The conformal calibration of one candidate, recalibrated at the threshold (beta calibration).

    Each calibration year's raw probabilities come from the other years' scores (leave one year
    out), so the map learns how a new year departs from the years before it; with a single
    calibration year, its own probabilities and a Platt curve.
    """
    cal = M.Calibration.fit(y, mid, spread, M.recency_weights(years, half_life))
    if threshold is None:
        return cal
    distinct = np.unique(years)
    if distinct.size < 2:
        return cal.recalibrate(cal.cdf(mid, spread, threshold, recalibrate=False), y < threshold, "platt")
    raw = np.empty_like(y)
    for year in distinct:
        out = years == year
        other = M.Calibration.fit(y[~out], mid[~out], spread[~out], M.recency_weights(years[~out], half_life))
        raw[out] = other.cdf(mid[out], spread[out], threshold, recalibrate=False)
    return cal.recalibrate(raw, y < threshold, "beta")


def _origin(
    X: pl.DataFrame,
    threshold: float,
    candidates: list[str],
    targets: tuple[str, ...],
    fit_final: bool,
    half_life: float,
    year_effect: bool = True,
) -> tuple[pl.DataFrame, Fitted, dict[str, float], _OutOfSample]:
    """Backtest (and final fits) of one origin quarter, and its raw out-of-sample predictions."""
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - lazy: scikit-learn's thread pools

    clock: dict[str, float] = {}
    start = time.perf_counter()
    with threadpool_limits(1):
        return _origin_inner(X, threshold, candidates, targets, fit_final, half_life, clock, start, year_effect)


_OutOfSample = dict[
    tuple[str, str], dict[int, tuple[np.ndarray, np.ndarray]]
]  # (candidate, target) -> year -> mid, spread

# what a prediction row carries beside the predictions (the truth, the budget and the amounts to date)
_PREDICTION_INPUTS = [
    s.FISCAL_YEAR,
    s.PROJECT_ID,
    F.ORIGIN,
    F.Y_DISBURSED,
    F.Y_SPEND,
    F.Y_RATIO,
    s.BUDGET,
    F.BUDGET_FINAL,
    s.AGENCY,
    s.PLAN_LINE,
    F.cum(s.DISBURSED),
    F.cum(s.SPEND),
    F.AMOUNT[s.DISBURSED],
    F.AMOUNT[s.SPEND],
    *(F.share(F.cum(f)) for f in M.TARGET_FLOWS),
]


def _origin_inner(X, threshold, candidates, targets, fit_final, half_life, clock, start, year_effect=True):
    """One origin's calibrated out-of-sample predictions and (with ``fit_final``) final fits, timed in ``clock``."""
    years = sorted(X[s.FISCAL_YEAR].unique().to_list())
    oos = _out_of_sample(X, years, candidates, targets, half_life)
    scores = _Scores(X, years, targets, oos, threshold, half_life, year_effect)
    frames = _predictions(X, scores, candidates, targets)
    clock["backtest"] = time.perf_counter() - start
    start = time.perf_counter()
    final = _final_fits(X, scores, candidates, targets) if fit_final else {}
    clock["fit"] = time.perf_counter() - start
    preds = pl.concat(frames, how="diagonal_relaxed", rechunk=False) if frames else pl.DataFrame()
    return preds, final, clock, oos


def _out_of_sample(
    X: pl.DataFrame, years: list[int], candidates: list[str], targets: tuple[str, ...], half_life: float
) -> _OutOfSample:
    """Every candidate's predictions of each year from the second, fitted on the years before it."""
    oos: _OutOfSample = {}
    for i in range(1, len(years)):
        for target in targets:
            train = X.filter((pl.col(s.FISCAL_YEAR) < years[i]) & pl.col(F.TARGETS[target]).is_not_null())
            test = X.filter(pl.col(s.FISCAL_YEAR) == years[i])
            if train.is_empty():
                continue
            for name in candidates:
                est = _fit(name, target, train, half_life)
                oos.setdefault((name, target), {})[years[i]] = (est.predict(test), est.spread(test))
    return oos


class _Scores:
    """One origin's out-of-sample scores and the calibrations they give."""

    def __init__(
        self,
        X: pl.DataFrame,
        years: list[int],
        targets: tuple[str, ...],
        oos: _OutOfSample,
        threshold: float,
        half_life: float,
        year_effect: bool = True,
    ):
        self.years, self.oos, self.threshold, self.half_life = years, oos, threshold, half_life
        medians = YE.by_year(X) if year_effect else {}
        effects = {y: YE.estimate(medians.get(y), {p: v for p, v in medians.items() if p < y}) for y in years}
        # each year's year effect against the years before it, as a projection sees it against its model set's
        self.stretch = {y: e.stretch if e is not None else M.NO_STRETCH for y, e in effects.items()}
        self.fy = X[s.FISCAL_YEAR].to_numpy()
        self.rows_of = {t: X[F.TARGETS[t]].is_not_null().to_numpy() for t in targets}
        self.truth = {t: X[F.TARGETS[t]].to_numpy() for t in targets}

    def threshold_of(self, target: str) -> float | None:
        """The miss threshold a target is calibrated at (the disbursed share only)."""
        return self.threshold if target == s.DISBURSED else None

    def calibration(self, name: str, target: str, upto: int) -> M.Calibration | None:
        """From the out-of-sample scores of years 1..upto-1 (rows with an outcome)."""
        have = [y for y in self.years[1:upto] if y in self.oos.get((name, target), {})]
        if not have:
            return None
        rows = np.isin(self.fy, have) & self.rows_of[target]
        mid = np.concatenate([self.oos[(name, target)][y][0] for y in have])
        spread = np.concatenate([self.oos[(name, target)][y][1] for y in have])
        keep = self.rows_of[target][np.isin(self.fy, have)]
        return _calibration(
            self.truth[target][rows], mid[keep], spread[keep], self.fy[rows], self.half_life, self.threshold_of(target)
        )


def _predictions(
    X: pl.DataFrame, scores: _Scores, candidates: list[str], targets: tuple[str, ...]
) -> list[pl.DataFrame]:
    """The calibrated out-of-sample predictions of each year from the third, in output order (candidate, year,
    project): no sort of millions of rows."""
    years, frames = scores.years, []
    for name in candidates:
        for i in range(2, len(years)):
            test = X.filter(pl.col(s.FISCAL_YEAR) == years[i]).select(_PREDICTION_INPUTS)
            cols = _calibrated_columns(test, scores, name, targets, i)
            if band(s.DISBURSED, 50) not in cols:
                continue
            M.coherent(cols)
            frames.append(test.with_columns(pl.lit(name).alias(MODEL), *(pl.Series(k, v) for k, v in cols.items())))
    return frames


def _calibrated_columns(
    test: pl.DataFrame, scores: _Scores, name: str, targets: tuple[str, ...], i: int
) -> dict[str, np.ndarray]:
    """One candidate's bands, P(miss), point and levels for year ``i``, calibrated on the years before it."""
    year, cols = scores.years[i], {}
    for target in targets:
        cal = scores.calibration(name, target, i)
        if cal is None or year not in scores.oos.get((name, target), {}):
            continue
        mid, spread = scores.oos[(name, target)][year]
        out = M.Calibrated(candidate_estimators()[name](target=target), cal).predict(
            test, scores.threshold_of(target), mid=mid, spread=spread, stretch=scores.stretch[year]
        )
        cols.update({band(target, p): out[f"p{p}"] for p in BANDS})
        if target == s.DISBURSED:
            cols[P_MISS], cols[POINT] = out["p_below"], mid
        if target in (s.DISBURSED, M.AMOUNT):
            cols.update({M.level(target, q): out["grid"][:, j] for j, q in enumerate(M.LEVELS)})
    return cols


def _final_fits(X: pl.DataFrame, scores: _Scores, candidates: list[str], targets: tuple[str, ...]) -> Fitted:
    """Every candidate fitted on every year, calibrated on all its out-of-sample scores."""
    final: Fitted = {}
    for name in candidates:
        final[name] = {}
        for target in targets:
            train = X.filter(pl.col(F.TARGETS[target]).is_not_null())
            final[name][target] = M.Calibrated(
                _fit(name, target, train, scores.half_life), scores.calibration(name, target, len(scores.years))
            )
    return final


def combined(candidates: list[str]) -> dict[str, tuple[str, ...]]:
    """The candidates that combine others (``estimators.Blend``) whose members are all candidates too: their
    predictions are computed from the members' out-of-sample predictions and fits, never fitted again."""
    out = {}
    for name in candidates:
        members = getattr(candidate_estimators()[name](), "members", None)
        if members and set(members) <= set(candidates) - {name}:
            out[name] = tuple(members)
    return out


def _combine(
    X: pl.DataFrame,
    oos: _OutOfSample,
    final: Fitted,
    blends: dict[str, tuple[str, ...]],
    targets: tuple[str, ...],
    threshold: float,
    half_life: float,
    year_effect: bool = True,
) -> tuple[list[pl.DataFrame], Fitted]:
    """One origin's combined candidates: the mean of the members' medians and spreads, calibrated on their own
    out-of-sample scores like any candidate; their final models hold the members' final fits."""
    oos = dict(oos)
    for name, members in blends.items():
        for target in targets:
            have = [oos.get((m, target), {}) for m in members]
            for year in set.intersection(*(set(h) for h in have)) if all(have) else ():
                oos[(name, target)] = oos.get((name, target), {})
                oos[(name, target)][year] = (
                    np.mean([h[year][0] for h in have], axis=0),
                    np.mean([h[year][1] for h in have], axis=0),
                )
    years = sorted(X[s.FISCAL_YEAR].unique().to_list())
    scores = _Scores(X, years, targets, oos, threshold, half_life, year_effect)
    frames = _predictions(X, scores, list(blends), targets)
    fitted: Fitted = {}
    for name, members in blends.items():
        if all(m in final for m in members):
            fitted[name] = {
                target: M.Calibrated(
                    candidate_estimators()[name].of([final[m][target].estimator for m in members], target),
                    scores.calibration(name, target, len(years)),
                )
                for target in targets
            }
    return frames, fitted


def _pinball(y: np.ndarray, q: np.ndarray, a: float) -> np.ndarray:
    d = y - q
    return np.maximum(a * d, (a - 1) * d)


def metrics(predictions: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Per origin and model: errors and pinball loss in percentage points, p10-p90 coverage, Brier and AUC."""
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415 - lazy: scikit-learn

    rows = []
    for (origin, name), g in predictions.group_by(F.ORIGIN, MODEL, maintain_order=True):
        y_d = g[F.Y_DISBURSED].to_numpy()
        lo, mid, hi = (g[band(s.DISBURSED, p)].to_numpy() for p in BANDS)
        e_d = np.abs(mid - y_d) * 100
        pin = np.mean([_pinball(y_d, q, a) for q, a in ((lo, 0.1), (mid, 0.5), (hi, 0.9))], axis=0) * 100
        miss = (y_d < threshold).astype(float)
        p = g[P_MISS].to_numpy()
        amounts = g.filter(pl.col(F.AMOUNT[s.DISBURSED]).is_not_null())
        truth_amount = amounts[F.AMOUNT[s.DISBURSED]].to_numpy()
        row = {
            F.ORIGIN: origin,
            MODEL: name,
            KIND: candidate_estimators()[name].kind,
            "n": g.height,
            "mae_disbursed_pp": float(e_d.mean()),
            "medae_disbursed_pp": float(np.median(e_d)),
            "medae_point_pp": float(np.median(np.abs(g[POINT].to_numpy() - y_d)) * 100),
            "pinball_disbursed_pp": float(pin.mean()),
            "coverage_disbursed": float(np.mean((lo <= y_d) & (y_d <= hi))),
            "coverage_amount": float(
                np.mean(
                    (amounts[amount(s.DISBURSED, 10)].to_numpy() <= truth_amount)
                    & (truth_amount <= amounts[amount(s.DISBURSED, 90)].to_numpy())
                )
            ),
            "brier_miss": float(np.mean((p - miss) ** 2)),
            "auc_miss": float(roc_auc_score(miss, p)) if 0 < miss.sum() < len(miss) else None,
            "mae_spend_pp": None,
            "medae_spend_pp": None,
            "coverage_spend": None,
        }
        if band(s.SPEND, 50) in g.columns:
            sp = g.filter(pl.col(F.Y_SPEND).is_not_null() & pl.col(band(s.SPEND, 50)).is_not_null())
            if sp.height:
                y_s = sp[F.Y_SPEND].to_numpy()
                e_s = np.abs(sp[band(s.SPEND, 50)].to_numpy() - y_s) * 100
                row |= {
                    "mae_spend_pp": float(e_s.mean()),
                    "medae_spend_pp": float(np.median(e_s)),
                    "coverage_spend": float(
                        np.mean((sp[band(s.SPEND, 10)].to_numpy() <= y_s) & (y_s <= sp[band(s.SPEND, 90)].to_numpy()))
                    ),
                }
        rows.append(row)
    schema = {
        F.ORIGIN: pl.Int8,
        MODEL: pl.String,
        KIND: pl.String,
        "n": pl.Int64,
        **{c: pl.Float64 for c in METRIC_COLUMNS if c not in (F.ORIGIN, MODEL, KIND, IS_CHAMPION, "n")},
    }
    out = pl.DataFrame(rows, schema=schema)
    best = (
        out.sort(F.ORIGIN, "pinball_disbursed_pp", "mae_disbursed_pp", MODEL)
        .group_by(F.ORIGIN, maintain_order=True)
        .first()
        .select(F.ORIGIN, pl.col(MODEL).alias("__best"))
    )
    return (
        out.join(best, on=F.ORIGIN)
        .with_columns((pl.col(MODEL) == pl.col("__best")).alias(IS_CHAMPION))
        .select(METRIC_COLUMNS)
        .sort(F.ORIGIN, "pinball_disbursed_pp", MODEL)
    )


def reliability(predictions: pl.DataFrame, threshold: float, bins: int = 5) -> pl.DataFrame:
    """Champions' predicted P(miss) against the observed miss rate, in equal-width probability bins."""
    champ = predictions.filter(pl.col(IS_CHAMPION))
    edges = np.linspace(0, 1, bins + 1)
    labels = [f"{lo:.1f}-{hi:.1f}" for lo, hi in itertools.pairwise(edges)]
    return (
        champ.with_columns(
            pl.col(P_MISS).clip(0, 1 - 1e-12).mul(bins).floor().cast(pl.Int32).alias("__bin"),
            (pl.col(F.Y_DISBURSED) < threshold).cast(pl.Float64).alias("__miss"),
        )
        .group_by(F.ORIGIN, "__bin")
        .agg(
            pl.len().alias("n"),
            pl.col(P_MISS).mean().alias("mean_p_miss"),
            pl.col("__miss").mean().alias("observed_miss_rate"),
        )
        .with_columns(
            pl.col("__bin").replace_strict(dict(enumerate(labels)), return_dtype=pl.String).alias("p_miss_bin")
        )
        .sort(F.ORIGIN, "__bin")
        .select(F.ORIGIN, "p_miss_bin", "n", "mean_p_miss", "observed_miss_rate")
    )


def _amounts(preds: pl.DataFrame) -> pl.DataFrame:
    """Amounts in the store's unit: the amount model's ratios to the budget known at the origin (budget revisions
    included); spend (and disbursed, without an amount model) as shares times that budget."""
    b = pl.col(BUDGET_AT_ORIGIN)
    ratio = {p: band(M.AMOUNT, p) if band(M.AMOUNT, p) in preds.columns else band(s.DISBURSED, p) for p in BANDS}
    return preds.rename(
        {s.BUDGET: BUDGET_AT_ORIGIN, F.cum(s.DISBURSED): DISBURSED_TO_DATE, F.cum(s.SPEND): SPEND_TO_DATE}
    ).with_columns(
        *(pl.col(ratio[p]).mul(b).alias(amount(s.DISBURSED, p)) for p in BANDS),
        *(pl.col(band(s.SPEND, p)).mul(b).alias(amount(s.SPEND, p)) for p in BANDS),
    )


@dataclass
class _Fits:
    """The fitted units of a backtest: one task per origin and candidate (combinations excepted)."""

    per: dict[int, pl.DataFrame]
    targets: tuple[str, ...]
    threshold: float
    fit_final: bool
    half_life: float
    year_effect: bool = True
    raw: dict[int, _OutOfSample] = field(default_factory=dict)  # origin -> the units' raw out-of-sample predictions

    def units(
        self,
        candidates: list[str],
        blends: dict[str, tuple[str, ...]],
        jobs: int,
        progress: Callable[[float, str], None] | None,
        clock: dict[str, float],
    ) -> tuple[list[pl.DataFrame], dict[int, Fitted]]:
        """Every unit's predictions in the order of origins and candidates, and the final fits by origin; so that
        progress moves with the work, it is weighted by each candidate's usual cost."""
        from joblib import Parallel, delayed  # noqa: PLC0415 - lazy: joblib

        units = [(q, name) for q in self.per for name in candidates if name not in blends]
        cost = {name: COST.get(candidate_estimators()[name].kind, 1.0) for name in candidates}
        total = sum(cost[name] for _, name in units)
        # the costliest tasks first (longest processing time first), so that no core waits alone on a
        # gradient boosting at the end; the results are put back in the order of ``units``
        rank = {name: i for i, name in enumerate(candidates)}  # among equal costs the later (boosting) first
        order = sorted(units, key=lambda u: (-cost[u[1]], -rank[u[1]], u[0]))
        results = Parallel(n_jobs=jobs, return_as="generator")(
            delayed(_origin)(
                self.per[q], self.threshold, [name], self.targets, self.fit_final, self.half_life, self.year_effect
            )
            for q, name in order
        )
        spent = 0.0
        done: dict[tuple[int, str], tuple[pl.DataFrame, Fitted]] = {}
        for k, ((q, name), (p, fitted, c, oos)) in enumerate(zip(order, results, strict=True), start=1):
            done[(q, name)] = (p, fitted)
            self.raw.setdefault(q, {}).update(oos)
            for key, v in c.items():
                clock[key] = clock.get(key, 0.0) + v
            spent += cost[name]
            if progress:
                share = min(PROGRESS_SHARE, PROGRESS_SHARE * spent / total)
                progress(share, f"origin Q{q}: {name} done ({k}/{len(units)})")
        final: dict[int, Fitted] = {}
        for q, name in units:
            final.setdefault(q, {}).update(done[(q, name)][1])
        return [done[u][0] for u in units], final


def run(
    rows: pl.DataFrame,
    origins: tuple[int, ...] = ORIGINS,
    threshold: float = s.DEFAULT_TARGET,
    candidates: list[str] | None = None,
    fit_final: bool = True,
    half_life: float = M.HALF_LIFE,
    progress: Callable[[float, str], None] | None = None,
    n_jobs: int | None = None,
    year_effect: bool = True,
) -> BacktestResult:
    """Rolling-origin backtest of every candidate at every origin; with ``fit_final`` also the final models.

    ``rows`` are the feature rows of a history (``features.build_all``); ``year_effect`` False predicts every
    year as calibrated, without the year effect (``model.yeareffect``), for comparison. Raises ``HistoryError``
    when the history has fewer than three complete fiscal years.
    """
    candidates = list(candidates or candidate_estimators())
    start = time.perf_counter()
    done = training_rows(rows)
    per = {q: done.filter(pl.col(F.ORIGIN) == q) for q in origins}
    years = sorted(done[s.FISCAL_YEAR].unique().to_list())
    if len(years) < MIN_YEARS:
        raise HistoryError(
            f"a backtest needs at least {MIN_YEARS} complete fiscal years (Q1-Q4 reported) of "
            f"history; this one has {len(years)} ({', '.join(map(str, years)) or 'none'}). Load "
            "more years, or simulate a synthetic history to try the product."
        )
    targets = targets_of(done)
    clock = {"features": time.perf_counter() - start}
    blends = combined(candidates)
    fit = _Fits(per, targets, threshold, fit_final, half_life, year_effect)
    preds, final = fit.units(candidates, blends, n_jobs or min(len(origins), os.cpu_count() or 1), progress, clock)
    for q in origins if blends else ():
        frames, fitted = _combine(
            per[q], fit.raw.get(q, {}), final.get(q, {}), blends, targets, threshold, half_life, year_effect
        )
        preds += frames
        final.setdefault(q, {}).update(fitted)
    predictions = pl.concat(preds, how="diagonal_relaxed")
    for c in [
        *(band(f, p) for f in (*M.TARGET_FLOWS, M.AMOUNT) for p in BANDS),
        P_MISS,
        *(M.level(M.AMOUNT, q) for q in M.LEVELS),
    ]:
        if c not in predictions.columns:
            predictions = predictions.with_columns(pl.lit(None, pl.Float64).alias(c))
    predictions = _amounts(predictions)
    table = metrics(predictions, threshold)
    champions = {int(r[F.ORIGIN]): r[MODEL] for r in table.filter(pl.col(IS_CHAMPION)).iter_rows(named=True)}
    predictions = predictions.with_columns(
        (pl.col(MODEL) == pl.col(F.ORIGIN).replace_strict(champions, return_dtype=pl.String)).alias(IS_CHAMPION)
    ).select(PREDICTION_COLUMNS)
    dependence = {
        q: estimate_dependence(predictions.filter(pl.col(IS_CHAMPION) & (pl.col(F.ORIGIN) == q))) for q in origins
    }
    clock["wall"] = time.perf_counter() - start
    return BacktestResult(
        predictions, table, champions, years, threshold, targets, final if fit_final else {}, clock, dependence
    )
