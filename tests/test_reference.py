"""The embedded FY2569 report: totals and figures as printed, and the restatements between its two vintages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from forecast.data import schema as s
from forecast.interfaces import cli

V1, V2 = dt.date(2025, 12, 30), dt.date(2026, 3, 31)

# Q2 report, cumulative summary table (ณ 31 มีนาคม 2569): plan, spending, disbursement to Q2.
Q2_SUMMARY = {
    "etda-digital-id": ("34.4192", "30.7916", "7.3036"),
    "etda-digital-infrastructure": ("39.1298", "38.9699", "21.0094"),
    "etda-cloud-services": ("14.1573", "14.6990", "11.9368"),
    "etda-platform-regulation": ("35.4679", "28.9508", "21.2305"),
    "etda-ai-governance": ("44.5814", "41.2750", "11.2282"),
    "etda-emerging-tech-governance": ("46.0165", "37.9102", "15.2358"),
    "etda-trust-service-trade": ("31.6941", "23.9640", "4.9960"),
    "etda-sme-ai-transformation": ("76.0900", "93.1733", "47.6302"),
    "etda-online-platform-awareness": ("97.5135", "115.3470", "29.3420"),
}
# Q1 report summary table (ณ 30 ธันวาคม 2568): budget, Q1 plan, Q1 spending, Q1 disbursement.
Q1_SUMMARY = {
    "etda-digital-id": ("42.7377", "20.2320", "15.0334", "0.6334"),
    "etda-digital-infrastructure": ("47.6852", "23.4583", "14.8203", "5.2319"),
    "etda-cloud-services": ("17.0552", "8.6748", "3.6931", "3.2644"),
    "etda-platform-regulation": ("44.1359", "21.5366", "19.9944", "11.5604"),
    "etda-ai-governance": ("54.9539", "26.7293", "36.4589", "1.7007"),
    "etda-emerging-tech-governance": ("56.8675", "28.5904", "18.9111", "5.3740"),
    "etda-trust-service-trade": ("39.9254", "19.3172", "16.2688", "0.5971"),
    "etda-sme-ai-transformation": ("95.4533", "45.9540", "92.6145", "14.9345"),
    "etda-online-platform-awareness": ("120.5542", "58.7494", "105.7629", "0.7632"),
}


def test_total_budget_is_the_reports(reference):
    projects = reference.read("projects")
    assert projects.height == 9
    assert projects[s.BUDGET].sum() == Decimal("519.3683")
    cuts = dict(zip(projects[s.PROJECT_ID], projects[s.BUDGET_CUT]))
    assert cuts["etda-emerging-tech-governance"] == Decimal("2.8309")
    assert cuts["etda-platform-regulation"] == Decimal("2.7675")
    assert sum(cuts.values()) == Decimal("5.5984")


def test_quarterly_plans_sum_to_each_budget(reference):
    plan = (
        reference.read("finance", V2)
        .group_by(s.PROJECT_ID)
        .agg(pl.col(s.PLAN).sum())
        .join(reference.read("projects").select(s.PROJECT_ID, s.BUDGET), on=s.PROJECT_ID)
    )
    assert (plan[s.PLAN] == plan[s.BUDGET]).all()


def test_cumulative_q2_figures_as_printed(reference):
    fin = reference.read("finance", V2)
    q2 = fin.filter(pl.col(s.QUARTER) == 2)
    printed = {
        r[s.PROJECT_ID]: (
            f"{r[s.PLAN_CUM_REPORTED]:.4f}",
            f"{r[s.SPEND_CUM_REPORTED]:.4f}",
            f"{r[s.DISBURSED_CUM_REPORTED]:.4f}",
        )
        for r in q2.iter_rows(named=True)
    }
    assert printed == Q2_SUMMARY
    # The quarterly detail tables add up to the summary, except two fourth-decimal quirks of the report.
    flows = fin.filter(pl.col(s.QUARTER) <= 2).group_by(s.PROJECT_ID).agg(pl.col(s.DISBURSED).sum())
    off = {pid: abs(d - Decimal(Q2_SUMMARY[pid][2])) for pid, d in flows.iter_rows()}
    assert {pid for pid, x in off.items() if x} == {"etda-digital-infrastructure", "etda-emerging-tech-governance"}
    assert max(off.values()) == Decimal("0.0001")


def test_q1_vintage_kept_as_printed(reference):
    q1 = reference.read("finance", V1)
    assert q1.height == 9 and set(q1[s.AS_OF]) == {V1}
    got = {
        r[s.PROJECT_ID]: (f"{r[s.PLAN]:.4f}", f"{r[s.SPEND]:.4f}", f"{r[s.DISBURSED]:.4f}")
        for r in q1.iter_rows(named=True)
    }
    assert got == {k: v[1:] for k, v in Q1_SUMMARY.items()}
    # The Q1 summary prints no commitments: they are spend - disbursed.
    digital_id = q1.filter(pl.col(s.PROJECT_ID) == "etda-digital-id").row(0, named=True)
    assert digital_id[s.COMMITTED] == Decimal("14.4000")


def test_restatements_between_the_two_reports(reference):
    rev = reference.revisions().filter(pl.col("table") == "finance")
    found = set(rev.select(s.PROJECT_ID, "column", "old_value", "new_value").iter_rows())
    assert {
        ("etda-digital-id", "disbursed", "0.6334", "1.7334"),
        ("etda-online-platform-awareness", "disbursed", "0.7632", "7.7127"),
        ("etda-digital-infrastructure", "disbursed", "5.2319", "5.2320"),
        ("etda-emerging-tech-governance", "disbursed", "5.3740", "5.3739"),
        ("etda-emerging-tech-governance", "spend", "18.9111", "18.9110"),
    } <= found
    assert set(rev["old_as_of"]) == {V1} and set(rev["new_as_of"]) == {V2}
    assert set(rev["kind"]) == {"restatement"}
    assert set(rev.filter(pl.col(s.PROJECT_ID) == "etda-digital-id")["key"]) == {"quarter 1"}
    kpi = reference.revisions().filter(pl.col("table") == "kpis")
    assert set(kpi["column"]) == {"plan_q2", "plan_q4"}  # the SME KPI's plan moved from Q2 to Q4
    assert set(kpi["kind"]) == {"revision"}  # a planned figure changed: a revision, not a restatement


def test_kpis_and_results(reference):
    kpis = reference.read("kpis", "all")
    assert kpis.height == 64 and kpis[s.AS_OF].n_unique() == 2
    res = reference.read("kpi_results", "latest")
    communities = res.filter((pl.col(s.PROJECT_ID) == "etda-sme-ai-transformation") & (pl.col(s.KPI_ID) == "3"))
    assert communities.sort(s.QUARTER)[s.VALUE].to_list() == [None, 118.0]
    assert res[s.STATUS_TEXT].null_count() == 0
    digital_id = reference.read("kpis").filter(pl.col(s.PROJECT_ID) == "etda-digital-id").row(0, named=True)
    assert (digital_id[s.COMPARATOR], digital_id[s.TARGET], digital_id[s.PLAN_IS_CUMULATIVE]) == (">", 1463.0, True)
    assert (digital_id[s.TIER_50], digital_id[s.TIER_75], digital_id[s.TIER_100]) == (963.0, 1200.0, 1463.0)


def test_cli_reproduces_every_money_figure(capsys):
    assert cli.main(["data", "--table", "finance", "--as-of", "all", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    cells = {c for line in out.splitlines() for c in line.split(",")}
    printed = {x for v in (*Q1_SUMMARY.values(), *Q2_SUMMARY.values()) for x in v[1:]}
    detail = {
        "13.3000",
        "10.1880",
        "-0.7137",
        "-4.7114",
        "-32.1369",
        "-12.0452",
        "98.0502",
        "23.4880",
        "15.7775",
        "8.3721",
        "17.9604",
        "0.1355",
        "22.9052",
        "9.5841",
        "21.6293",
        "86.0050",
    }
    assert printed | detail <= cells
    assert cli.main(["data", "--table", "kpi_results", "--as-of", "all", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    for figure in ("1805.0", "93106.0", "4556.0", "1560000.0", "96.6", "99.67", "1,135 ราย (ยอดสะสม)"):
        assert figure in out
