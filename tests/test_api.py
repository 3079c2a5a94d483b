"""The one door: every operation in ``forecast.api``, the role check and the audit record made there for every
actor, and every command-line handler making exactly one call to it."""

from __future__ import annotations

import ast
import datetime as dt
import functools
from pathlib import Path

import polars as pl
import pytest

from forecast import api, config
from forecast.access.roles import ADMIN, ANALYST, VIEWER, Actor, PermissionDenied
from forecast.data import schema as s
from forecast.data.store import Store
from forecast.interfaces import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def kept(tmp_path) -> Store:
    return Store.create(tmp_path / "s", from_reference=True)


def _denied(store: Store) -> pl.DataFrame:
    return store.audit.entries().filter(pl.col("outcome") == "denied")


def test_targets_are_set_without_a_file_and_need_the_analyst_role(kept):
    done = api.set_targets(kept, 2569, 0.9, (0.2, 0.4, 0.6, 0.9), "cabinet", actor=Actor("ann", ANALYST))
    assert done.result.vintage == 2 and done.targets.height == 1
    row = done.targets.row(0, named=True)
    assert (
        row[s.YEAR_END] == pytest.approx(0.9)
        and row[s.QUARTER_TARGETS[3]] == pytest.approx(0.9)
        and row[s.NOTE] == "cabinet"
    )
    assert api.set_targets(kept, 2569, 0.9, (0.2, 0.4, 0.6, 0.9), "cabinet").result.vintage is None  # unchanged
    assert api.review(kept).policy.target == pytest.approx(0.9)
    only_year_end = api.set_targets(kept, 2570, 0.95)  # the quarterly targets may be left out
    assert only_year_end.result.vintage == 3 and only_year_end.targets.height == 2
    with pytest.raises(PermissionDenied, match="set targets needs the analyst role"):
        api.set_targets(kept, 2569, 0.5, actor=Actor("vic", VIEWER))
    assert _denied(kept)["action"].to_list() == ["set_targets"]


def test_users_and_their_audit_records_live_in_the_api(kept):
    admin = Actor("root-admin", ADMIN, via="http")
    otp = api.add_user(kept, "somchai", ANALYST, actor=admin)
    assert otp and "somchai" in api.users(kept, actor=admin)["user"].to_list()
    assert api.set_user(kept, "somchai", "reset", actor=admin)
    api.set_user(kept, "somchai", "disable", actor=admin)
    with pytest.raises(PermissionDenied):
        api.users(kept, actor=Actor("somchai", ANALYST))
    trail = api.audit_trail(kept, actor=admin)
    assert not trail.problems
    mine = trail.entries.filter(pl.col("action").str.starts_with("user"))
    assert mine["action"].to_list() == ["user add", "user reset", "user disable"]
    assert set(mine["via"].to_list()) == {"http"}
    assert _denied(kept)["action"].to_list() == ["manage_users"]


def test_the_public_viewer_may_view_and_export_only(kept):
    public = Actor("anonymous", VIEWER, via="app", signed_in=False)
    api.record_download(kept, "risk_ranking.csv", "latest", actor=public)  # allowed, and not recorded
    with pytest.raises(PermissionDenied):
        api.ingest(kept, [config.REFERENCE_DIR], actor=public)
    found = kept.audit.entries().filter(pl.col("action").is_in(["download", "ingest"]))
    # the create's ingest, and the refusal: recorded although nobody is signed in (no download is)
    assert list(zip(found["action"], found["outcome"])) == [("ingest", "ok"), ("ingest", "denied")]
    assert found["user"][-1] == "anonymous"


def test_an_export_is_rendered_by_the_caller_and_recorded(kept):
    made = api.export(kept, "x.bin", lambda rv: str(rv.snapshot.as_of).encode(), details={"lang": "en"})
    assert made.data == b"2026-03-31"
    entry = kept.audit.entries().filter(pl.col("action") == "export").row(-1, named=True)
    assert entry["target"] == "x.bin" and '"bytes": 10' in entry["details"] and '"lang": "en"' in entry["details"]


def test_the_previous_report_and_rank_with_quarterly_targets(reference):
    assert api.previous_date(reference) == dt.date(2025, 12, 30)
    assert api.previous_date(reference, dt.date(2025, 12, 30)) is None
    before = api.previous(reference)
    assert before is not None and before.snapshot.as_of == dt.date(2025, 12, 30)
    out = api.ranked(reference, quarterly_targets=(0.3, 0.52, 0.75, 0.93), compare_to="previous", lang="en")
    assert out.review.policy.quarterly_targets == (0.3, 0.52, 0.75, 0.93)
    assert out.compared_to == dt.date(2025, 12, 30) and out.table.height == 9
    assert "compared_to" in api.rank(reference, compare_to="previous").columns


class _Spy:
    """Counts the calls an interface makes to ``forecast.api`` (not the calls api functions make to each other)."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        self.depth = 0
        for name in api.__all__:
            fn = getattr(api, name)
            if callable(fn) and not isinstance(fn, type) and fn.__module__ == api.__name__:
                monkeypatch.setattr(api, name, self._wrap(name, fn))

    def _wrap(self, name, fn):
        @functools.wraps(fn)
        def spy(*args, **kwargs):
            if self.depth == 0:
                self.calls.append(name)
            self.depth += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1

        return spy


def test_every_command_makes_one_api_call(tmp_path, monkeypatch, capsys):
    store = str(tmp_path / "s")
    commands = [
        ["init", "--from-reference"],
        ["data", "--table", "finance"],
        ["validate", str(config.REFERENCE_DIR)],
        ["validate", "--rules"],
        ["ingest", str(config.REFERENCE_DIR)],
        ["revisions"],
        ["vintages"],
        ["verify"],
        ["refresh"],
        ["project"],
        ["kpi"],
        ["rank", "--compare-to", "previous", "--quarterly-targets", "0.3", "0.52", "0.75", "0.93"],
        ["portfolio", "--by", "plan_line", "--draws", "1000"],
        ["targets"],
        ["targets", "set", "--fiscal-year", "2569", "--year-end", "0.9"],
        ["report", "--out", str(tmp_path / "r.xlsx")],
        ["template", "--out", str(tmp_path / "t.xlsx")],
        ["models"],
        ["users", "add", "somchai", "--role", "analyst"],
        ["users", "role", "somchai", "--role", "admin"],
        ["users", "token", "somchai"],
        ["users", "tokens"],
        ["users"],
        ["audit"],
        ["simulate", "--projects", "3", "--years", "1", "--out", str(tmp_path / "sim")],
    ]
    spy = _Spy(monkeypatch)
    for command in commands:
        spy.calls.clear()
        assert cli.main(["--store", store, *command]) == 0, command
        assert len(spy.calls) == 1, (command, spy.calls)
    capsys.readouterr()


def test_no_interface_writes_the_audit_trail_or_the_users_itself():
    """The audit records of operations and user changes are made in the api, for every door (the app's
    sign-in and sign-out, which only the app has, are the exception: ui/auth.py)."""
    for path in [*ROOT.glob("forecast/interfaces/*.py"), ROOT / "ui" / "actions.py", ROOT / "ui" / "frame.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("audit", "users"):
                assert not (isinstance(node.value, ast.Name) and node.value.id in ("store", "st_")), (
                    f"{path.name}:{node.lineno} uses store.{node.attr} directly; go through forecast.api"
                )


def test_a_set_an_analyst_trains_waits_for_an_administrator_unless_the_store_says_otherwise(tmp_path, monkeypatch):
    from forecast.model import backtest, synthetic

    every = backtest.candidate_estimators()  # two rules are enough to train a set quickly
    monkeypatch.setattr(backtest, "candidate_estimators", lambda: {k: every[k] for k in ("plan", "s_curve")})

    history = synthetic.write(synthetic.simulate(projects=6, years=3, seed=5), tmp_path / "history")
    store = Store.create(tmp_path / "s")
    store.ingest([config.REFERENCE_DIR])
    analyst = Actor("nok", ANALYST, "app", True, "s1")
    seen: list[float] = []
    ms = api.train(store, history, actor=analyst, progress=lambda p, _text: seen.append(p))
    assert api.active_version(store) is None and api.awaits_activation(store, ms.version)
    assert seen == sorted(seen) and len(seen) >= 6 and seen[-1] < 1  # moves with the work, in order
    assert api.model_sets(store).filter(pl.col("version") == ms.version)[api.AWAITS_ACTIVATION].item()
    trail = store.audit.entries().filter(pl.col("action") == "train")
    assert '"awaits_activation": true' in trail["details"][-1] and trail["user"][-1] == "nok"
    api.activate(store, ms.version, actor=Actor("root", ADMIN, "app", True, "s2"))
    assert api.active_version(store) == ms.version and not api.awaits_activation(store, ms.version)
    live = Store.create(tmp_path / "live", activate_trained=True)
    assert Store.open(live.root).activate_trained
    third = api.train(Store.open(live.root), history, actor=analyst)
    assert api.active_version(live) == third.version


def test_output_frames_keep_their_declared_schema_full_and_empty(reference, tmp_path):
    from forecast.decisions import kpi, portfolio, risk
    from forecast.model import engine

    rv = api.review(reference)
    assert rv.projection.schema == engine.SCHEMA and rv.projection.height == 9
    assert rv.risk.schema == risk.SCHEMA
    assert dict(rv.kpis.schema).items() >= {k: v for k, v in kpi.SCHEMA.items() if k in rv.kpis.columns}.items()
    empty = api.review(Store.create(tmp_path / "empty"))  # no reports yet: typed, empty frames
    assert empty.projection.is_empty() and empty.projection.schema == engine.SCHEMA
    assert empty.risk.is_empty() and empty.risk.schema == risk.SCHEMA
    assert empty.ranking("en").is_empty() and empty.ranking("en").schema[risk.RISK_SCORE] == pl.Float64
    whole = api.portfolio(reference)
    assert [c for c in portfolio.COLUMNS if c in whole.columns] == portfolio.COLUMNS
