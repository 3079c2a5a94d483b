"""Shared by the benchmarks: the machine, the library versions, and writing a section of RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

import polars as pl

from forecast.model.registry import code_version, library_versions

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = """# Benchmark results

Written by the scripts in `bench/` (see the README); each section is replaced by its script's
latest run, with the machine and library versions it ran on, so that runs can be compared.
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
        meminfo = Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
        mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
        memory = f"{mem_kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        memory = "unknown"
    libs = ", ".join(f"{k} {v}" for k, v in library_versions().items())
    return (
        f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} · {os.cpu_count()} cores ({cpu}) · "
        f"{memory} RAM · Python {platform.python_version()} · code {code_version()}\n\nLibraries: {libs}"
    )


def markdown(df: pl.DataFrame, digits: int = 3) -> str:
    """A frame as a Markdown table (floats rounded), as the CLI prints it."""
    import io

    from forecast.interfaces.cli import emit

    buf = io.StringIO()
    emit(df.with_columns(pl.selectors.float().round(digits)), "table", out=buf, wide=True)  # every column
    return buf.getvalue().strip()


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section ``name`` of RESULTS.md."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")
