"""KPI attainment and the risk ranking, checked against the reference report."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecast import api
from forecast.data import schema as s
from forecast.data.units import MTHB
from forecast.decisions import kpi, risk
from forecast.errors import InputError
from forecast.interfaces.cli import main
from forecast.model import kpi as KM
from forecast.model import kpi_features as KF


def _kpi(df: pl.DataFrame, project: str, kpi_id: str) -> dict:
    return df.filter((pl.col(s.PROJECT_ID) == project) & (pl.col(s.KPI_ID) == kpi_id)).row(0, named=True)


# --- KPIs ---------------------------------------------------------------------------------
def test_kpis_the_report_shows_reached_are_reached(reference):
    k = kpi.attainment(reference.snapshot())
    assert k.height == 32 and k.columns[: len(kpi.COLUMNS)] == kpi.COLUMNS
    communities = _kpi(k, "etda-sme-ai-transformation", "3")  # 118 communities against 100
    assert (communities[kpi.STATUS], communities[kpi.REACHED_QUARTER], communities[kpi.P_ATTAIN]) == (
        kpi.REACHED,
        2,
        1.0,
    )
    assert communities[kpi.VALUE_TO_DATE] == 118
    digital_id = _kpi(k, "etda-digital-id", "1")  # 1,805 services > 1,463
    assert digital_id[kpi.STATUS] == kpi.REACHED and digital_id[kpi.TIER_EXPECTED] == 100
    assert _kpi(k, "etda-ai-governance", "2.1")[kpi.STATUS] == kpi.REACHED  # 93,106 > 60,000 trained
    assert "93,106" in _kpi(k, "etda-ai-governance", "2.1")[kpi.BASIS]
    assert set(k[kpi.STATUS]) <= set(kpi.STATUSES)
    assert k[kpi.P_ATTAIN].is_between(0, 1).all()


def test_levels_and_surveys_state_their_basis(reference):
    k = kpi.attainment(reference.snapshot())
    survey = _kpi(k, "etda-online-platform-awareness", "4")  # 96.6% against 80%
    assert survey[kpi.KIND] == kpi.LEVEL and survey[kpi.STATUS] == kpi.ON_TRACK
    assert "last value 96.60% vs target at least 80%" in survey[kpi.BASIS]
    assert "(measure level, inferred)" in survey[kpi.BASIS] and survey[kpi.MEASURE_INFERRED]
    assert survey[kpi.P_ATTAIN] > 0.9
    not_run = _kpi(k, "etda-platform-regulation", "2")
    assert not_run[kpi.STATUS] == kpi.NO_DATA and "survey not yet run" in not_run[kpi.BASIS]
    trainers = _kpi(k, "etda-online-platform-awareness", "1")  # 1,135 trained vs 700 planned by Q2
    assert trainers[kpi.KIND] == kpi.COUNT and trainers[kpi.PLAN_TO_DATE] == 700
    assert trainers[kpi.projected(10)] <= trainers[kpi.projected(50)] <= trainers[kpi.projected(90)]


def _one_kpi(value: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    kpis = pl.DataFrame(
        {
            s.FISCAL_YEAR: [2569],
            s.PROJECT_ID: ["p"],
            s.KPI_ID: ["1"],
            s.NAME_EN: ["people trained"],
            s.UNIT: ["person"],
            s.COMPARATOR: [">="],
            s.TARGET: [1000.0],
            s.PLAN_Q[0]: [250.0],
            s.PLAN_Q[1]: [250.0],
            s.PLAN_Q[2]: [250.0],
            s.PLAN_Q[3]: [250.0],
            s.PLAN_IS_CUMULATIVE: [False],
            s.TIER_50: [None],
            s.TIER_75: [None],
            s.TIER_100: [None],
        },
        schema_overrides={s.TIER_50: pl.Float64, s.TIER_75: pl.Float64, s.TIER_100: pl.Float64},
    )
    results = pl.DataFrame(
        {s.FISCAL_YEAR: [2569], s.PROJECT_ID: ["p"], s.KPI_ID: ["1"], s.QUARTER: [2], s.VALUE: [value]},
        schema_overrides={s.QUARTER: pl.Int8},
    )
    return kpis, results


def _assess(kpis: pl.DataFrame, results: pl.DataFrame) -> dict:
    return kpi.assess(KF.current(kpis, results)).row(0, named=True)


def test_a_kpi_behind_plan_has_a_lower_chance_than_ahead():
    behind, ahead = _assess(*_one_kpi(300.0)), _assess(*_one_kpi(700.0))
    assert behind[kpi.PLAN_TO_DATE] == ahead[kpi.PLAN_TO_DATE] == 500
    # pace 0.6 -> 300 + 500 * 0.8 = 700 by year end; pace 1.4 -> 700 + 500 * 1.2 = 1,300
    assert behind[kpi.projected(50)] == pytest.approx(700)
    assert ahead[kpi.projected(50)] == pytest.approx(1300)
    assert behind[kpi.P_ATTAIN] < 0.5 < ahead[kpi.P_ATTAIN]
    assert (behind[kpi.STATUS], ahead[kpi.STATUS]) == (kpi.AT_RISK, kpi.ON_TRACK)


def test_lower_is_better_reads_the_other_way():
    kpis, results = _one_kpi(300.0)
    kpis = kpis.with_columns(pl.lit("<=").alias(s.COMPARATOR))  # at most 1,000 by year end
    low = _assess(kpis, results)
    assert low[kpi.P_ATTAIN] > 0.5 and low[kpi.STATUS] == kpi.ON_TRACK and "at most 1,000" in low[kpi.BASIS]
    over = _assess(kpis, results.with_columns(pl.lit(1200.0).alias(s.VALUE)))  # past the ceiling already
    assert over[kpi.P_ATTAIN] == 0 and over[kpi.STATUS] == kpi.MISSED and "past its ceiling" in over[kpi.BASIS]
    high = _assess(*_one_kpi(1200.0))
    assert high[kpi.STATUS] == kpi.REACHED and high[kpi.P_ATTAIN] == 1


def test_an_average_is_a_level_that_can_come_back():
    kpis, results = _one_kpi(4100.0)
    kpis = kpis.with_columns(  # mean distance between failures: a flat year-to-date target of 4,011 items
        pl.lit("item").alias(s.UNIT),
        pl.lit(4011.0).alias(s.TARGET),
        pl.lit(True).alias(s.PLAN_IS_CUMULATIVE),
        *(pl.lit(4011.0).alias(p) for p in s.PLAN_Q),
    )
    row = _assess(kpis, results)
    assert row[kpi.KIND] == kpi.LEVEL and row[kpi.STATUS] != kpi.REACHED and row[kpi.P_ATTAIN] < 1
    below = _assess(kpis, results.with_columns(pl.lit(3952.0).alias(s.VALUE)))
    assert below[kpi.STATUS] == kpi.OFF_TRACK and "3,952 vs target at least 4,011" in below[kpi.BASIS]


def test_ranking_lists_the_nine_projects_with_reasons_from_the_report(reference):
    r = api.rank(reference, lang="en")
    assert r.columns[: len(risk.COLUMNS)] == risk.COLUMNS
    assert r.height == 9 and r[risk.RANK].to_list() == list(range(1, 10))
    for c in (risk.RISK_SCORE, risk.P_MISS_DISBURSEMENT, risk.P_MISS_SPEND, risk.P_MISS_KPI):
        assert r[c].is_between(0, 1).all(), c
    assert (r[risk.RISK_SCORE].diff().drop_nulls() <= 0).all()
    levels = dict(zip(r[s.PROJECT_ID], r[risk.LEVEL]))
    scores = dict(zip(r[s.PROJECT_ID], r[risk.RISK_SCORE]))
    for pid, score in scores.items():
        assert levels[pid] == ("high" if score >= 0.6 else "medium" if score >= 0.35 else "low")
    trust = r.filter(pl.col(s.PROJECT_ID) == "etda-trust-service-trade").row(0, named=True)
    # Q2 report: 4.9960 disbursed of 39.9254 (12.5%) against 31.6941 planned (79.4%)
    assert "disbursed 12.5% of budget (4.9960 MTHB) vs 79.4% planned to date" in trust[risk.DRIVERS]
    sme = r.filter(pl.col(s.PROJECT_ID) == "etda-sme-ai-transformation").row(0, named=True)
    assert "45.5431 MTHB (47.7% of budget) committed but not yet paid" in sme[risk.DRIVERS]
    # the SME project disburses fastest (49.9%) and ranks safer than Trust Service (12.5%)
    assert sme[risk.RANK] > trust[risk.RANK]


def test_drivers_in_thai_and_deterministic_output(reference):
    a = api.rank(reference)
    assert_frame_equal(a, api.rank(reference))
    trust = a.filter(pl.col(s.PROJECT_ID) == "etda-trust-service-trade").row(0, named=True)
    assert "เบิกจ่ายแล้ว 12.5% ของงบประมาณ (4.9960 ล้านบาท) เทียบกับแผนสะสม 79.4%" in trust[risk.DRIVERS]


def test_ties_are_broken_by_p_miss_then_project_id():
    rows = pl.DataFrame(
        {
            s.PROJECT_ID: ["b", "a", "c"],
            s.NAME_EN: ["B", "A", "C"],
            s.NAME_TH: ["ข", "ก", "ค"],
            risk.RISK_SCORE: [0.5, 0.5, 0.5],
            risk.LEVEL: ["medium"] * 3,
            risk.P_MISS_DISBURSEMENT: [0.6, 0.6, 0.9],
            risk.P_MISS_SPEND: [0.0] * 3,
            risk.P_MISS_KPI: [0.0] * 3,
            s.FISCAL_YEAR: [2569] * 3,
            s.PLAN_LINE: [""] * 3,
            "origin_quarter": [2] * 3,
            s.AS_OF: [None] * 3,
            "basis": ["no history"] * 3,
            "model": ["structural"] * 3,
            risk.DRIVERS_TH: [["x"]] * 3,
            risk.DRIVERS_EN: [["x"]] * 3,
        }
    )
    assert risk.ranked(rows, "en")[s.PROJECT_ID].to_list() == ["c", "a", "b"]


def test_quarterly_targets_add_a_driver(reference):
    policy = risk.RiskPolicy(quarterly_targets=(0.30, 0.52, 0.75, 0.93), max_drivers=10)
    r = api.rank(reference, policy=policy, lang="en")
    trust = r.filter(pl.col(s.PROJECT_ID) == "etda-trust-service-trade")[risk.DRIVERS].item()
    assert "disbursed 12.5%, below the Q2 target of 52.0%" in trust


def test_compare_to_the_previous_report(reference):
    r = api.rank(reference, compare_to="previous", lang="en")
    assert r["compared_to"].unique().to_list()[0].isoformat() == "2025-12-30"
    assert r[risk.PREVIOUS_RANK].is_not_null().all()
    assert (r[risk.RANK_CHANGE] == r[risk.PREVIOUS_RANK] - r[risk.RANK]).all()
    assert sorted(r[risk.PREVIOUS_RANK].to_list()) == list(range(1, 10))
    with pytest.raises(InputError, match="no report before"):
        api.rank(reference, as_of="2025-12-31", compare_to="previous")


def test_cli_rank_and_kpi(capsys):
    assert main(["rank", "--format", "csv", "--lang", "en", "--compare-to", "2025-12-30"]) == 0
    out = pl.read_csv(capsys.readouterr().out.encode())
    assert out.columns == [*risk.COLUMNS, risk.PREVIOUS_RANK, risk.RANK_CHANGE, risk.NEW_HIGH]
    assert out.height == 9
    assert main(["rank"]) == 0
    captured = capsys.readouterr()
    assert "NO HISTORY" in captured.err and "โอกาสไม่ถึงเป้าหมาย" in captured.out  # the reasons, in Thai
    assert main(["kpi", "--format", "json"]) == 0
    k = pl.read_json(capsys.readouterr().out.encode())
    assert k.columns == kpi.COLUMNS and k.height == 32
    assert main(["rank", "--compare-to", "yesterday"]) == 2
    assert "a report date must be 'latest' or a date" in capsys.readouterr().err


def test_p_miss_kpi_accounts_for_kpis_moving_together(reference):
    k = kpi.attainment(reference.snapshot())
    r = api.rank(reference)
    for pid in ("etda-online-platform-awareness", "etda-sme-ai-transformation"):
        p = k.filter(pl.col(s.PROJECT_ID) == pid)[kpi.P_ATTAIN].to_numpy()
        got = r.filter(pl.col(s.PROJECT_ID) == pid)[risk.P_MISS_KPI].item()
        # no KPI history: an assumed correlation of 0.3; dependent misses overlap, so fewer projects miss
        # at least one KPI than if they were independent, and never fewer than the likeliest single miss
        assert 1 - p.min() <= got < 1 - np.prod(p)
    _, indep = KM.p_any_miss(np.array([0.7, 0.8, 0.9]), np.array(["a", "a", "a"]), 0.0)
    assert indep[0] == pytest.approx(1 - 0.7 * 0.8 * 0.9, abs=1e-9)
    _, same = KM.p_any_miss(np.array([0.7, 0.7]), np.array(["a", "a"]), 0.999)
    assert same[0] == pytest.approx(0.3, abs=0.02)  # perfectly dependent: they miss together


def test_the_score_leaves_out_what_does_not_apply():
    policy = risk.RiskPolicy()
    got = policy.score(np.array([0.8, np.nan, np.nan]), np.array([np.nan, np.nan, 0.5]), np.array([0.2, 0.4, 0.0]))
    # (0.5 x 0.8 + 0.3 x 0.2) / 0.8 = 0.575; the KPI alone = 0.4; (0.2 x 0.5 + 0) / 0.5 = 0.2
    assert got == pytest.approx([0.575, 0.4, 0.2])
    assert policy.score(np.array([np.nan]), np.array([np.nan]), np.array([np.nan]))[0] == 0.0


def test_a_line_with_no_budget_is_not_at_risk_of_missing_its_disbursement(tmp_path):
    """A line closed during the year (budget 0) has no share to reach: P(miss) does not apply."""
    from forecast.data.store import Store
    from forecast.decisions import plan
    from forecast.decisions import review as R
    from tests.conftest import reference_copy

    closed = "etda-digital-id"

    def projects(rows):
        return [{**r, "budget": "0.0000"} if r["project_id"] == closed else r for r in rows]

    def finance(rows):
        def close(r):
            reported = {c: "0.0000" for c in ("disbursed", "spend") if r[c]}
            printed = {c: "" for c in r if c.endswith("_cum_reported")}
            return {**r, "plan": "0.0000", "committed": "", **reported, **printed}

        return [close(r) if r["project_id"] == closed else r for r in rows]

    store = Store.create(tmp_path / "s")
    store.ingest(reference_copy(tmp_path / "in", {"projects": projects, "finance": finance}))
    rv = R.review(store.snapshot("latest", last_years=2))
    row = rv.ranking("en").filter(pl.col(s.PROJECT_ID) == closed).row(0, named=True)
    assert row[risk.P_MISS_DISBURSEMENT] is None and row[risk.P_MISS_SPEND] is None
    assert row[risk.RISK_SCORE] == pytest.approx(row[risk.P_MISS_KPI])  # the KPIs alone
    assert "no budget to disburse this year" in row[risk.DRIVERS]
    assert row[risk.LEVEL] == policy_level(rv.policy, row)
    sc = plan.scenario(row, 5.0, store.calendar, rv.policy)  # no division by zero
    assert sc[risk.P_MISS_DISBURSEMENT] is None and sc[risk.RISK_SCORE] == pytest.approx(row[risk.P_MISS_KPI])
    assert rv.portfolio()["projects"][0] == 9  # still counted in the totals


def policy_level(policy: risk.RiskPolicy, row: dict) -> str:
    return str(policy.level(np.array([row[risk.RISK_SCORE]]), np.array([row[risk.P_MISS_KPI]]))[0])


def test_a_year_that_is_over_has_an_actual_portfolio_with_nothing_assumed():
    from forecast.decisions import portfolio
    from forecast.model import engine

    projection = pl.DataFrame(
        {
            s.FISCAL_YEAR: [2569, 2569],
            s.PROJECT_ID: ["a", "b"],
            s.BUDGET: [10.0, 20.0],
            engine.PLAN_TO_DATE: [10.0, 20.0],
            engine.DISBURSED_TO_DATE: [9.0, 19.0],
            engine.SPEND_TO_DATE: [None, None],
            **{f"disbursed_share_q{lv:02d}": [0.9, 0.95] for lv in (2, 5, 10, 25, 50, 75, 90, 95, 98)},
            **{f"disbursed_ratio_q{lv:02d}": [0.9, 0.95] for lv in (2, 5, 10, 25, 50, 75, 90, 95, 98)},
        }
    )
    projects = pl.DataFrame(
        {
            s.FISCAL_YEAR: [2569, 2569],
            s.PROJECT_ID: ["a", "b"],
            s.AGENCY: ["x", "x"],
            s.OWNER: ["", ""],
            s.PLAN_LINE: ["l", "l"],
        }
    )
    out = portfolio.portfolio(projection, projects, 0.93, basis=engine.ACTUAL)
    whole = out.row(0, named=True)
    assert whole["basis"] == "actual" and float(whole["disbursed_p10"]) == float(whole["disbursed_p90"]) == 28.0
    assert whole["p_miss_target"] == 0.0  # 28 of 30 = 93.3%


def test_scores_and_chances_read_the_same_everywhere():
    from forecast import formats

    # halves round up, as the app's table (printf) and Excel ("0.00") show them
    assert [formats.score(x) for x in (0.625, 0.6249, 0.005, 1.0, None)] == ["0.63", "0.62", "0.01", "1.00", ""]
    assert [formats.chance(x) for x in (0.996, 0.004, 0.5, None)] == [">99%", "<1%", "50%", ""]


@pytest.mark.parametrize("trained_models", [False, True])
def test_an_untouched_what_if_is_the_projection_on_every_reference_project(reference, trained, trained_models):
    """One code path: the what-if at the projected median gives the page's own P(miss), P(money
    unused), score and level; more money lowers P(miss), less raises it."""
    store = trained[0] if trained_models else reference
    rv = api.review(store)
    ranking = rv.ranking("en")
    assert ranking.height == 9
    for row in ranking.iter_rows(named=True):
        pid = row[s.PROJECT_ID]
        p = rv.projection.filter(pl.col(s.PROJECT_ID) == pid).row(0, named=True)
        done = float(p["disbursed_to_date"])
        untouched = api.what_if(rv, pid, float(p["disbursed_p50"]) - done)
        for key in (risk.P_MISS_DISBURSEMENT, risk.P_MISS_SPEND, risk.RISK_SCORE):
            assert untouched[key] == (pytest.approx(row[key]) if row[key] is not None else None), (pid, key)
        assert untouched[risk.LEVEL] == row[risk.LEVEL], pid
        assert untouched["year_end_p10"] == pytest.approx(float(p["disbursed_p10"]))
        p_miss = row[risk.P_MISS_DISBURSEMENT]
        if p_miss is not None and 0.01 < p_miss < 0.99:
            more = api.what_if(rv, pid, float(p["disbursed_p50"]) - done + 0.1 * float(p[s.BUDGET]))
            less = api.what_if(rv, pid, max(float(p["disbursed_p50"]) - done - 0.1 * float(p[s.BUDGET]), 0.0))
            assert more[risk.P_MISS_DISBURSEMENT] < p_miss < less[risk.P_MISS_DISBURSEMENT], pid


# a project in Q2 on plan (disbursed 60% of 10 against 60% planned), no projection: no reason fires
_QUIET = {
    s.PROJECT_ID: "p",
    s.BUDGET: 10.0,
    "origin_quarter": 2,
    "disbursed_to_date": 6.0,
    risk.P_MISS_DISBURSEMENT: None,
    risk.P_MISS_SPEND: None,
    "disbursed_cum_share": 0.6,
    "plan_cum_share": 0.6,
    "committed_cum": 0.0,
    "committed_cum_share": 0.0,
    "conversion_last_q": None,
    "quarters_left": 2,
    "disbursed_momentum_1q": 0.0,
    "restated_share": 0.0,
    "budget_revision_log": None,
    "budget_revisions": 0,
    **{f"{f}_share_p{p}": None for f in ("disbursed", "spend") for p in (10, 50, 90)},
}
_AT_RISK_KPI = {
    s.KPI_ID: "1",
    kpi.STATUS: kpi.AT_RISK,
    kpi.P_ATTAIN: 0.4,
    s.NAME_TH: "ก",
    s.NAME_EN: "A",
    kpi.BASIS: "b",
    kpi.BASIS_TH: "ข",
}
# each rule of DRIVER_RULES, in order: what makes it fire, and the code it gives
_FIRES = [
    ({"origin_quarter": 0}, "not_reported"),
    ({"plan_cum_share": 0.7}, "behind_plan"),
    ({"disbursed_cum_share": 0.4, "plan_cum_share": 0.4, "quarters_left": 0}, "below_quarter_target"),
    ({s.BUDGET: 0.0}, "no_budget"),
    ({"disbursed_to_date": 11.0}, "over_budget"),
    (
        {
            risk.P_MISS_DISBURSEMENT: 0.5,
            "disbursed_share_p10": 0.7,
            "disbursed_share_p50": 0.8,
            "disbursed_share_p90": 0.9,
        },
        "projected_miss",
    ),
    ({"committed_cum": 2.0, "committed_cum_share": 0.2, "conversion_last_q": 0.5}, "committed_unpaid_slow"),
    ({risk.P_MISS_SPEND: 0.6, "spend_share_p50": 0.9}, "money_unused"),
    ({"budget_revision_log": -0.3, "budget_revisions": 1}, "budget_revised"),
    ({"disbursed_cum_share": 0.1, "plan_cum_share": 0.1, "quarters_left": 1}, "required_pace"),
    ({"disbursed_momentum_1q": -0.1}, "slowing"),
    ({"restated_share": 0.05}, "restated"),
    ({}, "kpi_at_risk"),
]


def test_each_reason_is_one_rule():
    policy = risk.RiskPolicy(quarterly_targets=(0.30, 0.52, 0.75, 0.93))
    quiet = risk._Facts.of(_QUIET, [], policy, MTHB)
    assert [list(rule(quiet)) for rule in risk.DRIVER_RULES] == [[]] * len(risk.DRIVER_RULES)
    assert [d.code for d in risk._drivers(_QUIET, [], policy, MTHB)] == ["no_warning"]
    assert len(_FIRES) == len(risk.DRIVER_RULES)
    for rule, (edit, code) in zip(risk.DRIVER_RULES, _FIRES, strict=True):
        kpis = [_AT_RISK_KPI] if code == "kpi_at_risk" else []
        found = list(rule(risk._Facts.of(_QUIET | edit, kpis, policy, MTHB)))
        assert [d.code for d in found] == [code], rule.__name__
        assert all(d.text("th") and d.text("en") for d in found)
