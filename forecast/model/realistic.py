"""The ``real`` simulation profile: histories with the pathologies of real budget execution.

Calibrated to the real development data (a national budget's execution by budget line over
four years, five report vintages a year; see ``bench/RESULTS.md`` for the side-by-side
statistics), it makes what the default profile does not:

* **five vintages a year**: the budget law (the year's start: original budget and a time-phased
  plan, no actuals) and four quarterly reports; at report q the quarters up to q keep the
  cumulative plans of their own reports and the rest of the (revised) budget is spread over the
  later quarters in proportion to the law's plan - so plan flows turn negative where a budget is
  cut below what was already planned;
* **budget revisions**: about half of the lines end more than 5% away from their original
  budget (cuts more often and larger than increases: log-ratio -|N(0, 0.9)| or +|N(0, 0.2)|,
  revealed at the Q2, Q3 or year-end report), and 7% are closed during the year (budget cut to 0);
* **execution with a mass at 100%**: a line either executes its final budget in full
  (P = sigmoid(-0.7 + 1.3 θ), about a third of the lines, as revised plans are brought into
  line with payments) or ends at sigmoid(2.4 + 1.2 θ + N(0, 1.3)) of it; 8% of lines stall
  (below 10%). θ = line effect N(0, 0.6) + year shock N(0, 0.35) + noise N(0, 0.5): lines of
  one year miss together;
* **lumpy, back-loaded payments**: cumulative payments follow the plan raised to a power
  exp(0.05 - 0.3 θ + N(0, 0.3)); one line in eight pays most of it in Q4; 0.6% of quarters
  are refunds (negative flows);
* **lines that come and go**: a quarter of the lines start or stop within the span of years;
* **no commitments**: ``committed`` and ``spend`` are empty; there are no KPIs.

Budgets are LogNormal(5.1, 2.3) in the store's unit. Everything is marked synthetic (``sim-`` ids,
``[synthetic]`` names).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import SYNTHETIC_PREFIX, SYNTHETIC_TAG

PLAN_MEAN = (0.20, 0.27, 0.28, 0.25)
PLAN_CONCENTRATION = 20.0
CLOSE_RATE = 0.07
STALL_RATE = 0.08
REVISE_RATE = 0.52
LUMPY_RATE = 0.12
REFUND_RATE = 0.006
YEAR_SHOCK = 0.35  # sd of the shock shared by every line of a year (log-odds of execution)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _units(x: np.ndarray) -> np.ndarray:
    return np.rint(x * 10_000).astype(np.int64)


def default_last_year(cal: FiscalCalendar, as_of_quarter: int | None) -> int:
    """The last simulated fiscal year by default: 2569 (2026 in the CE era) for a current year, else the year before."""
    ref = cal.from_ce(2026) if cal.era == "CE" else 2569
    return ref if as_of_quarter else ref - 1


def simulate(
    projects: int = 800,
    years: int = 4,
    seed: int = 0,
    as_of_quarter: int | None = None,
    agencies: int | None = None,
    last_year: int | None = None,
    calendar: FiscalCalendar | None = None,
    year_shock: float = YEAR_SHOCK,
) -> dict[str, pl.DataFrame]:
    """``years`` fiscal years of about ``projects`` budget lines a year with real-data pathologies; ``year_shock``
    is the sd of the shock every line of a year shares (log-odds of execution; strong shocks: 0.8 or more)."""
    cal = calendar or FiscalCalendar()
    # every draw below comes from this one generator in a fixed order: reordering them changes every table
    rng = np.random.default_rng(seed)
    last_year = last_year if last_year is not None else default_last_year(cal, as_of_quarter)
    fys = np.arange(last_year - years + 1, last_year + 1)
    lines = _Lines.draw(rng, projects, years, agencies, year_shock)
    projects_rows, finance_rows = [], []
    for yi, fy in enumerate(fys):
        on = np.flatnonzero(lines.active[:, yi] & lines.keep)
        if on.size == 0:
            continue
        year = _Year.draw(rng, lines, on, yi)
        last = 4 if (as_of_quarter is None or fy != fys[-1]) else as_of_quarter
        p, f = _reports(cal, fy, last, year)
        projects_rows += p
        finance_rows += f
    return _tables(projects_rows, finance_rows, lines)


@dataclass(frozen=True)
class _Lines:
    """The budget lines of the span: agency, persistent effect, size, the years each is active, and their ids."""

    agency: np.ndarray
    line_effect: np.ndarray
    size: np.ndarray
    active: np.ndarray  # lines x years
    keep: np.ndarray  # active in at least one year
    year_shock: np.ndarray
    ids: np.ndarray

    @classmethod
    def draw(cls, rng, projects: int, years: int, agencies: int | None, shock: float = YEAR_SHOCK) -> _Lines:
        """About ``projects`` lines a year; a quarter of them start or stop within the span; every line of a year
        shares its shock (normal, sd ``shock``, in the log-odds of execution)."""
        n_lines = int(np.ceil(projects * (1 + 0.06 * max(years - 1, 0))))
        n_ag = agencies or max(1, round(projects / 30))
        agency = rng.integers(0, n_ag, n_lines)
        line_effect = rng.normal(0, 0.6, n_lines)
        size = np.clip(rng.lognormal(5.1, 2.3, n_lines), 0.01, 5e5)
        # each line is active for a contiguous run of years
        churn = rng.random(n_lines) < 0.25  # most lines run through; a quarter start or stop within the span
        start = np.where(churn, rng.integers(-years + 1, years, n_lines), 0)
        length = np.where(churn, rng.integers(1, years + 1, n_lines), years)
        span = np.arange(years)[None, :]
        active = (span >= start[:, None]) & (span < (start + length)[:, None])
        year_shock = rng.normal(0, shock, years)
        ids = np.array([f"{SYNTHETIC_PREFIX}{1000 + g:04d}-{11000 + i:05d}" for i, g in enumerate(agency)])
        return cls(agency, line_effect, size, active, np.asarray(active.any(1)), year_shock, ids)


@dataclass(frozen=True)
class _Year:
    """One fiscal year of the active lines: the law's budget and plan, the final budget and when it shows, payments."""

    ids: np.ndarray
    w: np.ndarray  # the law's plan shares by quarter
    b0: np.ndarray  # the law's budget
    b_final: np.ndarray
    when: np.ndarray  # the report (2, 3 or 4) that reveals the final budget
    disb: np.ndarray  # payments by quarter

    @classmethod
    def draw(cls, rng, lines: _Lines, on: np.ndarray, yi: int) -> _Year:
        """The year ``yi`` of the lines ``on``."""
        n = on.size
        theta = lines.line_effect[on] + lines.year_shock[yi] + rng.normal(0, 0.5, n)
        b0 = _units(lines.size[on] * np.exp(rng.normal(0, 0.15, n))) / 10_000
        b0 = np.maximum(b0, 0.0001)
        w = rng.dirichlet(PLAN_CONCENTRATION * np.asarray(PLAN_MEAN), n)
        closed, when, b_final = _revisions(rng, b0)
        final_paid = _final_paid(rng, theta, b0, b_final, closed, when)
        disb = _payments(rng, w, theta, closed, when, final_paid)
        return cls(lines.ids[on], w, b0, b_final, when, disb)


def _revisions(rng, b0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which lines close, the report that reveals the final budget (2, 3 or 4), and the final budget."""
    n = b0.size
    revised = rng.random(n) < REVISE_RATE
    cut = rng.random(n) < 0.6  # cuts are more common than increases, and larger
    log_ratio = np.where(cut, -np.abs(rng.normal(0, 0.9, n)), np.abs(rng.normal(0, 0.2, n)))
    ratio = np.where(revised, np.exp(log_ratio), 1.0)
    closed = rng.random(n) < CLOSE_RATE
    ratio = np.where(closed, 0.0, ratio)
    when = rng.choice([2, 3, 4], n, p=[0.2, 0.3, 0.5])
    return closed, when, _units(b0 * ratio) / 10_000


def _final_paid(rng, theta, b0, b_final, closed, when) -> np.ndarray:
    """The year's payments: the final budget in full, a share of it, or a stall; a closed line's before its cut."""
    n = theta.size
    full = rng.random(n) < _sigmoid(-0.7 + 1.3 * theta)
    part = _sigmoid(2.4 + 1.2 * theta + rng.normal(0, 1.3, n))
    stall = rng.random(n) < STALL_RATE
    e = np.where(full, 1 - rng.uniform(0, 0.004, n), np.where(stall, rng.uniform(0, 0.1, n), part))
    # closed lines pay only what they paid before the cut
    paid_before_close = b0 * rng.uniform(0, 0.3, n) * (when > 2)
    return np.where(closed, paid_before_close, e * b_final)


def _payments(rng, w, theta, closed, when, final_paid) -> np.ndarray:
    """Payments by quarter: back-loaded, lumpy for some lines, with a few refunds (never below 0 to date)."""
    n = theta.size
    # cumulative shares of the year's payments by quarter
    plan_cum = np.cumsum(w, 1)
    kappa = np.exp(0.05 - 0.3 * theta + rng.normal(0, 0.3, n))
    c = np.clip(plan_cum, 0, 1) ** kappa[:, None]
    lumpy = rng.random(n) < LUMPY_RATE
    c[:, :3] = np.where(lumpy[:, None], c[:, :3] * rng.uniform(0.2, 0.6, (n, 1)), c[:, :3])
    c = np.maximum.accumulate(np.clip(c, 0, 1), axis=1)
    c[:, 3] = 1.0
    if closed.any():  # a closed line's payments stop at its last report before the cut
        stop = np.clip(when - 1, 1, 4)
        q = np.arange(1, 5)[None, :]
        c = np.where(closed[:, None] & (q >= stop[:, None]), 1.0, c)
    flows = np.diff(np.concatenate([np.zeros((n, 1)), c], 1), axis=1) * final_paid[:, None]
    refund = rng.random((n, 4)) < REFUND_RATE
    refund[:, 0] = False
    flows = np.where(refund, -np.abs(flows) * rng.uniform(0.05, 0.5, (n, 4)) - 0.01, flows)
    disb_u = np.diff(np.maximum(np.cumsum(_units(flows), 1), 0), axis=1, prepend=0)  # refunds never below 0
    return disb_u / 10_000


def _reports(cal: FiscalCalendar, fy, last: int, year: _Year) -> tuple[list[pl.DataFrame], list[pl.DataFrame]]:
    """The year's vintages up to report ``last``: the law (the year's start) and the four quarterly reports."""
    reports = [(0, cal.year_start(int(fy)))] + [(q, cal.quarter_end(int(fy), q)) for q in (1, 2, 3, 4)]
    n = year.ids.size
    plan_cum = np.cumsum(year.w, 1)
    set_cum = np.zeros((n, 4))  # cumulative plan of quarter k as set by report k
    projects_rows, finance_rows = [], []
    for k, as_of in reports:
        if k > last:
            break
        b_k = np.where(k >= year.when, year.b_final, year.b0)
        b_k_u = _units(b_k)
        plan_u = _report_plan(k, b_k, b_k_u, year.w, plan_cum, set_cum)
        projects_rows.append(
            pl.DataFrame(
                {
                    s.FISCAL_YEAR: np.full(n, fy, np.int32),
                    s.PROJECT_ID: year.ids,
                    s.AS_OF: [as_of] * n,
                    s.BUDGET: b_k_u / 10_000,
                }
            )
        )
        for qq in range(4):
            finance_rows.append(
                pl.DataFrame(
                    {
                        s.FISCAL_YEAR: np.full(n, fy, np.int32),
                        s.PROJECT_ID: year.ids,
                        s.QUARTER: np.full(n, qq + 1, np.int8),
                        s.AS_OF: [as_of] * n,
                        s.PLAN: plan_u[:, qq] / 10_000,
                        s.DISBURSED: year.disb[:, qq] if k >= qq + 1 else np.full(n, np.nan),
                    }
                ).with_columns(pl.col(s.DISBURSED).fill_nan(None))
            )
    return projects_rows, finance_rows


def _report_plan(k: int, b_k, b_k_u, w, plan_cum, set_cum) -> np.ndarray:
    """Report k's quarterly plan in 1/10,000ths: the quarters up to k keep the cumulative plans of their own
    reports (quarter k's is set now, in ``set_cum``); the rest of the budget follows the law's plan."""
    n = w.shape[0]
    plan_cum_u = np.zeros((n, 4), dtype=np.int64)
    for qq in range(4):
        if k >= qq + 1:
            if k == qq + 1:
                set_cum[:, qq] = _units(b_k * plan_cum[:, qq])
            plan_cum_u[:, qq] = set_cum[:, qq]
    done = min(k, 4)
    base = plan_cum_u[:, done - 1] if done else np.zeros(n, dtype=np.int64)
    rest_w = w[:, done:]
    if done < 4:
        share = rest_w / np.maximum(rest_w.sum(1, keepdims=True), 1e-12)
        rest = np.rint((b_k_u - base)[:, None] * np.cumsum(share, 1)).astype(np.int64)
        rest[:, -1] = b_k_u - base
        plan_cum_u[:, done:] = base[:, None] + rest
    return np.diff(np.concatenate([np.zeros((n, 1), dtype=np.int64), plan_cum_u], 1), axis=1)


def _tables(
    projects_rows: list[pl.DataFrame], finance_rows: list[pl.DataFrame], lines: _Lines
) -> dict[str, pl.DataFrame]:
    """The four template tables: the vintages' rows with the lines' names, no commitments and no KPIs."""
    projects_df = pl.concat(projects_rows)
    names = pl.DataFrame({s.PROJECT_ID: lines.ids, "__i": np.arange(lines.ids.size), "__g": lines.agency})
    projects_df = projects_df.join(names, on=s.PROJECT_ID, how="left").with_columns(
        pl.lit(None, pl.String).alias(s.NAME_TH),
        pl.format(f"{SYNTHETIC_TAG} budget line {{}}", pl.col("__i") + 1).alias(s.NAME_EN),
        pl.format("{}", pl.col("__g") + 1000).alias(s.PLAN_LINE),
        pl.format("SIM-BODY-{}", pl.col("__g") + 1).alias(s.OWNER),
        pl.lit(0.0).alias(s.BUDGET_CUT),
        pl.format("SIM-BODY-{}", pl.col("__g") + 1).alias(s.AGENCY),
    )
    finance_df = pl.concat(finance_rows).with_columns(
        *(pl.lit(None, pl.Float64).alias(c) for c in (s.COMMITTED, s.SPEND, *s.CUM_REPORTED.values()))
    )
    return {
        "projects": projects_df.select(s.PROJECTS.names),
        "finance": finance_df.select(s.FINANCE.names),
        "kpis": s.empty(s.KPIS),
        "kpi_results": s.empty(s.KPI_RESULTS),
    }
