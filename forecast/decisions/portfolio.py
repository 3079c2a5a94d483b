"""The agency and the government as a whole: a joint projection, P(the total misses the target), groups.

Every project's year-end disbursement has its own predictive distribution (a quantile function of its
ratio to the budget known now, on ``models.LEVELS``, budget revisions included). ``draw`` draws all projects *together* through a hierarchical Gaussian copula:

    z_i = √ρ_g · G + √(ρ_a − ρ_g) · A_agency(i) + √(ρ_l − ρ_a) · L_line(i) + √(1 − ρ_l) · ε_i,

with G a government-wide year shock, A one shock per agency and L one per plan line (all
independent standard normals), and y_i = Q_i(Φ(z_i)). Totals are exact sums of the draws, never
sums of quantiles: projects of one agency and one year tend to miss together, and the ranges of
totals are as wide as that makes them - narrower than the sum of the projects' ranges, wider
than independence would say.

The correlations come from history: ``model.dependence.estimate_dependence`` reads the backtest's out-of-sample
probability-integral transforms (each outcome's place in its own predictive distribution,
turned into a normal score) and averages the products of scores of pairs of lines in the same
year (ρ_g), the same year and agency (ρ_a) and the same year, agency and plan line (ρ_l), each
level kept only where the history holds enough pairs. With no history the correlation is an
assumption, ``ASSUMED_RHO`` = 0.3 at every level, and the basis says so.

Draws are seeded and reproducible, made in chunks so that memory stays bounded; the number of
draws falls from 10,000 for small portfolios to 1,000 for a whole government.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy.special import ndtr

from forecast.data import schema as s
from forecast.errors import InputError
from forecast.labels import code
from forecast.model import engine
from forecast.model import features as F
from forecast.model import models as M
from forecast.model.dependence import (
    Dependence,
    quantile,
)

DRAWS = 10_000
MIN_DRAWS = 1_000
SAMPLES = 20_000_000  # draws x projects per portfolio, at most (then fewer draws)
CHUNK = 5_000_000  # draws x projects per chunk
GROUP_BY = {"agency": s.AGENCY, "plan_line": s.PLAN_LINE, "owner": s.OWNER}
ALL = "all"
BASIS_TH = {
    **{b: code("basis", b, "th") for b in ("no history", "synthetic history", "history", "actual")},
    engine.FOREIGN_UNVERIFIED: "ชุดแบบจำลองจากคลังข้อมูลอื่น (ตรวจสอบที่มาไม่ได้)",
    engine.FOREIGN_SYNTHETIC: "ชุดแบบจำลองจากคลังข้อมูลอื่น ฝึกจากข้อมูลจำลอง",
    engine.FOREIGN_HISTORY: "ชุดแบบจำลองจากคลังข้อมูลอื่น ฝึกจากข้อมูลย้อนหลังของคลังนี้",
}

GROUP_BY_COLUMN, GROUP, PROJECTS, BASIS = "group_by", "group", "projects", "basis"
GROUP_COLUMN = GROUP  # what a row is grouped by (agency, ...; all) and its group
PLAN_TO_DATE, DISBURSED_TO_DATE, SPEND_TO_DATE = "plan_to_date", "disbursed_to_date", "spend_to_date"
DISBURSED_P10, DISBURSED_P50, DISBURSED_P90 = "disbursed_p10", "disbursed_p50", "disbursed_p90"
SHARE_P50, P_MISS_TARGET, SHORTFALL = "disbursed_share_p50", "p_miss_target", "expected_shortfall"
COLUMNS = [
    GROUP_BY_COLUMN,
    GROUP,
    PROJECTS,
    s.BUDGET,
    PLAN_TO_DATE,
    DISBURSED_TO_DATE,
    SPEND_TO_DATE,
    DISBURSED_P10,
    DISBURSED_P50,
    DISBURSED_P90,
    SHARE_P50,
    P_MISS_TARGET,
    SHORTFALL,
    BASIS,
]
BASIS_TH_COLUMN = "basis_th"  # the basis in Thai, next to the contract's columns
EXACT_MONEY = (s.BUDGET, "plan_to_date", "disbursed_to_date", "spend_to_date")  # sums of reported figures
DRAWN_MONEY = ("disbursed_p10", "disbursed_p50", "disbursed_p90", "expected_shortfall")  # from the draws
TEXT = (GROUP_BY_COLUMN, GROUP_COLUMN, "basis", BASIS_TH_COLUMN)


# --- joint draws --------------------------------------------------------------------------------------
def _codes(values: list) -> np.ndarray:
    return pl.Series(values, dtype=pl.String).fill_null("?").cast(pl.Categorical).to_physical().to_numpy()


def draw(
    grid: np.ndarray | Sequence[np.ndarray],
    agency: list,
    plan_line: list,
    dep: Dependence,
    draws: int,
    seed: int = 0,
    groups: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    floor: np.ndarray | None = None,
):
    """Joint draws of every project's year-end share.

    Returns the shares (draws x projects) when ``groups`` is None; otherwise, for memory, the sums of
    ``weights`` x share per group (draws x number of groups), ``groups`` giving each project's group index.
    Given several grids (the same projects' quantile functions of different quantities), the same normal
    scores serve all of them and a list comes back, one result per grid.
    """
    grids = [grid] if isinstance(grid, np.ndarray) else list(grid)
    n = grids[0].shape[0]
    weights = np.ones(n) if weights is None else weights
    rng = np.random.default_rng(seed)
    a_code = _codes(agency)
    l_code = _codes([f"{a}\x1f{p}" for a, p in zip(agency, plan_line)])
    w_g, w_a, w_l = np.sqrt(dep.government), np.sqrt(dep.agency - dep.government), np.sqrt(dep.plan_line - dep.agency)
    w_e = np.sqrt(1 - dep.plan_line)
    per_chunk = max(1, CHUNK // max(n, 1))
    if groups is not None:  # weights x share summed per group: one sparse product per chunk
        from scipy.sparse import csr_matrix  # noqa: PLC0415 - lazy: scipy.sparse

        by_group = csr_matrix((weights, (np.arange(n), groups)), shape=(n, int(groups.max()) + 1)).T.tocsr()
    out: list[list[np.ndarray]] = [[] for _ in grids]
    for start in range(0, draws, per_chunk):
        k = min(per_chunk, draws - start)
        z = (
            w_g * rng.standard_normal((k, 1))
            + w_a * rng.standard_normal((k, a_code.max() + 1))[:, a_code]
            + w_l * rng.standard_normal((k, l_code.max() + 1))[:, l_code]
            + w_e * rng.standard_normal((k, n))
        )
        u = ndtr(z)
        for j, g in enumerate(grids):
            y = quantile(g, u)
            if floor is not None:
                y = np.maximum(y, floor[None, :])
            out[j].append(y if groups is None else np.asarray((by_group @ y.T).T))
    results = [np.concatenate(o, axis=0) for o in out]
    return results[0] if isinstance(grid, np.ndarray) else results


def n_draws(projects: int, requested: int = DRAWS) -> int:
    """10,000 draws, fewer for a whole government (at least 1,000) so that a portfolio takes seconds."""
    return int(np.clip(SAMPLES // max(projects, 1), MIN_DRAWS, requested))


# --- the portfolio table ------------------------------------------------------------------------------
def portfolio(
    projection: pl.DataFrame,
    projects: pl.DataFrame,
    target: float,
    by: str | None = None,
    dependence: Dependence | None = None,
    draws: int = DRAWS,
    seed: int = 0,
    basis: str = "",
) -> pl.DataFrame:
    """One row for the whole portfolio and one per group (``by``: agency, plan_line or owner).

    ``projection`` comes from ``engine.project`` (with its quantile grid), ``projects`` is the
    snapshot's projects table. Amounts are in the store's unit, of the budgets in force now.
    """
    dep = dependence or Dependence()
    if projection.is_empty():
        return pl.DataFrame(schema=_schema())
    keys = [s.FISCAL_YEAR, s.PROJECT_ID]
    info = projects.select(*keys, s.AGENCY, s.OWNER, s.PLAN_LINE)
    p = projection.join(info, on=keys, how="left").with_columns(F.group_agency().alias("__agency"))
    budget = p[s.BUDGET].cast(pl.Float64).to_numpy()
    grid = np.column_stack([p[M.level(M.AMOUNT, q)].cast(pl.Float64).to_numpy() for q in M.LEVELS])
    shares = np.column_stack([p[M.level(s.DISBURSED, q)].cast(pl.Float64).to_numpy() for q in M.LEVELS])
    done = p[engine.DISBURSED_TO_DATE].cast(pl.Float64).fill_null(0).to_numpy()
    floor = np.where(budget > 0, done / np.where(budget > 0, budget, 1), 0)
    column = GROUP_BY.get(by) if by else None
    if by and column is None:
        raise InputError(f"a portfolio is grouped by agency, plan_line or owner; got {by!r}.")
    labels = ["__all__"] * p.height
    if column:
        src = "__agency" if column == s.AGENCY else column
        labels = [x if x not in (None, "") else "(none)" for x in p[src].to_list()]
    names = sorted(set(labels) - {"__all__"})
    index = {g: i + 1 for i, g in enumerate(names)}
    groups = np.array([index.get(g, 0) for g in labels])
    k = n_draws(p.height, draws)
    all_groups = np.where(groups == 0, 0, groups)
    # amounts from the amount model; P(miss) from the share model (shares of the final budget, weighted by
    # today's budgets); the same seed gives both the same normal scores, so the two move together
    weights = np.where(budget > 0, budget, 0)
    agencies, lines = p["__agency"].to_list(), p[s.PLAN_LINE].to_list()
    sums, share_sums = draw([grid, shares], agencies, lines, dep, k, seed, all_groups, weights, floor)
    total = sums.sum(axis=1) if names else sums[:, 0]
    share_total = share_sums.sum(axis=1) if names else share_sums[:, 0]
    money = _money_sums(p, groups)
    counts = np.bincount(groups, minlength=len(names) + 1)
    budgets = np.bincount(groups, weights=budget, minlength=len(names) + 1)
    rows = [_row(ALL, ALL, p.height, float(budget.sum()), money[ALL], total, share_total, target, basis, dep, k)]
    for g in names:
        i = index[g]
        rows.append(
            _row(
                by or "",
                g,
                int(counts[i]),
                float(budgets[i]),
                money[i],
                sums[:, i],
                share_sums[:, i],
                target,
                basis,
                dep,
                k,
            )
        )
    return pl.DataFrame(rows, schema=_schema(raw=True)).with_columns(
        pl.col(c).round(s.DISPLAY_DECIMALS).cast(s.MONEY) for c in DRAWN_MONEY
    )


def _schema(raw: bool = False) -> dict[str, pl.DataType]:
    """Money as exact decimals (drawn amounts rounded to four decimals), counts as integers."""

    def dtype(c: str) -> pl.DataType:
        if c in TEXT:
            return pl.String()
        if c == "projects":
            return pl.Int64()
        if c in EXACT_MONEY or (c in DRAWN_MONEY and not raw):
            return s.MONEY
        return pl.Float64()

    return {c: dtype(c) for c in [*COLUMNS, BASIS_TH_COLUMN]}


MONEY_SOURCES = {
    s.BUDGET: s.BUDGET,
    "plan_to_date": engine.PLAN_TO_DATE,
    "disbursed_to_date": engine.DISBURSED_TO_DATE,
    "spend_to_date": engine.SPEND_TO_DATE,
}


def _money_sums(p: pl.DataFrame, groups: np.ndarray) -> dict:
    """Exact sums of the reported amounts per group index and for everything (``ALL``); None where none
    is reported."""
    frame = p.select(
        pl.Series("__g", groups), *(pl.col(src).cast(s.MONEY).alias(c) for c, src in MONEY_SOURCES.items())
    )
    agg = [pl.when(pl.col(c).count() > 0).then(pl.col(c).sum()).alias(c) for c in MONEY_SOURCES]
    out: dict = {row.pop("__g"): row for row in frame.group_by("__g").agg(agg).iter_rows(named=True)}
    out[ALL] = frame.select(agg).row(0, named=True)
    return out


def _row(
    group_by: str,
    group: str,
    n: int,
    b: float,
    money: dict,
    totals: np.ndarray,
    share_totals: np.ndarray,
    target: float,
    basis: str,
    dep: Dependence,
    k: int,
) -> dict:
    goal = target * b
    settled = basis == engine.ACTUAL
    lo, mid, hi = np.quantile(totals, [0.1, 0.5, 0.9])
    return {
        GROUP_BY_COLUMN: group_by,
        GROUP_COLUMN: group,
        "projects": n,
        **money,
        "disbursed_p10": float(lo),
        "disbursed_p50": float(mid),
        "disbursed_p90": float(hi),
        "disbursed_share_p50": float(mid / b) if b > 0 else None,
        "p_miss_target": float(np.mean(share_totals < goal)) if b > 0 else None,
        "expected_shortfall": float(np.mean(np.maximum(goal - totals, 0))),
        # every line's year is over: the totals are sums of actuals, with nothing drawn or assumed
        "basis": "; ".join(x for x in (basis, *(() if settled else (dep.describe(), f"{k:,} joint draws"))) if x),
        BASIS_TH_COLUMN: "; ".join(
            x
            for x in (
                ", ".join(BASIS_TH.get(b, b) for b in basis.split(", ")),
                *(() if settled else (dep.describe("th"), f"จำลองร่วม {k:,} ครั้ง")),
            )
            if x
        ),
    }
