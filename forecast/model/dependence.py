"""Dependence between budget lines of one year, estimated from history: the copula's correlations.

``estimate_dependence`` reads a backtest's out-of-sample probability-integral transforms (each
outcome's place in its own predictive distribution, turned into a normal score) and averages the
products of scores of pairs of lines in the same year (government), the same year and agency, and
the same year, agency and plan line, each level kept only where the history holds enough pairs.
With no history the correlation is an assumption, ``ASSUMED_RHO`` at every level. The joint draws
that use these correlations are in ``decisions.portfolio``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.special import ndtri

from forecast.data import schema as s
from forecast.labels import t
from forecast.model import features as F
from forecast.model import models as M

ASSUMED_RHO = 0.3
MIN_PAIRS = 30
MAX_RHO = 0.95
LEVELS = np.asarray(M.LEVELS)
TAIL = (0.001, 0.999)  # the quantile function is extended linearly to these levels
GOVERNMENT, AGENCY_LEVEL, PLAN_LINE_LEVEL = "government", "agency", "plan_line"


@dataclass(frozen=True)
class Dependence:
    """Correlations of the normal scores of lines of one year: all, same agency, same agency and plan line."""

    government: float = ASSUMED_RHO
    agency: float = ASSUMED_RHO
    plan_line: float = ASSUMED_RHO
    source: str = "assumed"  # "history" or "assumed"
    pairs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        g = float(np.clip(self.government, 0, MAX_RHO))
        a = float(np.clip(self.agency, g, MAX_RHO))
        line = float(np.clip(self.plan_line, a, MAX_RHO))
        object.__setattr__(self, "government", g)
        object.__setattr__(self, "agency", a)
        object.__setattr__(self, "plan_line", line)

    def describe(self, lang: str = "en") -> str:
        """The dependence in words: assumed, or estimated from history at each level."""
        key = "dependence_history" if self.source == "history" else "dependence_assumed"
        return t(key, lang).format(g=f"{self.government:.2f}", a=f"{self.agency:.2f}", line=f"{self.plan_line:.2f}")

    def to_dict(self) -> dict:
        return {
            GOVERNMENT: self.government,
            AGENCY_LEVEL: self.agency,
            PLAN_LINE_LEVEL: self.plan_line,
            "source": self.source,
            "pairs": self.pairs,
        }

    @classmethod
    def from_dict(cls, d: dict | None) -> Dependence:
        if not d:
            return cls()
        return cls(d[GOVERNMENT], d[AGENCY_LEVEL], d[PLAN_LINE_LEVEL], d.get("source", "history"), d.get("pairs", {}))


# --- quantile functions ---------------------------------------------------------------------------
def _extended(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Levels and quantiles with the tails extended linearly to ``TAIL`` (never below 0)."""
    lv = np.concatenate([[TAIL[0]], LEVELS, [TAIL[1]]])
    lo = grid[:, :1] - (grid[:, 1:2] - grid[:, :1]) * (LEVELS[0] - TAIL[0]) / (LEVELS[1] - LEVELS[0])
    hi = grid[:, -1:] + (grid[:, -1:] - grid[:, -2:-1]) * (TAIL[1] - LEVELS[-1]) / (LEVELS[-1] - LEVELS[-2])
    return lv, np.concatenate([np.maximum(lo, np.minimum(grid[:, :1], 0.0)), grid, hi], axis=1)


def quantile(grid: np.ndarray, u: np.ndarray) -> np.ndarray:
    """y[d, i] = Q_i(u[d, i]): each project's quantile function (rows of ``grid``) at draws ``u`` (draws x n)."""
    lv, q = _extended(np.asarray(grid, float))
    u = np.clip(u, lv[0], lv[-1])
    k = np.clip(np.searchsorted(lv, u, side="right") - 1, 0, len(lv) - 2)
    cols = np.arange(q.shape[0])[None, :]
    q0, q1 = q[cols, k], q[cols, k + 1]
    return q0 + (u - lv[k]) / (lv[k + 1] - lv[k]) * (q1 - q0)


def pit(grid: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Where each outcome falls in its own predictive distribution (the inverse of ``quantile``)."""
    lv, q = _extended(np.asarray(grid, float))
    out = np.empty(len(y))
    for i in range(len(y)):
        qi = np.maximum.accumulate(q[i])
        out[i] = np.interp(y[i], qi + np.arange(qi.size) * 1e-12, lv)
    return out


def estimate_dependence(predictions: pl.DataFrame) -> dict:
    """Correlations of lines of one year from out-of-sample predictions (with truth, year, agency, plan line)."""
    cols = [M.level(M.AMOUNT, q) for q in M.LEVELS]
    if any(c not in predictions.columns for c in cols):
        return Dependence().to_dict()
    rows = predictions.filter(
        pl.col(F.Y_RATIO).is_not_null() & pl.all_horizontal(pl.col(c).is_not_null() for c in cols)
    )
    if rows.height < MIN_PAIRS:
        return Dependence().to_dict()
    u = pit(rows.select(cols).to_numpy(), rows[F.Y_RATIO].to_numpy())
    z = ndtri(np.clip(u, 0.005, 0.995))
    frame = rows.select(
        s.FISCAL_YEAR, pl.col(s.AGENCY).fill_null("?"), pl.col(s.PLAN_LINE).fill_null("?")
    ).with_columns(pl.Series("z", z))
    out, pairs = {}, {}
    for name, keys in (
        (GOVERNMENT, [s.FISCAL_YEAR]),
        (AGENCY_LEVEL, [s.FISCAL_YEAR, s.AGENCY]),
        (PLAN_LINE_LEVEL, [s.FISCAL_YEAR, s.AGENCY, s.PLAN_LINE]),
    ):
        grp = frame.group_by(keys).agg(
            pl.col("z").sum().alias("t"), (pl.col("z") ** 2).sum().alias("q"), pl.len().alias("n")
        )
        n_pairs = float((grp["n"] * (grp["n"] - 1)).sum())
        pairs[name] = int(n_pairs / 2)
        if n_pairs >= 2 * MIN_PAIRS:
            out[name] = float((grp["t"] ** 2 - grp["q"]).sum()) / n_pairs
    g = out.get(GOVERNMENT, 0.0)
    a = out.get(AGENCY_LEVEL, g)
    line = out.get(PLAN_LINE_LEVEL, a)
    return Dependence(g, a, line, "history", pairs).to_dict()
