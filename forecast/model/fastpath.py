"""The same numbers, sooner: a NumPy path for scikit-learn's weighted percentile where our fits spend their time.

Profiled on the real development history (``bench/``), 90% of a backtest is ``QuantileGBM``: scikit-learn's
histogram gradient boosting with the quantile loss and sample weights (recency). Two private helpers of
scikit-learn take nearly all of it, not the boosting itself:

* binning a weighted feature calls ``sklearn.utils.stats._weighted_percentile`` once per bin edge (254
  times per feature and fit), and each call sorts the column again and goes through the array-API
  dispatch;
* the quantile loss sets every leaf's value with the same function (one call per leaf and iteration),
  where the dispatch costs far more than the arithmetic on a few dozen residuals.

``install()`` points those two call sites at ``weighted_percentile``, a transcription of
``_weighted_percentile`` for one-dimensional NumPy arrays (the only kind our fits pass; anything else
goes to scikit-learn's own), and makes the binning ask for all its edges in one call (one sort). The
arithmetic is the same operations in the same order - the same sort, cumulative sum, search and
averaging - so every threshold, leaf value and prediction is bit for bit what scikit-learn computes
(``tests/test_fastpath.py`` checks it against scikit-learn's own on ties, zero weights and missing
values, and on whole fits). It is installed only over the scikit-learn code it was written from (the
functions' source is hashed); another version is left alone, at its own speed.
"""

from __future__ import annotations

import hashlib
import inspect

import numpy as np

# sha256 of the source of the scikit-learn functions this transcribes (scikit-learn 1.9.1)
KNOWN = {
    "weighted_percentile": "eca427524e95eaff3f210d7581ed1ed98447e825826a83c33d0b244dc89f5274",
    "binning_thresholds": "ab2729a3fe8c8742e42cc69268f51f6289202fe845f486d4e8d0e0a606c3fa51",
}
_INSTALLED: dict[str, object] = {}


def _digest(fn) -> str:
    return hashlib.sha256(inspect.getsource(fn).encode()).hexdigest()


def weighted_percentile(array, sample_weight, percentile_rank=50, average=False, xp=None):
    """``sklearn.utils.stats._weighted_percentile`` for a 1-D float64 array and 1-D weights; else the original."""
    if not (
        xp is None
        and isinstance(array, np.ndarray)
        and array.ndim == 1
        and array.dtype == np.float64
        and isinstance(sample_weight, np.ndarray)
        and sample_weight.shape == array.shape
        and np.ndim(percentile_rank) <= 1
    ):
        from sklearn.utils.stats import _weighted_percentile  # noqa: PLC0415 - the original, always importable

        return _weighted_percentile(array, sample_weight, percentile_rank, average)
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if not average and np.ndim(percentile_rank) == 0:
        return _one(array, sample_weight, float(percentile_rank))
    percentile_rank = np.asarray(percentile_rank, dtype=np.float64)
    if np.all(sample_weight == 0):
        return np.nan
    a = np.reshape(array, (-1, 1))
    w = np.tile(sample_weight, (1, 1)).T
    scalar = percentile_rank.ndim == 0
    if scalar:
        percentile_rank = np.reshape(percentile_rank, (1,))
    sorted_idx = np.argsort(a, axis=0)
    sorted_weights = np.take_along_axis(w, sorted_idx, axis=0)
    largest = a[sorted_idx[-1, ...], np.arange(1)]
    if np.any(np.isnan(largest)):
        sorted_nan_mask = np.take_along_axis(np.isnan(a), sorted_idx, axis=0)
        sorted_weights[sorted_nan_mask] = 0
    cdf = np.cumsum(sorted_weights.T, axis=1)[0]
    order, values, weights = sorted_idx[:, 0], a[:, 0], w[:, 0]
    max_idx = sorted_idx.shape[0] - 1
    # every rank at once: the same element-wise operations as scikit-learn's loop over ranks
    adjusted = percentile_rank / 100 * cdf[-1]
    zero = adjusted == 0
    adjusted[zero] = np.nextafter(adjusted[zero], adjusted[zero] + 1)
    idx = np.clip(np.searchsorted(cdf, adjusted), 0, max_idx)
    at = order[idx]
    if average:
        above = (cdf[idx] - adjusted) > np.finfo(np.float64).eps
        plus = order[np.clip(idx + 1, 0, max_idx)]
        for k in np.flatnonzero(weights[plus] == 0):  # the next sample weighs nothing: the next that does
            nxt = np.searchsorted(cdf, cdf[idx[k]], side="right")
            plus[k] = order[idx[k] if nxt > max_idx else nxt]
        result = np.where(above, values[at], (values[at] + values[plus]) / 2)
    else:
        result = values[at]
    out = np.reshape(result, (1, -1))
    if scalar:
        out = out[..., 0]
    return out[0, ...]


def _one(array: np.ndarray, weights: np.ndarray, rank: float):
    """One rank, no averaging (a leaf's value under the quantile loss): the same steps on 1-D arrays."""
    if not weights.any():
        return np.nan
    order = np.argsort(array)
    sorted_weights = weights[order]
    if np.isnan(array[order[-1]]):
        sorted_weights[np.isnan(array[order])] = 0
    cdf = np.cumsum(sorted_weights)
    adjusted = rank / 100 * cdf[-1]
    if adjusted == 0:
        adjusted = np.nextafter(adjusted, adjusted + 1)
    i = min(int(cdf.searchsorted(adjusted)), order.shape[0] - 1)
    return np.asarray(array[order[i]])


def _binning_thresholds(col_data, max_bins, sample_weight=None):
    """``binning._find_binning_thresholds`` with every weighted bin edge from one call (one sort)."""
    from sklearn.ensemble._hist_gradient_boosting.common import ALMOST_INF, X_DTYPE  # noqa: PLC0415

    missing_mask = np.isnan(col_data)
    any_missing = missing_mask.any()
    if any_missing:
        col_data = col_data[~missing_mask]
    if sample_weight is not None:
        if any_missing:
            sample_weight = sample_weight[~missing_mask]
        nnz_sw = sample_weight != 0
        col_data = col_data[nnz_sw]
        sample_weight = sample_weight[nnz_sw]
    sort_idx = np.argsort(col_data)
    col_data = col_data[sort_idx]
    if sample_weight is not None:
        sample_weight = sample_weight[sort_idx]
    distinct_values = np.unique(col_data).astype(X_DTYPE)
    if len(distinct_values) == 1:
        return np.asarray([])
    if len(distinct_values) <= max_bins:
        bin_thresholds = np.lib.stride_tricks.sliding_window_view(distinct_values, 2).mean(axis=1)
    elif sample_weight is None:
        percentiles = np.linspace(0, 100, num=max_bins + 1)[1:-1]
        bin_thresholds = np.percentile(col_data, percentiles, method="averaged_inverted_cdf")
    else:
        percentiles = np.linspace(0, 100, num=max_bins + 1)[1:-1]
        bin_thresholds = np.asarray(weighted_percentile(col_data, sample_weight, percentiles, average=True))
    unique_bin_values = np.unique(bin_thresholds)
    if unique_bin_values.shape[0] != bin_thresholds.shape[0]:
        bin_thresholds = unique_bin_values
    np.clip(bin_thresholds, a_min=None, a_max=ALMOST_INF, out=bin_thresholds)
    return bin_thresholds


def install() -> bool:
    """Point scikit-learn's binning and quantile loss at the NumPy path, once; False (nothing changed) when
    the installed scikit-learn is not the code it was transcribed from."""
    if _INSTALLED:
        return bool(_INSTALLED.get("on"))
    from sklearn._loss import loss  # noqa: PLC0415 - lazy: scikit-learn
    from sklearn.ensemble._hist_gradient_boosting import binning  # noqa: PLC0415
    from sklearn.utils import stats  # noqa: PLC0415

    _INSTALLED["original"] = stats._weighted_percentile
    same = (
        _digest(stats._weighted_percentile) == KNOWN["weighted_percentile"]
        and _digest(binning._find_binning_thresholds) == KNOWN["binning_thresholds"]
        and loss._weighted_percentile is stats._weighted_percentile
        and binning._weighted_percentile is stats._weighted_percentile
    )
    _INSTALLED["on"] = same
    if same:
        _INSTALLED["binning"] = binning._find_binning_thresholds
        loss._weighted_percentile = weighted_percentile
        binning._find_binning_thresholds = _binning_thresholds
    return same


def uninstall() -> None:
    """Put scikit-learn's own functions back (the tests compare both)."""
    if _INSTALLED.get("on"):
        from sklearn._loss import loss  # noqa: PLC0415
        from sklearn.ensemble._hist_gradient_boosting import binning  # noqa: PLC0415

        loss._weighted_percentile = _INSTALLED["original"]
        binning._find_binning_thresholds = _INSTALLED["binning"]
    _INSTALLED.clear()
