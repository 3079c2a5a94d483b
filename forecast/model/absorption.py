"""How much of a budget increase a line disburses by year end: learned from the history's budget raises.

A line whose budget was raised after an origin (final budget above the budget known at the origin)
is one observation: its features as known at the origin (pace, commitments outstanding, the time left,
its own last year) and the size of the raise, and the share of the raise it disbursed,

    absorbed share = clip((year-end disbursed - budget at the origin) / (final budget - budget at the origin), 0, 1)

(the raise is counted as the last money spent: what a line leaves unused comes out of its increase
first). ``fit`` is a fractional logit (the share's mean, Papke-Wooldridge) fitted by iteratively
reweighted least squares with a small ridge, in numpy; its out-of-sample spread is kept as residual
quantiles on ``models.LEVELS``. Everything fitted is plain numbers (a model set's signed manifest
carries it); nothing is unpickled.

``predict_share(fitted, X, size)`` gives the expected share of an increase of ``size`` (a share of the
budget at the origin) that each line disburses, and ``share_quantiles`` its distribution.
With too few raises in the history (``MIN_RAISES``) nothing is fitted and callers use the documented
rule of ``decisions.reallocation`` (labelled "no history").
"""

from __future__ import annotations

import numpy as np
import polars as pl

from forecast.data import schema as s
from forecast.model import features as F
from forecast.model import models as M

MIN_RAISES = 40  # raises needed to fit (fewer: the documented rule)
MIN_RAISE = 0.01  # a raise is a final budget at least 1% above the budget known at the origin
RIDGE = 1.0
SIZE = "raise_share"  # the increase / the budget at the origin
ABSORBED = "absorbed_share"  # the share of the increase disbursed by year end (the truth)
PACE_CAP = 3.0

# inputs as known at the origin, with what a missing figure means
INPUTS: dict[str, float] = {
    F.share(F.cum(s.DISBURSED)): 0.0,  # disbursed to date / budget at the origin
    F.pace(s.DISBURSED): 1.0,  # disbursed to date / plan to date
    F.share(F.cum(s.COMMITTED)): 0.0,  # commitments outstanding / budget (0 where not reported)
    F.QUARTERS_LEFT: 2.0,
    F.PRIOR_DISBURSED: 0.95,  # the line's own last year (the usual share where it has none)
}
NAMES = [*INPUTS, "log1p_" + SIZE, "prior_missing"]


def raises(rows: pl.DataFrame) -> pl.DataFrame:
    """The history's budget raises after an origin (Q1-Q3), with the share of each raise disbursed."""
    need = {s.BUDGET, F.BUDGET_FINAL, F.AMOUNT[s.DISBURSED], F.ORIGIN}
    if rows.is_empty() or not need <= set(rows.columns):
        return pl.DataFrame()
    b0, b1, y = pl.col(s.BUDGET), pl.col(F.BUDGET_FINAL), pl.col(F.AMOUNT[s.DISBURSED])
    return rows.filter(
        pl.col(F.ORIGIN).is_between(1, 3) & (b0 > 0) & (b1 > b0 * (1 + MIN_RAISE)) & y.is_not_null()
    ).with_columns(
        ((b1 - b0) / b0).alias(SIZE),
        ((y - b0) / (b1 - b0)).clip(0, 1).alias(ABSORBED),
    )


def design(X: pl.DataFrame, size: np.ndarray) -> np.ndarray:
    """The inputs of each row (missing figures as ``INPUTS`` says), the raise's size and a missing-history flag."""
    cols = []
    for c, default in INPUTS.items():
        v = X[c].cast(pl.Float64).to_numpy() if c in X.columns else np.full(X.height, np.nan)
        v = np.where(np.isfinite(v), v, default)
        cols.append(np.clip(v, 0, PACE_CAP) if c == F.pace(s.DISBURSED) else v)
    prior = X[F.PRIOR_DISBURSED].cast(pl.Float64).to_numpy() if F.PRIOR_DISBURSED in X.columns else None
    missing = np.ones(X.height) if prior is None else (~np.isfinite(prior)).astype(float)
    return np.column_stack([*cols, np.log1p(np.clip(size, 0, None)), missing])


def _logit_fit(Z: np.ndarray, y: np.ndarray, ridge: float = RIDGE, iterations: int = 50) -> np.ndarray:
    """A fractional logit by IRLS (Newton steps on the Bernoulli quasi-likelihood), the intercept unpenalised."""
    A = np.column_stack([np.ones(len(y)), Z])
    beta = np.zeros(A.shape[1])
    beta[0] = np.log(max(y.mean(), 1e-3) / max(1 - y.mean(), 1e-3))
    pen = np.full(A.shape[1], ridge)
    pen[0] = 0.0
    for _ in range(iterations):
        mu = 1 / (1 + np.exp(-(A @ beta)))
        w = np.clip(mu * (1 - mu), 1e-6, None)
        grad = A.T @ (y - mu) - pen * beta
        hess = (A * w[:, None]).T @ A + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def fit(rows: pl.DataFrame, basis: str = "history") -> dict:
    """Fit the absorbed share on the history's raises; ``{"trained": False, "reason": ...}`` with too few."""
    r = raises(rows)
    if r.height < MIN_RAISES:
        return {"trained": False, "reason": f"{r.height} budget raises in the history; {MIN_RAISES} are needed"}
    Z = design(r, r[SIZE].to_numpy())
    mean, std = Z.mean(axis=0), Z.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    y = r[ABSORBED].to_numpy()
    beta = _logit_fit((Z - mean) / std, y)
    fitted = {"trained": True, "mean": mean.tolist(), "std": std.tolist(), "coef": beta.tolist(), "names": NAMES}
    # the spread, out of sample by fiscal year where there are two or more years (else in sample)
    years = sorted(set(r[s.FISCAL_YEAR].to_list()))
    resid = []
    for year in years if len(years) > 1 else [None]:
        train = r.filter(pl.col(s.FISCAL_YEAR) != year) if year is not None else r
        test = r.filter(pl.col(s.FISCAL_YEAR) == year) if year is not None else r
        if train.height < MIN_RAISES // 2 or test.is_empty():
            continue
        Zt = design(train, train[SIZE].to_numpy())
        m, sd = Zt.mean(axis=0), np.where(Zt.std(axis=0) > 0, Zt.std(axis=0), 1.0)
        b = _logit_fit((Zt - m) / sd, train[ABSORBED].to_numpy())
        part = {"trained": True, "mean": m.tolist(), "std": sd.tolist(), "coef": b.tolist()}
        resid.append(test[ABSORBED].to_numpy() - predict_share(part, test, test[SIZE].to_numpy()))
    e = np.concatenate(resid) if resid else y - predict_share(fitted, r, r[SIZE].to_numpy())
    return {
        **fitted,
        "residual_quantiles": np.quantile(e, M.LEVELS).tolist(),
        "raises": r.height,
        "years": years,
        "basis": basis,
        "mean_absorbed_share": float(y.mean()),
    }


def predict_share(fitted: dict, X: pl.DataFrame, size: np.ndarray) -> np.ndarray:
    """The expected share of an increase of ``size`` (x the budget at the origin) each line disburses."""
    Z = design(X, np.asarray(size, float))
    z = (Z - np.asarray(fitted["mean"])) / np.asarray(fitted["std"])
    beta = np.asarray(fitted["coef"])
    return 1 / (1 + np.exp(-(beta[0] + z @ beta[1:])))


def share_quantiles(fitted: dict, mean: np.ndarray) -> np.ndarray:
    """Each line's absorbed share on ``models.LEVELS`` (rows: lines): the mean plus the out-of-sample
    residual quantiles, within [0, 1]."""
    q = np.asarray(fitted.get("residual_quantiles") or [0.0] * len(M.LEVELS))
    return np.clip(np.asarray(mean)[:, None] + q[None, :], 0, 1)
