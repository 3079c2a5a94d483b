"""The fitted KPI attainment model: a calibrated predictive distribution of each KPI's year-end gap.

``KpiDistribution`` (scikit-learn's estimator contract) learns, from KPI history, the year-end gap
``z = direction * (value - target) / scale`` (``kpi_features``) as

    z = location(x) + spread(x) * e

* ``location``: ridge regression on the standardised features;
* ``spread``: ridge regression of the log absolute out-of-sample residual on the same features
  and their log magnitudes (a KPI that has moved a lot, or has long to go, is less certain);
* ``e``: the empirical distribution of the out-of-sample standardised residuals (cross-fitted by
  fiscal year when the years are given), kept as a grid of quantiles (a normalised conformal
  predictive distribution);
* the chance of ``z >= t`` read off that distribution is recalibrated by a logistic map of its logit
  (Platt scaling) fitted on the out-of-sample chances of meeting the target (isotonic regression
  over-fitted the few years KPI histories have), and the same monotone map is applied at every
  threshold, so tiers stay ordered (P(tier 100) <= P(tier 75) <= P(tier 50)) and quantiles come from
  the same recalibrated distribution as the chance.

Everything fitted is plain numbers (``to_dict`` / ``from_dict``), kept in the signed manifest of a
model set: nothing is unpickled to use it.
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

EPS = 1e-3
GRID = 199
# Recalibrate only on out-of-sample chances from 4+ fiscal years: with fewer, the map learns one year's
# shock (on real KPI history, 2-3 years of recalibration raised the Brier score by 2-5%).
MIN_RECALIBRATION_GROUPS = 4


def _wquantile(x: np.ndarray, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Weighted quantiles by the inverted CDF (integer weights give the quantiles of repeated rows)."""
    order = np.argsort(x, kind="stable")
    x, cw = x[order], np.cumsum(w[order])
    idx = np.searchsorted(cw, q * cw[-1], side="left")
    return x[np.clip(idx, 0, x.size - 1)]


def _folds(X: np.ndarray, groups: np.ndarray | None, k: int) -> np.ndarray:
    """Fold of each row: by group (fiscal year) when given, else by a hash of the row (equal rows share one)."""
    if groups is not None and np.unique(groups).size >= 2:
        _, inv = np.unique(groups, return_inverse=True)
        return inv
    digest = [int(hashlib.blake2b(np.ascontiguousarray(r).tobytes(), digest_size=4).hexdigest(), 16) for r in X]
    return np.asarray(digest) % k


def _platt(p: np.ndarray, event: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A monotone map of chances, logistic in their logit (two parameters: smooth where data are few),
    tabulated on a grid for interpolation."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - lazy: scikit-learn

    lp = logit(np.clip(p, 1e-4, 1 - 1e-4))[:, None]
    lr = LogisticRegression(C=10.0).fit(lp, event.astype(int), sample_weight=w)
    slope = max(float(lr.coef_[0, 0]), 0.05)
    grid = np.concatenate([[0.0], expit(np.linspace(-9.2, 9.2, 185)), [1.0]])
    mapped = expit(float(lr.intercept_[0]) + slope * logit(np.clip(grid, 1e-4, 1 - 1e-4)))
    mapped[0], mapped[-1] = 0.0, 1.0
    return grid, np.maximum.accumulate(mapped)


def _scale_design(Xs: np.ndarray) -> np.ndarray:
    return np.hstack([Xs, np.log(np.abs(Xs) + EPS)])


class KpiDistribution(RegressorMixin, BaseEstimator):
    """A calibrated predictive distribution of a KPI's year-end gap (see the module docstring).

    Parameters
    ----------
    alpha : ridge penalty of the location and spread regressions (on standardised features).
    n_folds : folds for the out-of-sample residuals when no groups (fiscal years) are given.
    recalibrate : learn the isotonic map of the chances (needs both outcomes among 20+ rows).
    """

    def __init__(self, alpha: float = 1.0, n_folds: int = 5, recalibrate: bool = True):
        self.alpha = alpha
        self.n_folds = n_folds
        self.recalibrate = recalibrate

    def fit(self, X, y, sample_weight=None, groups=None) -> KpiDistribution:
        X, y = validate_data(self, X, y, dtype=float, y_numeric=True)
        w = _check_sample_weight(sample_weight, X, dtype=float, ensure_non_negative=True)
        if w.sum() <= 0:
            raise ValueError("sample weights sum to zero: at least one row must weigh.")
        mu = np.average(X, axis=0, weights=w)
        sd = np.sqrt(np.average((X - mu) ** 2, axis=0, weights=w))
        self.center_, self.width_ = mu, np.where(sd > 1e-12, sd, 1.0)
        Xs = (X - mu) / self.width_
        fold = _folds(X, None if groups is None else np.asarray(groups), max(2, self.n_folds))
        oof = np.full(y.shape, np.nan)
        for f in np.unique(fold):
            test, train = fold == f, (fold != f) & (w > 0)
            if train.sum() < 2:
                continue
            oof[test] = Ridge(alpha=self.alpha).fit(Xs[train], y[train], sample_weight=w[train]).predict(Xs[test])
        loc = Ridge(alpha=self.alpha).fit(Xs, y, sample_weight=w)
        oof = np.where(np.isfinite(oof), oof, loc.predict(Xs))
        r = y - oof
        sc = Ridge(alpha=self.alpha).fit(_scale_design(Xs), np.log(np.abs(r) + EPS), sample_weight=w)
        self.loc_coef_, self.loc_intercept_ = loc.coef_.astype(float), float(loc.intercept_)
        self.scale_coef_, self.scale_intercept_ = sc.coef_.astype(float), float(sc.intercept_)
        e = r / self._spread(Xs)
        self.grid_ = _wquantile(e, w, np.arange(1, GRID + 1) / (GRID + 1))
        self.iso_x_, self.iso_y_ = np.array([0.0, 1.0]), np.array([0.0, 1.0])
        met = y >= 0
        p_oof = self._raw_exceed(oof, self._spread(Xs), np.zeros_like(y))
        enough = groups is None or np.unique(np.asarray(groups)).size >= MIN_RECALIBRATION_GROUPS
        if self.recalibrate and enough and y.size >= 20 and 0 < met.sum() < met.size:
            self.iso_x_, self.iso_y_ = _platt(p_oof, met, w)
        return self

    # --- the distribution ------------------------------------------------------------
    def _spread(self, Xs: np.ndarray) -> np.ndarray:
        return np.exp(np.clip(_scale_design(Xs) @ self.scale_coef_ + self.scale_intercept_, -12, 3))

    def _standardise(self, X) -> np.ndarray:
        check_is_fitted(self, "grid_")
        X = validate_data(self, X, dtype=float, reset=False)
        return (X - self.center_) / self.width_

    def _raw_exceed(self, loc: np.ndarray, spread: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        """P(z >= threshold) from the residual grid, before recalibration."""
        u = (threshold - loc) / spread
        levels = np.arange(1, GRID + 1) / (GRID + 1)
        cdf = np.interp(u, self.grid_, levels, left=0.5 / (GRID + 1), right=1 - 0.5 / (GRID + 1))
        return 1.0 - cdf

    def _map(self, p: np.ndarray) -> np.ndarray:
        return np.interp(p, self.iso_x_, self.iso_y_)

    def predict(self, X) -> np.ndarray:
        """The median year-end gap."""
        return self.quantiles(X, (0.5,))[:, 0]

    def location_spread(self, X) -> tuple[np.ndarray, np.ndarray]:
        Xs = self._standardise(X)
        return Xs @ self.loc_coef_ + self.loc_intercept_, self._spread(Xs)

    def _located(self, X, loc) -> tuple[np.ndarray, np.ndarray]:
        fitted, spread = self.location_spread(X)
        return (fitted if loc is None else np.asarray(loc, float)), spread

    def exceed(self, X, thresholds, loc=None) -> np.ndarray:
        """P(z >= threshold) per row (``thresholds``: one per row, or a scalar), recalibrated; ``loc`` replaces
        the fitted locations (see ``locate``)."""
        loc, spread = self._located(X, loc)
        t = np.broadcast_to(np.asarray(thresholds, float), loc.shape)
        return np.clip(self._map(self._raw_exceed(loc, spread, t)), 0.0, 1.0)

    def locate(self, X, chance, thresholds) -> np.ndarray:
        """Locations that give each row the chance ``chance`` of z >= threshold, spread and shape kept: the
        distribution of a row conditioned on a chance another model gave (so quantiles and tiers agree with it)."""
        _, spread = self.location_spread(X)
        raw = np.interp(np.asarray(chance, float), self.iso_y_, self.iso_x_)  # undo the recalibration
        levels = np.arange(1, GRID + 1) / (GRID + 1)
        u = np.interp(1.0 - raw, levels, self.grid_)
        return np.asarray(thresholds, float) - spread * u

    def quantiles(self, X, levels=(0.1, 0.5, 0.9), loc=None) -> np.ndarray:
        """Quantiles of the recalibrated distribution of z: one row per row of X, one column per level."""
        loc, spread = self._located(X, loc)
        values = loc[:, None] + spread[:, None] * self.grid_[None, :]  # candidate values, ascending
        raw = 1.0 - np.arange(1, GRID + 1) / (GRID + 1)  # P(z >= value_j) before recalibration
        below = 1.0 - self._map(raw)  # recalibrated P(z < value_j), non-decreasing in j
        out = np.empty((loc.size, len(levels)))
        for j, q in enumerate(levels):
            idx = np.clip(np.searchsorted(below, q, side="left"), 0, GRID - 1)
            out[:, j] = values[:, idx]
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a distribution, scored by its chances rather than R^2
        return tags

    # --- plain numbers in, plain numbers out --------------------------------------------
    _STATE = ("center_", "width_", "loc_coef_", "scale_coef_", "grid_", "iso_x_", "iso_y_")

    def to_dict(self) -> dict:
        check_is_fitted(self, "grid_")
        out: dict = {k: np.asarray(getattr(self, k)).tolist() for k in self._STATE}
        out.update(
            loc_intercept_=self.loc_intercept_,
            scale_intercept_=self.scale_intercept_,
            n_features_in_=int(self.n_features_in_),
            params=self.get_params(),
        )
        return out

    @classmethod
    def from_dict(cls, d: dict) -> KpiDistribution:
        est = cls(**d.get("params", {}))
        for k in cls._STATE:
            setattr(est, k, np.asarray(d[k], float))
        est.loc_intercept_, est.scale_intercept_ = float(d["loc_intercept_"]), float(d["scale_intercept_"])
        est.n_features_in_ = int(d["n_features_in_"])
        return est
