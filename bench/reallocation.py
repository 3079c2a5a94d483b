"""Reallocation benchmark: is the advice of ``forecast reallocate`` borne out by real budget revisions?

    uv run python bench/reallocation.py                 # the real development history
    uv run python bench/reallocation.py --real PATH     # another real history in the template

On the real development data (``../shared/realdata/armenia_2019_2022``: calendar years, C.E., five
vintages a year, budgets revised during the year), every line-year is predicted out of sample
(rolling origin: each test year by models fitted on the years before it, as ``bench/accuracy.py``), and the
absorption model is fitted on the budget raises of the years before the test year only. Then:

* **Donors**: of the money called releasable at Q2 and Q3 (``decisions.reallocation.capacity`` at the
  default appetite and others), the share that was indeed unused at the year end: min(releasable,
  budget at the origin - year-end disbursed) / releasable, summed (money cut by a later revision is
  unused money of the budget at the origin, so it counts). Goal: >= 90% at the default appetite.
* **Receivers**: for lines whose budget was raised after the origin, the model's share of the raise
  disbursed against what they did disburse of it (the raise counted as the last money spent), with the
  coverage of its p10-p90 range and the error, against the documented no-history rule's assumed share
  and "all of it".
* **Counterfactual** per test year and origin: the agency's (each state body's) execution rate had the
  proposed plan been followed (transfers within each state body), against what happened; assumptions below.

Writes the "reallocation" section of bench/RESULTS.md (and prints it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _report import machine, markdown, write_section  # noqa: E402

from forecast.data import schema as s  # noqa: E402
from forecast.data.calendar import FiscalCalendar  # noqa: E402
from forecast.decisions import reallocation as RA  # noqa: E402
from forecast.model import absorption as AB  # noqa: E402
from forecast.model import backtest as B  # noqa: E402
from forecast.model import engine  # noqa: E402
from forecast.model import features as F  # noqa: E402
from forecast.model import models as M  # noqa: E402

REAL = HERE.parent.parent / "shared" / "realdata" / "armenia_2019_2022"
GOAL = 0.9
APPETITES = (0.8, 0.9, 0.95)
ORIGINS = (2, 3)
KEY = [s.FISCAL_YEAR, s.PROJECT_ID, F.ORIGIN]


def _frames(champ: pl.DataFrame, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Out-of-sample predictions as a projection and a projects table (what ``reallocation.capacity`` reads),
    with the features as known at the origin and the truth kept alongside."""
    feats = rows.select(*KEY, *(c for c in AB.INPUTS if c in rows.columns and c not in champ.columns))
    p = champ.join(feats, on=KEY, how="left").with_columns(
        pl.col(B.BUDGET_AT_ORIGIN).alias(s.BUDGET),
        pl.col(B.DISBURSED_TO_DATE).alias(engine.DISBURSED_TO_DATE),
        pl.lit(None, pl.Float64).alias(engine.SPEND_TO_DATE),
        pl.lit(False).alias(engine.COMMITMENTS),
        pl.lit(engine.HISTORY).alias(engine.BASIS),
        pl.col(s.PROJECT_ID).alias(s.NAME_EN),
    )
    projects = p.select(
        s.FISCAL_YEAR,
        s.PROJECT_ID,
        pl.col(s.AGENCY),
        pl.col(s.AGENCY).alias(s.OWNER),
        s.PLAN_LINE,
        pl.lit("").alias(s.NAME_TH),
    )
    return p, projects


def donors(preds: dict, appetites=APPETITES) -> tuple[pl.DataFrame, pl.DataFrame]:
    out = []
    for (year, q), (p, projects, fitted) in preds.items():
        if q not in ORIGINS:
            continue
        truth = p.select(s.PROJECT_ID, B.BUDGET_AT_ORIGIN, F.BUDGET_FINAL, F.AMOUNT[s.DISBURSED])
        for a in appetites:
            cap = RA.capacity(p, projects, "agency", a, fitted).join(truth, on=s.PROJECT_ID)
            rel = cap[RA.RELEASABLE].cast(pl.Float64).to_numpy()
            b0 = cap[B.BUDGET_AT_ORIGIN].to_numpy()
            y = cap[F.AMOUNT[s.DISBURSED]].to_numpy()
            cut = np.clip(b0 - cap[F.BUDGET_FINAL].to_numpy(), 0, None)
            unused = np.clip(b0 - y, 0, None)
            out.append(
                {
                    "appetite": a,
                    F.ORIGIN: q,
                    s.FISCAL_YEAR: year,
                    "lines": cap.height,
                    "donors": int((rel > 0).sum()),
                    "releasable": float(rel.sum()),
                    "releasable_share_of_budget": float(rel.sum() / b0.sum()),
                    "indeed_unused": float(np.minimum(rel, unused).sum()),
                    "of_which_cut_by_revision": float(np.minimum(rel, cut).sum()),
                }
            )
    df = pl.DataFrame(out)
    by = (
        df.group_by("appetite", F.ORIGIN)
        .agg(pl.col("lines", "donors", "releasable", "indeed_unused", "of_which_cut_by_revision").sum())
        .with_columns(
            (pl.col("indeed_unused") / pl.col("releasable")).alias("precision"),
            (pl.col("of_which_cut_by_revision") / pl.col("releasable")).alias("cut_share"),
        )
        .sort("appetite", F.ORIGIN)
    )
    per_year = df.with_columns((pl.col("indeed_unused") / pl.col("releasable")).alias("precision")).sort(
        "appetite", F.ORIGIN, s.FISCAL_YEAR
    )
    return by, per_year


def receivers(preds: dict) -> pl.DataFrame:
    rows = []
    for (year, q), (p, _, fitted) in preds.items():
        r = AB.raises(p.with_columns(pl.col(B.BUDGET_AT_ORIGIN).alias(s.BUDGET)))
        if r.is_empty() or not fitted.get("trained"):
            continue
        size = r[AB.SIZE].to_numpy()
        delta = (r[F.BUDGET_FINAL] - r[B.BUDGET_AT_ORIGIN]).to_numpy()
        actual = r[AB.ABSORBED].to_numpy()
        mean = AB.predict_share(fitted, r, size)
        grid = AB.share_quantiles(fitted, mean)
        lo, hi = grid[:, list(M.LEVELS).index(0.1)], grid[:, list(M.LEVELS).index(0.9)]
        for name, pred, band in (
            ("model (history)", mean, (lo, hi)),
            ("rule (no history, assumed share)", np.full(len(r), RA.ASSUMED_SHARE), (RA.ASSUMED_LOW, 1.0)),
            ("all of the raise", np.ones(len(r)), None),
        ):
            rows.append(
                {
                    "method": name,
                    F.ORIGIN: q,
                    s.FISCAL_YEAR: year,
                    "raises": len(r),
                    "raised_amount": float(delta.sum()),
                    "disbursed_of_raise": float((actual * delta).sum()),
                    "predicted_of_raise": float((pred * delta).sum()),
                    "mae_share": float(np.abs(pred - actual).mean()),
                    "mae_amount": float((np.abs(pred - actual) * delta).mean()),
                    "coverage_p10_p90": None
                    if band is None
                    else float(
                        np.mean((np.asarray(band[0]) - 1e-9 <= actual) & (actual <= np.asarray(band[1]) + 1e-9))
                    ),
                    "mean_predicted_share": float(pred.mean()),
                    "mean_actual_share": float(actual.mean()),
                }
            )
    df = pl.DataFrame(rows)
    return (
        df.group_by("method", F.ORIGIN)
        .agg(
            pl.col("raises").sum(),
            pl.col("raised_amount", "disbursed_of_raise", "predicted_of_raise").sum(),
            (pl.col("mae_share") * pl.col("raises")).sum().alias("_mae"),
            (pl.col("mae_amount") * pl.col("raises")).sum().alias("_maea"),
            (pl.col("coverage_p10_p90") * pl.col("raises")).sum().alias("_cov"),
            (pl.col("mean_predicted_share") * pl.col("raises")).sum().alias("_mp"),
            (pl.col("mean_actual_share") * pl.col("raises")).sum().alias("_ma"),
        )
        .with_columns(
            (pl.col("_mae") / pl.col("raises")).alias("mae_share"),
            (pl.col("_maea") / pl.col("raises")).alias("mae_amount"),
            pl.when(pl.col("method").str.starts_with("all"))
            .then(None)
            .otherwise(pl.col("_cov") / pl.col("raises"))
            .alias("coverage_p10_p90"),
            (pl.col("_mp") / pl.col("raises")).alias("mean_predicted_share"),
            (pl.col("_ma") / pl.col("raises")).alias("mean_actual_share"),
        )
        .drop("_mae", "_maea", "_cov", "_mp", "_ma")
        .sort(F.ORIGIN, "method")
    )


def counterfactual(preds: dict) -> pl.DataFrame:
    """Each test year and origin: the plan within each state body, followed, against what happened."""
    out = []
    for (year, q), (p, projects, fitted) in preds.items():
        if q not in ORIGINS:
            continue
        cap = RA.capacity(p, projects, "agency", RA.APPETITE, fitted)
        moves = RA.choose(cap, RA.APPETITE, RA.MAX_TRANSFER_SHARE)
        t = cap.select(s.PROJECT_ID).join(
            p.select(s.PROJECT_ID, B.BUDGET_AT_ORIGIN, F.BUDGET_FINAL, F.AMOUNT[s.DISBURSED]),
            on=s.PROJECT_ID,
            how="left",
        )
        b0 = t[B.BUDGET_AT_ORIGIN].to_numpy()
        bf = t[F.BUDGET_FINAL].to_numpy()
        y = t[F.AMOUNT[s.DISBURSED]].to_numpy()
        share = cap[RA.ABSORB_SHARE].to_numpy()
        lost = gained = moved = 0.0
        given = np.zeros(cap.height)
        for i, j, a in moves:
            given[i] += a
            moved += a
            if y[j] >= 0.99 * bf[j]:  # the receiver used up its own budget: it could have used more
                gained += a * share[j]
        # what a donor gives comes first out of what a later revision cut in fact (that money stays in the
        # agency, moved instead of returned), then out of its final budget
        later_cut = np.clip(b0 - bf, 0, None)
        kept = np.minimum(given, later_cut)
        lost = float(np.clip(y - (bf - (given - kept)), 0, None).sum())
        total_b, total_y = float(bf.sum() + kept.sum()), float(y.sum())
        out.append(
            {
                s.FISCAL_YEAR: year,
                F.ORIGIN: q,
                "transfers": len(moves),
                "moved": moved,
                "moved_share_of_budget": moved / total_b,
                "execution_actual": total_y / float(bf.sum()),
                "execution_with_plan": (total_y - lost + gained) / total_b,
                "donor_loss": lost,
                "receiver_gain": gained,
            }
        )
    return pl.DataFrame(out).with_columns(
        ((pl.col("execution_with_plan") - pl.col("execution_actual")) * 100).alias("change_pp")
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", type=Path, default=REAL)
    ap.add_argument("--target", type=float, default=F.CABINET_TARGET)
    args = ap.parse_args(argv)
    bodies = ["## Reallocation advice on real budget revisions (`bench/reallocation.py`)", machine()]
    if not args.real.exists():
        bodies.append(f"Real data: {args.real} not found; nothing measured in this run.")
        write_section("reallocation", "\n\n".join(bodies))
        return 0
    start = time.perf_counter()
    h = engine.read_history([args.real], FiscalCalendar(1, "CE"))
    result = B.run(h.rows, threshold=args.target, fit_final=False)
    champ = result.predictions.filter(pl.col(B.IS_CHAMPION))
    preds = {}
    fits = {}
    for (yr, oq), g in champ.group_by(s.FISCAL_YEAR, F.ORIGIN, maintain_order=True):
        year, q = int(yr), int(oq)
        if q not in (1, 2, 3):
            continue
        if year not in fits:
            fits[year] = AB.fit(h.rows.filter(pl.col(s.FISCAL_YEAR) < year), "history")
        p, projects = _frames(g, h.rows)
        preds[(year, q)] = (p, projects, fits[year])
    preds = dict(sorted(preds.items()))
    by, per_year = donors(preds)
    rec = receivers(preds)
    cf = counterfactual(preds)
    seconds = time.perf_counter() - start
    default = by.filter(pl.col("appetite") == RA.APPETITE)
    worst = float(default["precision"].cast(pl.Float64).fill_null(0).min() or 0.0)  # type: ignore[arg-type]
    fit_rows = [
        {
            "test_year": y,
            "trained_on": f"{min(f.get('years') or [0])}-{max(f.get('years') or [0])}",
            "raises": f.get("raises", 0),
            "mean_absorbed_share": f.get("mean_absorbed_share"),
        }
        for y, f in fits.items()
    ]
    bodies += [
        f"Data: {h.source} ({h.basis}): fiscal years {h.years[0]}-{h.years[-1]}; test years "
        f"{', '.join(str(y) for y in sorted(fits))} predicted out of sample by the champions of the rolling-origin "
        f"backtest (each year from the years before it); the absorption model of each test year fitted on the "
        f"budget raises of the years before it only. Amounts in million AMD. Run {seconds:.0f} s.",
        "#### Donors: of the money called releasable, the share indeed unused at the year end (goal ≥ 90% at "
        f"appetite {RA.APPETITE})",
        "releasable = budget at the origin - the projected year end at the appetite quantile, at most the budget "
        "less disbursed (commitments are not published in this data), never below 0; *indeed unused* = "
        "min(releasable, budget at the origin - year-end disbursed); *cut* = the part of it a later revision "
        "took away.",
        markdown(by),
        f"Goal {'met' if worst >= GOAL else 'missed'}: the lowest precision at the default appetite is {worst:.3f}.",
        "Per test year:",
        markdown(per_year.filter(pl.col("appetite") == RA.APPETITE)),
        "#### Receivers: lines whose budget was raised after the origin (share of the raise disbursed)",
        "The raise is counted as the last money spent: disbursed of it = clip((year-end disbursed - budget at "
        "the origin) / (final budget - budget at the origin), 0, 1). The model predicts it from the features at "
        "the origin and the raise's size; its p10-p90 from out-of-sample residuals of the training years.",
        markdown(pl.DataFrame(fit_rows)),
        markdown(rec),
        "#### Counterfactual: each state body's execution rate had the plan been followed (transfers within each "
        "state body)",
        "Assumptions, plainly: (1) what a donor gives comes first out of what a later revision in fact cut from it "
        "(that money is moved instead of returned, so it stays in the agency's budget), then out of its final "
        "budget; its disbursement is what it was, capped at that lowered budget (it loses any excess: "
        "*donor_loss*); (2) a receiver gains its predicted share of what it got, but "
        "only where it in fact disbursed at least 99% of its own final budget (a line that left its own money "
        "unused could not have used more) - its use of the extra money is not observed; (3) the total budget is "
        "unchanged by the transfers; (4) nothing else about the year changes. The rate is total disbursed / total "
        "final budget (with the plan: plus the cut money moved instead of returned).",
        markdown(cf),
    ]
    if worst < GOAL:
        bodies.append(
            "What limits the donors' goal: the projected year-end quantile at the appetite is too low for "
            "some lines whose budgets are spent late (the range is calibrated across lines, not for the top tail of "
            "lines that catch up in Q4)."
        )
    body = "\n\n".join(bodies)
    write_section("reallocation", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
