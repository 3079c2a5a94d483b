"""Exports: the Excel report, the re-ingestible data workbook and the printable summary."""

from __future__ import annotations

import polars as pl

from forecast.model import engine
from forecast.interfaces import export
from forecast import api
from forecast.decisions import kpi, risk
from forecast.data import schema as s


def test_report_workbook_holds_ranking_projections_kpis_and_data(tmp_path, reference):
    rv = api.review(reference)
    path = tmp_path / "report.xlsx"
    path.write_bytes(export.report_workbook(rv, rv.ranking("th")))
    sheets = pl.read_excel(path, sheet_id=0)
    assert list(sheets)[:4] == ["ranking", "portfolio", "projections", "kpi_projections"]
    assert sheets["portfolio"]["group"][0] == "all" and sheets["portfolio"]["projects"][0] == 9
    assert set(s.TABLES) <= set(sheets)
    assert sheets["ranking"].height == 9 and "เบิกจ่ายแล้ว" in " ".join(sheets["ranking"]["drivers"])
    assert sheets["projections"].columns == engine.PROJECTION_COLUMNS
    assert sheets["kpi_projections"].height == 32
    assert round(sheets["projects"]["budget"].sum(), 4) == 519.3683


def test_data_workbook_round_trips_through_validation(tmp_path, reference, store):
    path = tmp_path / "data.xlsx"
    path.write_bytes(export.data_workbook(reference.snapshot()))
    checked = store.check([path])
    assert checked.errors == []
    assert {k: v.height for k, v in checked.tables.items()} == {"projects": 9, "finance": 36, "kpis": 32,
                                                                 "kpi_results": 64, "targets": 0}  # 32 KPIs x Q1, Q2


def test_summary_is_one_printable_page_in_thai(reference):
    ranking = api.rank(reference)
    page = export.summary_html("ติดตามการใช้จ่ายงบประมาณ", "ปีงบประมาณ พ.ศ. 2569", [("งบประมาณ", "519.3683")],
                               ranking, "th", "หมายเหตุ")
    assert page.startswith("<!doctype html>") and 'lang="th"' in page and "@page" in page
    assert page.count("<tr class=") == 9
    assert "เบิกจ่ายแล้ว 12.5% ของงบประมาณ (4.9960 ล้านบาท)" in page
