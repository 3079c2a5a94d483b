"""A store of several fiscal years answers at any past report date, as it was then."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from forecast import api
from forecast.data import schema as s
from forecast.data import templates, validate
from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import Snapshot
from forecast.data.store import Store
from forecast.decisions import kpi as K
from forecast.interfaces import cli

CE = FiscalCalendar(start_month=1, era="CE")  # fiscal year = calendar year
YEARS = (2019, 2020, 2021)
BUDGET = {2019: "10.0000", 2020: "20.0000", 2021: "40.0000"}  # a year's budget tells its rows apart


HEADERS = {
    "projects": "fiscal_year,project_id,name_th,name_en,plan_line,owner,budget,budget_cut",
    "finance": "fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend",
    "kpis": "fiscal_year,project_id,kpi_id,as_of,name_th,name_en,source,unit,comparator,target,"
    "plan_q1,plan_q2,plan_q3,plan_q4,plan_is_cumulative,tier_50,tier_75,tier_100",
    "kpi_results": "fiscal_year,project_id,kpi_id,quarter,as_of,value,status_text",
}


def _files(folder: Path) -> Path:
    """Three fiscal years of two projects, each with one KPI: 2019 and 2020 reported to Q4, 2021 to Q2.

    Each year's first report gives the year's plan by quarter and Q1; later reports give their quarter."""
    rows: dict[str, list[str]] = {table: [header] for table, header in HEADERS.items()}
    for fy in YEARS:
        for pid in ("roads", "schools"):
            rows["projects"].append(f"{fy},{pid},โครงการ {pid},{pid},infra,ministry,{BUDGET[fy]},0")
            plan = float(BUDGET[fy]) / 4
            first = CE.quarter_end(fy, 1)
            rows["kpis"].append(f"{fy},{pid},k{fy},{first},ตัวชี้วัด,km built {fy},other,item,>=,100,25,50,75,100,true,,,")
            for q in (1, 2) if fy == 2021 else (1, 2, 3, 4):
                done = f"{plan * 0.8:.4f}"
                rows["finance"].append(f"{fy},{pid},{q},{CE.quarter_end(fy, q)},{plan:.4f},{done},,")
                if q == 1:
                    rows["finance"] += [f"{fy},{pid},{later},{first},{plan:.4f},,," for later in (2, 3, 4)]
                rows["kpi_results"].append(f"{fy},{pid},k{fy},{q},{CE.quarter_end(fy, q)},{20 * q},{20 * q} km")
    folder.mkdir(parents=True, exist_ok=True)
    for table, lines in rows.items():
        (folder / f"{table}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def three_years(tmp_path) -> Store:
    store = Store.create(tmp_path / "store", CE)
    api.ingest(store, [_files(tmp_path / "files")])  # keeps the latest review, as an ingest does
    return store


def test_a_date_in_the_first_year_shows_that_year(three_years):
    store = three_years
    snap = store.snapshot("2019-06-30", last_years=2)
    assert snap.fiscal_year == 2019 and snap.as_of == dt.date(2019, 6, 30)
    assert set(snap.projects[s.FISCAL_YEAR]) == {2019}  # later years are not known yet

    kpis = api.kpi_attainment(store, "2019-06-30")
    assert set(kpis[s.FISCAL_YEAR]) == {2019} and set(kpis[s.KPI_ID]) == {"k2019"}
    assert set(kpis[K.VALUE_TO_DATE].cast(pl.Float64)) == {40.0}  # the Q2 result, not a later one

    projection = api.project(store, "2019-06-30")
    assert set(projection[s.FISCAL_YEAR]) == {2019} and projection.height == 2
    assert set(projection[s.BUDGET].cast(pl.Float64)) == {10.0}

    ranking = api.rank(store, "2019-06-30", lang="en")
    assert set(ranking[s.FISCAL_YEAR]) == {2019} and ranking.height == 2
    whole = api.portfolio(store, as_of="2019-06-30")
    assert float(whole[s.BUDGET][0]) == 20.0  # two projects of 10, not the latest year's 40s

    latest = api.project(store)  # the kept latest results are not served for a past date, nor the reverse
    assert set(latest[s.FISCAL_YEAR]) == {2021} and set(latest[s.BUDGET].cast(pl.Float64)) == {40.0}


def test_the_command_line_answers_at_a_past_date(three_years, capsys):
    st = ["--store", str(three_years.root)]
    assert cli.main([*st, "rank", "--as-of", "2019-06-30", "--lang", "en"]) == 0
    said = capsys.readouterr()
    out = said.out + said.err  # the header goes to stderr, the table to stdout
    assert "Risk ranking as of 2019-06-30" in out and "None" not in out
    assert cli.main([*st, "kpi", "--as-of", "2019-06-30", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r[s.KPI_ID] for r in rows} == {"k2019"} and len(rows) == 2
    assert cli.main([*st, "project", "--as-of", "2019-06-30"]) == 0
    assert "Year-end projection as of 2019-06-30" in capsys.readouterr().err
    assert cli.main([*st, "portfolio", "--as-of", "2019-06-30", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0][s.BUDGET] == "20.0000"
    # a date between reports: the year that has started, with its projects known from its start
    assert cli.main([*st, "project", "--as-of", "2020-02-15", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r[s.FISCAL_YEAR] for r in rows} == {2020}


def test_last_years_counts_back_from_the_year_current_then(three_years):
    snap = three_years.snapshot("2020-09-30", last_years=2)
    assert snap.fiscal_year == 2020 and set(snap.projects[s.FISCAL_YEAR]) == {2019, 2020}
    assert set(three_years.snapshot("2020-09-30", last_years=1).kpis[s.FISCAL_YEAR]) == {2020}
    assert three_years.snapshot("2018-12-31", last_years=2).fiscal_year is None  # before any year started
    # an undated projects row holds from the start of its fiscal year
    assert set(three_years.read("projects", "2019-12-31")[s.FISCAL_YEAR]) == {2019}


def test_snapshot_from_tables_selects_the_same_way(tmp_path):
    raw, problems = templates.read_files([_files(tmp_path / "files")])
    checked = validate.check(raw, problems, CE)
    assert checked.ok
    snap = Snapshot.from_tables(checked.tables, "2019-06-30", last_years=2, calendar=CE)
    assert snap.fiscal_year == 2019 and snap.as_of == dt.date(2019, 6, 30)
    assert set(snap.finance[s.FISCAL_YEAR]) == {2019}
    assert Snapshot.from_tables(checked.tables, calendar=CE).fiscal_year == 2021
