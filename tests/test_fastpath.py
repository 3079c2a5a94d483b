"""The NumPy path for scikit-learn's weighted percentile gives scikit-learn's numbers, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.model import fastpath

sklearn_stats = pytest.importorskip("sklearn.utils.stats")


def _cases():
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 10, 57, 400):
        for kind in ("plain", "ties", "zeros", "nan", "integer_weights"):
            x = rng.normal(size=n)
            w = rng.uniform(0.1, 2.0, n)
            if kind == "ties":
                x = np.round(x, 0)
            if kind == "zeros":
                w[rng.uniform(size=n) < 0.3] = 0.0
            if kind == "nan":
                x[rng.uniform(size=n) < 0.2] = np.nan
            if kind == "integer_weights":
                x, w = np.round(x * 2) / 2, rng.integers(0, 3, n).astype(float)
            yield x, w


@pytest.mark.parametrize("average", [False, True])
def test_the_weighted_percentile_is_scikit_learns(average):
    ranks = np.linspace(0, 100, 256)[1:-1]
    for x, w in _cases():
        for p in (0, 10, 50, 90, 100, 33.3):
            mine = fastpath.weighted_percentile(x, w, p, average=average)
            theirs = sklearn_stats._weighted_percentile(x, w, p, average=average)
            np.testing.assert_array_equal(mine, theirs)
        mine = fastpath.weighted_percentile(x, w, ranks, average=average)
        theirs = np.array([sklearn_stats._weighted_percentile(x, w, r, average=average) for r in ranks])
        np.testing.assert_array_equal(mine, theirs)


def test_the_binning_is_scikit_learns():
    from sklearn.ensemble._hist_gradient_boosting import binning

    fastpath.uninstall()
    original = binning._find_binning_thresholds
    rng = np.random.default_rng(3)
    for x, w in _cases():
        for col in (x, np.round(x * 40) / 40, np.concatenate([x, rng.normal(size=600)])):
            weights = np.resize(w, col.size)
            if np.unique(col[np.isfinite(col) & (weights != 0)]).size < 2:
                continue  # scikit-learn's own refuses an empty column
            np.testing.assert_array_equal(fastpath._binning_thresholds(col, 255, weights), original(col, 255, weights))
            np.testing.assert_array_equal(fastpath._binning_thresholds(col, 255), original(col, 255))


def test_a_weighted_quantile_fit_is_the_same_with_and_without_the_fast_path():
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 6))
    X[rng.uniform(size=X.shape) < 0.1] = np.nan
    X[:, 2] = np.round(X[:, 2])
    y = np.nan_to_num(X[:, 0]) + rng.normal(size=1500)
    w = rng.choice([0.25, 0.5, 1.0], 1500)

    def fit() -> np.ndarray:
        m = HistGradientBoostingRegressor(loss="quantile", quantile=0.1, max_iter=40, random_state=0)
        return m.fit(X, y, sample_weight=w).predict(X)

    fastpath.uninstall()
    theirs = fit()
    assert fastpath.install()  # the scikit-learn of the lock file: installed
    try:
        np.testing.assert_array_equal(fit(), theirs)
    finally:
        fastpath.uninstall()
        fastpath.install()
