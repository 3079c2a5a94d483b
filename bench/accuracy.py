"""Accuracy benchmark: every model and baseline in the same rolling-origin backtest, real data first.

    uv run python bench/accuracy.py                         # real development data, then two synthetic histories
    uv run python bench/accuracy.py --real PATH             # another real history in the template
    uv run python bench/accuracy.py --history DIR [...]     # any history (replaces the real section)
    uv run python bench/accuracy.py --skip-synthetic

The real development data (``../shared/realdata/armenia_2019_2022``: a national budget's
execution by budget line, five vintages a year, calendar years) is read with its own calendar
(January-December, C.E.). Writes the "accuracy" section of bench/RESULTS.md (and prints it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _kpi import section as kpi_section  # noqa: E402
from _report import machine, markdown, write_section  # noqa: E402

from forecast.data import schema as s  # noqa: E402
from forecast.data import templates, validate  # noqa: E402
from forecast.data.calendar import FiscalCalendar  # noqa: E402
from forecast.data.snapshot import Snapshot  # noqa: E402
from forecast.model import backtest as B  # noqa: E402
from forecast.model import engine, synthetic  # noqa: E402
from forecast.model import features as F  # noqa: E402
from forecast.model import yeareffect as YE  # noqa: E402

REAL = HERE.parent.parent / "shared" / "realdata" / "armenia_2019_2022"
REAL_KPI = HERE.parent.parent / "shared" / "realdata" / "mta_kpi_2008_2011"
GOAL_RATIO, COVERAGE = 0.8, (0.75, 0.85)
RELIABILITY_TOLERANCE, RELIABILITY_MIN_N = 0.10, 50


def _goal(result: B.BacktestResult) -> pl.DataFrame:
    """Per origin: the champion against the best baseline, on median error, pinball loss and coverage."""
    m = result.metrics
    rows = []
    for q in B.ORIGINS:
        at = m.filter(pl.col(F.ORIGIN) == q)
        champ = at.filter(pl.col(B.IS_CHAMPION)).row(0, named=True)
        # a baseline is scored by its rule's own point or its calibrated median, whichever is better
        base = at.filter(pl.col(B.KIND) == "baseline").with_columns(
            pl.min_horizontal("medae_disbursed_pp", "medae_point_pp").alias("medae_disbursed_pp")
        )
        best_med = base.sort("medae_disbursed_pp").row(0, named=True)
        best_pin = base.sort("pinball_disbursed_pp").row(0, named=True)
        ratio = champ["medae_disbursed_pp"] / best_med["medae_disbursed_pp"]
        cov = champ["coverage_disbursed"]
        rows.append(
            {
                F.ORIGIN: q,
                "champion": champ[B.MODEL],
                "champion_medae_pp": champ["medae_disbursed_pp"],
                "best_baseline_medae": best_med[B.MODEL],
                "baseline_medae_pp": best_med["medae_disbursed_pp"],
                "medae_ratio": ratio,
                "champion_pinball_pp": champ["pinball_disbursed_pp"],
                "best_baseline_pinball": best_pin[B.MODEL],
                "baseline_pinball_pp": best_pin["pinball_disbursed_pp"],
                "coverage": cov,
                "champion_mae_pp": champ["mae_disbursed_pp"],
                "medae_goal": "met" if ratio <= GOAL_RATIO else "missed",
                "coverage_goal": "met" if COVERAGE[0] <= cov <= COVERAGE[1] else "missed",
            }
        )
    return pl.DataFrame(rows)


DIRECT = "direct_gbm"  # the direct model an analyst would fit instead (estimators.DirectGBM)


def _scores(result: B.BacktestResult) -> pl.DataFrame:
    """Per origin: the champion against the direct model and the best baseline on each proper score (pinball loss
    of p10/p50/p90, Brier score of P(miss)) and the median error; "ahead" where the champion's is lower."""
    m = result.metrics
    rows = []
    for q in B.ORIGINS:
        at = m.filter(pl.col(F.ORIGIN) == q)
        champ = at.filter(pl.col(B.IS_CHAMPION)).row(0, named=True)
        direct = at.filter(pl.col(B.MODEL) == DIRECT)
        base = at.filter(pl.col(B.KIND) == "baseline")
        row: dict = {F.ORIGIN: q, "champion": champ[B.MODEL]}
        for score in ("pinball_disbursed_pp", "brier_miss", "medae_disbursed_pp"):
            best = base.sort(score).row(0, named=True)
            row[f"champion_{score}"] = champ[score]
            row[f"direct_{score}"] = direct[score][0] if direct.height else None
            row[f"best_baseline_{score}"] = best[score]
            ahead = champ[score] < best[score] and (not direct.height or champ[score] < direct[score][0])
            row[f"{score}_ahead"] = (
                "tie (is the direct model)" if champ[B.MODEL] == DIRECT else ("ahead" if ahead else "behind")
            )
        rows.append(row)
    return pl.DataFrame(rows)


def _reliability_check(table: pl.DataFrame) -> str:
    big = table.filter(pl.col("n") >= RELIABILITY_MIN_N).with_columns(
        (pl.col("mean_p_miss") - pl.col("observed_miss_rate")).abs().alias("gap")
    )
    off = big.filter(pl.col("gap") > RELIABILITY_TOLERANCE)
    head = (
        f"{big.height} bins with {RELIABILITY_MIN_N}+ rows; {big.height - off.height} within "
        f"±{RELIABILITY_TOLERANCE:.2f}"
    )
    if off.is_empty():
        return head + " (goal met)."
    return (
        head
        + "; off: "
        + "; ".join(
            f"Q{r[F.ORIGIN]} {r['p_miss_bin']} predicted {r['mean_p_miss']:.2f}, observed {r['observed_miss_rate']:.2f} "
            f"(n {r['n']})"
            for r in off.iter_rows(named=True)
        )
        + "."
    )


def _by_year(predictions: pl.DataFrame, threshold: float) -> pl.DataFrame:
    champ = predictions.filter(pl.col(B.IS_CHAMPION))
    lo, hi = B.band("disbursed", 10), B.band("disbursed", 90)
    return (
        champ.group_by(F.ORIGIN, "fiscal_year")
        .agg(
            pl.len().alias("n"),
            ((pl.col(lo) <= pl.col(F.Y_DISBURSED)) & (pl.col(F.Y_DISBURSED) <= pl.col(hi)))
            .mean()
            .alias("coverage_share"),
            (
                (pl.col("disbursed_p10") <= pl.col("y_true_disbursed"))
                & (pl.col("y_true_disbursed") <= pl.col("disbursed_p90"))
            )
            .mean()
            .alias("coverage_amount"),
            (pl.col(F.Y_DISBURSED) < threshold).mean().alias("miss_rate"),
            pl.col(B.P_MISS).mean().alias("mean_p_miss"),
        )
        .sort(F.ORIGIN, "fiscal_year")
    )


def _why(h: engine.History) -> str:
    """The numbers behind a missed median-error goal: how much of the truth sits exactly at 100%."""
    rows = h.rows.filter((pl.col(F.ORIGIN) == 4) & pl.col(F.Y_DISBURSED).is_not_null())
    at = (
        rows.group_by("fiscal_year")
        .agg(
            pl.len().alias("lines"),
            ((pl.col(F.Y_DISBURSED) - 1).abs() < 0.005).mean().alias("within_0_5pp_of_100"),
            (pl.col(F.Y_DISBURSED).median()).alias("median_share"),
            (pl.col(F.Y_DISBURSED) < 0.93).mean().alias("miss_rate"),
        )
        .sort("fiscal_year")
    )
    return markdown(at)


def groups(result: B.BacktestResult, threshold: float, draws: int = 4000) -> str:
    """Group level (each agency - here a state body - in each year): joint draws against the sum of quantiles.

    The dependence used for a year is estimated from the other predicted years only (out of sample).
    """
    import numpy as np

    from forecast.decisions import portfolio as P
    from forecast.model import dependence as D
    from forecast.model import models as M

    champ = result.predictions.filter(pl.col(B.IS_CHAMPION))
    grid_cols = [M.level(M.AMOUNT, q) for q in M.LEVELS]
    rows = []
    for (q, year), g in champ.group_by(F.ORIGIN, "fiscal_year", maintain_order=True):
        other = champ.filter((pl.col(F.ORIGIN) == q) & (pl.col("fiscal_year") != year))
        dep = P.Dependence.from_dict(D.estimate_dependence(other)) if other.height else P.Dependence()
        agencies = g["agency"].fill_null("?").to_list()
        labels = sorted(set(agencies))
        idx = np.array([labels.index(a) for a in agencies])
        budget = g["budget_at_origin"].to_numpy()
        floor = np.where(budget > 0, g["disbursed_to_date"].to_numpy() / np.where(budget > 0, budget, 1), 0)
        grid = g.select(grid_cols).to_numpy()
        shares = g.select([M.level("disbursed", q) for q in M.LEVELS]).to_numpy()
        for name, d in (("joint", dep), ("independent", P.Dependence(0, 0, 0, "history"))):
            # amounts and shares from the same normal scores, as the product draws them
            totals, share_totals = P.draw(
                [grid, shares],
                agencies,
                g["plan_line"].to_list(),
                d,
                draws,
                seed=int(year),
                groups=idx,
                weights=budget,
                floor=floor,
            )
            lo, hi = np.quantile(totals, 0.1, axis=0), np.quantile(totals, 0.9, axis=0)
            frame = (
                g.with_columns(pl.Series("__g", idx))
                .group_by("__g")
                .agg(
                    pl.col("y_true_disbursed").sum().alias("truth"),
                    pl.col("budget_final").sum().alias("b_final"),
                    pl.col("budget_at_origin").sum().alias("b_origin"),
                    pl.len().alias("lines"),
                    (pl.col("disbursed_p10")).sum().alias("sum_p10"),
                    (pl.col("disbursed_p90")).sum().alias("sum_p90"),
                )
                .sort("__g")
            )
            gi = frame["__g"].to_numpy()
            p_miss = np.mean(share_totals[:, gi] < threshold * frame["b_origin"].to_numpy()[None, :], axis=0)
            rows.append(
                frame.with_columns(
                    pl.lit(int(q)).alias(F.ORIGIN),
                    pl.lit(int(year)).alias("fiscal_year"),
                    pl.lit(name).alias("method"),
                    pl.Series("lo", lo[gi]),
                    pl.Series("hi", hi[gi]),
                    pl.Series("p_miss", p_miss),
                    pl.lit(dep.government if name == "joint" else 0.0).alias("rho_government"),
                    pl.lit(dep.agency if name == "joint" else 0.0).alias("rho_agency"),
                )
            )
    every = pl.concat(rows).with_columns(
        ((pl.col("lo") <= pl.col("truth")) & (pl.col("truth") <= pl.col("hi"))).alias("covered"),
        ((pl.col("sum_p10") <= pl.col("truth")) & (pl.col("truth") <= pl.col("sum_p90"))).alias("covered_sum"),
        (pl.col("truth") < threshold * pl.col("b_final")).cast(pl.Float64).alias("missed"),
    )
    cover = (
        every.group_by(F.ORIGIN, "method")
        .agg(
            pl.len().alias("groups"),
            pl.col("lines").mean().round(1).alias("mean_lines"),
            pl.col("covered").mean().alias("coverage_p10_p90"),
            pl.col("covered_sum").mean().alias("coverage_sum_of_quantiles"),
            ((pl.col("p_miss") - pl.col("missed")) ** 2).mean().alias("brier_group_miss"),
            pl.col("rho_government").mean().alias("rho_government"),
            pl.col("rho_agency").mean().alias("rho_agency"),
        )
        .sort(F.ORIGIN, "method")
    )
    joint = every.filter(pl.col("method") == "joint").with_columns(
        (pl.col("p_miss").clip(0, 1 - 1e-12) * 5).floor().cast(pl.Int32).alias("__bin")
    )
    rel = (
        joint.group_by(F.ORIGIN, "__bin")
        .agg(
            pl.len().alias("n"),
            pl.col("p_miss").mean().alias("mean_p_miss"),
            pl.col("missed").mean().alias("observed_miss_rate"),
        )
        .with_columns((pl.col("__bin") / 5).round(1).alias("bin_from"))
        .sort(F.ORIGIN, "__bin")
        .drop("__bin")
    )
    return "\n\n".join(
        [
            "#### Groups: each agency (state body) in each predicted year, joint draws against the sum of quantiles",
            "The p10-p90 of an agency's total from joint draws (the dependence of each year estimated on the other "
            "predicted years only), from independent draws, and from adding up the lines' p10 and p90; the Brier score "
            f"of P(the agency's total misses {threshold:.0%}), in amounts of the budget known at the origin.",
            markdown(cover),
            "Reliability of the group-level P(miss) (joint draws):",
            markdown(rel),
        ]
    )


def section(title: str, h: engine.History, threshold: float, note: str = "") -> tuple[str, B.BacktestResult]:
    start = time.perf_counter()
    result = B.run(h.rows, threshold=threshold, fit_final=False)
    seconds = time.perf_counter() - start
    rel = B.reliability(result.predictions, threshold)
    goal = _goal(result)
    parts = [
        f"### {title}",
        f"Data: {h.source} ({h.basis}): fiscal years {h.years[0]}-{h.years[-1]}, {h.project_years} project-years"
        + (f" ({h.closed} closed during the year: final budget 0, no share)" if h.closed else "")
        + f"; years {result.years[2]}-{result.years[-1]} predicted out of sample (each from the years before it, "
        f"calibrated on the out-of-sample scores of the years before that), features as known at each origin's "
        f"report date. Shares are of the final budget; miss = year-end disbursed below {threshold:.0%}. "
        f"Backtest {seconds:.0f} s." + (f" {note}" if note else ""),
        "#### The goal: champion median AE ≤ 0.8 × the best baseline's, p10-p90 coverage 0.75-0.85",
        markdown(goal),
        "#### The champion against the direct model (gradient-boosted quantiles on a handful of real-time features, "
        "conformalised) and the best baseline, on each proper score and the median error",
        markdown(_scores(result)),
        "#### Every model and baseline on the same rows (percentage points of the final budget)",
        markdown(result.metrics),
        "#### Reliability of the champions' P(miss)",
        markdown(rel),
        _reliability_check(rel),
        "#### The champions per test year: coverage of the share and of the amount (in the budget known at the "
        "origin), miss rate and mean P(miss)",
        markdown(_by_year(result.predictions, threshold)),
    ]
    if (goal["medae_goal"] == "missed").any():
        parts += ["#### What limits the median-error goal", _why(h)]
    return "\n\n".join(parts), result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real", type=Path, default=REAL, help="a real history in the template (calendar years, C.E.)")
    p.add_argument("--history", nargs="+", type=Path, default=None, help="any history instead of the real one")
    p.add_argument("--fiscal-year-start", type=int, default=1, help="calendar of --real / --history (default 1)")
    p.add_argument("--era", choices=("BE", "CE"), default="CE")
    p.add_argument("--skip-synthetic", action="store_true")
    p.add_argument("--target", type=float, default=F.CABINET_TARGET)
    p.add_argument("--kpi-real", type=Path, default=REAL_KPI, help="real KPI history in the template (C.E. years)")
    p.add_argument("--kpi-only", action="store_true", help="only the KPI section")
    p.add_argument("--shock-only", action="store_true", help="only the strong-shock section (the year effect)")
    args = p.parse_args(argv)
    if args.shock_only or not args.skip_synthetic:
        shock_body = shock(args.target)
        write_section("shock", shock_body)
        print(shock_body)
        if args.shock_only:
            return 0
    kpi_body = kpis(args)
    write_section("kpi", kpi_body)
    print(kpi_body)
    if args.kpi_only:
        return 0

    bodies = ["## Accuracy (`bench/accuracy.py`)", machine()]
    cal = FiscalCalendar(args.fiscal_year_start, args.era)
    paths = args.history or ([args.real] if args.real.exists() else [])
    if paths:
        h = engine.read_history(paths, cal)
        text, result = section("Real data first: " + ", ".join(p.name for p in paths), h, args.target)
        bodies += [text, groups(result, args.target)]
    else:
        bodies.append(f"Real data: {args.real} not found; nothing measured on real data in this run.")
    if not args.skip_synthetic:
        t = synthetic.simulate(projects=180, years=8, seed=2569, agencies=20)
        snap = Snapshot.from_tables(t, label="synthetic default profile")
        h = engine.history(snap, "synthetic history, default profile: 20 agencies x 9 projects x 8 years, seed 2569")
        bodies.append(
            section(
                "Synthetic, default profile (the reference report's shape: commitments, no revisions)", h, args.target
            )[0]
        )
        # simulated years carry Thai B.E. numbers, so that no one mistakes them for a real source's years
        t = synthetic.simulate(projects=800, years=6, seed=2569, profile="real")
        snap = Snapshot.from_tables(t, label="synthetic real profile")
        h = engine.history(snap, "synthetic history, real profile: about 800 lines x 6 years, seed 2569")
        bodies.append(
            section("Synthetic, real profile (revisions, no commitments, mass at 100%, year shocks)", h, args.target)[0]
        )
    body = "\n\n".join(bodies)
    write_section("accuracy", body)
    print(body)
    return 0


SHOCK = 0.8  # sd of the year shock (log-odds of execution) of the strong-shock profile; the real profile's is 0.35


def shock(target: float, lines: int = 800, years: int = 10, seed: int = 2569) -> str:
    """The strong-shock simulated profile, backtested without and with the year effect on the same rows."""
    t = synthetic.simulate(projects=lines, years=years, seed=seed, profile="real", year_shock=SHOCK)
    h = engine.history(Snapshot.from_tables(t, label="synthetic strong shocks"), "synthetic strong year shocks")
    y, lo, hi = F.Y_DISBURSED, B.band("disbursed", 10), B.band("disbursed", 90)
    runs, per_year, started = {}, [], time.perf_counter()
    for on in (False, True):
        runs[on] = B.run(h.rows, threshold=target, fit_final=False, year_effect=on)
        champion = pl.col(F.ORIGIN).replace_strict(runs[False].champions, return_dtype=pl.String)
        per_year.append(  # the same model in both runs: the champions without the year effect
            runs[on]
            .predictions.filter((pl.col(B.MODEL) == champion) & pl.col(y).is_not_null())
            .group_by(s.FISCAL_YEAR, F.ORIGIN)
            .agg(
                pl.len().alias("n"),
                ((pl.col(y) >= pl.col(lo)) & (pl.col(y) <= pl.col(hi)))
                .mean()
                .alias(f"coverage_{'after' if on else 'before'}"),
                ((pl.col(B.P_MISS) - (pl.col(y) < target).cast(pl.Float64)) ** 2)
                .mean()
                .alias(f"brier_{'after' if on else 'before'}"),
            )
        )
    seconds = time.perf_counter() - started
    medians = (
        h.rows.filter(pl.col(F.ORIGIN).is_in(B.ORIGINS) & pl.col(y).is_not_null())
        .group_by(s.FISCAL_YEAR, F.ORIGIN)
        .agg(
            pl.col(F.share(F.cum(s.DISBURSED))).median().alias("median_to_date"),
            pl.col(y).median().alias("median_year_end"),
        )
    )
    stretch = []  # each year's year effect against the years before it, as the backtest computed it
    for q in B.ORIGINS:
        medians_q = YE.by_year(B.training_rows(h.rows, q))
        for year, value in medians_q.items():
            effect = YE.estimate(value, {y: v for y, v in medians_q.items() if y < year})
            up, down = effect.stretch if effect is not None else (1.0, 1.0)
            stretch.append({s.FISCAL_YEAR: year, F.ORIGIN: q, "stretch_upper": up, "stretch_lower": down})
    table = (
        per_year[0]
        .join(per_year[1].drop("n"), on=[s.FISCAL_YEAR, F.ORIGIN])
        .join(medians, on=[s.FISCAL_YEAR, F.ORIGIN])
        .join(pl.DataFrame(stretch).cast({F.ORIGIN: pl.Int8, s.FISCAL_YEAR: pl.Int32}), on=[s.FISCAL_YEAR, F.ORIGIN])
        .sort(F.ORIGIN, s.FISCAL_YEAR)
        .select(
            F.ORIGIN,
            s.FISCAL_YEAR,
            "n",
            "median_to_date",
            "median_year_end",
            "stretch_upper",
            "stretch_lower",
            "coverage_before",
            "coverage_after",
            "brier_before",
            "brier_after",
        )
    )
    keep = [F.ORIGIN, B.MODEL, "medae_disbursed_pp", "pinball_disbursed_pp", "coverage_disbursed", "brier_miss"]
    both = pl.concat(
        [
            runs[on]
            .metrics.filter(pl.col(B.IS_CHAMPION))
            .select(keep)
            .with_columns(pl.lit("with" if on else "without").alias("year_effect"))
            for on in (False, True)
        ]
    ).sort(F.ORIGIN, "year_effect", descending=[False, True])
    return "\n\n".join(
        [
            "## The year effect on strong year shocks (`bench/accuracy.py`)",
            machine(),
            f"Data: synthetic real profile, about {lines} lines x {years} years, seed {seed}, year shock sd {SHOCK} "
            "(log-odds of execution; the real profile's is 0.35): each year is predicted from the years before it, "
            "once as calibrated and once with the year effect (`forecast/model/yeareffect.py`: a year beyond "
            f"every year seen at that origin stretches that side of its ranges). Both backtests {seconds:.0f} s.",
            "#### Champions, all test years, without and with the year effect",
            markdown(both),
            "#### Each test year: execution to date and at the year end (median line), coverage of p10-p90 and "
            "Brier of P(miss), without and with the year effect",
            markdown(table),
        ]
    )


def kpis(args: argparse.Namespace) -> str:
    """The KPI section: the real KPI history first, then a synthetic one."""
    bodies = ["## KPI attainment (`bench/accuracy.py`)", machine()]
    if args.kpi_real.exists():
        raw, problems = templates.read_files([args.kpi_real])
        checked = validate.check(raw, problems, FiscalCalendar(1, "CE"))
        checked.raise_for_errors()
        bodies.append(
            kpi_section(
                f"Real data first: {args.kpi_real.name}",
                checked.tables["kpis"],
                checked.tables["kpi_results"],
                f"{args.kpi_real.name} (real)",
            )
        )
    else:
        bodies.append(f"Real KPI data: {args.kpi_real} not found; nothing measured on real KPIs in this run.")
    if not args.skip_synthetic:
        t = synthetic.simulate(projects=120, years=6, seed=2569)
        bodies.append(
            kpi_section(
                "Synthetic (default profile: counts, surveys, milestones)",
                t["kpis"],
                t["kpi_results"],
                "synthetic history, 120 projects x 6 years, seed 2569",
            )
        )
    return "\n\n".join(bodies)


if __name__ == "__main__":
    sys.exit(main())
