"""Synthetic multi-agency, multi-year history in the template, reproducible from a seed.

The reference report holds one fiscal year, so models are trained and tested on
a simulated history until an agency loads its own. Everything this module writes
is marked synthetic: project ids start with ``sim-``, English names with
``[synthetic]``, and a ``SYNTHETIC.md`` describing the run is written beside the files.

Generative model (per project p of agency g, fiscal year y; calibrated to the
ETDA FY2569 report, where the plan is front-loaded - on average 49% of the budget
in Q1, 32% in Q2, 1.5% in Q3, 18% in Q4 - contracts run far ahead of payments
- 51% of the budget contracted by the end of Q1, 11% disbursed - and Q3 is quiet):

* execution θ = agency effect a_g ~ N(0, 0.35) + project effect u_p ~ N(0, 0.45)
  (both persistent across years) + year shock e ~ N(0, 0.40);
* budget: B = b_p · exp(N(0, 0.15)), b_p ~ LogNormal(log 35 MTHB, 0.9);
* plan shares by quarter ~ Dirichlet(30 · (0.45, 0.30, 0.04, 0.21)), summing to the budget;
* contracting (spend = disbursed + commitments outstanding) leads the plan: the
  cumulative share contracted by quarter q is S · (1 - (1 - P_q)^κ), where P_q is
  the cumulative plan share, S = sigmoid(3.0 + 1.3 θ) the share contracted by year
  end and κ = exp(0.3 + 0.4 θ + N(0, 0.2)) how early contracts are signed;
* payments follow contracts: in quarter q a share ρ_q of the commitments outstanding
  at the start of the quarter is paid, plus 0.6 ρ_q of the contracts signed in it,
  with ρ = sigmoid(-0.85 + 0.6 θ + c_p), c_p ~ N(0, 0.35) a persistent payment speed
  (plus N(0, 0.25) a year), ρ_3 = 1.3 ρ, and a Q4 catch-up ρ_4 = 1 - (1 - ρ)^7;
  each flow has ±15% quarter noise;
* what is still committed at year end carries over (spend share - disbursed share);
* restatements: in 12% of project-years the mid-year report (as of the end of Q2)
  under-reports Q1 or Q2 disbursements by 10-70% (payments booked late, still shown
  as committed); the year-end report carries the true figures;
* KPIs: a count KPI with cumulative quarterly levels and 50/75/100-point tiers
  (progress ∝ exp(0.35 θ_k)); with probability 0.6 an annual satisfaction survey
  (percent, measured only in Q4, around target + 6 θ_k); with probability 0.5 a
  milestone (at least 1 item, planned in Q2-Q4, late by about -0.8 θ_k quarters);
  θ_k = 0.6 θ + N(0, 0.5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import SYNTHETIC_MARKER, SYNTHETIC_PREFIX, SYNTHETIC_TAG
from forecast.errors import InputError
from forecast.model import realistic

PLAN_MEAN = (0.45, 0.30, 0.04, 0.21)
PLAN_CONCENTRATION = 30.0
RESTATED_RATE = 0.12
PLAN_LINES = (
    "แผนงานยุทธศาสตร์พัฒนาเศรษฐกิจและสังคมดิจิทัล",
    "แผนงานพื้นฐานด้านการพัฒนาและเสริมสร้างศักยภาพคน",
    "แผนงานบูรณาการรัฐบาลดิจิทัล",
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _units(x: np.ndarray) -> np.ndarray:
    """MTHB as integer 1/10,000ths, so that flows and identities are exact to four decimals."""
    return np.rint(x * 10_000).astype(np.int64)


def simulate(
    projects: int = 90,
    years: int = 6,
    seed: int = 0,
    as_of_quarter: int | None = None,
    agencies: int | None = None,
    last_year: int | None = None,
    calendar: FiscalCalendar | None = None,
    profile: str = "default",
    year_shock: float | None = None,
) -> dict[str, pl.DataFrame]:
    """Simulate ``years`` fiscal years of ``projects`` projects; returns the four template tables.

    Parameters
    ----------
    projects : projects per fiscal year (the same projects every year).
    years : number of fiscal years.
    seed : random seed; the same arguments give identical tables.
    as_of_quarter : if given (1-4), the last year is the current year, reported up to this quarter.
    agencies : number of agencies (default: one per nine projects, as in the reference).
    last_year : the last fiscal year (default: 2569 for a current year, else 2568; in the calendar's era).
    year_shock : the real profile's sd of the shock shared by every line of a year (default 0.35).
    """
    if projects < 1 or years < 1:
        raise InputError(f"a simulation needs at least 1 project and 1 year; got {projects} and {years}.")
    if as_of_quarter is not None and as_of_quarter not in s.QUARTERS:
        raise InputError(f"the current year's last reported quarter must be 1-4; got {as_of_quarter}.")
    if profile == "real":
        shock = realistic.YEAR_SHOCK if year_shock is None else year_shock
        return realistic.simulate(projects, years, seed, as_of_quarter, agencies, last_year, calendar, shock)
    if profile != "default":
        raise InputError(f"the simulation profile is 'default' or 'real'; got {profile!r}.")
    if year_shock is not None:
        raise InputError("a year shock is a setting of the real profile (--profile real).")
    cal = calendar or FiscalCalendar()
    # every draw below comes from this one generator in a fixed order: reordering them changes every table
    rng = np.random.default_rng(seed)
    n_ag = agencies or max(1, round(projects / 9))
    last_year = last_year if last_year is not None else realistic.default_last_year(cal, as_of_quarter)
    fys = np.arange(last_year - years + 1, last_year + 1)
    agency = np.arange(projects) % n_ag
    theta, c_p, b_p = _execution(rng, agency, n_ag, years)
    budget_u, plan_u, P_cum = _plans(rng, b_p, years)
    spend_u, disb_u = _flows(rng, theta, c_p, P_cum, budget_u / 10_000)
    restated = _restatements(rng, theta.shape)

    last_q = np.full(years, 4)
    if as_of_quarter:
        last_q[-1] = as_of_quarter

    kpi_draws = _KpiDraws.of(rng, theta)
    ids = np.array([f"{SYNTHETIC_PREFIX}a{g:03d}-p{p:05d}" for p, g in zip(range(projects), agency)])
    frames = {
        "projects": _projects(fys, ids, agency, budget_u, rng),
        "finance": _finance(cal, fys, ids, plan_u, disb_u, spend_u, last_q, *restated),
        **_kpis(cal, fys, ids, last_q, kpi_draws, rng),
    }
    return {name: frames[name].select(s.TABLES[name].names) for name in s.TABLES if name in frames}


def _execution(rng, agency: np.ndarray, n_ag: int, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Execution θ (years x projects), the persistent payment speed c_p and the base budgets b_p."""
    P = agency.size
    a = rng.normal(0, 0.35, n_ag)[agency]
    u = rng.normal(0, 0.45, P)
    c_p = rng.normal(0, 0.35, P)
    b_p = np.clip(rng.lognormal(np.log(35), 0.9, P), 0.5, 3000)
    theta = a + u + rng.normal(0, 0.40, (years, P))
    return theta, c_p, b_p


def _plans(rng, b_p: np.ndarray, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Budgets and quarterly plans in 1/10,000ths, and the cumulative plan shares."""
    Y, P = years, b_p.size
    budget_u = _units(b_p * np.exp(rng.normal(0, 0.15, (Y, P))))
    budget = budget_u / 10_000
    w = rng.dirichlet(PLAN_CONCENTRATION * np.asarray(PLAN_MEAN), (Y, P))
    plan_u = _units(budget[..., None] * w)
    plan_u[..., 3] = budget_u - plan_u[..., :3].sum(-1)
    P_cum = np.cumsum(plan_u, -1) / np.maximum(budget_u, 1)[..., None]
    return budget_u, plan_u, P_cum


def _flows(rng, theta, c_p, P_cum, budget) -> tuple[np.ndarray, np.ndarray]:
    """Quarterly spend (contracts) and disbursements in 1/10,000ths: contracts lead the plan, payments follow."""
    Y, P = theta.shape
    S = _sigmoid(3.0 + 1.3 * theta)
    kappa = np.exp(0.3 + 0.4 * theta + rng.normal(0, 0.2, (Y, P)))
    C = S[..., None] * (1 - (1 - np.clip(P_cum, 0, 1)) ** kappa[..., None])
    C = np.maximum.accumulate(C * np.exp(rng.normal(0, 0.05, (Y, P, 4))).clip(0, None), axis=-1)
    C = np.minimum(C, 1.0)
    rho = _sigmoid(-0.85 + 0.6 * theta + c_p + rng.normal(0, 0.25, (Y, P)))
    rhos = np.stack([rho, rho, np.minimum(0.95, 1.3 * rho), 1 - (1 - rho) ** 7], -1)
    D = np.zeros((Y, P, 4))
    prev_d, prev_c = np.zeros((Y, P)), np.zeros((Y, P))
    for q in range(4):
        new = C[..., q] - prev_c
        flow = (rhos[..., q] * (prev_c - prev_d) + 0.6 * rhos[..., q] * new) * np.exp(rng.normal(0, 0.15, (Y, P)))
        flow = np.clip(flow, 0, C[..., q] - prev_d)
        D[..., q] = prev_d + flow
        prev_d, prev_c = D[..., q], C[..., q]
    c_cum_u = _units(C * budget[..., None])
    d_cum_u = np.minimum(_units(D * budget[..., None]), c_cum_u)
    return np.diff(c_cum_u, axis=-1, prepend=0), np.diff(d_cum_u, axis=-1, prepend=0)


def _restatements(rng, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which project-years' mid-year reports book payments late, in which quarter (0: Q1, 1: Q2) and how much."""
    restated = rng.random(shape) < RESTATED_RATE
    late_q = rng.integers(0, 2, shape)
    late_frac = rng.uniform(0.1, 0.7, shape)
    return restated, late_q, late_frac


@dataclass(frozen=True)
class _KpiDraws:
    """The KPIs' random make-up: execution per KPI, which projects have a survey and a milestone, the targets."""

    theta_k: np.ndarray  # years x projects x 3 KPIs
    has_survey: np.ndarray
    has_milestone: np.ndarray
    count_target: np.ndarray
    milestone_q: np.ndarray
    survey_target: np.ndarray

    @classmethod
    def of(cls, rng, theta: np.ndarray) -> _KpiDraws:
        """Drawn from ``rng`` (after the finance draws) around the projects' execution ``theta``."""
        Y, P = theta.shape
        theta_k = 0.6 * theta[..., None] + rng.normal(0, 0.5, (Y, P, 3))
        has_survey = rng.random(P) < 0.6
        has_milestone = rng.random(P) < 0.5
        count_target = np.maximum(5, np.rint(rng.lognormal(np.log(200), 1.0, P))).astype(np.int64)
        milestone_q = rng.integers(2, 5, P)
        survey_target = rng.choice([70, 75, 80, 85], P)
        return cls(theta_k, has_survey, has_milestone, count_target, milestone_q, survey_target)


def _projects(fys, ids, agency, budget_u, rng) -> pl.DataFrame:
    Y, P = budget_u.shape
    line = rng.integers(0, len(PLAN_LINES), P)
    return pl.DataFrame(
        {
            s.FISCAL_YEAR: np.repeat(fys, P).astype(np.int32),
            s.PROJECT_ID: np.tile(ids, Y),
            s.AS_OF: pl.Series([None] * (Y * P), dtype=pl.Date),
            s.NAME_TH: np.tile([f"โครงการจำลอง {i + 1}" for i in range(P)], Y),
            s.NAME_EN: np.tile([f"{SYNTHETIC_TAG} Project {i + 1}" for i in range(P)], Y),
            s.PLAN_LINE: np.tile(np.asarray(PLAN_LINES)[line], Y),
            s.OWNER: "",
            s.BUDGET: budget_u.ravel() / 10_000,
            s.BUDGET_CUT: 0.0,
            s.AGENCY: np.tile([f"SIM-AGENCY-{g + 1:03d}" for g in agency], Y),
        }
    )


def _finance(cal, fys, ids, plan_u, disb_u, spend_u, last_q, restated, late_q, late_frac) -> pl.DataFrame:
    _Y, P, _ = plan_u.shape
    frames = []
    for yi, fy in enumerate(fys):
        L = int(last_q[yi])
        vintages = [(L, cal.quarter_end(int(fy), L) if L < 4 else cal.year_end(int(fy)), False)]
        if L >= 3:
            vintages.insert(0, (2, cal.quarter_end(int(fy), 2), True))
        for known, as_of, early in vintages:
            d = disb_u[yi].copy()
            if early:  # the mid-year report books some payments late (restated at year end)
                for q in (0, 1):
                    hit = restated[yi] & (late_q[yi] == q)
                    d[hit, q] -= np.rint(d[hit, q] * late_frac[yi, hit]).astype(np.int64)
            sp = spend_u[yi]
            reported = np.arange(4) < known
            frames.append(
                pl.DataFrame(
                    {
                        s.FISCAL_YEAR: np.full(P * 4, fy, dtype=np.int32),
                        s.PROJECT_ID: np.repeat(ids, 4),
                        s.QUARTER: np.tile(np.arange(1, 5), P).astype(np.int8),
                        s.AS_OF: [as_of] * (P * 4),
                        s.PLAN: plan_u[yi].ravel() / 10_000,
                        s.DISBURSED: np.where(reported, d, 0).ravel() / 10_000,
                        s.COMMITTED: np.where(reported, sp - d, 0).ravel() / 10_000,
                        s.SPEND: np.where(reported, sp, 0).ravel() / 10_000,
                        "__reported": np.tile(reported, P),
                    }
                ).with_columns(*(pl.when(pl.col("__reported")).then(pl.col(c)) for c in s.ACTUALS))
            )
    return pl.concat(frames).with_columns(*(pl.lit(None, pl.Float64).alias(c) for c in s.CUM_REPORTED.values()))


_COUNT_LEVELS = (0.15, 0.45, 0.70, 1.0)  # the count KPI's cumulative plan by quarter, as shares of its target
_KPI_CAST = {s.QUARTER: pl.Int8, s.FISCAL_YEAR: pl.Int32}
_Kpi = tuple[pl.DataFrame, list[pl.DataFrame]]  # a KPI's definitions and its results, a frame per quarter


def _kpis(cal, fys, ids, last_q, draws: _KpiDraws, rng) -> dict[str, pl.DataFrame]:
    """The three KPIs of every year (a count, a survey, a milestone) and their results up to the last quarter."""
    kpis, results = [], []
    for yi, fy in enumerate(fys):
        L = int(last_q[yi])
        as_of = cal.quarter_end(int(fy), L) if L < 4 else cal.year_end(int(fy))
        base = {s.FISCAL_YEAR: int(fy), s.AS_OF: as_of, s.SOURCE_TEXT: None}
        for make in (_count_kpi, _survey_kpi, _milestone_kpi):  # in this order: each draws from rng
            defined, measured = make(base, ids, draws, yi, L, rng)
            kpis.append(defined)
            results.extend(measured)
    return {
        "kpis": pl.concat([_cast_kpi(k) for k in kpis], how="diagonal_relaxed"),
        "kpi_results": pl.concat([_cast_kpi(r) for r in results], how="diagonal_relaxed"),
    }


def _cast_kpi(df: pl.DataFrame) -> pl.DataFrame:
    """The quarter and fiscal year in the template's types, where the frame has them."""
    return df.cast({c: t for c, t in _KPI_CAST.items() if c in df.columns})


def _count_kpi(base: dict, ids: np.ndarray, draws: _KpiDraws, yi: int, L: int, rng) -> _Kpi:
    """KPI 1: a count with cumulative levels and tiers, progress ∝ exp(0.35 θ_k)."""
    P = ids.size
    T = draws.count_target
    levels = np.array(_COUNT_LEVELS)
    plan = np.ceil(T[:, None] * levels).astype(np.int64)
    r = np.exp(0.35 * draws.theta_k[yi, :, 0] + rng.normal(0, 0.25, P))
    prog = np.maximum.accumulate(
        np.floor(T[:, None] * levels * r[:, None] * np.exp(rng.normal(0, 0.08, (P, 4)))), axis=1
    )
    defined = pl.DataFrame(
        {
            **base,
            s.PROJECT_ID: ids,
            s.KPI_ID: "1",
            s.NAME_TH: "จำนวนผู้ได้รับประโยชน์จากโครงการ",
            s.NAME_EN: "People reached by the project",
            s.SOURCE: "budget_bureau",
            s.UNIT: "person",
            s.COMPARATOR: ">=",
            s.MEASURE: s.CUMULATIVE,
            s.TARGET: T.astype(float),
            **{p: plan[:, i].astype(float) for i, p in enumerate(s.PLAN_Q)},
            s.PLAN_IS_CUMULATIVE: True,
            s.TIER_50: np.rint(0.6 * T).astype(float),
            s.TIER_75: np.rint(0.8 * T).astype(float),
            s.TIER_100: T.astype(float),
        }
    )
    measured = [
        pl.DataFrame(
            {
                **base,
                s.PROJECT_ID: ids,
                s.KPI_ID: "1",
                s.QUARTER: q + 1,
                s.VALUE: prog[:, q],
                s.STATUS_TEXT: [f"ผลสะสม {int(x):,} ราย" for x in prog[:, q]],
            }
        )
        for q in range(L)
    ]
    return defined, measured


def _survey_kpi(base: dict, ids: np.ndarray, draws: _KpiDraws, yi: int, L: int, rng) -> _Kpi:
    """KPI 2: an annual satisfaction survey (percent), measured in Q4 around target + 6 θ_k."""
    sv = np.flatnonzero(draws.has_survey)
    tgt = draws.survey_target[sv].astype(float)
    defined = pl.DataFrame(
        {
            **base,
            s.PROJECT_ID: ids[sv],
            s.KPI_ID: "2",
            s.NAME_TH: "ร้อยละความพึงพอใจของผู้รับบริการ",
            s.NAME_EN: "Service users satisfied (survey)",
            s.SOURCE: "opdc",
            s.UNIT: "percent",
            s.COMPARATOR: ">=",
            s.MEASURE: s.LEVEL,
            s.TARGET: tgt,
            s.PLAN_Q[0]: None,
            s.PLAN_Q[1]: None,
            s.PLAN_Q[2]: None,
            s.PLAN_Q[3]: tgt,
            s.PLAN_IS_CUMULATIVE: True,
            s.TIER_50: None,
            s.TIER_75: None,
            s.TIER_100: None,
        }
    )
    score = np.clip(np.round(tgt + 6 * draws.theta_k[yi, sv, 1] + rng.normal(0, 5, sv.size), 1), 0, 100)
    measured = [
        pl.DataFrame(
            {
                **base,
                s.PROJECT_ID: ids[sv],
                s.KPI_ID: "2",
                s.QUARTER: q + 1,
                s.VALUE: score if q == 3 else np.full(sv.size, np.nan),
                s.STATUS_TEXT: [f"ผลสำรวจร้อยละ {x:.1f}" for x in score]
                if q == 3
                else ["อยู่ระหว่างดำเนินการสำรวจ"] * sv.size,
            }
        ).with_columns(pl.col(s.VALUE).fill_nan(None))
        for q in range(L)
    ]
    return defined, measured


def _milestone_kpi(base: dict, ids: np.ndarray, draws: _KpiDraws, yi: int, L: int, rng) -> _Kpi:
    """KPI 3: a milestone of one item, planned in Q2-Q4, late by about -0.8 θ_k quarters."""
    ms = np.flatnonzero(draws.has_milestone)
    due = draws.milestone_q[ms]
    late = np.maximum(0, np.rint(rng.normal(0.3 - 0.8 * draws.theta_k[yi, ms, 2], 0.8))).astype(np.int64)
    defined = pl.DataFrame(
        {
            **base,
            s.PROJECT_ID: ids[ms],
            s.KPI_ID: "3",
            s.NAME_TH: "แนวทางหรือมาตรการที่แล้วเสร็จ",
            s.NAME_EN: "Guideline or measure completed",
            s.SOURCE: "budget_bureau",
            s.UNIT: "item",
            s.COMPARATOR: ">=",
            s.MEASURE: s.MILESTONE,
            s.TARGET: 1.0,
            **{p: np.where(due == i + 1, 1.0, np.nan) for i, p in enumerate(s.PLAN_Q)},
            s.PLAN_IS_CUMULATIVE: False,
            s.TIER_50: None,
            s.TIER_75: None,
            s.TIER_100: None,
        }
    ).with_columns(*(pl.col(p).fill_nan(None) for p in s.PLAN_Q))
    measured = []
    for q in range(L):
        v = (q + 1 >= due + late).astype(float)
        measured.append(
            pl.DataFrame(
                {
                    **base,
                    s.PROJECT_ID: ids[ms],
                    s.KPI_ID: "3",
                    s.QUARTER: q + 1,
                    s.VALUE: v,
                    s.STATUS_TEXT: np.where(v > 0, "แล้วเสร็จ 1 เรื่อง", "อยู่ระหว่างดำเนินการ"),
                }
            )
        )
    return defined, measured


def describe(frames: dict[str, pl.DataFrame], args: dict) -> str:
    fy = frames["projects"][s.FISCAL_YEAR]
    return (
        f"# Synthetic history ({SYNTHETIC_TAG})\n\n"
        f"Written by `forecast simulate` on {dt.date.today().isoformat()} with {args}.\n"
        f"Fiscal years {fy.min()!s}-{fy.max()!s}, {frames['projects'].height} project-years, "
        f"{frames['finance'].height} finance rows.\n\n"
        "This is not real data. Every projection, ranking or model built on it is labelled "
        "'synthetic history'. The generative model is documented in forecast/model/synthetic.py.\n"
    )


def write(frames: dict[str, pl.DataFrame], out: Path | str, fmt: str = "csv", args: dict | None = None) -> list[Path]:
    """Write the tables as ``out/<table>.csv`` (or .parquet) plus ``SYNTHETIC.md``; returns the table files."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in frames.items():
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            df.write_parquet(path)
        else:
            df.write_csv(path, float_precision=None if name.startswith("kpi") else 4)
        paths.append(path)
    (out / SYNTHETIC_MARKER).write_text(describe(frames, args or {}), encoding="utf-8")
    return paths
