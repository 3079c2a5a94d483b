"""Reallocation advice: the limits hold on seeded random portfolios, the plan explains itself, every door."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient

from forecast import api
from forecast.access.tokens import Tokens
from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import Snapshot
from forecast.data.store import Store
from forecast.decisions import reallocation as RA
from forecast.errors import InputError
from forecast.interfaces.cli import main
from forecast.labels import LABELS
from forecast.model import absorption as AB
from forecast.model import engine, synthetic
from forecast.model import features as F
from forecast.model import models as M
from forecast.model.dependence import Dependence
from forecast.service import create_app


def portfolio(seed: int, n: int = 12) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A seeded random projection at Q2 (quantile grids of the year-end ratio) and its projects table."""
    rng = np.random.default_rng(seed)
    budget = rng.uniform(5, 100, n).round(4)
    done = (budget * rng.uniform(0.1, 0.7, n)).round(4)
    spend = np.minimum(done + budget * rng.uniform(0, 0.6, n), budget * 1.3).round(4)
    centre = rng.uniform(0.6, 1.05, n)
    spread = rng.uniform(0.02, 0.15, n)
    z = np.array([-2.05, -1.64, -1.28, -0.67, 0, 0.67, 1.28, 1.64, 2.05])
    grid = np.maximum(centre[:, None] + spread[:, None] * z[None, :], (done / budget)[:, None])
    ids = [f"p{i:02d}" for i in range(n)]
    lines = [f"line-{i % 3}" for i in range(n)]
    projection = pl.DataFrame(
        {
            s.FISCAL_YEAR: [2569] * n,
            s.PROJECT_ID: ids,
            s.NAME_EN: [f"Project {i}" for i in range(n)],
            F.ORIGIN: [2] * n,
            s.BUDGET: budget,
            engine.DISBURSED_TO_DATE: done,
            engine.SPEND_TO_DATE: spend,
            engine.COMMITMENTS: [True] * n,
            engine.BASIS: [engine.NO_HISTORY] * n,
            **{M.level(M.AMOUNT, q): grid[:, k] for k, q in enumerate(M.LEVELS)},
        }
    ).with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32))
    projects = pl.DataFrame(
        {
            s.FISCAL_YEAR: [2569] * n,
            s.PROJECT_ID: ids,
            s.AGENCY: ["A" if i < n // 2 else "B" for i in range(n)],
            s.OWNER: [f"o{i % 4}" for i in range(n)],
            s.PLAN_LINE: lines,
            s.NAME_TH: [f"โครงการ {i}" for i in range(n)],
        }
    ).with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32))
    return projection, projects


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("within", RA.WITHIN)
def test_every_limit_holds_on_random_portfolios(seed, within):
    projection, projects = portfolio(seed)
    share = [0.05, 0.2, 1.0][seed % 3]
    plan = RA.plan(projection, projects, 0.93, Dependence(), within, 0.9, share, draws=500, seed=seed)
    cap = plan.capacity
    rel = dict(zip(cap[s.PROJECT_ID], cap[RA.RELEASABLE].cast(pl.Float64)))
    ab = dict(zip(cap[s.PROJECT_ID], cap[RA.ABSORBABLE].cast(pl.Float64)))
    budget = dict(zip(cap[s.PROJECT_ID], cap[s.BUDGET].cast(pl.Float64)))
    group = dict(zip(cap[s.PROJECT_ID], cap[RA.GROUP]))
    # releasable: never below 0, never more than budget - disbursed - committed; one line gives or takes
    assert all(v >= 0 for v in rel.values()) and all(v >= 0 for v in ab.values())
    assert (cap[RA.RELEASABLE] <= cap[RA.HEADROOM]).all()
    assert not any(rel[p] > 0 and ab[p] > 0 for p in rel)
    t = plan.transfers
    gives = t.group_by(RA.FROM_ID).agg(pl.col(RA.AMOUNT).cast(pl.Float64).sum())
    takes = t.group_by(RA.TO_ID).agg(pl.col(RA.AMOUNT).cast(pl.Float64).sum())
    assert all(a <= rel[p] + 1e-9 for p, a in gives.iter_rows())
    assert all(a <= ab[p] + 1e-9 for p, a in takes.iter_rows())
    for r in t.iter_rows(named=True):
        amount = float(r[RA.AMOUNT])
        assert amount > 0 and amount <= share * budget[r[RA.FROM_ID]] + 1e-9
        assert group[r[RA.FROM_ID]] == group[r[RA.TO_ID]] == r[RA.GROUP]
        assert r[RA.REASON_TH] and r[RA.REASON_EN] and r[RA.REASON_CODE] in LABELS
        assert str(r[RA.AMOUNT]) == f"{amount:.4f}" + "00"  # four decimals, in the store's unit
    # the total budget is unchanged: every transfer lowers one budget by what it raises another
    whole = plan.effect.row(0, named=True)
    assert float(whole[s.BUDGET]) == pytest.approx(float(projection[s.BUDGET].sum()))
    assert float(whole[RA.MOVED]) == pytest.approx(float(t[RA.AMOUNT].cast(pl.Float64).sum()))
    if t.height:  # moving money that would be unused to lines that use it never adds unused money
        assert float(whole[RA.UNUSED_AFTER]) <= float(whole[RA.UNUSED_BEFORE]) + 1e-6
        assert whole[RA.P_MISS_AFTER] <= whole[RA.P_MISS_BEFORE] + 0.02


def test_no_releasable_money_means_no_transfers_and_says_why():
    projection, projects = portfolio(1)
    full = projection.with_columns(pl.col(M.level(M.AMOUNT, q)) * 0 + 1.2 for q in M.LEVELS)
    plan = RA.plan(full, projects, 0.93, draws=200)
    assert plan.transfers.is_empty()
    assert plan.notes[0].code == "realloc_none_releasable"
    assert "90%" in plan.notes_text("en")[0] and "90%" in plan.notes_text("th")[0]
    assert "no history" in " ".join(plan.notes_text("en"))


def test_a_stated_need_caps_what_a_project_takes_and_limits_are_checked():
    projection, projects = portfolio(2)
    free = RA.capacity(projection, projects)
    taker = free.filter(pl.col(RA.ABSORBABLE) > 0)[s.PROJECT_ID][0]
    capped = RA.capacity(projection, projects, needs={taker: 0.5})
    assert float(capped.filter(pl.col(s.PROJECT_ID) == taker)[RA.ABSORBABLE][0]) <= 0.5
    with pytest.raises(InputError):
        RA.capacity(projection, projects, within="ministry")
    with pytest.raises(InputError):
        RA.capacity(projection, projects, appetite=1.2)
    donor = free.filter(pl.col(RA.RELEASABLE) > 0)[s.PROJECT_ID][0]
    other = free.filter(pl.col(RA.GROUP) != free.filter(pl.col(s.PROJECT_ID) == donor)[RA.GROUP][0])[s.PROJECT_ID][0]
    what_if = [{RA.FROM_ID: donor, RA.TO_ID: other, RA.AMOUNT: 1000.0}]
    plan = RA.plan(projection, projects, 0.93, transfers=what_if, draws=200)
    codes = {n.code for n in plan.notes}
    assert {"realloc_break_group", "realloc_break_share", "realloc_break_releasable"} <= codes


def test_absorption_is_learned_from_the_budget_raises_of_a_history():
    t = synthetic.simulate(60, 4, seed=1, profile="real")
    h = engine.history(Snapshot.from_tables(t, label="synthetic real profile"))
    fitted = AB.fit(h.rows, h.basis)
    assert fitted["trained"] and fitted["raises"] >= AB.MIN_RAISES
    json.dumps(fitted)  # plain numbers, for a signed manifest
    r = AB.raises(h.rows)
    share = AB.predict_share(fitted, r, r[AB.SIZE].to_numpy())
    assert ((share > 0) & (share < 1)).all()
    grid = AB.share_quantiles(fitted, share)
    assert (np.diff(grid, axis=1) >= 0).all() and grid.min() >= 0 and grid.max() <= 1
    assert not AB.fit(h.rows.head(5))["trained"]
    projection, projects = portfolio(3)
    cap = RA.capacity(projection, projects, absorption=fitted)
    assert set(cap[RA.ABSORB_BASIS]) == {RA.HISTORY}
    assert (cap.filter(pl.col(RA.ABSORBABLE) > 0)[RA.ABSORB_SHARE] >= RA.ABSORB_MIN).all()


def test_cli_reallocate_on_the_reference_store_proposes_transfers_within_plan_lines(tmp_path, capsys):
    st = str(tmp_path / "st")
    assert main(["--store", st, "init", "--from-reference"]) == 0
    capsys.readouterr()
    assert main(["--store", st, "reallocate", "--format", "csv"]) == 0
    t = pl.read_csv(capsys.readouterr().out.encode(), infer_schema=False)
    assert t.height >= 1 and list(t.columns) == RA.TRANSFER_COLUMNS
    store = Store.open(tmp_path / "st")
    lines = dict(zip(*store.read("projects").select(s.PROJECT_ID, s.PLAN_LINE).to_dict(as_series=False).values()))
    assert all(lines[a] == lines[b] for a, b in zip(t[RA.FROM_ID], t[RA.TO_ID]))
    assert all(len(x.split(".")[1]) == 4 for x in t[RA.AMOUNT])
    assert main(["--store", st, "reallocate", "--lang", "th", "--table", "effect"]) == 0
    out = capsys.readouterr()
    assert "โอกาสไม่ถึงเป้า" in out.out and "ข้อสมมติ" in out.err
    assert main(["--store", st, "reallocate", "--format", "json", "--table", "effect", "--within", "agency"]) == 0
    effect = json.loads(capsys.readouterr().out)
    assert effect[0][RA.GROUP] == "all" and effect[0][RA.P_MISS_BEFORE] is not None
    what_if = tmp_path / "plan.csv"
    what_if.write_text(f"from_id,to_id,amount\n{t[RA.FROM_ID][0]},{t[RA.TO_ID][0]},1.5\n", encoding="utf-8")
    assert main(["--store", st, "reallocate", "--transfers", str(what_if), "--format", "tsv"]) == 0
    assert "1.5000" in capsys.readouterr().out
    made = api.reallocate(store)
    entry = api.save_reallocation(store, made, actor=api.Actor.os_user("cli"))
    assert entry["transfers"] and api.reallocations(store)[0]["as_of"] == entry["as_of"]
    assert store.audit.entries()["action"][-1] == "save reallocation"


def test_cli_reallocate_on_a_real_profile_store(tmp_path, capsys):
    hist = tmp_path / "hist"
    frames = synthetic.simulate(30, 2, seed=5, profile="real", calendar=FiscalCalendar(1, "CE"), as_of_quarter=2)
    synthetic.write(frames, hist)
    st = str(tmp_path / "st")
    assert main(["--store", st, "init", "--fiscal-year-start", "1", "--era", "CE", "--currency", "AMD"]) == 0
    assert main(["--store", st, "ingest", str(hist)]) == 0
    capsys.readouterr()
    assert main(["--store", st, "reallocate", "--within", "agency", "--lang", "en"]) == 0
    out = capsys.readouterr()
    assert "Reallocation advice" in out.err and "Advice only" in out.err
    assert main(["--store", st, "reallocate", "--table", "capacity", "--format", "csv"]) == 0
    cap = pl.read_csv(capsys.readouterr().out.encode())
    assert cap["spend_to_date"].null_count() == cap.height  # commitments not reported: the cap is budget - disbursed
    assert (cap[RA.RELEASABLE] <= cap[s.BUDGET] - cap["disbursed_to_date"] + 1e-9).all()


def test_service_reallocation_endpoint(tmp_path):
    store = Store.create(tmp_path / "store", from_reference=True)
    client = TestClient(create_app(store, public_reads=True))
    r = client.get("/v1/reallocation", params={"lang": "en"})
    assert r.status_code in (200, 401)
    store.users.add("vera", "viewer", "a-long-enough-password-1")
    token = Tokens(store.access_dir, store.users).issue("vera", 30)[1]
    r = client.get("/v1/reallocation", headers={"Authorization": f"Bearer {token}"}, params={"table": "effect"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["table"] == "reallocation" and body["rows"][0][RA.GROUP] == "all"
    assert (
        client.get("/v1/reallocation", headers={"Authorization": f"Bearer {token}"}, params={"within": "x"}).status_code
        == 400
    )
