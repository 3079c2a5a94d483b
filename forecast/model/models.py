"""Year-end share estimators: baselines, a structural model, a statsmodels and a scikit-learn model.

Every estimator follows scikit-learn's contract: ``__init__`` stores parameters,
``fit(X, y)`` learns state ending in ``_`` and returns ``self``, ``predict(X)``
checks it is fitted. ``X`` is the feature frame of one origin quarter
(``features.build``; columns selected by name), ``y`` the year-end share of
``target`` (disbursed or spend) as a fraction of the budget.

Intervals come from ``Calibrated``: a point estimator plus out-of-sample residuals
from the rolling backtest (split conformal by fiscal year), scaled by the budget
share still open at the origin, so ranges narrow as the year runs out. The same
residual distribution gives the probability of ending below a threshold, which is
why this is written out rather than taken from a conformal library: those return
intervals at fixed levels, not the predictive distribution that ``p_miss`` needs.
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
from scipy.special import expit
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.utils.validation import check_is_fitted

from forecast.model import features as F
from forecast.data import schema as s

TARGET_FLOWS = (s.DISBURSED, s.SPEND)
GRID = np.linspace(0.005, 0.995, 199)  # residual quantile levels kept by a calibrated model
MIN_SCALE = 0.05


BANDS = (10, 50, 90)


def band(flow: str, p: int) -> str:
    """Column of a predicted year-end share quantile, e.g. disbursed_share_p10."""
    return f"{flow}_share_p{p}"


def coherent(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Year-end spend includes what is disbursed: lift each spend quantile to at least the disbursed one."""
    for p in BANDS:
        cols[band(s.SPEND, p)] = np.maximum(cols[band(s.SPEND, p)], cols[band(s.DISBURSED, p)])
    return cols


def _col(X: pl.DataFrame, name: str) -> np.ndarray:
    return X[name].cast(pl.Float64).fill_null(np.nan).to_numpy()


def to_date(X: pl.DataFrame, target: str) -> np.ndarray:
    """The target's share of budget already reached at the origin (a floor for the year end)."""
    return np.nan_to_num(_col(X, F.share(F.cum(target))))


MAX_ROWS = 150_000


def _sample(X: pl.DataFrame, y: np.ndarray, max_rows: int | None, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    """At most ``max_rows`` training rows, drawn uniformly with a fixed seed (None: all)."""
    if not max_rows or X.height <= max_rows:
        return X, y
    idx = np.sort(np.random.default_rng(seed).choice(X.height, max_rows, replace=False))
    return X[idx], y[idx]


def _check_target(target: str) -> None:
    if target not in TARGET_FLOWS:
        raise ValueError(f"target must be one of {', '.join(TARGET_FLOWS)}; got {target!r}.")


class ShareModel(RegressorMixin, BaseEstimator):
    """Base: predicts the year-end share of ``target``; subclasses set ``kind`` and ``label``."""

    kind = "baseline"
    label = ""

    def __init__(self, target: str = s.DISBURSED):
        self.target = target

    def fit(self, X: pl.DataFrame, y: np.ndarray | None = None) -> "ShareModel":
        _check_target(self.target)
        self.n_train_ = X.height
        return self

    def predict(self, X: pl.DataFrame) -> np.ndarray:
        check_is_fitted(self)
        return np.maximum(self._predict(X), to_date(X, self.target))

    def _predict(self, X: pl.DataFrame) -> np.ndarray:
        raise NotImplementedError


class PlanBaseline(ShareModel):
    label = "plan as forecast: the year-end share the plan sets"

    def _predict(self, X):
        return np.nan_to_num(_col(X, F.PLAN_TOTAL_SHARE), nan=1.0)


class RunRateBaseline(ShareModel):
    label = "run-rate: the share to date times 4 / quarters elapsed"

    def _predict(self, X):
        q = np.maximum(_col(X, F.ORIGIN), 1)
        return np.clip(to_date(X, self.target) * 4 / q, 0, 1)


class YtdPlusPlanBaseline(ShareModel):
    label = "year to date plus the remaining plan"

    def _predict(self, X):
        return to_date(X, self.target) + np.nan_to_num(_col(X, F.REMAINING_PLAN_SHARE))


class PaceBaseline(ShareModel):
    label = "pace extrapolation: pace to date applied to the year's plan"

    def _predict(self, X):
        p = _col(X, F.pace(self.target))
        total = np.nan_to_num(_col(X, F.PLAN_TOTAL_SHARE), nan=1.0)
        return np.where(np.isnan(p), to_date(X, self.target), np.clip(p, 0, 1.5) * total)


class ProfileBaseline(ShareModel):
    label = "historical S-curve: share to date over the average share reached by this quarter"

    def fit(self, X, y=None):
        super().fit(X, y)
        done = np.asarray(y, dtype=float)
        self.ratio_ = float(np.clip(to_date(X, self.target).sum() / max(done.sum(), 1e-9), 0.02, 1.0))
        return self

    def _predict(self, X):
        return np.clip(to_date(X, self.target) / self.ratio_, 0, 1)


class StructuralModel(ShareModel):
    """Commitment conversion plus pace; needs no history (its fit reads only the current features).

    * spend by year end = spend to date + the remaining plan times the spending pace
      (capped at 1), never more than the budget not yet contracted;
    * a share ``k`` of the commitments outstanding is paid each quarter, ``k`` being the
      median conversion observed in the data (``conversion_last_q``; ``default_conversion``
      when none is observed, as at Q1); the year-end push counts as ``q4_push`` extra
      quarters; contracts still to be signed are paid at ``new_contract_factor`` of that rate;
    * the p10/p90 scenarios halve / raise by half the conversion rate and take 75% / 125%
      of the pace for new contracts. This range is a scenario, not a calibrated interval.
    """

    kind = "structural"
    label = "structural: commitment conversion plus pace (no history needed)"

    def __init__(self, target: str = s.DISBURSED, default_conversion: float = 0.30, q4_push: float = 2.0,
                 new_contract_factor: float = 0.6):
        self.target = target
        self.default_conversion = default_conversion
        self.q4_push = q4_push
        self.new_contract_factor = new_contract_factor

    def fit(self, X, y=None):
        super().fit(X, y)
        seen = _col(X, F.CONVERSION)
        seen = seen[np.isfinite(seen)]
        self.conversion_ = float(np.clip(np.median(seen), 0.05, 0.95)) if seen.size >= 3 else self.default_conversion
        return self

    def scenario(self, X: pl.DataFrame, conversion: float, pace_factor: float) -> np.ndarray:
        d = np.nan_to_num(_col(X, F.share(F.cum(s.DISBURSED))))
        sp = np.nan_to_num(_col(X, F.share(F.cum(s.SPEND))))
        outstanding = np.clip(sp - d, 0, None)
        remaining = np.nan_to_num(_col(X, F.REMAINING_PLAN_SHARE))
        pace_s = np.clip(np.nan_to_num(_col(X, F.pace(s.SPEND)), nan=1.0), 0, 1)
        new = np.minimum(np.clip(1 - sp, 0, None), remaining * pace_s * pace_factor)
        if self.target == s.SPEND:
            return sp + new
        left = np.nan_to_num(_col(X, F.QUARTERS_LEFT))
        paid = 1 - (1 - conversion) ** (left + self.q4_push)
        return d + paid * outstanding + self.new_contract_factor * paid * new

    def _predict(self, X):
        return self.scenario(X, self.conversion_, 1.0)

    def bounds(self, X: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The p10 and p90 scenarios."""
        check_is_fitted(self)
        lo = self.scenario(X, self.conversion_ / 2, 0.75)
        hi = self.scenario(X, min(0.95, self.conversion_ * 1.5), 1.25)
        floor = to_date(X, self.target)
        return np.maximum(lo, floor), np.maximum(hi, floor)


# commitments outstanding = spend - disbursed, so its share is left out (collinear)
LINEAR_FEATURES = (
    F.share(F.cum(s.DISBURSED)), F.share(F.cum(s.SPEND)), F.REMAINING_PLAN_SHARE,
    F.PAID_RATIO, F.CONVERSION, F.momentum(s.DISBURSED), F.momentum(s.SPEND), F.RESTATED_SHARE,
    F.PRIOR_DISBURSED, F.PRIOR_SPEND, F.LOG_BUDGET,
)


Z_EPS = 0.005
MAX_ITER = 50


class FractionalLogit(ShareModel):
    """statsmodels GLM (binomial family, logit link) of the share of the still-open budget reached by year end.

    y = c + (1 - c) * sigmoid(x'β), c the share to date: a fractional-response model
    (Papke & Wooldridge) that keeps every prediction between what is already done and
    the full budget. Missing features are imputed with the training median plus a
    missing-indicator column; features are standardised. Above ``max_rows`` training rows a
    uniform sample is used (a 25-parameter model is pinned down long before that).
    """

    kind = "model"
    label = "fractional logit (statsmodels GLM)"

    def __init__(self, target: str = s.DISBURSED, features: tuple[str, ...] = LINEAR_FEATURES,
                 max_rows: int | None = MAX_ROWS, random_state: int = 0):
        self.target = target
        self.features = features
        self.max_rows = max_rows
        self.random_state = random_state

    def _design(self, X: pl.DataFrame) -> np.ndarray:
        cols, extra = [], []
        for name, med, mu, sd in zip(self.features, self.medians_, self.means_, self.scales_):
            v = _col(X, name)
            miss = np.isnan(v)
            cols.append((np.where(miss, med, v) - mu) / sd)
            if name in self.indicators_:
                extra.append(miss.astype(float))
        return np.column_stack([np.ones(X.height), *cols, *extra])

    def fit(self, X, y=None):
        import statsmodels.api as sm

        super().fit(X, y)
        X, y = _sample(X, np.asarray(y, float), self.max_rows, self.random_state)
        raw = np.column_stack([_col(X, f) for f in self.features])
        miss = np.isnan(raw)
        self.medians_ = np.where(miss.all(0), 0.0, np.nanmedian(np.where(miss.all(0), 0, raw), axis=0))
        filled = np.where(miss, self.medians_, raw)
        self.means_ = filled.mean(0)
        self.scales_ = np.where(filled.std(0) > 1e-9, filled.std(0), 1.0)
        # one missing-indicator per distinct missing pattern (prior-year shares go missing together)
        seen, indicators = set(), []
        for f, m, col in zip(self.features, miss.any(0) & ~miss.all(0), miss.T):
            if m and col.tobytes() not in seen:
                seen.add(col.tobytes())
                indicators.append(f)
        self.indicators_ = tuple(indicators)
        c = to_date(X, self.target)
        # squeezed off 0 and 1: where a share is exactly reached (spend = budget) the quasi-likelihood
        # otherwise drifts (IRLS never converges and its iterations pile up memory)
        z = np.clip((np.asarray(y, float) - c) / np.clip(1 - c, 1e-3, None), Z_EPS, 1 - Z_EPS)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # non-integer binomial responses are the point of a fractional logit
            result = sm.GLM(z, self._design(X), family=sm.families.Binomial()).fit(maxiter=MAX_ITER)
        # keep the estimates, not the fitted results object (it holds the training data)
        self.coef_ = np.asarray(result.params)
        self.bse_ = np.asarray(result.bse)
        self.n_iter_ = int(getattr(result, "fit_history", {}).get("iteration", 0))
        return self

    def _predict(self, X):
        c = to_date(X, self.target)
        z = expit(self._design(X) @ self.coef_)
        return c + np.clip(1 - c, 0, None) * z


class QuantileGBM(ShareModel):
    """scikit-learn histogram gradient boosting with quantile (median) loss on what remains to be reached.

    Learns y - c (c the share to date) from every feature; missing values are native. Above
    ``max_rows`` training rows a uniform sample is used, to keep retraining within a minute.
    """

    kind = "model"
    label = "gradient boosting, quantile loss (scikit-learn)"

    def __init__(self, target: str = s.DISBURSED, quantile: float = 0.5, max_iter: int = 250,
                 learning_rate: float = 0.05, max_leaf_nodes: int = 15, min_samples_leaf: int = 20,
                 max_rows: int | None = MAX_ROWS, random_state: int = 0):
        self.target = target
        self.quantile = quantile
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.max_rows = max_rows
        self.random_state = random_state

    def fit(self, X, y=None):
        super().fit(X, y)
        X, y = _sample(X, np.asarray(y, float), self.max_rows, self.random_state)
        # columns with no value in the training years (e.g. prior-year shares in the first year) are left out
        self.features_ = tuple(f for f in F.FEATURES if np.isfinite(_col(X, f)).any())
        self.gbm_ = HistGradientBoostingRegressor(
            loss="quantile", quantile=self.quantile, max_iter=self.max_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
            l2_regularization=1.0, random_state=self.random_state)
        self.gbm_.fit(self._matrix(X), np.asarray(y, float) - to_date(X, self.target))
        return self

    def _matrix(self, X: pl.DataFrame) -> np.ndarray:
        return np.column_stack([_col(X, f) for f in self.features_])

    def _predict(self, X):
        return np.clip(to_date(X, self.target) + self.gbm_.predict(self._matrix(X)), 0, 1)


# The candidates of every model set, by name: one declaration for train, backtest and the app.
CANDIDATES: dict[str, type[ShareModel]] = {
    "plan": PlanBaseline,
    "run_rate": RunRateBaseline,
    "ytd_plus_plan": YtdPlusPlanBaseline,
    "pace": PaceBaseline,
    "s_curve": ProfileBaseline,
    "structural": StructuralModel,
    "fractional_logit": FractionalLogit,
    "gbm_quantile": QuantileGBM,
}
STRUCTURAL = "structural"


def kind(name: str) -> str:
    return CANDIDATES[name].kind


def scale(X: pl.DataFrame, target: str) -> np.ndarray:
    """Residual scale: the budget share still open at the origin (at least 5 points)."""
    return np.maximum(1 - to_date(X, target), MIN_SCALE)


class Calibrated:
    """A fitted point estimator with a conformal residual distribution (quantiles of scaled residuals)."""

    def __init__(self, estimator: ShareModel, grid: np.ndarray | None = None):
        self.estimator = estimator
        self.grid = grid  # sorted residual quantiles at GRID levels; None = uncalibrated

    @staticmethod
    def residual_grid(y: np.ndarray, pred: np.ndarray, scale_: np.ndarray) -> np.ndarray:
        return np.quantile((np.asarray(y) - pred) / scale_, GRID)

    @property
    def calibrated(self) -> bool:
        return self.grid is not None

    def predict(self, X: pl.DataFrame, threshold: float | None = None) -> dict[str, np.ndarray]:
        """p10, p50, p90 of the year-end share and, with ``threshold``, P(share < threshold)."""
        est = self.estimator
        mid = est.predict(X)
        floor = to_date(X, est.target)
        cap = np.maximum(1.0, floor)
        sc = scale(X, est.target)
        if self.grid is not None:
            lo = mid + np.interp(0.1, GRID, self.grid) * sc
            hi = mid + np.interp(0.9, GRID, self.grid) * sc
            below = None
            if threshold is not None:
                z = (threshold - mid) / sc
                below = np.searchsorted(self.grid, z, side="left") / len(self.grid)
        elif isinstance(est, StructuralModel):
            lo, hi = est.bounds(X)
            below = None
            if threshold is not None:
                from scipy.stats import norm

                sd = np.maximum((hi - lo) / (2 * 1.2816), 1e-6)
                below = norm.cdf((threshold - mid) / sd)
        else:
            raise ValueError(f"{type(est).__name__} has no calibration residuals; run it through a backtest.")
        out = {"p10": np.clip(np.minimum(lo, mid), floor, cap), "p50": np.clip(mid, floor, cap),
               "p90": np.clip(np.maximum(hi, mid), floor, cap)}
        if threshold is not None:
            out["p_below"] = np.where(floor >= threshold, 0.0, np.clip(below, 0, 1))
        return out
