"""Projection of a snapshot's current year with a model set: every project from its last reported quarter.

``project(snapshot, models)`` is the one projection path: ``YearEndForecaster.predict`` and
``engine.project`` both call it. With no model set, the structural rule projects ("no history");
a project with all four quarters reported gets its actuals. The column names of a projection are
declared here.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from forecast.data import schema as s
from forecast.data.snapshot import HISTORY as HISTORY_BASIS
from forecast.data.snapshot import SYNTHETIC as SYNTHETIC_BASIS
from forecast.data.snapshot import Snapshot
from forecast.model import backtest as B
from forecast.model import features as F
from forecast.model import models as M
from forecast.model import registry
from forecast.model import yeareffect as YE
from forecast.model.registry import FOREIGN_HISTORY, FOREIGN_SYNTHETIC, FOREIGN_UNVERIFIED

HISTORY, SYNTHETIC, NO_HISTORY = HISTORY_BASIS, SYNTHETIC_BASIS, "no history"
# each basis a projection may carry, and the suffix of the labels that say it (basis_..., cli_basis_..., cli_word_...)
BASIS_KINDS = {
    NO_HISTORY: "no_history",
    SYNTHETIC: "synthetic",
    HISTORY: "history",
    FOREIGN_HISTORY: "foreign_history",
    FOREIGN_SYNTHETIC: "foreign_synthetic",
    FOREIGN_UNVERIFIED: "foreign_unverified",
}
ACTUAL = "actual"
BASIS = "basis"
P_MISS_DISBURSEMENT = "p_miss_disbursement"
P_SPEND_BELOW_BUDGET = "p_miss_spend"
FULL_SPEND = 0.995  # "money left unused" means year-end spend below 99.5% of the budget
PLAN_TO_DATE = "plan_to_date"
DISBURSED_TO_DATE = B.DISBURSED_TO_DATE
SPEND_TO_DATE = B.SPEND_TO_DATE
COMMITMENTS = "commitments_reported"
projected = B.amount

PROJECTION_COLUMNS = [
    s.FISCAL_YEAR,
    s.PROJECT_ID,
    s.NAME_EN,
    s.AS_OF,
    F.ORIGIN,
    s.BUDGET,
    PLAN_TO_DATE,
    DISBURSED_TO_DATE,
    SPEND_TO_DATE,
    *(projected(f, p) for f in M.TARGET_FLOWS for p in B.BANDS),
    B.MODEL,
    BASIS,
]
DRIVER_FEATURES = [
    F.share(F.cum(s.PLAN)),
    F.share(F.cum(s.DISBURSED)),
    F.share(F.cum(s.SPEND)),
    F.cum(s.COMMITTED),
    F.share(F.cum(s.COMMITTED)),
    F.pace(s.DISBURSED),
    F.CONVERSION,
    F.momentum(s.DISBURSED),
    F.RESTATED_SHARE,
    F.QUARTERS_LEFT,
    F.BUDGET_REVISION,
    F.BUDGET_REVISION_COUNT,
]
EXTRA_COLUMNS = [
    P_MISS_DISBURSEMENT,
    P_SPEND_BELOW_BUDGET,
    COMMITMENTS,
    *(B.band(f, p) for f in M.TARGET_FLOWS for p in B.BANDS),
    *DRIVER_FEATURES,
    *(M.level(f, q) for f in (s.DISBURSED, M.AMOUNT) for q in M.LEVELS),
]

_COUNTS = (F.QUARTERS_LEFT, F.BUDGET_REVISION_COUNT)
# the projection's frame, declared once: every column and its type (an empty projection has them too)
SCHEMA = pl.Schema(
    {
        s.FISCAL_YEAR: pl.Int32(),
        s.PROJECT_ID: pl.String(),
        s.NAME_EN: pl.String(),
        s.AS_OF: pl.Date(),
        F.ORIGIN: pl.Int8(),
        s.BUDGET: s.MONEY,
        PLAN_TO_DATE: s.MONEY,
        DISBURSED_TO_DATE: s.MONEY,
        SPEND_TO_DATE: s.MONEY,
        **{projected(f, p): s.MONEY for f in M.TARGET_FLOWS for p in B.BANDS},
        B.MODEL: pl.String(),
        BASIS: pl.String(),
        P_MISS_DISBURSEMENT: pl.Float64(),
        P_SPEND_BELOW_BUDGET: pl.Float64(),
        COMMITMENTS: pl.Boolean(),
        **{B.band(f, p): pl.Float64() for f in M.TARGET_FLOWS for p in B.BANDS},
        **{c: (pl.Int32() if c in _COUNTS else pl.Float64()) for c in DRIVER_FEATURES},
        **{M.level(f, q): pl.Float64() for f in (s.DISBURSED, M.AMOUNT) for q in M.LEVELS},
    }
)
assert list(SCHEMA) == [*PROJECTION_COLUMNS, *EXTRA_COLUMNS]


def basis_kind(basis: object) -> str:
    """The label suffix of a basis; anything not known here reads as unverified, never as history."""
    return BASIS_KINDS.get(basis, BASIS_KINDS[FOREIGN_UNVERIFIED]) if isinstance(basis, str) else "foreign_unverified"


def project(
    snap: Snapshot, models: registry.ModelSet | None = None, threshold: float = s.DEFAULT_TARGET
) -> pl.DataFrame:
    """Year-end disbursed and spend of every project of the snapshot's latest fiscal year (p10/p50/p90).

    Each project is projected from its last reported quarter by the model set's champion for that
    origin; with no model set, by the structural model ("no history"). A project with all four quarters
    reported gets its actuals ("actual"). Amounts are in the store's unit, of the budget in force now;
    spend is empty where commitments are not reported.
    """
    year = snap.fiscal_year
    if year is None:
        return pl.DataFrame(schema=SCHEMA)
    current = snap.years([year - 1, year])
    X = F.build_current(F.panel(current), threshold).filter(pl.col(s.FISCAL_YEAR) == year)
    parts = []
    for q in sorted(X[F.ORIGIN].unique().to_list()):
        parts.append(_project_origin(X.filter(pl.col(F.ORIGIN) == q), int(q), models, threshold))
    out = pl.concat(parts, how="diagonal_relaxed").sort(F.KEY)
    names = snap.projects.select(s.FISCAL_YEAR, s.PROJECT_ID, s.NAME_EN)
    dates = snap.finance.filter(pl.col(s.FISCAL_YEAR) == year).group_by(F.KEY).agg(pl.col(s.AS_OF).max())
    money = [
        PLAN_TO_DATE,
        DISBURSED_TO_DATE,
        SPEND_TO_DATE,
        *(projected(f, p) for f in M.TARGET_FLOWS for p in B.BANDS),
    ]
    return (
        out.join(names, on=F.KEY, how="left")
        .join(dates, on=F.KEY, how="left")
        .with_columns(
            *(pl.col(c).cast(pl.Float64).round(s.DISPLAY_DECIMALS).cast(s.MONEY) for c in money),
            pl.col(s.BUDGET).cast(pl.Float64).round(s.MONEY_DECIMALS).cast(s.MONEY),
            pl.col(F.QUARTERS_LEFT).cast(pl.Int32),
        )
        .select(*PROJECTION_COLUMNS, *EXTRA_COLUMNS)
        .cast(SCHEMA)
        .sort(F.KEY)
    )


def _project_origin(X: pl.DataFrame, q: int, ms: registry.ModelSet | None, threshold: float) -> pl.DataFrame:
    """Share, amount and spend distributions of the projects at one origin quarter."""
    cols: dict[str, np.ndarray] = {}
    spend_known = X[F.share(F.cum(s.SPEND))].is_not_null().to_numpy()
    n = X.height
    targets = (s.DISBURSED, M.AMOUNT, s.SPEND)
    if q == 4:
        model, basis = ACTUAL, ACTUAL
        for f in targets:
            done = M.to_date(X, M.FLOW[f])
            cols.update({B.band(f, p): done for p in B.BANDS})
        cols.update({M.level(f, lv): cols[B.band(f, 50)] for f in (s.DISBURSED, M.AMOUNT) for lv in M.LEVELS})
        cols[P_MISS_DISBURSEMENT] = (cols[B.band(s.DISBURSED, 50)] < threshold).astype(float)
        cols[P_SPEND_BELOW_BUDGET] = (cols[B.band(s.SPEND, 50)] < FULL_SPEND).astype(float)
    else:
        stretch = M.NO_STRETCH
        if ms is not None and q in ms.origins:
            model, basis = ms.champion(q), ms.basis
            chosen = dict(ms.origins[q][model])
            effect = YE.of_manifest(X, ms.manifest, q, int(X[s.FISCAL_YEAR][0])) if X.height else None
            stretch = effect.stretch if effect is not None else M.NO_STRETCH
        else:
            model, basis = M.STRUCTURAL, NO_HISTORY
            chosen = {f: M.Calibrated(M.StructuralRule(target=f).fit(X)) for f in targets}
        outs = {
            f: chosen[f].predict(X, {s.DISBURSED: threshold, s.SPEND: FULL_SPEND}.get(f), stretch=stretch)
            for f in targets
            if f in chosen
        }
        if M.AMOUNT not in outs:  # a model set without an amount model: the disbursed share of today's budget
            outs[M.AMOUNT] = outs[s.DISBURSED]
        for f in targets:
            if f in outs:
                cols.update({B.band(f, p): outs[f][f"p{p}"] for p in B.BANDS})
            else:
                cols.update({B.band(f, p): np.full(n, np.nan) for p in B.BANDS})
        cols.update(
            {M.level(f, lv): outs[f]["grid"][:, i] for f in (s.DISBURSED, M.AMOUNT) for i, lv in enumerate(M.LEVELS)}
        )
        cols[P_MISS_DISBURSEMENT] = outs[s.DISBURSED]["p_below"]
        cols[P_SPEND_BELOW_BUDGET] = outs[s.SPEND]["p_below"] if s.SPEND in outs else np.full(n, np.nan)
    for f in targets:  # the year end is never below what is already paid or contracted (barring refunds)
        done = M.to_date(X, M.FLOW[f])
        for p in B.BANDS:
            cols[B.band(f, p)] = np.maximum(cols[B.band(f, p)], done)
    done = M.to_date(X, s.DISBURSED)
    for f in (s.DISBURSED, M.AMOUNT):
        for lv in M.LEVELS:
            cols[M.level(f, lv)] = np.maximum(cols[M.level(f, lv)], done)
    cols[P_MISS_DISBURSEMENT] = np.where(done >= threshold, 0.0, cols[P_MISS_DISBURSEMENT])
    M.coherent(cols)
    # a line with no budget (closed during the year, or not funded) has no share to reach: not applicable
    no_money = ~(X[s.BUDGET].cast(pl.Float64).fill_null(0.0).to_numpy() > 0)
    for p_name in (P_MISS_DISBURSEMENT, P_SPEND_BELOW_BUDGET):
        cols[p_name] = np.where(no_money, np.nan, cols[p_name])
    for p in B.BANDS:  # no commitments reported: no spend projection
        cols[B.band(s.SPEND, p)] = np.where(spend_known, cols[B.band(s.SPEND, p)], np.nan)
    cols[P_SPEND_BELOW_BUDGET] = np.where(spend_known, cols[P_SPEND_BELOW_BUDGET], np.nan)
    budget = X[s.BUDGET].to_numpy()
    amount_of = {s.DISBURSED: M.AMOUNT, s.SPEND: s.SPEND}
    return X.select(
        *F.KEY,
        pl.lit(q, pl.Int8).alias(F.ORIGIN),
        s.BUDGET,
        pl.col(F.cum(s.PLAN)).alias(PLAN_TO_DATE),
        pl.col(F.cum(s.DISBURSED)).alias(DISBURSED_TO_DATE),
        pl.col(F.cum(s.SPEND)).alias(SPEND_TO_DATE),
        *DRIVER_FEATURES,
    ).with_columns(
        *(
            pl.Series(projected(f, p), cols[B.band(amount_of[f], p)] * budget).fill_nan(None)
            for f in M.TARGET_FLOWS
            for p in B.BANDS
        ),
        pl.lit(model).alias(B.MODEL),
        pl.lit(basis).alias(BASIS),
        pl.Series(COMMITMENTS, spend_known),
        *(pl.Series(k, v).fill_nan(None) for k, v in cols.items() if not k.startswith(M.AMOUNT + "_share_p")),
    )
