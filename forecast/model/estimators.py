"""The candidate estimators of the year-end share, under scikit-learn's contract.

``__init__`` stores parameters; ``fit(X, y, sample_weight)`` validates its input (a polars
feature frame from ``forecast.model.features``, a finite ``y`` of the same length), records
``feature_names_in_`` / ``n_features_in_`` and learns state ending in ``_``; ``predict`` checks it
is fitted. ``y`` is the year-end share of ``target`` of the final budget (or, for the amount
target, the ratio to the budget known at the origin).

Five baselines (rules a person would use), the structural rule (no history needed), a
fractional logit (statsmodels) and quantile gradient boosting (scikit-learn). ``CANDIDATES``
names them for training, the backtest and the app. Importing this module loads scikit-learn:
only training, the backtest and a saved set that holds these estimators need it.
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
from scipy.special import expit
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted, column_or_1d

from forecast.data import schema as s
from forecast.model import fastpath
from forecast.model import features as F
from forecast.model.models import FLOW, MAX_ROWS, MIN_SCALE, MIN_SPREAD, STRUCTURAL, StructuralRule, _col, to_date


def _sample(
    X: pl.DataFrame, y: np.ndarray, w: np.ndarray | None, max_rows: int | None, seed: int
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray | None]:
    """At most ``max_rows`` training rows, drawn uniformly with a fixed seed (None: all)."""
    if not max_rows or X.height <= max_rows:
        return X, y, w
    idx = np.sort(np.random.default_rng(seed).choice(X.height, max_rows, replace=False))
    return X[idx], y[idx], None if w is None else w[idx]


def _weighted_resample(
    X: pl.DataFrame, y: np.ndarray, w: np.ndarray, max_rows: int | None, seed: int
) -> tuple[pl.DataFrame, np.ndarray, None]:
    """Each row kept with probability weight / largest weight (the most recent rows all kept, a year two
    years older about half), then at most ``max_rows`` uniformly: an unweighted fit on them estimates
    the weighted one. scikit-learn's quantile loss computes a weighted percentile per leaf in Python,
    about 8x the cost of the unweighted path, which dominated training."""
    if w.max() <= 0:
        return X, y, None
    keep = np.flatnonzero(np.random.default_rng(seed).random(X.height) < w / w.max())
    X, y = X[keep], y[keep]
    X, y, _ = _sample(X, y, None, max_rows, seed)
    return X, y, None


def _check_target(target: str) -> None:
    if target not in FLOW:
        raise ValueError(f"target must be one of {', '.join(FLOW)}; got {target!r}.")


def as_frame(X) -> pl.DataFrame:
    """A polars feature frame as given; any other 2-D numeric array-like as a frame with columns x0, x1, ...

    Arrays go through scikit-learn's ``check_array`` (2-D, numeric, not empty, not complex; missing
    values allowed, as features have them).
    """
    if isinstance(X, pl.DataFrame):
        if X.height == 0:
            raise ValueError("Found array with 0 sample(s) (shape=(0, ...)) while a minimum of 1 is required.")
        return X
    arr = check_array(X, dtype="numeric", ensure_all_finite="allow-nan")
    return pl.DataFrame(arr, schema=[f"x{i}" for i in range(arr.shape[1])], orient="row")


def check_xy(X, y, sample_weight=None) -> tuple[pl.DataFrame, np.ndarray, np.ndarray | None]:
    """A feature frame, a finite 1-D target of the same length and optional non-negative weights."""
    X = as_frame(X)
    if y is None:
        raise ValueError(
            "this estimator requires y to be passed, but the target y is None: give the year-end share of the "
            "target for each row of X."
        )
    y = column_or_1d(check_array(y, ensure_2d=False, dtype="numeric", input_name="y"), warn=True).astype(float)
    if y.shape[0] != X.height:
        raise ValueError(f"X has {X.height} rows but y has {y.shape[0]}; they must match.")
    w = (
        None
        if sample_weight is None
        else _check_sample_weight(sample_weight, np.empty((X.height, 0)), dtype=float, ensure_non_negative=True)
    )
    return X, y, w


class ShareModel(RegressorMixin, BaseEstimator):
    """Base: predicts the year-end share of ``target``; subclasses set ``kind`` and ``label``.

    ``X`` is a polars frame of named features (``forecast.model.features``); a plain numeric array
    is accepted too (its columns carry no feature a rule reads, so rules fall back to their
    defaults), which is how scikit-learn's own checks exercise the contract.
    """

    kind = "baseline"
    label = ""
    floor_at_to_date = True  # rules never predict below what is already disbursed

    def __init__(self, target: str = s.DISBURSED):
        self.target = target

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # features are missing where a quarter or a history is
        tags.regressor_tags.poor_score = True  # rules read named shares, not arbitrary columns
        return tags

    @property
    def flow(self) -> str:
        """The flow whose features the target reads (an amount target reads the disbursed ones)."""
        return FLOW.get(self.target, self.target)

    def _validate(self, X, y=None, sample_weight=None, reset: bool = True, y_required: bool = True):
        """Check the inputs and record (``reset``) or compare the features seen at fit."""
        _check_target(self.target)
        if y_required or y is not None:
            X, y, sample_weight = check_xy(X, y, sample_weight)
        else:
            X = as_frame(X)
        if reset:
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            self.n_features_in_ = X.width
        return X, y, sample_weight

    def _frame(self, X) -> pl.DataFrame:
        """``X`` at predict time: the features seen at fit must all be there."""
        check_is_fitted(self, "n_features_in_")
        named = isinstance(X, pl.DataFrame)
        X = as_frame(X)
        if named:  # a feature frame: every model feature seen at fit must be there (outcomes need not be)
            missing = sorted((set(self.feature_names_in_) & set(F.FEATURES)) - set(X.columns))
            if missing:
                raise ValueError(f"X lacks the features {', '.join(missing)} that {type(self).__name__} was fitted on.")
        elif X.width != self.n_features_in_:
            raise ValueError(
                f"X has {X.width} features, but {type(self).__name__} is expecting {self.n_features_in_} features "
                "as input."
            )
        return X

    def fit(self, X, y=None, sample_weight=None) -> ShareModel:
        X, y, _ = self._validate(X, y, sample_weight)
        self.n_train_ = X.height
        return self

    def predict(self, X) -> np.ndarray:
        X = self._frame(X)
        out = self._predict(X)
        return np.maximum(out, to_date(X, self.flow)) if self.floor_at_to_date else out

    def spread(self, X) -> np.ndarray:
        """How uncertain each prediction is, in shares: the budget share still open (at least 5 points)."""
        return np.maximum(1 - to_date(self._frame(X), self.flow), MIN_SCALE)

    def _predict(self, X: pl.DataFrame) -> np.ndarray:
        raise NotImplementedError


class PlanBaseline(ShareModel):
    label = "plan as forecast: the year-end share the plan sets"

    def _predict(self, X):
        return np.nan_to_num(_col(X, F.PLAN_TOTAL_SHARE), nan=1.0)


class RunRateBaseline(ShareModel):
    label = "run-rate: the share to date times 4 / quarters elapsed"

    def _predict(self, X):
        q = np.maximum(np.nan_to_num(_col(X, F.ORIGIN), nan=1.0), 1)
        return np.clip(to_date(X, self.flow) * 4 / q, 0, 1)


class YtdPlusPlanBaseline(ShareModel):
    label = "year to date plus the remaining plan"

    def _predict(self, X):
        return to_date(X, self.flow) + np.nan_to_num(_col(X, F.REMAINING_PLAN_SHARE))


class PaceBaseline(ShareModel):
    label = "pace extrapolation: pace to date applied to the year's plan"

    def _predict(self, X):
        p = _col(X, F.pace(self.flow))
        total = np.nan_to_num(_col(X, F.PLAN_TOTAL_SHARE), nan=1.0)
        return np.where(np.isnan(p), to_date(X, self.flow), np.clip(p, 0, 1.5) * total)


class ProfileBaseline(ShareModel):
    label = "historical S-curve: share to date over the average share reached by this quarter"

    def fit(self, X, y=None, sample_weight=None):
        X, y, w = self._validate(X, y, sample_weight)
        self.n_train_ = X.height
        w = np.ones(X.height) if w is None else w
        self.ratio_ = float(np.clip((w * to_date(X, self.flow)).sum() / max((w * y).sum(), 1e-9), 0.02, 1.0))
        return self

    def _predict(self, X):
        return np.clip(to_date(X, self.flow) / self.ratio_, 0, 1)


class StructuralModel(StructuralRule, ShareModel):
    """The structural rule (``models.StructuralRule``) as a scikit-learn estimator; ``y`` is ignored."""

    kind = "structural"
    label = StructuralRule.label
    floor_at_to_date = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False  # the rule needs no outcome
        return tags

    def _check_fitted(self) -> None:
        check_is_fitted(self, "conversion_")

    def fit(self, X, y=None, sample_weight=None):
        """Reads only the features (no outcome is needed); ``y`` is checked when given, then ignored."""
        X, _, _ = self._validate(X, y, sample_weight, y_required=False)
        self.n_train_ = X.height
        self.conversion_ = self.conversion(X)
        return self

    def predict(self, X) -> np.ndarray:
        return StructuralRule.predict(self, self._frame(X))

    def spread(self, X) -> np.ndarray:
        return ShareModel.spread(self, X)

    def bounds(self, X) -> tuple[np.ndarray, np.ndarray]:
        return StructuralRule.bounds(self, self._frame(X))


# commitments outstanding = spend - disbursed, so its share is left out (collinear)
LINEAR_FEATURES = (
    F.share(F.cum(s.DISBURSED)),
    F.share(F.cum(s.SPEND)),
    F.REMAINING_PLAN_SHARE,
    F.PAID_RATIO,
    F.CONVERSION,
    F.momentum(s.DISBURSED),
    F.momentum(s.SPEND),
    F.RESTATED_SHARE,
    F.PRIOR_DISBURSED,
    F.PRIOR_SPEND,
    F.LOG_BUDGET,
    F.BUDGET_REVISION,
    F.PRIOR_Q4,
)
CLIP = 5.0  # features are winsorised at +-5 (shares of a budget cut to almost nothing explode)
Z_EPS = 0.005
MAX_ITER = 50


class FractionalLogit(ShareModel):
    """statsmodels GLM (binomial family, logit link) of the year-end share, a fractional-response model.

    y = cap * sigmoid(x'β) (Papke & Wooldridge), with ``cap`` the largest share history shows
    (above 1 where budgets were cut below what was paid). Missing features are imputed with the
    training median plus one missing-indicator per missing pattern; features are winsorised and
    standardised. Above ``max_rows`` training rows a uniform sample is used.
    """

    kind = "model"
    label = "fractional logit (statsmodels GLM)"
    floor_at_to_date = False

    def __init__(
        self,
        target: str = s.DISBURSED,
        features: tuple[str, ...] = LINEAR_FEATURES,
        max_rows: int | None = MAX_ROWS,
        random_state: int = 0,
    ):
        self.target = target
        self.features = features
        self.max_rows = max_rows
        self.random_state = random_state

    def _raw(self, X: pl.DataFrame) -> np.ndarray:
        return np.clip(np.column_stack([_col(X, f) for f in self.features]), -CLIP, CLIP)

    def _design(self, X: pl.DataFrame) -> np.ndarray:
        raw = self._raw(X)
        miss = np.isnan(raw)
        cols = (np.where(miss, self.medians_, raw) - self.means_) / self.scales_
        extra = [miss[:, self.features.index(f)].astype(float) for f in self.indicators_]
        return np.column_stack([np.ones(X.height), cols, *extra])

    def fit(self, X, y=None, sample_weight=None):
        import statsmodels.api as sm  # noqa: PLC0415 - lazy: statsmodels

        X, y, w = self._validate(X, y, sample_weight)
        self.n_train_ = X.height
        X, y, w = _sample(X, y, w, self.max_rows, self.random_state)
        raw = self._raw(X)
        miss = np.isnan(raw)
        self.medians_ = np.where(miss.all(0), 0.0, np.nanmedian(np.where(miss.all(0), 0, raw), axis=0))
        filled = np.where(miss, self.medians_, raw)
        self.means_ = filled.mean(0)
        self.scales_ = np.where(filled.std(0) > 1e-9, filled.std(0), 1.0)
        seen, indicators = set(), []
        for f, m, col in zip(self.features, miss.any(0) & ~miss.all(0), miss.T):
            if m and col.tobytes() not in seen:
                seen.add(col.tobytes())
                indicators.append(f)
        self.indicators_ = tuple(indicators)
        self.cap_ = float(max(1.0, np.quantile(y, 0.995)))
        z = np.clip(y / self.cap_, Z_EPS, 1 - Z_EPS)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # non-integer binomial responses are the point of a fractional logit
            result = sm.GLM(z, self._design(X), family=sm.families.Binomial(), var_weights=w).fit(maxiter=MAX_ITER)
        self.coef_ = np.asarray(result.params)  # estimates only: the results object holds the training data
        self.n_iter_ = int(getattr(result, "fit_history", {}).get("iteration", 0))
        return self

    def _predict(self, X):
        return self.cap_ * expit(self._design(X) @ self.coef_)


class QuantileGBM(ShareModel):
    """scikit-learn histogram gradient boosting with quantile loss: p10, p50 and p90 of the year-end share.

    Three models on every feature (missing values are native); ``predict`` is the p50 and
    ``spread`` the p10-p90 width, which carries each line's own uncertainty into the conformal
    calibration. Predictions stay within what history shows. Above ``max_rows`` rows a uniform
    sample is used; with sample weights and more than ``resample_above`` rows, rows are drawn in
    proportion to their weights and fitted unweighted (scikit-learn's weighted quantile loss is
    far slower), so that retraining a whole government stays within minutes.
    """

    kind = "model"
    label = "gradient boosting, quantile loss (scikit-learn)"
    floor_at_to_date = False
    QUANTILES = (0.1, 0.5, 0.9)
    READS: tuple[str, ...] = tuple(F.FEATURES)  # the features it may use

    def __init__(
        self,
        target: str = s.DISBURSED,
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        max_rows: int | None = MAX_ROWS,
        random_state: int = 0,
        resample_above: int = 50_000,
    ):
        self.target = target
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.max_rows = max_rows
        self.random_state = random_state
        self.resample_above = resample_above

    def fit(self, X, y=None, sample_weight=None):
        from sklearn.ensemble import HistGradientBoostingRegressor  # noqa: PLC0415 - lazy: scikit-learn

        fastpath.install()  # the same numbers, sooner (``model.fastpath``)
        X, y, w = self._validate(X, y, sample_weight)
        self.n_train_ = X.height
        if w is not None and X.height > self.resample_above:
            X, y, w = _weighted_resample(X, y, w, self.max_rows, self.random_state)
        else:
            X, y, w = _sample(X, y, w, self.max_rows, self.random_state)
        # columns with no value (or one value) in the training years are left out
        known = [f for f in self.READS if f in X.columns] or [c for c, d in X.schema.items() if d.is_numeric()]
        self.features_ = tuple(f for f in known if np.unique(_col(X, f)[np.isfinite(_col(X, f))]).size > 1)
        M = self._matrix(X)
        self.range_ = (float(min(0.0, y.min())), float(max(1.0, y.max())))
        self.models_ = []
        for q in self.QUANTILES:
            m = HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=self.min_samples_leaf,
                l2_regularization=1.0,
                random_state=self.random_state,
            )
            self.models_.append(m.fit(M, y, sample_weight=w))
        self.n_iter_ = max(m.n_iter_ for m in self.models_)
        return self

    def _matrix(self, X: pl.DataFrame) -> np.ndarray:
        if not self.features_:
            return np.zeros((X.height, 1))
        return np.column_stack([_col(X, f) for f in self.features_])

    def quantiles(self, X: pl.DataFrame) -> np.ndarray:
        """p10, p50, p90 (rows), sorted so that they never cross."""
        check_is_fitted(self, "models_")
        M = self._matrix(X)
        return np.clip(np.sort(np.stack([m.predict(M) for m in self.models_]), axis=0), *self.range_)

    def _predict(self, X):
        return self.quantiles(X)[1]

    def spread(self, X):
        q = self.quantiles(X)
        return np.maximum(q[2] - q[0], MIN_SPREAD)


# a direct model's handful of real-time features: where the line stands, where its plan stands, what the
# plan leaves, what its budget did and how it ended last year
DIRECT_FEATURES = (
    F.share(F.cum(s.DISBURSED)),
    F.share(F.cum(s.PLAN)),
    F.REMAINING_PLAN_SHARE,
    F.BUDGET_REVISION,
    F.PRIOR_DISBURSED,
    F.PRIOR_Q4,
)


class DirectGBM(QuantileGBM):
    """The direct model an analyst would fit instead: quantile gradient boosting of the year-end share on a
    handful of real-time features (``DIRECT_FEATURES``), conformalised like every candidate."""

    label = "direct gradient boosting on a handful of real-time features (scikit-learn)"
    READS = DIRECT_FEATURES


BLEND_MEMBERS = ("gbm_quantile", "direct_gbm", "fractional_logit")


class Blend(ShareModel):
    """An equal-weight combination of candidates: the mean of their medians and of their spreads, fitted on the
    same rows; the conformal calibration then makes one predictive distribution of it (ranges, levels and
    P(miss) alike). Models that err differently err less together."""

    kind = "model"
    label = "combination of the boosted, direct, logit and run-rate models"
    floor_at_to_date = False  # each member applies its own floor

    def __init__(self, target: str = s.DISBURSED, members: tuple[str, ...] = BLEND_MEMBERS):
        self.target = target
        self.members = members

    def fit(self, X, y=None, sample_weight=None):
        X, y, w = self._validate(X, y, sample_weight)
        unknown = sorted(set(self.members) - set(CANDIDATES))
        if not self.members or unknown:
            raise ValueError(f"members must name candidates ({', '.join(CANDIDATES)}); got {self.members!r}.")
        self.n_train_ = X.height
        self.members_ = [CANDIDATES[m](target=self.target).fit(X, y, sample_weight=w) for m in self.members]
        return self

    @classmethod
    def of(cls, fitted: list[ShareModel], target: str) -> Blend:
        """A combination of members already fitted on the same rows (the backtest's own fits)."""
        blend = cls(target=target, members=tuple(_name(m) for m in fitted))
        blend.members_ = list(fitted)
        blend.n_train_ = fitted[0].n_train_
        blend.feature_names_in_ = fitted[0].feature_names_in_
        blend.n_features_in_ = fitted[0].n_features_in_
        return blend

    def _predict(self, X):
        check_is_fitted(self, "members_")
        return np.mean([m.predict(X) for m in self.members_], axis=0)

    def spread(self, X):
        check_is_fitted(self, "members_")
        X = self._frame(X)
        return np.mean([m.spread(X) for m in self.members_], axis=0)


def _name(est: ShareModel) -> str:
    """A fitted candidate's name in ``CANDIDATES``."""
    return next(n for n, c in CANDIDATES.items() if type(est) is c)


# The candidates of every model set, by name: one declaration for train, backtest and the app.
CANDIDATES: dict[str, type[ShareModel]] = {
    "plan": PlanBaseline,
    "run_rate": RunRateBaseline,
    "ytd_plus_plan": YtdPlusPlanBaseline,
    "pace": PaceBaseline,
    "s_curve": ProfileBaseline,
    STRUCTURAL: StructuralModel,
    "fractional_logit": FractionalLogit,
    "gbm_quantile": QuantileGBM,
    "direct_gbm": DirectGBM,
    "blend": Blend,
}
