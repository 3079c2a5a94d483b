"""The floors of the house, declared once, and a walk of every import (with ``ast``, local imports too).

A module may import from its own floor or the floors below it, never from a floor above, and no
module may import itself through others (no circle). The floors, bottom to top::

    base        errors, config, durable (writes, hashes, locks), labels (the words)
    access      roles, users, audit, signing
    data        schema, calendar, parse, validate, vintages, store, snapshot, ... and formats
    model       features, models, estimators, backtest, projection, forecaster, engine, kpi*, ...
    decisions   kpi, risk, review, portfolio, plan, summary
    api         forecast.api (the one door) and the package's front (forecast/__init__)
    interfaces  cli, table, export, and the HTTP service (forecast/service.py)
    ui          the Streamlit frame, sign-in, actions, jobs
    pages       app.py and app_pages/
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# bottom to top; a module belongs to the floor of its longest matching prefix
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("forecast.errors", "forecast.config", "forecast.durable", "forecast.labels")),
    ("access", ("forecast.access",)),
    ("data", ("forecast.data", "forecast.formats")),
    ("model", ("forecast.model",)),
    ("decisions", ("forecast.decisions",)),
    ("api", ("forecast.api", "forecast")),
    ("interfaces", ("forecast.interfaces", "forecast.service")),
    ("ui", ("ui",)),
    ("pages", ("app", "app_pages")),
]


def floor_of(module: str) -> int:
    best, level = -1, -1
    for i, (_, prefixes) in enumerate(FLOORS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, level = len(p), i
    assert level >= 0, f"{module} is on no floor: add it to FLOORS"
    return level


def modules() -> dict[str, Path]:
    files = [*ROOT.glob("forecast/**/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("app_pages/*.py"), ROOT / "app.py"]
    out = {}
    for path in files:
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the project's modules it imports (at the top or inside functions)."""
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for target in targets:
                known = target
                while known and known not in mods:
                    known = known.rpartition(".")[0]
                if known and known != name:
                    found.add(known)
        graph[name] = found
    return graph


def test_every_module_is_on_a_floor():
    for name in modules():
        floor_of(name)


def test_no_import_runs_up_a_floor():
    graph = imports(modules())
    upward = [
        f"{a} ({FLOORS[floor_of(a)][0]}) imports {b} ({FLOORS[floor_of(b)][0]})"
        for a, targets in sorted(graph.items())
        for b in sorted(targets)
        if floor_of(b) > floor_of(a)
    ]
    assert not upward, "imports that run up a floor:\n" + "\n".join(upward)


def test_no_module_imports_itself_through_others():
    graph = imports(modules())
    state: dict[str, int] = {}  # 1 on the path, 2 done
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not circles, "circles of imports:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_the_walk_sees_local_imports():
    graph = imports(modules())
    assert "forecast.model.estimators" in graph["forecast.model.backtest"]  # imported inside a function
    assert "forecast.data.schema" in graph["forecast.data.snapshot"]


def test_the_linters_see_the_whole_house():
    """ruff's excludes are anchored at the repository root (a bare "data" also matched forecast/data/), and
    mypy checks every tree of code."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    excludes = config["tool"]["ruff"].get("extend-exclude", [])
    assert all(e.startswith(("./", "/")) for e in excludes), excludes
    assert set(config["tool"]["mypy"]["files"]) >= {"forecast", "ui", "app.py", "app_pages", "bench"}


MAX_LINES, MAX_COMPLEXITY = 80, 15


def test_no_function_of_the_package_is_over_80_lines_and_ruff_keeps_complexity_at_15():
    """A function of ``forecast/`` reads on one screen: at most 80 lines (its definition to its last line); ruff's
    mccabe rule (C901, selected in pyproject.toml) refuses a complexity over 15."""
    import tomllib

    long = []
    for path in sorted(ROOT.glob("forecast/**/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert "C90" in lint["select"] and lint["mccabe"]["max-complexity"] == MAX_COMPLEXITY
    ignored = [r for glob, rules in lint["per-file-ignores"].items() if glob.startswith("forecast") for r in rules]
    assert not [r for r in ignored if r.startswith("C90")]
