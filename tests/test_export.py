"""Exports: the Excel report management can hand on, the re-ingestible data workbook, CSV and the one-page PDF."""

from __future__ import annotations

import io

import polars as pl
import pytest

from forecast import api
from forecast.interfaces import export
from forecast.interfaces.cli import main


def test_report_workbook_leads_with_a_short_ranking_in_the_chosen_language(tmp_path, reference):
    from openpyxl import load_workbook

    rv = api.review(reference)
    path = tmp_path / "report.xlsx"
    path.write_bytes(export.report_workbook(rv, "th"))
    wb = load_workbook(path)
    assert wb.sheetnames[:6] == [
        "จัดอันดับความเสี่ยง",
        "ภาพรวมหน่วยงาน",
        "ข้อเสนอการโอน",  # the reallocation advice and its effect, after the portfolio
        "ผลของการโอน",
        "คาดการณ์รายโครงการ",
        "คาดการณ์ตัวชี้วัด",
    ]
    assert wb.sheetnames[-1] == "ข้อมูลประกอบ"  # the internals go last
    ws = wb["จัดอันดับความเสี่ยง"]
    header = [c.value for c in ws[1]]
    assert len(header) <= 11 and header[0] == "อันดับ" and "เหตุผลหลัก" in header
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert max(ws.column_dimensions[c].width or 0 for c in "ABCDEFGHIJK") <= 70
    p_col = header.index("โอกาสเบิกจ่ายไม่ถึงเป้า") + 1
    assert ws.cell(row=2, column=p_col).number_format == "0%"
    money_col = header.index("เบิกจ่ายสะสม") + 1
    assert ws.cell(row=2, column=money_col).number_format == "#,##0.0000"
    assert "เบิกจ่ายแล้ว" in " ".join(str(c.value) for c in ws[f"{chr(64 + len(header))}"][1:])
    sheets = pl.read_excel(path, sheet_id=0)
    assert round(sheets["projects"]["budget"].sum(), 4) == 519.3683
    assert sheets["ภาพรวมหน่วยงาน"].height == 1


def test_data_workbook_round_trips_through_validation(tmp_path, reference, store):
    path = tmp_path / "data.xlsx"
    path.write_bytes(export.data_workbook(reference.snapshot()))
    checked = store.check([path])
    assert checked.errors == []
    assert {k: v.height for k, v in checked.tables.items()} == {
        "projects": 9,
        "finance": 36,
        "kpis": 32,
        "kpi_results": 64,
        "targets": 0,
    }  # 32 KPIs x Q1, Q2


def test_csv_has_a_bom_and_neutralised_formulas_that_ingest_back():
    df = pl.DataFrame({"name": ['=HYPERLINK("http://x")', "@SUM(A1)", "plain", "-minus"], "n": [1.5, -2.0, 3.0, 4.0]})
    raw = export.csv_bytes(df)
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text and "'-minus" in text and ",-2.0" in text
    from forecast.data.templates import _as_text

    back = _as_text(pl.read_csv(io.BytesIO(raw), infer_schema=False), "x.csv", None, [])
    assert back["name"].to_list() == df["name"].to_list()


@pytest.mark.parametrize(
    "lang, words",
    [
        ("th", ["ติดตามการใช้จ่ายงบประมาณ", "เบิกจ่ายแล้ว", "ล้านบาท"]),
        ("en", ["Budget execution monitor", "disbursed", "MTHB"]),
    ],
)
def test_the_summary_is_one_a4_pdf_page_with_its_text(reference, lang, words):
    from pypdf import PdfReader

    pdf = export.summary_pdf(api.review(reference), lang)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, in points
    text = reader.pages[0].extract_text()
    for w in words:
        assert w in text, w


def test_the_cli_writes_the_report_and_the_summary(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "r.xlsx"), "--lang", "en"]) == 0
    assert main(["report", "--out", str(tmp_path / "s.pdf"), "--as-of", "2025-12-30"]) == 0
    assert (tmp_path / "r.xlsx").stat().st_size > 5000 and (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    assert main(["report", "--out", str(tmp_path / "x.doc")]) == 2
    assert "written as .xlsx (the Excel report) or .pdf" in capsys.readouterr().err
