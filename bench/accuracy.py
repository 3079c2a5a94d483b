"""Accuracy benchmark: rolling-origin backtest of every model and baseline, and of KPI attainment.

    uv run python bench/accuracy.py                       # simulated: 20 agencies x 9 projects x 8 years
    uv run python bench/accuracy.py --history DIR [...]   # any history in the template

Writes the "accuracy" section of bench/RESULTS.md (and prints it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine, markdown, write_section  # noqa: E402

from forecast.model import backtest as B  # noqa: E402
from forecast.model import engine, synthetic  # noqa: E402
from forecast.decisions import kpi  # noqa: E402
from forecast.model import features as F  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agencies", type=int, default=20)
    p.add_argument("--projects-per-agency", type=int, default=9)
    p.add_argument("--years", type=int, default=8)
    p.add_argument("--seed", type=int, default=2569)
    p.add_argument("--history", nargs="+", type=Path, default=None, help="history files or folders instead")
    p.add_argument("--target", type=float, default=F.CABINET_TARGET)
    args = p.parse_args(argv)

    start = time.perf_counter()
    if args.history:
        h = engine.read_history(args.history)
        panel, kpis, results, source = h.panel, h.kpis, h.kpi_results, f"{h.source} ({h.basis})"
    else:
        n = args.agencies * args.projects_per_agency
        t = synthetic.simulate(projects=n, years=args.years, seed=args.seed, agencies=args.agencies)
        panel = F.panel(t["projects"], t["finance"])
        kpis, results = t["kpis"], t["kpi_results"]
        source = (f"synthetic history: {args.agencies} agencies x {args.projects_per_agency} projects x "
                  f"{args.years} fiscal years, seed {args.seed} (`forecast simulate`)")
    result = B.run(panel, threshold=args.target, fit_final=False)
    kpi_table = kpi.backtest(kpis, results) if kpis is not None and results is not None else None
    seconds = time.perf_counter() - start

    m = result.metrics
    wins = []
    for q in B.ORIGINS:
        at = m.filter(pl.col(F.ORIGIN) == q)
        best_model = at.filter(pl.col(B.KIND) == "model").sort("mae_disbursed_pp").row(0, named=True)
        best_base = at.filter(pl.col(B.KIND) == "baseline").sort("mae_disbursed_pp").row(0, named=True)
        wins.append({F.ORIGIN: q, "champion": result.champions[q],
                     "best_model": best_model[B.MODEL], "mae_pp": best_model["mae_disbursed_pp"],
                     "best_baseline": best_base[B.MODEL], "baseline_mae_pp": best_base["mae_disbursed_pp"],
                     "error_cut": 1 - best_model["mae_disbursed_pp"] / best_base["mae_disbursed_pp"],
                     "model_brier": best_model["brier_miss"], "baseline_brier": best_base["brier_miss"]})
    body = "\n\n".join(filter(None, [
        "## Accuracy (`bench/accuracy.py`)",
        machine(),
        f"Data: {source}. Fiscal years {result.years[0]}-{result.years[-1]}; years {result.years[2]}-"
        f"{result.years[-1]} predicted out of sample (each trained on the years before it and calibrated on "
        f"the residuals of the years before that). Miss = year-end disbursed below {args.target:.0%} of budget. "
        f"Errors in percentage points of budget. Run time {seconds:.0f} s.",
        "### Best model against best baseline, per origin quarter",
        markdown(pl.DataFrame(wins)),
        "### Every model and baseline on the same rows",
        markdown(m),
        "### Reliability of the champions' P(miss)",
        markdown(B.reliability(result.predictions, args.target)),
        "### KPI attainment: Brier score and AUC of p_attain (rules alone, and calibrated on earlier years)"
        if kpi_table is not None else "",
        markdown(kpi_table) if kpi_table is not None else "",
    ]))
    write_section("accuracy", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
