"""Load benchmark of `forecast serve`: many clients read while an analyst ingests a quarter and a training job runs.

    uv run python bench/service_load.py                                  # 50,000 projects (the scale store)
    uv run python bench/service_load.py --projects 5000 --workdir /tmp/small --seconds 20

The store is the scale benchmark's (``--workdir``/store, built here when missing: a synthetic
portfolio of ``--projects`` projects, Q1-Q2 reported, its review kept). The server runs in its own
process on a free loopback port; the clients (threads with httpx) run in this process, on loopback
only, for a bounded time and number of requests. Each client reads, in turn, the top 100 of the
ranking (as a dashboard does; the whole ranking of 50,000 lines is some 30 MB), the portfolio by
agency and one project's projection. After a few seconds one analyst ingests the Q3
report of every project, and a training job is started. Every answer is checked: a read during the
ingest must equal the answer before it or the answer after it, never a mix. Writes the "service"
section of bench/RESULTS.md (and prints it).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _report import machine, markdown, write_section  # noqa: E402

from forecast import api  # noqa: E402
from forecast.access.tokens import Tokens  # noqa: E402
from forecast.data import schema as s  # noqa: E402
from forecast.data.store import Store  # noqa: E402

P95_TARGET = 0.200  # seconds, reads of kept results
PASSWORD = "bench-password-not-secret"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(work: Path, projects: int, years: int, seed: int) -> Store:
    """The store of the scale benchmark, or a new one like it (synthetic, Q1-Q2 reported, review kept)."""
    if (work / "store").exists():
        return Store.open(work / "store")
    from forecast.model import synthetic

    t = synthetic.simulate(projects=projects, years=years, seed=seed, as_of_quarter=2)
    synthetic.write(t, work / "input", "parquet", {"projects": projects, "years": years})
    store = Store.create(work / "store")
    store.ingest([work / "input"], note="service bench")
    api.refresh(store)
    return store


def quarter3(store: Store, folder: Path) -> Path:
    """The next report: Q3 for every project of the current year, dated the quarter's end."""
    fin = store.read("finance").drop(s.VINTAGE)
    year = int(fin[s.FISCAL_YEAR].max())  # type: ignore[arg-type]
    now = fin.filter(pl.col(s.FISCAL_YEAR) == year)
    flows = [c for c in (s.DISBURSED, s.COMMITTED, s.SPEND) if c in now.columns]
    q2 = now.filter(pl.col(s.QUARTER) == 2).select(s.PROJECT_ID, *flows)
    q3 = (
        now.filter(pl.col(s.QUARTER) == 3)
        .drop(flows)
        .join(q2, on=s.PROJECT_ID, how="inner")  # Q3 pays and commits what Q2 did; its plan is the store's
        .with_columns(pl.lit(store.calendar.quarter_end(year, 3)).alias(s.AS_OF))
    )
    folder.mkdir(parents=True, exist_ok=True)
    keep = [c for c in s.FINANCE.names if c in q3.columns and not c.endswith("_cum_reported")]
    q3.select(keep).write_parquet(folder / "finance.parquet")
    return folder / "finance.parquet"


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class Server:
    """`forecast serve` in its own process on a free loopback port."""

    def __init__(self, store: Store, workers: int):
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = "from forecast.interfaces.cli import main; import sys; sys.exit(main())"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "--store",
                str(store.root),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("the server did not become ready in 120 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run(store: Store, workers: int, clients: int, seconds: float, max_requests: int, work: Path) -> dict:
    """One load run against a fresh server with ``workers`` processes."""
    if store.users.role("bench-viewer") is None:
        store.users.add("bench-viewer", "viewer", PASSWORD)
        store.users.add("bench-analyst", "analyst", PASSWORD)
    tokens = Tokens(store.access_dir, store.users)
    viewer = {"Authorization": f"Bearer {tokens.issue('bench-viewer', 1)[1]}"}
    analyst = {"Authorization": f"Bearer {tokens.issue('bench-analyst', 1)[1]}"}
    pid = str(store.read("projects")[s.PROJECT_ID][0])
    reads = {
        "ranking": "/v1/ranking?lang=en",
        "portfolio": "/v1/portfolio?by=agency",
        "projection": f"/v1/projections?project_id={pid}",
    }
    server = Server(store, workers)
    try:
        with httpx.Client(base_url=server.url, headers=viewer, timeout=120) as c:
            before = {k: _digest(c.get(u).content) for k, u in reads.items()}  # also warms the kept results
        q3 = quarter3(store, work / f"q3-{workers}")
        log: list[tuple[str, float, int, str]] = []
        stop_at = time.monotonic() + seconds
        done = threading.Event()
        writes: dict = {}

        def client(i: int) -> None:
            names = list(reads)
            with httpx.Client(base_url=server.url, headers=viewer, timeout=120) as c:
                n = 0
                while time.monotonic() < stop_at and n < max_requests and not done.is_set():
                    name = names[(i + n) % len(names)]
                    t0 = time.perf_counter()
                    try:
                        r = c.get(reads[name])
                        log.append((name, time.perf_counter() - t0, r.status_code, _digest(r.content)))
                    except httpx.HTTPError as exc:
                        log.append((name, time.perf_counter() - t0, 0, type(exc).__name__))
                    n += 1

        def analyst_work() -> None:
            time.sleep(min(5.0, seconds / 4))
            with httpx.Client(base_url=server.url, headers=analyst, timeout=600) as c:
                t0 = time.perf_counter()
                r = c.post("/v1/train")
                writes["train_start"] = (r.status_code, time.perf_counter() - t0)
                t0 = time.perf_counter()
                with open(q3, "rb") as f:
                    r = c.post("/v1/ingest", files={"files": (q3.name, f.read())}, data={"note": "bench Q3"})
                writes["ingest"] = (r.status_code, time.perf_counter() - t0)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        writer = threading.Thread(target=analyst_work)
        start = time.perf_counter()
        for t in (*threads, writer):
            t.start()
        writer.join()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        with httpx.Client(base_url=server.url, headers=viewer, timeout=600) as c:
            after = {k: _digest(c.get(u).content) for k, u in reads.items()}
    finally:
        server.stop()
    df = pl.DataFrame(
        log, schema={"read": pl.String, "seconds": pl.Float64, "status": pl.Int64, "digest": pl.String}, orient="row"
    )
    ok = df.filter(pl.col("status") == 200)
    wrong = ok.filter(
        ~pl.struct("read", "digest").map_elements(
            lambda r: r["digest"] in (before[r["read"]], after[r["read"]]), return_dtype=pl.Boolean
        )
    )
    per = (
        df.group_by("read")
        .agg(
            pl.len().alias("requests"),
            (pl.col("status") != 200).sum().alias("errors"),
            pl.col("seconds").median().alias("p50_s"),
            pl.col("seconds").quantile(0.95).alias("p95_s"),
            pl.col("seconds").quantile(0.99).alias("p99_s"),
            pl.col("seconds").max().alias("max_s"),
        )
        .sort("read")
    )
    return {
        "workers": workers,
        "clients": clients,
        "wall_s": wall,
        "requests": df.height,
        "throughput_rps": df.height / wall,
        "errors": int((df["status"] != 200).sum()),
        "wrong": wrong.height,
        "p95_s": float(df["seconds"].quantile(0.95) or 0),
        "per_read": per,
        "writes": writes,
        "changed": {k: before[k] != after[k] for k in reads},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--projects", type=int, default=50_000)
    p.add_argument("--years", type=int, default=4, help="fiscal years (3 complete: a training job has work to do)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/forecast-bench"))
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--max-requests", type=int, default=2000, help="per client")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = p.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    store = build(args.workdir, args.projects, args.years, args.seed)
    built = time.perf_counter() - t0
    projects = store.read("projects").height
    results = []
    for w in args.workers:
        print(f"workers {w} ...", file=sys.stderr, flush=True)
        copy = args.workdir / f"run-{w}"  # each run starts from the same data, on a copy of the store
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(store.root, copy / "store")  # type: ignore[arg-type]
        results.append(run(Store.open(copy / "store"), w, args.clients, args.seconds, args.max_requests, copy))
        shutil.rmtree(copy, ignore_errors=True)
    summary = pl.DataFrame(
        [{k: v for k, v in r.items() if k not in ("per_read", "writes", "changed")} for r in results]
    )
    parts = [
        "## Service load (`bench/service_load.py`)",
        machine(),
        f"Store: {args.workdir / 'store'} ({projects} project rows, {os.cpu_count()} cores; built or opened in "
        f"{built:.0f} s). {args.clients} concurrent clients on loopback for {args.seconds:.0f} s (at most "
        f"{args.max_requests} requests each) read the top 100 of the ranking, the portfolio by agency and one project's "
        "projection in turn, while one analyst starts a training job and ingests the Q3 report of every "
        "project. A read is wrong when it equals neither the answer before the ingest nor the one after it.",
        markdown(summary, 3),
    ]
    for r in results:
        parts += [
            f"#### {r['workers']} worker(s): latency per read (seconds)",
            markdown(r["per_read"], 3),
            f"Writes: {r['writes']}; answers changed by the ingest: {r['changed']}. Goal p95 ≤ "
            f"{P95_TARGET * 1000:.0f} ms for reads of kept results, 0 errors, 0 wrong answers: "
            + (
                "met."
                if r["p95_s"] <= P95_TARGET and not r["errors"] and not r["wrong"]
                else f"missed (p95 {r['p95_s'] * 1000:.0f} ms, {r['errors']} errors, {r['wrong']} wrong)."
            ),
        ]
    body = "\n\n".join(parts)
    write_section("service", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
