"""Real agencies' files: revised budgets, no commitments, odd ids, six decimals - accepted, stored and modelled."""

from __future__ import annotations

import polars as pl
import pytest

from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.store import Store
from forecast.data.units import AmountUnit
from forecast.interfaces.cli import main
from forecast.model import synthetic

PROJECTS = """fiscal_year,project_id,as_of,name_th,name_en,plan_line,owner,budget,budget_cut
2022,ECHO/UKR/BUD/2019/91001,2022-01-01,,Humanitarian aid line,P1,Ministry A,100.123456,0
2022,ECHO/UKR/BUD/2019/91001,2022-09-30,,Humanitarian aid line,P1,Ministry A,120.123456,0
2022,44000-P174112,,,Roads (World Bank),P2,Ministry B,50,0
"""
FINANCE = """fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend
2022,ECHO/UKR/BUD/2019/91001,1,2022-01-01,25.123456,,,
2022,ECHO/UKR/BUD/2019/91001,2,2022-01-01,25,,,
2022,ECHO/UKR/BUD/2019/91001,3,2022-01-01,25,,,
2022,ECHO/UKR/BUD/2019/91001,4,2022-01-01,25,,,
2022,ECHO/UKR/BUD/2019/91001,1,2022-09-30,25.123456,10,,
2022,ECHO/UKR/BUD/2019/91001,2,2022-09-30,25,20,,
2022,ECHO/UKR/BUD/2019/91001,3,2022-09-30,75,15,,
2022,ECHO/UKR/BUD/2019/91001,4,2022-09-30,-5,,,
2022,44000-P174112,1,2022-03-31,10,5,,
2022,44000-P174112,2,2022-03-31,20,,,
2022,44000-P174112,3,2022-03-31,10,,,
2022,44000-P174112,4,2022-03-31,10,,,
"""


@pytest.fixture
def agency(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "projects.csv").write_text(PROJECTS, encoding="utf-8")
    (folder / "finance.csv").write_text(FINANCE, encoding="utf-8")
    return folder, Store.create(tmp_path / "st", FiscalCalendar(1, "CE"), AmountUnit("EUR", "million"))


def test_a_real_agency_file_is_accepted_with_warnings_only(agency):
    folder, store = agency
    checked = store.check([folder])
    assert checked.errors == [], [str(i) for i in checked.errors]
    rules = {i.rule for i in checked.warnings}
    assert "negative_plan_flow" in rules  # Q4 plan -5 after the budget revision: a warning, kept
    assert store.ingest([folder]).vintage == 1
    p = store.read("projects", "all").filter(pl.col(s.PROJECT_ID) == "ECHO/UKR/BUD/2019/91001")
    assert [f"{b}" for b in p[s.BUDGET]] == ["100.123456", "120.123456"]  # six decimals, kept exactly
    # a view as of a date uses the budget known then
    assert (
        f"{store.read('projects', '2022-06-30').filter(pl.col(s.PROJECT_ID).str.starts_with('ECHO'))[s.BUDGET].item()}"
        == "100.123456"
    )
    f = store.read("finance")
    assert f[s.COMMITTED].null_count() == f.height and f[s.SPEND].null_count() == f.height


def test_plan_quarters_must_sum_to_the_budget_of_the_same_vintage(agency):
    folder, store = agency
    text = FINANCE.replace(
        "2022,ECHO/UKR/BUD/2019/91001,3,2022-09-30,75,15,,", "2022,ECHO/UKR/BUD/2019/91001,3,2022-09-30,55,15,,"
    )
    (folder / "finance.csv").write_text(text, encoding="utf-8")
    errors = store.check([folder]).errors
    assert [i.rule for i in errors] == ["plan_sum"]
    assert "as of 2022-09-30 sum to 100.123456, but the budget in force then is 120.123456" in errors[0].message


def test_a_bad_key_is_reported_once_without_a_cascade(agency):
    folder, store = agency
    bad = FINANCE.replace("2022,44000-P174112,1,", "2022, 44000-P174112,1,")  # a leading space in the id
    (folder / "finance.csv").write_text(bad, encoding="utf-8")
    errors = store.check([folder]).errors
    assert len(errors) == 1 and errors[0].rule == "type" and errors[0].column == s.PROJECT_ID
    assert errors[0].row == 10 and "leading/trailing spaces" in errors[0].message


def test_committed_without_disbursed_is_an_error(agency):
    folder, store = agency
    (folder / "finance.csv").write_text(
        FINANCE.replace("2022,44000-P174112,1,2022-03-31,10,5,,", "2022,44000-P174112,1,2022-03-31,10,,5,"),
        encoding="utf-8",
    )
    assert [i.rule for i in store.check([folder]).errors] == ["actuals_incomplete"]


def test_the_store_unit_labels_the_outputs(agency, capsys):
    folder, store = agency
    store.ingest([folder])
    assert main(["--store", str(store.root), "data", "--table", "projects"]) == 0
    assert "amounts in million euros" in capsys.readouterr().err
    assert Store.open(store.root).unit == AmountUnit("EUR", "million")


def test_every_csv_export_ingests_into_a_fresh_store(agency, tmp_path, capsys):
    folder, store = agency
    store.ingest([folder])
    out = tmp_path / "export"
    out.mkdir()
    for table in s.TABLES:
        assert main(["--store", str(store.root), "data", "--table", table, "--as-of", "all", "--format", "csv"]) == 0
        (out / f"{table}.csv").write_text(capsys.readouterr().out, encoding="utf-8")
    fresh = Store.create(tmp_path / "fresh", FiscalCalendar(1, "CE"), AmountUnit("EUR", "million"))
    assert fresh.ingest([out]).vintage == 1
    for table in s.TABLES:
        a, b = (st.read(table, "all").drop(s.VINTAGE) for st in (store, fresh))
        assert a.equals(b), table


def test_init_backtest_train_project_and_rank_on_a_real_profile_history(tmp_path, capsys):
    """The issue's flow on a history with real data's pathologies (calendar years, C.E., no commitments)."""
    hist = tmp_path / "hist"
    frames = synthetic.simulate(
        projects=60, years=4, seed=3, profile="real", calendar=FiscalCalendar(1, "CE"), as_of_quarter=2
    )
    synthetic.write(frames, hist)
    st = str(tmp_path / "st")
    assert main(["--store", st, "init", "--fiscal-year-start", "1", "--era", "CE", "--currency", "AMD"]) == 0
    assert main(["--store", st, "validate", str(hist)]) == 0
    assert main(["--store", st, "ingest", str(hist)]) == 0
    preds = tmp_path / "p.csv"
    assert main(["--store", st, "backtest", "--predictions", str(preds)]) == 0
    out = capsys.readouterr()
    assert "Commitments not reported: spend is not modelled." in out.out
    p = pl.read_csv(preds)
    assert {
        "budget_at_origin",
        "budget_final",
        "y_true_disbursed",
        "disbursed_p10",
        "disbursed_p50",
        "disbursed_p90",
    } <= set(p.columns)
    assert p["spend_share_p50"].null_count() == p.height
    assert main(["--store", st, "train"]) == 0
    assert "Commitments not reported in the history" in capsys.readouterr().out
    assert main(["--store", st, "project", "--format", "csv"]) == 0
    proj = pl.read_csv(capsys.readouterr().out.encode())
    assert set(proj["basis"]) <= {"synthetic history", "actual"} and "synthetic history" in set(proj["basis"])
    assert proj["spend_p50"].null_count() == proj.height
    assert main(["--store", st, "rank", "--lang", "en", "--format", "csv"]) == 0
    rank = pl.read_csv(capsys.readouterr().out.encode())
    assert rank["p_miss_spend"].null_count() == rank.height and rank["risk_score"].is_between(0, 1).all()
