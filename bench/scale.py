"""Scale benchmark: a whole government's portfolio, stage by stage, against a plain Polars floor.

    uv run python bench/scale.py                          # 50,000 projects x 10 fiscal years
    uv run python bench/scale.py --projects 5000 --years 5 --workdir /tmp/small

Each stage runs in its own process; its wall time is measured inside it (after imports) and its
peak memory is the process's maximum resident set size. The floor of a stage is a plain Polars
scan plus group-by of the same data (the input files for ingest, the store's finance table for
the rest). Writes the "scale" section of bench/RESULTS.md (and prints it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

GB = 1024**3
# stage -> (what it does, target seconds or None, ratio-to-floor target or None)
STAGES = {
    "simulate": ("write the synthetic portfolio (Parquet, template layout)", None, None),
    "floor_input": ("floor: scan the input finance file + group-by project-year", None, None),
    "ingest": ("validate every row and append one vintage", None, None),
    "floor_store": ("floor: scan the store's finance table + group-by project-year-quarter", None, None),
    "features": ("snapshot + real-time panel + features at every origin (lazy Polars)", None, 3.0),
    "train": ("rolling-origin backtest + fit of the model set (engine.train)", None, None),
    "project_rank": (
        "projection + KPIs + risk ranking + joint portfolio by agency, as `forecast rank` reads them "
        "(kept at ingest and training)",
        5.0,
        None,
    ),
    "project_rank_cold": (
        "the same computed afresh (10,000 joint draws; what a new target or report date costs once)",
        None,
        None,
    ),
    "app_ranking": ("the app's ranking page (AppTest): first render, then cached", 2.0, None),
    "app_overview": ("the app's overview page (AppTest): first render, then cached", 2.0, None),
}
FIRST_RENDER_TARGET = 3.0  # seconds: the app's first render of a page on the whole portfolio
MEMORY_TARGET = 4 * GB


def _timed(fn) -> dict:
    start = time.perf_counter()
    extra = fn() or {}
    return {"seconds": time.perf_counter() - start, **extra}


def stage(name: str, work: Path, args: argparse.Namespace) -> dict:
    """Run one stage in this process; returns its timings."""
    import polars as pl

    from forecast.data import schema as s

    store_dir, inputs = work / "store", work / "input"
    if name == "simulate":
        from forecast.model import synthetic

        def run():
            t = synthetic.simulate(projects=args.projects, years=args.years, seed=args.seed, as_of_quarter=2)
            synthetic.write(t, inputs, "parquet", {"projects": args.projects, "years": args.years})
            return {"rows": {k: v.height for k, v in t.items()}}

        return _timed(run)
    if name == "floor_input":
        return _timed(
            lambda: {
                "groups": pl.scan_parquet(inputs / "finance.parquet")
                .group_by(s.FISCAL_YEAR, s.PROJECT_ID)
                .agg(pl.col(s.PLAN, s.DISBURSED, s.COMMITTED, s.SPEND).sum())
                .collect()
                .height
            }
        )
    if name == "floor_store":
        return _timed(
            lambda: {
                "groups": pl.scan_parquet(store_dir / "vintages" / "*" / "finance.parquet")
                .group_by(s.FISCAL_YEAR, s.PROJECT_ID, s.QUARTER)
                .agg(pl.col(s.PLAN, s.DISBURSED, s.COMMITTED, s.SPEND).cast(pl.Float64).sum())
                .collect()
                .height
            }
        )
    from forecast.data.store import Store

    if name == "ingest":
        import shutil

        from forecast import api

        shutil.rmtree(store_dir, ignore_errors=True)
        store = Store.create(store_dir)

        def run():  # what `forecast ingest` does: validate and store, then keep the review for readers
            start = time.perf_counter()
            vintage = store.ingest([inputs], note="bench").vintage
            stored = time.perf_counter() - start
            api.refresh(store)
            return {"vintage": vintage, "phases": {"store": stored, "refresh": time.perf_counter() - start - stored}}

        return _timed(run)
    store = Store.open(store_dir)
    if name == "features":
        from forecast.model import features as F

        return _timed(lambda: {"rows": F.build_all(F.panel(store.snapshot())).height})
    if name == "train":
        from forecast import api

        def run():
            ms = api.train(store)
            return {
                "phases": ms.manifest["seconds"],
                "version": ms.version,
                "champions": ms.manifest["champions"],
                "rows": ms.manifest["rows"],
            }

        return _timed(run)
    if name in ("project_rank", "project_rank_cold"):
        from forecast import api

        def run():  # what `forecast rank` and `forecast portfolio --by agency` do, from one snapshot
            from forecast.decisions import review as R

            snap = store.snapshot("latest", last_years=2)
            kept = store.results if name == "project_rank" else None
            rv = R.review(snap, api.models_of(store), R.policy_for(snap, None), kept)
            ranked = rv.ranking("th")
            groups = rv.portfolio("agency")
            return {"projects": ranked.height, "groups": groups.height, "from_results": rv.from_results}

        return _timed(run)
    if name in ("app_ranking", "app_overview"):
        # imports are not part of a page's render: a server process pays them once, for every session
        import pandas  # noqa: F401  (st.dataframe imports it on first use)
        from streamlit.testing.v1 import AppTest

        import forecast.decisions.review  # noqa: F401
        from ui.auth import USER, Session

        os.environ["FORECAST_STORE"] = str(store_dir)
        at = AppTest.from_file(str(HERE.parent / "app.py"), default_timeout=600)
        if store.users.role("bench") is None:
            store.users.add("bench", "viewer", "bench-password-not-secret")
        at.session_state[USER] = Session("bench", "viewer")  # signed in (sign-in is not part of the page)
        if name == "app_ranking":
            at.switch_page("app_pages/ranking.py")  # open the ranking page directly, as a manager would
        first = _timed(lambda: at.run() and None)
        if at.exception:
            raise RuntimeError(str(at.exception))
        again = _timed(lambda: at.run() and None)
        return {
            "seconds": again["seconds"],
            "first_seconds": first["seconds"],
            "rows_shown": len(at.dataframe[0].value) if at.dataframe else 0,
        }
    raise ValueError(f"unknown stage {name}")


def run_child(name: str, work: Path, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--stage",
        name,
        "--workdir",
        str(work),
        "--projects",
        str(args.projects),
        "--years",
        str(args.years),
        "--seed",
        str(args.seed),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    assert proc.stdout is not None and proc.stderr is not None  # both piped
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"stage {name} failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_bytes"] = usage.ru_maxrss * 1024
    return result


def report(results: dict, args: argparse.Namespace) -> str:
    import polars as pl
    from _report import machine, markdown

    floors = {"ingest": "floor_input"}
    rows = []
    for name, (what, target_s, target_ratio) in STAGES.items():
        r = results.get(name)
        if r is None:
            continue
        floor = results.get(floors.get(name, "floor_store"), {}).get("seconds")
        ratio = r["seconds"] / floor if floor and not name.startswith(("floor", "simulate")) else None
        checks = []
        if name.startswith("app_"):
            first = r["first_seconds"]
            checks.append(
                ("met" if first <= FIRST_RENDER_TARGET else "MISSED")
                + f" (first render {first:.1f} s ≤ {FIRST_RENDER_TARGET:g} s)"
            )
        if target_s is not None:
            label = "cached render " if name.startswith("app_") else ""
            checks.append(("met" if r["seconds"] <= target_s else "MISSED") + f" ({label}≤ {target_s:g} s)")
        if target_ratio is not None and ratio is not None:
            checks.append(("met" if ratio <= target_ratio else "MISSED") + f" (≤ {target_ratio:g}x floor)")
        if name == "train":
            fit, bt = r["phases"]["fit"], r["phases"]["backtest"]
            checks.append(("met" if fit <= 60 else "MISSED") + f" (fit {fit:.0f} s ≤ 60 s)")
            checks.append(("met" if bt <= 600 else "MISSED") + f" (backtest {bt:.0f} s ≤ 600 s)")
        checks.append(("met" if r["peak_bytes"] <= MEMORY_TARGET else "MISSED") + " (memory ≤ 4 GB)")
        rows.append(
            {
                "stage": name,
                "what": what,
                "seconds": round(r["seconds"], 2),
                "peak_memory_gb": round(r["peak_bytes"] / GB, 2),
                "x_floor": None if ratio is None else round(ratio, 1),
                "targets": "; ".join(checks),
            }
        )
    table = pl.DataFrame(rows)
    notes = []
    if "train" in results:
        ph = results["train"]["phases"]
        notes.append(
            f"train phases: features {ph.get('features', 0):.1f} s, backtest {ph['backtest']:.1f} s, "
            f"final fit {ph['fit']:.1f} s on {results['train']['rows']} complete project-years; champions "
            + ", ".join(f"Q{q} {c}" for q, c in sorted(results["train"]["champions"].items()))
        )
    if "ingest" in results and "phases" in results["ingest"]:
        ph = results["ingest"]["phases"]
        notes.append(
            f"ingest phases: validate and store {ph['store']:.1f} s, then the review kept for readers "
            f"(projection, KPIs, risk, portfolios, previous report) {ph['refresh']:.1f} s"
        )
    for stage_name in ("project_rank", "project_rank_cold"):
        if stage_name in results:
            r = results[stage_name]
            notes.append(
                f"{stage_name}: {r['projects']:,} projects ranked, {r['groups']:,} groups, "
                + ("read from the results kept at training" if r["from_results"] else "computed")
            )
    for page in ("app_ranking", "app_overview"):
        if page in results:
            a = results[page]
            notes.append(
                f"app {page.split('_')[1]} page: first render {a['first_seconds']:.1f} s (reads the review "
                f"kept at training), cached render {a['seconds']:.2f} s, {a['rows_shown']} rows drawn "
                "(filtered and paged, never the whole portfolio)"
            )
    if "simulate" in results:
        notes.append("rows: " + ", ".join(f"{k} {v:,}" for k, v in results["simulate"]["rows"].items()))
    return "\n\n".join(
        [
            "## Scale (`bench/scale.py`)",
            machine(),
            f"Portfolio: {args.projects:,} projects x {args.years} fiscal years x 4 quarters, with KPIs "
            f"(`forecast simulate --seed {args.seed} --as-of-quarter 2`): the last year is current, reported to Q2.",
            markdown(table),
            *(f"- {n}" for n in notes),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--projects", type=int, default=50_000)
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/forecast-bench"))
    p.add_argument("--stages", nargs="+", default=list(STAGES), choices=list(STAGES))
    p.add_argument("--stage", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.stage:  # child process
        print(json.dumps(stage(args.stage, args.workdir, args), default=str))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.stages:
        print(f"{name} ...", file=sys.stderr, flush=True)
        results[name] = run_child(name, args.workdir, args)
        print(f"  {results[name]['seconds']:.2f} s, {results[name]['peak_bytes'] / GB:.2f} GB", file=sys.stderr)
    body = report(results, args)
    if set(STAGES) <= set(results):
        from _report import write_section

        write_section("scale", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
