"""Year-end share predictions: names, the structural rule and the calibrated predictive distributions.

This module imports neither scikit-learn nor statsmodels, so that projecting with the structural
rule (no history) or reading a saved set stays light; the estimators live in
``forecast.model.estimators``. Estimators follow scikit-learn's contract: ``__init__`` stores parameters, ``fit(X, y)``
validates its input, learns state ending in ``_`` and returns ``self``; ``predict(X)`` checks
it is fitted. ``X`` is the feature frame of one origin quarter (``features.build``; columns are
selected by name), ``y`` the year-end share of ``target`` (disbursed or spend) of the *final*
budget (the budget after every revision of the year), which is what agencies are judged on.

Candidates: five baselines (simple rules a person would use), a structural model that needs no
history, a fractional logit (statsmodels) and quantile gradient boosting (scikit-learn, p10,
p50 and p90 at once). Each gives a point forecast (its p50) and a *spread*.

``Calibrated`` turns a fitted estimator into a predictive distribution with a normalized,
Mondrian conformal predictive system (Vovk et al.): out-of-sample scores
``(y - p50) / spread`` from the rolling backtest, in bins of the predicted p50 (the shape of
the error differs between lines heading for full execution and lines far behind), weighted
so that each year counts half as much as the year after it (non-exchangeable conformal
prediction, Barber et al. 2023: real execution drifts from year to year).

That distribution is then recalibrated *as a whole* at the target. Year-level shocks make a
year's lines miss together, and on real data lines far behind often end at 100% of a budget cut
late in the year, so the raw mass below the target of a new year is over-confident in ways the
calibration years show when each is predicted from the others. A smooth monotone map (beta
calibration, Kull et al. 2017; Platt with one calibration year) is learned on those
leave-one-year-out masses, and each row's distribution function is warped by the piecewise-linear
map of its levels through (raw mass, calibrated mass): ``F_cal = g(F)``. Its quantiles are the raw
quantiles at ``g^-1(level)``. So P(miss) *is* the calibrated distribution's mass below the target,
the p10-p90 shown comes from that same distribution, and a line whose p90 is below the target
has P(miss) >= 0.9 by construction. The distribution stops at the top of the outcomes' support
(``Calibration.ceiling``): what lies beyond it is the chance of full execution, and sits there.
Why this and not a library: we need the whole predictive distribution, with weights and bins,
and the warp on top; the computation is a few lines of numpy (see ``Calibration``), tested
against hand-checked cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import expit, logit, ndtr, ndtri

from forecast.data import schema as s
from forecast.model import features as F

TARGET_FLOWS = (s.DISBURSED, s.SPEND)
AMOUNT = F.AMOUNT_TARGET  # the year-end disbursed amount, as a ratio to the budget known at the origin
FLOW = {s.DISBURSED: s.DISBURSED, s.SPEND: s.SPEND, AMOUNT: s.DISBURSED}  # which flow's features a target reads
BANDS = (10, 50, 90)
# the quantile levels kept for each prediction: its whole distribution, for joint draws and PIT values
LEVELS = (0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98)
MIN_SPREAD = 0.02  # the narrowest spread a score is normalised by (2 points of budget)
MIN_SCALE = 0.05
MAX_ROWS = 150_000
HALF_LIFE = 2.0  # years: a year counts half as much as the year two years after it
BINS = 4  # Mondrian bins of the predicted p50 (quartiles of the calibration predictions)
MIN_BIN = 30  # a bin with fewer calibration rows borrows every row
MAX_SCORES = 2001  # a bin keeps at most this many points of its score distribution (its quantiles)
CEILING_LEVEL = 0.995  # the calibration outcomes' quantile taken as the top of the support (at least 1.0)
NO_STRETCH = (1.0, 1.0)  # the normalised residuals above and below the point prediction, as calibrated
STRUCTURAL = "structural"  # the candidate name of the structural rule
Z90 = 1.2815515655446004  # standard normal 90th percentile


def band(flow: str, p: int) -> str:
    """Column of a predicted year-end share quantile, e.g. disbursed_share_p10."""
    return f"{flow}_share_p{p}"


def level(target: str, q: float) -> str:
    """Column of a prediction at quantile level ``q``: disbursed_share_q05, or for the amount model
    disbursed_ratio_q05 (year-end disbursed over the budget known at the origin)."""
    return f"disbursed_ratio_q{round(q * 100):02d}" if target == AMOUNT else f"{target}_share_q{round(q * 100):02d}"


def coherent(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Year-end spend includes what is disbursed: lift each spend quantile to at least the disbursed one."""
    if band(s.SPEND, 50) in cols and band(s.DISBURSED, 50) in cols:
        for p in BANDS:
            cols[band(s.SPEND, p)] = np.fmax(cols[band(s.SPEND, p)], cols[band(s.DISBURSED, p)])
    return cols


def _col(X: pl.DataFrame, name: str) -> np.ndarray:
    """A feature as floats (NaN where missing; all NaN when the frame does not have it)."""
    if name not in X.columns:
        return np.full(X.height, np.nan)
    return X[name].cast(pl.Float64).to_numpy(writable=True)  # nulls become NaN; a copy, the caller's to change


def to_date(X: pl.DataFrame, target: str) -> np.ndarray:
    """The target's share of budget already reached at the origin (0 where not reported)."""
    return np.nan_to_num(_col(X, F.share(F.cum(target))))


def recency_weights(years: np.ndarray, half_life: float = HALF_LIFE) -> np.ndarray:
    """Weight per row: 1 for the latest fiscal year, halving every ``half_life`` years back."""
    years = np.asarray(years, dtype=float)
    return 0.5 ** ((years.max() - years) / half_life) if years.size else years


class NotFittedError(ValueError, AttributeError):
    """A model used before ``fit`` (scikit-learn's checks accept either base)."""


class StructuralRule:
    """Commitment conversion plus pace; needs no history (its fit reads only the current features).

    * spend by year end = spend to date + the remaining plan times the spending pace
      (capped at 1), never more than the budget not yet contracted;
    * a share ``k`` of the commitments outstanding is paid each quarter, ``k`` being the
      median conversion observed in the data (``conversion_last_q``; ``default_conversion``
      when none is observed, as at Q1); the year-end push counts as ``q4_push`` extra
      quarters; contracts still to be signed are paid at ``new_contract_factor`` of that rate;
    * where commitments are not reported, disbursement follows the remaining plan at the
      disbursement pace to date;
    * the p10/p90 scenarios halve / raise by half the conversion rate and take 75% / 125%
      of the pace for new contracts. This range is a scenario, not a calibrated interval.
    """

    kind = "structural"
    label = "structural: commitment conversion plus pace (no history needed)"
    floor_at_to_date = True

    @property
    def flow(self) -> str:
        """The flow whose features the target reads."""
        return FLOW.get(self.target, self.target)

    def __init__(
        self,
        target: str = s.DISBURSED,
        default_conversion: float = 0.30,
        q4_push: float = 2.0,
        new_contract_factor: float = 0.6,
    ):
        self.target = target
        self.default_conversion = default_conversion
        self.q4_push = q4_push
        self.new_contract_factor = new_contract_factor

    def fit(self, X: pl.DataFrame, y=None, sample_weight=None):
        """Reads only the features of the current portfolio (no outcome is needed); ``y`` is ignored."""
        if self.target not in FLOW:
            raise ValueError(f"target must be one of {', '.join(FLOW)}; got {self.target!r}.")
        if not isinstance(X, pl.DataFrame):
            raise TypeError(f"X must be a polars DataFrame of features; got {type(X).__name__}.")
        self.n_train_ = X.height
        self.conversion_ = self.conversion(X)
        return self

    def conversion(self, X: pl.DataFrame) -> float:
        """The median share of outstanding commitments paid in a quarter (the default when fewer than 3 seen)."""
        seen = _col(X, F.CONVERSION)
        seen = seen[np.isfinite(seen)]
        return float(np.clip(np.median(seen), 0.05, 0.95)) if seen.size >= 3 else self.default_conversion

    def scenario(self, X: pl.DataFrame, conversion: float, pace_factor: float) -> np.ndarray:
        d = np.nan_to_num(_col(X, F.share(F.cum(s.DISBURSED))))
        raw_sp = _col(X, F.share(F.cum(s.SPEND)))
        remaining = np.nan_to_num(_col(X, F.REMAINING_PLAN_SHARE))
        pace_d = np.clip(np.nan_to_num(_col(X, F.pace(s.DISBURSED)), nan=1.0), 0, 1)
        no_commitments = np.isnan(raw_sp)
        sp = np.where(no_commitments, d, raw_sp)
        outstanding = np.clip(sp - d, 0, None)
        pace_s = np.clip(np.nan_to_num(_col(X, F.pace(s.SPEND)), nan=1.0), 0, 1)
        new = np.minimum(np.clip(1 - sp, 0, None), remaining * pace_s * pace_factor)
        if self.target == s.SPEND:
            return sp + new
        left = np.nan_to_num(_col(X, F.QUARTERS_LEFT))
        paid = 1 - (1 - conversion) ** (left + self.q4_push)
        with_commitments = d + paid * outstanding + self.new_contract_factor * paid * new
        plain = d + np.minimum(np.clip(1 - d, 0, None), remaining * pace_d * pace_factor)
        return np.where(no_commitments, plain, with_commitments)

    def _check_fitted(self) -> None:
        if not hasattr(self, "conversion_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first.")

    def _predict(self, X):
        return self.scenario(X, self.conversion_, 1.0)

    def predict(self, X: pl.DataFrame) -> np.ndarray:
        """The central scenario, never below what is already reached."""
        self._check_fitted()
        return np.maximum(self._predict(X), to_date(X, self.flow))

    def spread(self, X: pl.DataFrame) -> np.ndarray:
        """The budget share still open (at least 5 points)."""
        return np.maximum(1 - to_date(X, self.flow), MIN_SCALE)

    def bounds(self, X: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The p10 and p90 scenarios."""
        self._check_fitted()
        lo = self.scenario(X, self.conversion_ / 2, 0.75)
        hi = self.scenario(X, min(0.95, self.conversion_ * 1.5), 1.25)
        floor = to_date(X, self.flow)
        return np.maximum(lo, floor), np.maximum(hi, floor)


# --- calibration ------------------------------------------------------------------------------
@dataclass
class Calibration:
    """A normalised, Mondrian, weighted conformal predictive distribution, plus a recalibration map.

    ``edges`` split the predicted p50 into bins; ``scores[b]`` are the sorted normalised residuals
    of bin b and ``cum[b]`` their cumulative weights (0-1]. ``recalibration`` = (x, y) knots of a
    monotone map applied to the probability of ending below a threshold (np.interp); None leaves
    it as it is. ``ceiling`` is the top of the outcomes' support: the ``CEILING_LEVEL`` quantile of the
    calibration outcomes, at least 1.0 (a line can always reach its whole budget). A share of the final
    budget ends above 100% only by rounding (3% of real lines, 0.4% by more than half a point), yet a
    residual distribution learned from lines far from full puts mass well above it; that mass is the
    chance of full execution and sits at the ceiling (None: no ceiling, as in sets saved before it).
    """

    edges: np.ndarray
    scores: list[np.ndarray]
    cum: list[np.ndarray]
    n: int
    recalibration: tuple[np.ndarray, np.ndarray] | None = None
    method: str = "none"
    ceiling: float | None = None

    @classmethod
    def fit(
        cls, y: np.ndarray, mid: np.ndarray, spread: np.ndarray, weights: np.ndarray | None = None, bins: int = BINS
    ) -> Calibration:
        """From out-of-sample outcomes ``y``, point predictions ``mid`` and their spreads."""
        y, mid, spread = (np.asarray(a, float) for a in (y, mid, spread))
        w = np.ones_like(y) if weights is None else np.asarray(weights, float)
        r = (y - mid) / np.maximum(spread, 1e-9)
        edges = (
            np.unique(np.quantile(mid, np.linspace(0, 1, bins + 1)[1:-1])) if y.size >= bins * MIN_BIN else np.array([])
        )
        which = np.digitize(mid, edges)
        scores, cums = [], []
        for b in range(len(edges) + 1):
            m = which == b
            if m.sum() < MIN_BIN:
                m = np.ones_like(m)
            order = np.argsort(r[m], kind="stable")
            sorted_scores, c = r[m][order], np.cumsum(w[m][order])
            c = c / c[-1]
            if sorted_scores.size > MAX_SCORES:  # the distribution at MAX_SCORES levels: within 1/2000 in probability
                levels = np.linspace(c[0], 1.0, MAX_SCORES)
                sorted_scores, c = np.interp(levels, c, sorted_scores), levels
            scores.append(sorted_scores)
            cums.append(c)
        ceiling = max(1.0, float(np.quantile(y, CEILING_LEVEL))) if y.size else None
        return cls(edges, scores, cums, int(y.size), ceiling=ceiling)

    def _bin(self, mid: np.ndarray) -> np.ndarray:
        return np.digitize(mid, self.edges)

    def quantile(
        self, mid: np.ndarray, spread: np.ndarray, level: float | np.ndarray, stretch: tuple[float, float] = NO_STRETCH
    ) -> np.ndarray:
        """The ``level`` quantile of each row's predictive distribution (one level, or one per row); ``stretch``
        multiplies the normalised residuals above and below the point prediction (the year effect,
        ``model.yeareffect``)."""
        out = np.empty_like(mid, dtype=float)
        levels = np.broadcast_to(np.asarray(level, float), mid.shape)
        which = self._bin(mid)
        up, down = stretch
        for b in np.unique(which):
            m = which == b
            score = np.interp(levels[m], self.cum[b], self.scores[b])
            out[m] = mid[m] + spread[m] * np.where(score > 0, score * up, score * down)
        return out

    def cdf(
        self,
        mid: np.ndarray,
        spread: np.ndarray,
        threshold: float | np.ndarray,
        recalibrate: bool = True,
        stretch: tuple[float, float] = NO_STRETCH,
    ) -> np.ndarray:
        """P(year-end share < threshold) for each row (recalibrated unless told not to), of the distribution
        ``quantile`` gives with the same ``stretch``."""
        z = (threshold - mid) / spread
        z = np.where(z > 0, z / stretch[0], z / stretch[1])
        out = np.empty_like(mid, dtype=float)
        which = self._bin(mid)
        for b in np.unique(which):
            m = which == b
            out[m] = np.interp(z[m], self.scores[b], self.cum[b], left=0.0, right=1.0)
        return self.remap(out) if recalibrate else out

    def remap(self, raw: np.ndarray) -> np.ndarray:
        """The recalibrated probability of each raw one (unchanged without a map)."""
        return np.interp(raw, *self.recalibration) if self.recalibration is not None else np.asarray(raw, float)

    def warped(
        self,
        mid: np.ndarray,
        spread: np.ndarray,
        threshold: float,
        levels: tuple[float, ...],
        stretch: tuple[float, float] = NO_STRETCH,
    ) -> np.ndarray:
        """Quantiles (rows x ``levels``) of the distribution recalibrated at ``threshold``.

        Each row's levels are warped by the piecewise-linear map through (0, 0), (raw, calibrated)
        and (1, 1), where raw is the row's mass below ``threshold`` and calibrated its remapped
        value; the calibrated distribution's mass below ``threshold`` is then exactly the remapped one.
        Where the raw distribution has no mass on one side of the threshold, the calibrated mass on
        that side is put at the threshold itself.
        """
        raw = self.cdf(mid, spread, threshold, recalibrate=False, stretch=stretch)
        cal = self.remap(raw)
        out = np.empty((mid.size, len(levels)))
        for j, q in enumerate(levels):
            below = q * np.divide(raw, cal, out=np.ones_like(raw), where=cal > 1e-12)
            above = raw + (q - cal) * np.divide(1 - raw, 1 - cal, out=np.ones_like(raw), where=cal < 1 - 1e-12)
            x = self.quantile(mid, spread, np.clip(np.where(q <= cal, below, above), 0.0, 1.0), stretch)
            # where the raw distribution has no mass on one side, the calibrated mass there sits at the threshold
            out[:, j] = np.where(q > cal, np.maximum(x, threshold), np.where(q < cal, np.minimum(x, threshold), x))
        return out

    def recalibrate(self, p: np.ndarray, event: np.ndarray, method: str) -> Calibration:
        """Learn a smooth monotone map from raw probabilities ``p`` to the frequency of ``event`` (0/1).

        ``beta`` (beta calibration, a logistic curve in log p and log(1 - p): out-of-sample raw
        probabilities of two or more years) or ``platt`` (a logistic curve in logit p, for one
        calibration year); kept only with both outcomes present and at least 50 rows, and only if
        the map keeps the order (beta falls back to Platt when it would not).
        """
        event = np.asarray(event, dtype=float)
        p = np.clip(np.asarray(p, float), 0, 1)
        if event.size < 50 or not 0 < event.sum() < event.size:
            return self
        from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - lazy: scikit-learn

        def features(x: np.ndarray) -> np.ndarray:
            x = np.clip(x, 1e-3, 1 - 1e-3)
            return np.column_stack([np.log(x), -np.log1p(-x)]) if method == "beta" else logit(x)[:, None]

        lr = LogisticRegression(C=1.0).fit(features(p), event)
        if (lr.coef_[0] < 0).any() or lr.coef_[0].sum() <= 0:  # a map that reverses the order is no recalibration
            return self.recalibrate(p, event, "platt") if method == "beta" else self
        xs = np.unique(np.concatenate([np.linspace(0, 1, 201), expit(np.linspace(-7, 7, 57))]))
        ys = lr.predict_proba(features(xs))[:, 1]
        self.recalibration, self.method = (xs, np.maximum.accumulate(ys)), method
        return self

    def to_dict(self) -> dict:
        return {
            "edges": self.edges.tolist(),
            "scores": [x.tolist() for x in self.scores],
            "cum": [x.tolist() for x in self.cum],
            "n": self.n,
            "method": self.method,
            "recalibration": [a.tolist() for a in self.recalibration] if self.recalibration else None,
            "ceiling": self.ceiling,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        recal = d.get("recalibration")
        return cls(
            np.asarray(d["edges"], float),
            [np.asarray(x, float) for x in d["scores"]],
            [np.asarray(x, float) for x in d["cum"]],
            int(d["n"]),
            (np.asarray(recal[0], float), np.asarray(recal[1], float)) if recal else None,
            d.get("method", "none"),
            None if d.get("ceiling") is None else float(d["ceiling"]),
        )


class Calibrated:
    """A fitted estimator with its conformal calibration: p10/p50/p90 and P(share < threshold)."""

    def __init__(self, estimator, calibration: Calibration | None = None):
        self.estimator = estimator
        self.calibration = calibration

    def predict(
        self,
        X: pl.DataFrame,
        threshold: float | None = None,
        mid: np.ndarray | None = None,
        spread: np.ndarray | None = None,
        stretch: tuple[float, float] = NO_STRETCH,
    ) -> dict[str, np.ndarray]:
        """p10, p50, p90 of the year-end share and, with ``threshold``, P(share < threshold).

        ``mid`` and ``spread`` may be given (the backtest replays stored out-of-sample predictions); ``stretch``
        is the year effect's (``Calibration.quantile``; the structural rule has no calibration to stretch).
        """
        est = self.estimator
        mid = est.predict(X) if mid is None else mid
        cal = self.calibration
        if cal is not None:
            spread = est.spread(X) if spread is None else spread
            if threshold is not None:  # the distribution recalibrated at the threshold, its mass below it
                grid = cal.warped(mid, spread, threshold, LEVELS, stretch)
                below = cal.cdf(mid, spread, threshold, stretch=stretch)
            else:
                grid, below = np.column_stack([cal.quantile(mid, spread, q, stretch) for q in LEVELS]), None
        elif isinstance(est, StructuralRule):
            lo, hi = est.bounds(X)
            sd = np.maximum((np.maximum(hi, mid) - np.minimum(lo, mid)) / (2 * Z90), 1e-6)
            grid = np.column_stack([mid + sd * ndtri(q) for q in LEVELS])
            grid[:, LEVELS.index(0.1)], grid[:, LEVELS.index(0.9)] = np.minimum(lo, mid), np.maximum(hi, mid)
            below = ndtr((threshold - mid) / sd) if threshold is not None else None
        else:
            raise ValueError(f"{type(est).__name__} has no calibration; run it through a backtest.")
        reached = to_date(X, est.flow)
        floor = reached if est.floor_at_to_date else np.full_like(mid, -np.inf)
        grid = np.maximum(np.sort(grid, axis=1), floor[:, None])
        # the top of the support: the calibration's ceiling, or the budget as known for the structural scenario;
        # the mass above it is the chance of ending there (full execution), never below what is already reached,
        # even for a model that applies no floor of its own (the blend)
        ceiling = cal.ceiling if cal is not None else (1.0 if est.floor_at_to_date else None)
        top = None if ceiling is None else np.maximum(ceiling, reached)
        if top is not None:
            grid = np.minimum(grid, top[:, None])
        out = {
            "p10": grid[:, LEVELS.index(0.1)],
            "p50": grid[:, LEVELS.index(0.5)],
            "p90": grid[:, LEVELS.index(0.9)],
            "grid": grid,
        }
        if threshold is not None:
            assert below is not None
            below = np.clip(below, 0, 1) if top is None else np.where(top < threshold, 1.0, np.clip(below, 0, 1))
            out["p_below"] = np.where(floor >= threshold, 0.0, below)
        return out
