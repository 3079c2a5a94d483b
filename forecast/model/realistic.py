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


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _units(x: np.ndarray) -> np.ndarray:
    return np.rint(x * 10_000).astype(np.int64)


def simulate(
    projects: int = 800,
    years: int = 4,
    seed: int = 0,
    as_of_quarter: int | None = None,
    agencies: int | None = None,
    last_year: int | None = None,
    calendar: FiscalCalendar | None = None,
) -> dict[str, pl.DataFrame]:
    """``years`` fiscal years of about ``projects`` budget lines a year with real-data pathologies."""
    cal = calendar or FiscalCalendar()
    rng = np.random.default_rng(seed)
    if last_year is None:
        ref = cal.from_ce(2026) if cal.era == "CE" else 2569
        last_year = ref if as_of_quarter else ref - 1
    fys = np.arange(last_year - years + 1, last_year + 1)
    n_lines = int(np.ceil(projects * (1 + 0.06 * max(years - 1, 0))))
    n_ag = agencies or max(1, round(projects / 30))
    agency = rng.integers(0, n_ag, n_lines)
    line_effect = rng.normal(0, 0.6, n_lines)
    size = np.clip(rng.lognormal(5.1, 2.3, n_lines), 0.01, 5e5)
    # each line is active for a contiguous run of years
    churn = rng.random(n_lines) < 0.25  # most lines run through; a quarter start or stop within the span
    start = np.where(churn, rng.integers(-years + 1, years, n_lines), 0)
    length = np.where(churn, rng.integers(1, years + 1, n_lines), years)
    active = (np.arange(years)[None, :] >= start[:, None]) & (np.arange(years)[None, :] < (start + length)[:, None])
    keep = active.any(1)
    year_shock = rng.normal(0, 0.35, years)
    ids = np.array([f"{SYNTHETIC_PREFIX}{1000 + g:04d}-{11000 + i:05d}" for i, g in enumerate(agency)])

    projects_rows, finance_rows = [], []
    for yi, fy in enumerate(fys):
        lines = np.flatnonzero(active[:, yi] & keep)
        n = lines.size
        if n == 0:
            continue
        theta = line_effect[lines] + year_shock[yi] + rng.normal(0, 0.5, n)
        b0 = _units(size[lines] * np.exp(rng.normal(0, 0.15, n))) / 10_000
        b0 = np.maximum(b0, 0.0001)
        w = rng.dirichlet(PLAN_CONCENTRATION * np.asarray(PLAN_MEAN), n)
        # final budget and when it is revealed (report 2, 3 or 4)
        revised = rng.random(n) < REVISE_RATE
        cut = rng.random(n) < 0.6  # cuts are more common than increases, and larger
        log_ratio = np.where(cut, -np.abs(rng.normal(0, 0.9, n)), np.abs(rng.normal(0, 0.2, n)))
        ratio = np.where(revised, np.exp(log_ratio), 1.0)
        closed = rng.random(n) < CLOSE_RATE
        ratio = np.where(closed, 0.0, ratio)
        when = rng.choice([2, 3, 4], n, p=[0.2, 0.3, 0.5])
        b_final = _units(b0 * ratio) / 10_000
        # execution of the final budget
        full = rng.random(n) < _sigmoid(-0.7 + 1.3 * theta)
        part = _sigmoid(2.4 + 1.2 * theta + rng.normal(0, 1.3, n))
        stall = rng.random(n) < STALL_RATE
        e = np.where(full, 1 - rng.uniform(0, 0.004, n), np.where(stall, rng.uniform(0, 0.1, n), part))
        # closed lines pay only what they paid before the cut
        paid_before_close = b0 * rng.uniform(0, 0.3, n) * (when > 2)
        final_paid = np.where(closed, paid_before_close, e * b_final)
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
        disb = disb_u / 10_000

        # the five vintages: the law (year start) and the four quarterly reports
        reports = [(0, cal.year_start(int(fy)))] + [(q, cal.quarter_end(int(fy), q)) for q in (1, 2, 3, 4)]
        last = 4 if (as_of_quarter is None or fy != fys[-1]) else as_of_quarter
        set_cum = np.zeros((n, 4))  # cumulative plan of quarter k as set by report k
        for k, as_of in reports:
            if k > last:
                break
            revealed = k >= when
            b_k = np.where(revealed, b_final, b0)
            b_k_u = _units(b_k)
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
            plan_u = np.diff(np.concatenate([np.zeros((n, 1), dtype=np.int64), plan_cum_u], 1), axis=1)
            projects_rows.append(
                pl.DataFrame(
                    {
                        s.FISCAL_YEAR: np.full(n, fy, np.int32),
                        s.PROJECT_ID: ids[lines],
                        s.AS_OF: [as_of] * n,
                        s.BUDGET: b_k_u / 10_000,
                    }
                )
            )
            for qq in range(4):
                reported = k >= qq + 1
                finance_rows.append(
                    pl.DataFrame(
                        {
                            s.FISCAL_YEAR: np.full(n, fy, np.int32),
                            s.PROJECT_ID: ids[lines],
                            s.QUARTER: np.full(n, qq + 1, np.int8),
                            s.AS_OF: [as_of] * n,
                            s.PLAN: plan_u[:, qq] / 10_000,
                            s.DISBURSED: disb[:, qq] if reported else np.full(n, np.nan),
                        }
                    ).with_columns(pl.col(s.DISBURSED).fill_nan(None))
                )
    projects_df = pl.concat(projects_rows)
    names = pl.DataFrame({s.PROJECT_ID: ids, "__i": np.arange(n_lines), "__g": agency})
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
