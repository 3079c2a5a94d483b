"""KPI attainment: the documented rules, the baselines, the fitted model, their backtest and dependence.

Every method gives, per KPI state (``kpi_features.states``), the chance of meeting the target at the
year end (``p_attain``), the year-end value's p10/p50/p90 and the chances of the tiers:

* ``rules`` - the documented rules used with no history: a cumulative KPI reaches the remaining
  plan at the pace to date, shrunk halfway toward the plan, log-normal with sigma 0.05 + 0.12 per
  quarter left; a level stays at its value, normal with sigma 2 + 3 points per quarter left for a
  percentage and 2% + 3% of the target for other levels; a milestone has chance 0.85 on plan,
  times 0.6 per item behind; nothing reported yet: an assumed 0.80;
* ``naive`` - the naive 0/1 rule: a count at the pace to date, a level at its value, meets or not;
* ``naive_logistic`` - a logistic regression of the outcome on the naive rule's gap, per origin;
* ``kpi_distribution`` - ``KpiDistribution``: the fitted predictive distribution of the year-end gap;
* ``kpi_logit`` - a logistic regression of meeting the target on every feature, its quantiles and tiers
  from ``kpi_distribution`` conditioned on its chance (the location moved until the distribution gives
  that chance): one distribution per KPI whichever wins. It copes with outcomes that sit exactly on the
  target (a milestone done, 100% delivered), which a continuous distribution smears across it.

``backtest`` predicts each fiscal year from models fitted on the years before it only, with features
as known at each origin's report date. The champion is the candidate giving a distribution (the rules
or ``kpi_distribution``) with the lowest Brier score over the backtest; the baselines stay in the
comparison, and the manifest says when one of them beats the champion.

``p_any_miss`` is the chance that at least one of a project's KPIs misses, with the KPIs' outcomes
dependent through a one-factor Gaussian copula whose correlation is estimated from history (the
normal scores of the out-of-sample PIT values of KPIs of one project-year); with no history an
assumed correlation, said in the basis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.special import ndtr, ndtri

from forecast.data import schema as s
from forecast.model import kpi_features as KF
from forecast.model.models import Z90, recency_weights

RULES = "rules"
NAIVE = "naive"
NAIVE_LOGISTIC = "naive_logistic"
LOGIT = "kpi_logit"
DISTRIBUTION = "kpi_distribution"
CANDIDATES = (RULES, NAIVE, NAIVE_LOGISTIC, LOGIT, DISTRIBUTION)
DISTRIBUTIONAL = (RULES, DISTRIBUTION, LOGIT)  # candidates that give quantiles and tiers, hence may be champion
BASELINES = (NAIVE, NAIVE_LOGISTIC)
ORIGINS = (1, 2, 3)
MIN_YEARS = 2  # a KPI backtest predicts a year from at least one before it; 2 complete years at least
ASSUMED_RHO = 0.3  # correlation of a project's KPI outcomes when no history measured it
RULE = {
    "cumulative_sigma_base": 0.05,
    "cumulative_sigma_per_quarter": 0.12,
    "level_points_base": 2.0,
    "level_points_per_quarter": 3.0,
    "level_relative_base": 0.02,
    "level_relative_per_quarter": 0.03,
    "prior": 0.80,
    "milestone_on_plan": 0.85,
    "milestone_per_item_behind": 0.6,
}
P_ATTAIN = "p_attain"
LO, MID, HI = "projected_p10", "projected_p50", "projected_p90"
METHOD = "method"


def p_tier(points: int) -> str:
    return f"p_tier_{points}"


# --- design ---------------------------------------------------------------------------
DESIGN = (
    *KF.FEATURES,
    "gap_naive_x_left",
    "gap_plan_x_left",
    "gap_naive_x_level",
    "prior_x_left",
    "momentum_x_left",
    "project_x_left",
)


GAP_UNIT = 0.01  # gaps are modelled as asinh(gap / 1% of the target): linear near the target, logarithmic far
GAPS = (KF.GAP_NAIVE, KF.GAP_PLAN, KF.MOMENTUM, KF.VOLATILITY, KF.PRIOR_GAP, KF.PROJECT_GAP)


def squash(gap) -> np.ndarray:
    """A relative gap on the model's scale (monotone: thresholds map through it)."""
    return np.arcsinh(np.asarray(gap, float) / GAP_UNIT)


def unsquash(h) -> np.ndarray:
    return GAP_UNIT * np.sinh(np.asarray(h, float))


def design(st: pl.DataFrame) -> np.ndarray:
    """The model's input matrix: the features (gaps squashed) plus interactions with the quarters left."""
    left = pl.col(KF.QUARTERS_LEFT).cast(pl.Float64)
    g = {f: (pl.col(f).cast(pl.Float64) / GAP_UNIT).arcsinh().alias(f) for f in GAPS}
    st = st.with_columns(*g.values())
    return (
        st.select(
            *(pl.col(f).cast(pl.Float64) for f in KF.FEATURES),
            *(
                e.alias(n)
                for n, e in zip(
                    DESIGN[len(KF.FEATURES) :],
                    (
                        pl.col(KF.GAP_NAIVE) * left,
                        pl.col(KF.GAP_PLAN) * left,
                        pl.col(KF.GAP_NAIVE) * pl.col(KF.IS_LEVEL).cast(pl.Float64),
                        pl.col(KF.PRIOR_GAP) * left,
                        pl.col(KF.MOMENTUM) * left,
                        pl.col(KF.PROJECT_GAP) * left,
                    ),
                )
            ),
        )
        .to_numpy()
        .astype(float)
    )


def _arrays(st: pl.DataFrame) -> dict[str, np.ndarray]:
    f = lambda c: st[c].cast(pl.Float64).fill_null(np.nan).to_numpy()  # noqa: E731
    return {
        "v": f(KF.VALUE_TO_DATE),
        "t": f(s.TARGET),
        "scale": f(KF.SCALE),
        "d": f(KF.DIRECTION),
        "left": st[KF.QUARTERS_LEFT].to_numpy().astype(float),
        "ptd": np.nan_to_num(f(KF.PLAN_TO_DATE)),
        "ptot": f(KF.PLAN_TOTAL),
        "measure": st[s.MEASURE].to_numpy(),
        "unit": st[s.UNIT].to_numpy(),
        "strict": st[s.COMPARATOR].is_in(list(s.STRICT)).to_numpy(),
        "reached": st[KF.REACHED_QUARTER].is_not_null().to_numpy(),
        "bust": st[KF.BUST_QUARTER].is_not_null().to_numpy(),
        "known": st[KF.KNOWN].to_numpy(),
        "tiers": np.column_stack([f(c) for c in s.TIERS.values()]) if st.height else np.empty((0, 3)),
    }


def _gap(a: dict, value: np.ndarray) -> np.ndarray:
    return np.clip(a["d"] * (value - a["t"]) / a["scale"], -KF.CLIP, KF.CLIP)


def _value(a: dict, gap: np.ndarray) -> np.ndarray:
    return a["t"] + a["d"] * a["scale"] * gap


def _meets(a: dict, value: np.ndarray) -> np.ndarray:
    g = a["d"] * (value - a["t"])
    return np.where(a["strict"], g > 0, g >= 0)


@dataclass
class Prediction:
    """Chances, the year-end value's p10/p50/p90 and tier chances for each state, by one method."""

    method: str
    p: np.ndarray
    lo: np.ndarray
    mid: np.ndarray
    hi: np.ndarray
    tiers: np.ndarray  # one column per tier of ``s.TIERS``; NaN where the KPI has no such tier
    fitted: bool = False  # learned from history (not a documented rule)
    extra: dict = field(default_factory=dict)


def _settle(a: dict, pr: Prediction) -> Prediction:
    """What is already settled overrides the method: a year over, a cumulative KPI reached or past its ceiling."""
    over = (a["left"] <= 0) & a["known"]
    met_now = _meets(a, np.nan_to_num(a["v"]))
    p = np.where(over, met_now.astype(float), pr.p)
    p = np.where(a["reached"], 1.0, np.where(a["bust"], 0.0, p))
    done = over | a["reached"] | a["bust"]
    lo, mid, hi = (np.where(done, a["v"], x) for x in (pr.lo, pr.mid, pr.hi))
    higher = a["d"] > 0
    if not (a["v"][np.isfinite(a["v"])] < 0).any():  # values that cannot go below zero (rates, counts)
        nonneg = ~(a["t"] < 0)
        lo, mid, hi = (np.where(nonneg & np.isfinite(x), np.maximum(x, 0.0), x) for x in (lo, mid, hi))
    percent = a["unit"] == "percent"
    lo, mid, hi = (np.where(percent & np.isfinite(x), np.clip(x, 0.0, 100.0), x) for x in (lo, mid, hi))
    tiers = pr.tiers.copy()
    for j in range(tiers.shape[1]):
        thr = a["tiers"][:, j]
        hit = np.where(higher, a["v"] >= thr, a["v"] <= thr)
        settled = over | (hit & (a["measure"] != s.LEVEL) & higher)
        tiers[:, j] = np.where(np.isfinite(thr) & settled & a["known"], hit.astype(float), tiers[:, j])
        tiers[:, j] = np.where(np.isfinite(thr), tiers[:, j], np.nan)
    return Prediction(pr.method, np.clip(p, 0, 1), lo, mid, hi, tiers, pr.fitted, pr.extra)


# --- the documented rules ----------------------------------------------------------------
def _p_beyond(thr: np.ndarray, mid: np.ndarray, sigma: np.ndarray, log: np.ndarray, d: np.ndarray) -> np.ndarray:
    """P(year-end value beyond ``thr`` in the good direction) under a normal or log-normal spread."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z_log = (np.log(np.maximum(mid, 1e-12)) - np.log(np.maximum(thr, 1e-12))) / sigma
        z_lin = (mid - thr) / sigma
    up = ndtr(np.where(log, z_log, z_lin))
    return np.where(d > 0, up, 1 - up)


def rules(st: pl.DataFrame) -> Prediction:
    """The documented rules (no history); see the module docstring."""
    a = _arrays(st)
    n, left, v, t, d = st.height, a["left"], np.nan_to_num(a["v"]), a["t"], a["d"]
    m = a["measure"]
    ptot = np.where(np.isfinite(a["ptot"]), a["ptot"], t)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(a["ptd"] > 0, v / a["ptd"], np.nan)
    factor = np.where(np.isfinite(pace), 0.5 + 0.5 * np.clip(pace, 0, 2), 1.0)
    remaining = np.where(left > 0, np.maximum(np.maximum(ptot, np.where(d > 0, t, 0)) - np.maximum(a["ptd"], 0), 0), 0)
    cum_mid = np.maximum(v + remaining * factor, v)
    cum_sigma = np.where(left > 0, RULE["cumulative_sigma_base"] + RULE["cumulative_sigma_per_quarter"] * left, 1e-6)
    percent = a["unit"] == "percent"
    lvl_sigma = np.where(
        percent,
        RULE["level_points_base"] + RULE["level_points_per_quarter"] * left,
        a["scale"] * (RULE["level_relative_base"] + RULE["level_relative_per_quarter"] * left),
    )
    lvl_sigma = np.where(left > 0, lvl_sigma, np.where(percent, 0.5, 0.005 * a["scale"]))
    cum, lvl, ms_ = m == s.CUMULATIVE, m == s.LEVEL, m == s.MILESTONE
    mid = np.where(lvl, np.where(a["known"], a["v"], np.nan), cum_mid)
    sigma = np.where(lvl, lvl_sigma, cum_sigma)
    log = ~lvl
    edge = t + np.where(a["strict"], d * 1e-9, 0)
    p = _p_beyond(edge, mid, sigma, log, d)
    no_pace = ~np.isfinite(pace) & (v <= 0)
    p = np.where(cum & no_pace, RULE["prior"], p)
    p = np.where(lvl & ~a["known"], RULE["prior"], p)
    behind = np.maximum(np.ceil(a["ptd"] - v), 0)
    p_ms = np.where(left > 0, RULE["milestone_on_plan"] * RULE["milestone_per_item_behind"] ** behind, 0.0)
    p = np.where(ms_, p_ms, p)
    with np.errstate(over="ignore", invalid="ignore"):
        lo = np.where(lvl, mid - Z90 * sigma, np.maximum(v, mid * np.exp(-Z90 * sigma)))
        hi = np.where(lvl, mid + Z90 * sigma, mid * np.exp(np.minimum(Z90 * sigma, 50)))
    lo = np.where(lvl & percent, np.clip(lo, 0, 100), lo)
    hi = np.where(lvl & percent, np.clip(hi, 0, 100), hi)
    ms_mid = np.where(p_ms >= 0.5, np.maximum(t, v), v + np.maximum(t - v - 1, 0))
    mid = np.where(ms_, ms_mid, mid)
    lo, hi = np.where(ms_, v, lo), np.where(ms_, np.maximum(t, v), hi)
    tiers = np.full((n, len(s.TIERS)), np.nan)
    for j in range(len(s.TIERS)):
        thr = a["tiers"][:, j]
        pt = _p_beyond(thr, np.where(np.isfinite(mid), mid, 0), sigma, log, d)
        tiers[:, j] = np.where(np.isfinite(thr) & ~(lvl & ~a["known"]), pt, np.nan)
    extra = {"no_pace": cum & no_pace, "behind": behind}
    return _settle(a, Prediction(RULES, p, lo, mid, hi, tiers, False, extra))


# --- baselines and peers ---------------------------------------------------------------------
def naive(st: pl.DataFrame) -> Prediction:
    """The naive 0/1 rule: the naive year end (a level at its value, a count at its pace) meets or not."""
    a = _arrays(st)
    end = st[KF.NAIVE_END].cast(pl.Float64).fill_null(np.nan).to_numpy()
    p = np.where(np.isfinite(end), _meets(a, end).astype(float), 0.5)
    nan = np.full(st.height, np.nan)
    return _settle(a, Prediction(NAIVE, p, nan, end, nan, np.full((st.height, len(s.TIERS)), np.nan)))


class _Logistic:
    """A logistic regression of meeting the target on some columns (plain numbers after fit)."""

    def __init__(self, columns: slice | list[int], C: float = 1.0):
        self.columns, self.C = columns, C
        self.coef: np.ndarray | None = None
        self.intercept = 0.0
        self.center = self.width = np.zeros(0)

    def fit(self, X: np.ndarray, met: np.ndarray, w: np.ndarray) -> _Logistic:
        from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - lazy: scikit-learn

        Z = X[:, self.columns]
        self.center, sd = Z.mean(axis=0), Z.std(axis=0)
        self.width = np.where(sd > 1e-12, sd, 1.0)
        if 0 < met.sum() < met.size:
            lr = LogisticRegression(C=self.C, max_iter=1000).fit((Z - self.center) / self.width, met, sample_weight=w)
            self.coef, self.intercept = lr.coef_[0], float(lr.intercept_[0])
        else:
            self.coef, self.intercept = (
                np.zeros(Z.shape[1]),
                float(np.log((met.mean() + 1e-3) / (1 - met.mean() + 1e-3))),
            )
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        assert self.coef is not None
        z = ((X[:, self.columns] - self.center) / self.width) @ self.coef + self.intercept
        return 1 / (1 + np.exp(-z))

    def to_dict(self) -> dict:
        cols = self.columns if isinstance(self.columns, list) else None
        return {
            "columns": cols,
            "C": self.C,
            "coef": np.asarray(self.coef).tolist(),
            "intercept": self.intercept,
            "center": self.center.tolist(),
            "width": self.width.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> _Logistic:
        out = cls(slice(None) if d.get("columns") is None else list(d["columns"]), float(d.get("C", 1.0)))
        out.coef, out.intercept = np.asarray(d["coef"], float), float(d["intercept"])
        out.center, out.width = np.asarray(d["center"], float), np.asarray(d["width"], float)
        return out


def _classifier(name: str, st: pl.DataFrame, model: _Logistic) -> Prediction:
    a = _arrays(st)
    p = model.predict(design(st))
    nan = np.full(st.height, np.nan)
    return _settle(a, Prediction(name, p, nan, nan, nan, np.full((st.height, len(s.TIERS)), np.nan), True))


# --- the fitted distribution -------------------------------------------------------------------
def distribution(st: pl.DataFrame, est, chance: np.ndarray | None = None, method: str = DISTRIBUTION) -> Prediction:
    """Chances, quantiles and tiers of the fitted ``KpiDistribution``; with ``chance`` (another model's),
    the distribution conditioned on it."""
    a = _arrays(st)
    if st.height == 0:
        return rules(st)
    X = design(st)
    edge = np.where(a["strict"], 1e-9, 0.0)
    loc = None if chance is None else est.locate(X, chance, edge)
    p = est.exceed(X, edge, loc) if chance is None else np.asarray(chance, float)
    q = unsquash(est.quantiles(X, (0.1, 0.5, 0.9), loc))
    vals = [_value(a, q[:, j]) for j in range(3)]
    lo, mid, hi = (np.where(a["d"] > 0, vals[j], vals[2 - j]) for j in range(3))
    tiers = np.full((st.height, len(s.TIERS)), np.nan)
    for j in range(len(s.TIERS)):
        thr = a["tiers"][:, j]
        ok = np.isfinite(thr)
        if ok.any():
            g = np.where(ok, a["d"] * (np.where(ok, thr, 0) - a["t"]) / a["scale"], 0.0)
            tiers[:, j] = np.where(ok, est.exceed(X, squash(np.clip(g, -KF.CLIP, KF.CLIP)), loc), np.nan)
    if chance is not None:  # tiers at the target itself must read the chance exactly
        tiers = np.minimum(tiers, np.where(np.isfinite(tiers), 1.0, np.nan))
    fallback = rules(st)
    unknown = np.zeros(st.height, bool)  # the model covers states with no value yet
    extra: dict = {}
    if KF.GAP_END in st.columns:  # a backtest: the PIT of the realised gap, for the dependence
        realised = st[KF.GAP_END].cast(pl.Float64).to_numpy()
        extra["pit"] = np.where(unknown, np.nan, 1.0 - est.exceed(X, squash(realised), loc))
    pr = Prediction(
        method,
        np.where(unknown, fallback.p, p),
        np.where(unknown, fallback.lo, lo),
        np.where(unknown, fallback.mid, mid),
        np.where(unknown, fallback.hi, hi),
        np.where(unknown[:, None], fallback.tiers, tiers),
        True,
        extra,
    )
    return _settle(a, pr)


# --- backtest ------------------------------------------------------------------------------------
@dataclass
class KpiBacktest:
    """Out-of-sample chances of every candidate (``predictions``), their scores (``metrics``), the
    champion, the dependence of a project's KPIs and the fitted final model (``fit_final``)."""

    predictions: pl.DataFrame
    metrics: pl.DataFrame
    champion: str
    rho: float | None
    model: dict | None = None
    years: list[int] = field(default_factory=list)


def _fit_methods(train: pl.DataFrame, half_life: float) -> dict:
    from forecast.model.kpi_model import KpiDistribution  # noqa: PLC0415 - lazy: scikit-learn (kpi_model imports it)

    if train.is_empty():
        return {}
    X = design(train)
    years = train[s.FISCAL_YEAR].to_numpy()
    w = recency_weights(years, half_life)
    met = train[KF.MET].to_numpy().astype(int)
    y = squash(train[KF.GAP_END].to_numpy())
    out: dict = {LOGIT: _Logistic(slice(None), C=0.5).fit(X, met, w), NAIVE_LOGISTIC: {}}
    q = train[KF.ORIGIN].to_numpy()
    for origin in ORIGINS:
        at = q == origin
        if at.sum():
            out[NAIVE_LOGISTIC][origin] = _Logistic([0]).fit(X[at], met[at], w[at])
    known = train[KF.KNOWN].to_numpy()
    if known.sum() >= 10 and np.unique(years[known]).size >= 1:
        out[DISTRIBUTION] = KpiDistribution(alpha=1.0).fit(
            X[known], y[known], sample_weight=w[known], groups=years[known]
        )
    return out


def predict_all(st: pl.DataFrame, fitted: dict) -> dict[str, Prediction]:
    """Every candidate's prediction for the states (fitted ones only where ``fitted`` has them)."""
    out = {RULES: rules(st), NAIVE: naive(st)}
    if LOGIT in fitted and DISTRIBUTION in fitted:
        out[LOGIT] = distribution(st, fitted[DISTRIBUTION], fitted[LOGIT].predict(design(st)), LOGIT)
    elif LOGIT in fitted:
        out[LOGIT] = _classifier(LOGIT, st, fitted[LOGIT])
    if fitted.get(NAIVE_LOGISTIC):
        p = np.full(st.height, np.nan)
        q = st[KF.ORIGIN].to_numpy()
        X = design(st)
        for origin, model in fitted[NAIVE_LOGISTIC].items():
            at = q == origin
            if at.any():
                p[at] = model.predict(X[at])
        base = naive(st)
        a = _arrays(st)
        out[NAIVE_LOGISTIC] = _settle(
            a,
            Prediction(
                NAIVE_LOGISTIC, np.where(np.isfinite(p), p, base.p), base.lo, base.mid, base.hi, base.tiers, True
            ),
        )
    if DISTRIBUTION in fitted:
        out[DISTRIBUTION] = distribution(st, fitted[DISTRIBUTION])
    return out


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    pc = np.clip(p, 1e-3, 1 - 1e-3)  # a 0/1 rule would score infinity on its first miss
    return float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))


def _auc(p: np.ndarray, y: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415 - lazy: scikit-learn

    return float(roc_auc_score(y, p)) if 0 < y.sum() < y.size else None


def score(predictions: pl.DataFrame) -> pl.DataFrame:
    """Brier, log loss (chances clipped to 0.001-0.999), AUC and the mean chance per origin and method."""
    rows = []
    for (q, m), g in predictions.group_by(KF.ORIGIN, METHOD):
        p, y = g[P_ATTAIN].to_numpy(), g[KF.MET].cast(pl.Float64).to_numpy()
        rows.append(
            {
                KF.ORIGIN: q,
                METHOD: m,
                "n": g.height,
                "attain_rate": float(y.mean()),
                "mean_p_attain": float(p.mean()),
                "brier": float(np.mean((p - y) ** 2)),
                "log_loss": _log_loss(p, y),
                "auc": _auc(p, y),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            KF.ORIGIN: pl.Int8,
            METHOD: pl.String,
            "n": pl.Int64,
            "attain_rate": pl.Float64,
            "mean_p_attain": pl.Float64,
            "brier": pl.Float64,
            "log_loss": pl.Float64,
            "auc": pl.Float64,
        },
    ).sort(KF.ORIGIN, METHOD)


def reliability(predictions: pl.DataFrame, bins: int = 10) -> pl.DataFrame:
    """Per method and chance bin (tenths): rows, mean chance and the observed rate."""
    return (
        predictions.with_columns((pl.col(P_ATTAIN) * bins).floor().clip(0, bins - 1).cast(pl.Int8).alias("bin"))
        .group_by(METHOD, "bin")
        .agg(
            pl.len().alias("n"),
            pl.col(P_ATTAIN).mean().alias("mean_p"),
            pl.col(KF.MET).cast(pl.Float64).mean().alias("observed"),
        )
        .sort(METHOD, "bin")
    )


def backtest(rows: pl.DataFrame, half_life: float = 2.0, fit_final: bool = False) -> KpiBacktest:
    """Rolling origin by fiscal year: each year from the third (the second, with only two) predicted by every
    candidate fitted on the years before it; the champion has the lowest Brier score among the candidates
    giving a distribution."""
    years = sorted(int(y) for y in rows[s.FISCAL_YEAR].unique().to_list())
    parts = []
    for year in years[2 if len(years) >= 3 else 1 :]:
        test = rows.filter(pl.col(s.FISCAL_YEAR) == year)
        fitted = _fit_methods(rows.filter(pl.col(s.FISCAL_YEAR) < year), half_life)
        for name, pr in predict_all(test, fitted).items():
            parts.append(
                test.select(*KF.KEY, KF.ORIGIN, KF.MET).with_columns(
                    pl.lit(name).alias(METHOD),
                    pl.Series(P_ATTAIN, pr.p),
                    pl.Series("pit", _pit(test, pr)),
                )
            )
    preds = pl.concat(parts) if parts else pl.DataFrame(schema={METHOD: pl.String, P_ATTAIN: pl.Float64})
    metrics = score(preds) if parts else pl.DataFrame()
    champion = RULES
    if parts:
        overall = preds.group_by(METHOD).agg(
            ((pl.col(P_ATTAIN) - pl.col(KF.MET).cast(pl.Float64)) ** 2).mean().alias("brier")
        )
        dist = overall.filter(pl.col(METHOD).is_in(list(DISTRIBUTIONAL))).sort("brier")
        champion = str(dist[METHOD][0]) if dist.height else RULES
    rho = dependence(preds.filter(pl.col(METHOD) == champion)) if parts else None  # on the champion's PIT values
    out = KpiBacktest(preds, metrics, champion, rho, years=years)
    if fit_final and champion in (DISTRIBUTION, LOGIT):
        final = _fit_methods(rows, half_life)
        if DISTRIBUTION in final:
            out.model = {
                "champion": champion,
                "distribution": final[DISTRIBUTION].to_dict(),
                "logit": final[LOGIT].to_dict() if champion == LOGIT else None,
            }
    return out


def fitted(st: pl.DataFrame, model: dict) -> Prediction:
    """The prediction of a saved KPI model (``backtest(...).model``: plain numbers) for KPI states."""
    from forecast.model.kpi_model import KpiDistribution  # noqa: PLC0415 - lazy: scikit-learn (kpi_model imports it)

    est = KpiDistribution.from_dict(model.get("distribution") or model)
    if model.get("champion") == LOGIT and model.get("logit"):
        chance = _Logistic.from_dict(model["logit"]).predict(design(st)) if st.height else None
        return distribution(st, est, chance, LOGIT)
    return distribution(st, est)


def _pit(st: pl.DataFrame, pr: Prediction) -> np.ndarray:
    """The distribution's PIT of the realised year-end gap (NaN where it has none)."""
    return pr.extra.get("pit", np.full(st.height, np.nan))


def dependence(preds: pl.DataFrame) -> float | None:
    """Correlation of KPIs of one project-year at one origin: the normal scores of the out-of-sample PIT
    values, sum of cross products over pairs / pairs / mean square (a one-factor model), in [0, 0.95]."""
    preds = preds.filter(pl.col("pit").is_not_nan() & pl.col("pit").is_not_null())
    if preds.is_empty():
        return None
    z = ndtri(preds["pit"].to_numpy().clip(0.005, 0.995))
    z = z - z.mean()
    g = preds.select(*KF.PROJECT_KEY, KF.ORIGIN).with_columns(pl.Series("z", z))
    agg = g.group_by(*KF.PROJECT_KEY, KF.ORIGIN).agg(
        pl.col("z").sum().alias("s"), (pl.col("z") ** 2).sum().alias("ss"), pl.len().alias("n")
    )
    pairs = float((agg["n"] * (agg["n"] - 1)).sum())
    if pairs < 20:
        return None
    cross = float((agg["s"] ** 2 - agg["ss"]).sum())
    return float(np.clip(cross / pairs / max(float(np.mean(z**2)), 1e-9), 0.0, 0.95))


# --- the chance that at least one KPI of a project misses -----------------------------------------------
_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(40)
_GH_W = _GH_W / _GH_W.sum()


def p_any_miss(p_attain: np.ndarray, groups: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Per group (project): 1 - P(every KPI attains), the KPIs' outcomes linked by a one-factor Gaussian
    copula of correlation ``rho``. Returns the group codes and the chances."""
    codes, inv = np.unique(groups, return_inverse=True)
    p = np.clip(np.nan_to_num(p_attain, nan=0.5), 0.0, 1.0)
    r = float(np.clip(rho, 0.0, 0.999))
    thr = ndtri(np.clip(p, 1e-12, 1 - 1e-12))
    # P(attain | factor f) = Phi((thr - sqrt(r) f) / sqrt(1 - r)); certain outcomes stay certain
    cond = ndtr((thr[:, None] - np.sqrt(r) * _GH_X[None, :]) / np.sqrt(1 - r))
    cond = np.where(p[:, None] >= 1, 1.0, np.where(p[:, None] <= 0, 0.0, cond))
    logc = np.log(np.maximum(cond, 1e-300))
    sums = np.zeros((codes.size, _GH_X.size))
    np.add.at(sums, inv, logc)
    all_attain = np.exp(sums) @ _GH_W
    return codes, np.clip(1 - all_attain, 0.0, 1.0)


# --- training ----------------------------------------------------------------------------------------
def train(kpis: pl.DataFrame | None, results: pl.DataFrame | None, basis: str, half_life: float = 2.0) -> dict:
    """The KPI part of a model set's manifest: the backtest of every candidate, the champion and, when it
    is the fitted distribution, its parameters (plain numbers); ``trained`` says whether a model was fitted
    and ``reason`` why not."""
    if kpis is None or results is None or kpis.is_empty():
        return {"trained": False, "reason": "the history has no KPIs", "reason_code": "history_no_kpis", "basis": basis}
    rows = KF.training_rows(kpis, results)
    years = sorted(int(y) for y in rows[s.FISCAL_YEAR].unique().to_list()) if rows.height else []
    if len(years) < MIN_YEARS:
        return {
            "trained": False,
            "basis": basis,
            "years": years,
            "reason": f"KPI history has {len(years)} complete fiscal year(s) (Q4 reported); "
            f"a KPI model needs at least {MIN_YEARS}",
        }
    bt = backtest(rows, half_life, fit_final=True)
    overall = (
        bt.predictions.group_by(METHOD)
        .agg(((pl.col(P_ATTAIN) - pl.col(KF.MET).cast(pl.Float64)) ** 2).mean().alias("brier"))
        .sort("brier")
    )
    brier = dict(zip(overall[METHOD].to_list(), overall["brier"].to_list(), strict=True))
    champion = bt.champion if bt.model is not None or bt.champion == RULES else RULES
    beaten_by = [m for m in BASELINES if m in brier and champion in brier and brier[m] < brier[champion]]
    return {
        "trained": bt.model is not None,
        "reason": "" if bt.model is not None else "the rules scored better than the fitted model in the backtest",
        "reason_code": "" if bt.model is not None else "rules_better",
        "basis": basis,
        "years": years,
        "rows": rows.height,
        "kpi_years": rows.select(KF.KEY).unique().height,
        "champion": champion,
        "model": bt.model,
        "rho": bt.rho,
        "brier": brier,
        "baselines_beating_champion": beaten_by,
        "metrics": bt.metrics.to_dicts(),
        "reliability": reliability(bt.predictions).to_dicts(),
        "features": list(DESIGN),
    }
