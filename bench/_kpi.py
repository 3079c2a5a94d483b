"""The KPI part of the accuracy benchmark: every KPI candidate and both baselines, rolling origin by year."""

from __future__ import annotations

import time

import numpy as np
import polars as pl
from _report import markdown

from forecast.data import schema as s
from forecast.model import kpi as KM
from forecast.model import kpi_features as KF

GOAL_RATIO = 0.8  # champion Brier <= 0.8 x the naive logistic's
TOLERANCE, MIN_N = 0.05, 50


def _overall(preds: pl.DataFrame) -> pl.DataFrame:
    out = []
    for (m,), g in preds.group_by(KM.METHOD):
        p, y = g[KM.P_ATTAIN].to_numpy(), g[KF.MET].cast(pl.Float64).to_numpy()
        out.append(
            {
                KM.METHOD: m,
                "n": g.height,
                "brier": float(np.mean((p - y) ** 2)),
                "log_loss": KM._log_loss(p, y),
                "auc": KM._auc(p, y),
                "mean_p_attain": float(p.mean()),
                "attain_rate": float(y.mean()),
            }
        )
    return pl.DataFrame(out).sort("brier")


def _reliability(preds: pl.DataFrame, method: str) -> tuple[pl.DataFrame, str]:
    rel = KM.reliability(preds.filter(pl.col(KM.METHOD) == method))
    big = rel.filter(pl.col("n") >= MIN_N).with_columns((pl.col("mean_p") - pl.col("observed")).abs().alias("gap"))
    off = big.filter(pl.col("gap") > TOLERANCE)
    text = f"{method}: {big.height} bins with {MIN_N}+ rows, {big.height - off.height} within ±{TOLERANCE:.2f}"
    if off.height:
        text += (
            " (goal missed: "
            + ", ".join(
                f"bin {r['bin']}: {r['mean_p']:.2f} predicted, {r['observed']:.2f} observed, {r['n']} rows"
                for r in off.iter_rows(named=True)
            )
            + ")."
        )
    else:
        text += " (goal met)."
    return rel, text


def _projects(preds: pl.DataFrame, champion: str, rho: float | None) -> pl.DataFrame:
    """P(at least one KPI of a project misses) from the champion's chances: independence against the copula."""
    d = preds.filter(pl.col(KM.METHOD) == champion)
    if d.is_empty():
        return pl.DataFrame()
    out = []
    for label, r in (
        ("independent", 0.0),
        (f"copula rho {rho if rho is not None else KM.ASSUMED_RHO:.2f}", rho if rho is not None else KM.ASSUMED_RHO),
    ):
        key = (
            d.select(
                pl.concat_str(
                    [pl.col(s.FISCAL_YEAR).cast(pl.String), pl.col(s.PROJECT_ID), pl.col(KF.ORIGIN).cast(pl.String)],
                    separator="|",
                )
            )
            .to_series()
            .to_numpy()
        )
        codes, p = KM.p_any_miss(d[KM.P_ATTAIN].to_numpy(), key, r)
        missed = d.with_columns(pl.Series("k", key)).group_by("k").agg((~pl.col(KF.MET)).any().alias("m"))
        y = missed.join(pl.DataFrame({"k": codes, "p": p}), on="k")
        pv, yv = y["p"].to_numpy(), y["m"].cast(pl.Float64).to_numpy()
        out.append(
            {
                "p_miss_kpi": label,
                "project_origins": y.height,
                "observed_any_miss": float(yv.mean()),
                "mean_p": float(pv.mean()),
                "brier": float(np.mean((pv - yv) ** 2)),
            }
        )
    return pl.DataFrame(out)


def _limits(bt: KM.KpiBacktest, champ: str, rel: pl.DataFrame) -> str:
    """What limits the goal, in numbers: where the Brier score is lost, the worst bin, the years trained on."""
    m = bt.metrics.filter(pl.col(KM.METHOD).is_in([champ, KM.NAIVE_LOGISTIC, KM.NAIVE]))
    by_q = ", ".join(
        f"Q{q}: " + ", ".join(f"{r[KM.METHOD]} {r['brier']:.3f}" for r in g.sort(KM.METHOD).iter_rows(named=True))
        for (q,), g in m.group_by(KF.ORIGIN, maintain_order=True)
    )
    worst = rel.filter(pl.col("n") >= MIN_N).with_columns((pl.col("mean_p") - pl.col("observed")).alias("gap"))
    worst = worst.sort(pl.col("gap").abs(), descending=True).head(1)
    w = worst.row(0, named=True) if worst.height else None
    tested = sorted(int(y) for y in bt.predictions[s.FISCAL_YEAR].unique().to_list())
    trained_on = [sum(1 for y in bt.years if y < t) for t in tested]
    return (
        f"Brier by origin ({by_q}): the first quarter carries most of the loss, when a year's outcome is mostly "
        f"still to come. Each test year was predicted from {', '.join(map(str, trained_on))} earlier year(s): "
        f"the out-of-sample recalibration needs {4} (it is skipped with fewer, because on these data it learned "
        f"one year's shock and raised the Brier score)."
        + (
            f" The worst bin of {MIN_N}+ rows is bin {w['bin']}: {w['mean_p']:.2f} predicted, {w['observed']:.2f} "
            f"observed ({w['n']} rows): the chances there are too " + ("high" if w["gap"] > 0 else "low") + "."
            if w
            else ""
        )
    )


def section(title: str, kpis: pl.DataFrame, results: pl.DataFrame, source: str) -> str:
    """The KPI section for one history: per origin and overall scores, the goal, reliability, dependence."""
    start = time.perf_counter()
    rows = KF.training_rows(kpis, results)
    bt = KM.backtest(rows)
    seconds = time.perf_counter() - start
    overall = _overall(bt.predictions)
    brier = dict(zip(overall[KM.METHOD], overall["brier"], strict=True))
    champ = bt.champion
    ratio = brier[champ] / brier[KM.NAIVE_LOGISTIC] if KM.NAIVE_LOGISTIC in brier else float("nan")
    rel, rel_text = _reliability(bt.predictions, champ)
    measures = rows.group_by(s.MEASURE, pl.col(KF.LOWER).alias("lower_is_better")).agg(
        pl.len().alias("states"), pl.col(KF.MET).mean().alias("attain_rate")
    )
    years = bt.years
    tested = sorted(int(y) for y in bt.predictions[s.FISCAL_YEAR].unique().to_list())
    parts = [
        f"### {title}",
        f"Data: {source}: fiscal years {years[0]}-{years[-1]}, {rows.select(KF.KEY).unique().height} KPI-years with an "
        f"outcome, {rows.height} states (origins Q1-Q3); years {tested[0]}-{tested[-1]} predicted out of sample, each "
        f"from models fitted on the years before it, with features as known at each origin's report date. "
        f"Outcome: the year-end value as last reported meets the final target in the KPI's direction. "
        f"Backtest {seconds:.1f} s.",
        markdown(measures.sort(s.MEASURE, "lower_is_better")),
        f"#### The goal: champion Brier ≤ {GOAL_RATIO} × the naive logistic's; every bin of {MIN_N}+ rows within "
        f"±{TOLERANCE}",
        f"Champion **{champ}**: Brier {brier[champ]:.4f} against the naive logistic's "
        f"{brier.get(KM.NAIVE_LOGISTIC, float('nan')):.4f} (ratio {ratio:.2f}: goal "
        f"{'met' if ratio <= GOAL_RATIO else 'missed'}) and the naive 0/1 rule's {brier.get(KM.NAIVE, float('nan')):.4f}. "
        + rel_text,
        "#### What limits it",
        _limits(bt, champ, rel),
        "#### Every candidate and both baselines, all origins",
        markdown(overall, 4),
        "#### Per origin",
        markdown(bt.metrics, 4),
        "#### Reliability of the champion's p_attain (10 bins)",
        markdown(rel),
        "#### p_miss_kpi: at least one KPI of a project misses (project-years at each origin)",
        "Correlation of a project's KPIs estimated from the out-of-sample PIT values: "
        + (f"{bt.rho:.3f}." if bt.rho is not None else f"too few pairs (assumed {KM.ASSUMED_RHO:.2f})."),
        markdown(_projects(bt.predictions, bt.champion, bt.rho), 4),
    ]
    return "\n\n".join(parts)
