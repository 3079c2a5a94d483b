"""Exports: the Excel report management can hand on, the re-ingestible data workbook, CSV and the one-page PDF."""

from __future__ import annotations

import io
import re

import polars as pl
import pytest

from forecast import api, formats
from forecast.data import schema as s
from forecast.interfaces import export
from forecast.interfaces.cli import main
from forecast.labels import column


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
    assert ws.cell(row=2, column=p_col).number_format == formats.CHANCE_EXCEL
    money_col = header.index("เบิกจ่ายสะสม") + 1
    assert ws.cell(row=2, column=money_col).number_format == "#,##0.0000"
    assert "เบิกจ่ายแล้ว" in " ".join(str(c.value) for c in ws[f"{chr(64 + len(header))}"][1:])
    sheets = pl.read_excel(path, sheet_id=0)
    assert round(sheets["โครงการ"]["งบประมาณ"].sum(), 4) == 519.3683
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

    read = pl.read_csv(io.BytesIO(raw), infer_schema=False)
    back = _as_text(read, "x.csv", None, [], ours=True)  # a file forecast wrote (templates.exported)
    assert back["name"].to_list() == df["name"].to_list()
    assert _as_text(read, "x.csv", None, [])["name"].to_list()[0] == '\'=HYPERLINK("http://x")'  # anyone else's


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


def _shown(value: float, number_format: str) -> str:
    """What Excel shows for ``value`` under a number format of conditional sections ('[>=0.995]">99%";...;0%')."""
    for section in number_format.split(";"):
        cond = re.match(r"^\[(>=|<=|>|<)([\d.]+)\](.*)$", section)
        if cond is None:
            return f"{value:.0%}" if section == "0%" else section
        op, bound, shown = cond.groups()
        if {
            ">=": value >= float(bound),
            "<=": value <= float(bound),
            ">": value > float(bound),
            "<": value < float(bound),
        }[op]:
            return shown.strip('"')
    return str(value)


@pytest.fixture(scope="module")
def thai_report(tmp_path_factory):
    from openpyxl import load_workbook

    from forecast.data.store import Store

    path = tmp_path_factory.mktemp("report") / "report.xlsx"
    path.write_bytes(export.report_workbook(api.review(Store.open()), "th"))
    return path, load_workbook(path)


def test_every_sheet_of_the_thai_report_is_in_thai(thai_report):
    """Headers from the catalogue, the Thai names of projects and KPIs, codes (levels, models, units) in Thai."""
    _, wb = thai_report
    assert wb.sheetnames == [
        "จัดอันดับความเสี่ยง",
        "ภาพรวมหน่วยงาน",
        "ข้อเสนอการโอน",
        "ผลของการโอน",
        "คาดการณ์รายโครงการ",
        "คาดการณ์ตัวชี้วัด",
        "โครงการ",
        "การเงินรายไตรมาส",
        "ตัวชี้วัด",
        "ผลตัวชี้วัด",
        "เป้าหมายการเบิกจ่าย",
        "ข้อมูลประกอบ",
    ]
    thai = re.compile(r"[\u0e00-\u0e7f]")
    for ws in wb.worksheets:
        header = [c.value for c in ws[1]]
        assert header and all(thai.search(h) for h in header if h not in ("AUC",)), (ws.title, header)
        assert not [h for h in header if re.fullmatch(r"[a-z0-9_]+", h)], (ws.title, header)  # no snake_case left
    proj = wb["คาดการณ์รายโครงการ"]
    header = [c.value for c in proj[1]]
    assert column(s.NAME_EN, "th") not in header
    names = [r[header.index(column(s.NAME_TH, "th"))] for r in proj.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 9 and all(thai.search(n) for n in names)
    model = [r[header.index("แบบจำลอง")] for r in proj.iter_rows(min_row=2, values_only=True)]
    assert set(model) == {"กฎเชิงโครงสร้าง"} and {
        r[header.index("ที่มา")] for r in proj.iter_rows(min_row=2, values_only=True)
    } == {"ไม่มีข้อมูลย้อนหลัง"}
    kpis = wb["คาดการณ์ตัวชี้วัด"]
    header = [c.value for c in kpis[1]]
    rows = list(kpis.iter_rows(min_row=2, values_only=True))
    assert all(thai.search(r[header.index(column(s.NAME_TH, "th"))]) for r in rows)
    assert {r[header.index("สถานะ")] for r in rows} <= {
        "บรรลุแล้ว",
        "เป็นไปตามแผน",
        "เสี่ยง",
        "ยังไม่มีข้อมูล",
        "ต่ำกว่าเป้า",
        "ไม่บรรลุ",
    }
    assert "เรื่อง" in {r[header.index("หน่วย")] for r in rows}  # item
    fin = wb["การเงินรายไตรมาส"]
    at = [c.value for c in fin[1]].index(column(s.AS_OF, "th"))
    assert "31 มี.ค. 2569" in {r[at] for r in fin.iter_rows(min_row=2, values_only=True)}


def test_numbers_in_the_report_are_numbers_in_their_format(thai_report):
    path, wb = thai_report

    def cells(ws, header: str):
        j = [c.value for c in ws[1]].index(header) + 1
        return [
            ws.cell(row=i, column=j) for i in range(2, ws.max_row + 1) if ws.cell(row=i, column=j).value is not None
        ]

    fy, q, origin = column(s.FISCAL_YEAR, "th"), column(s.QUARTER, "th"), column("origin_quarter", "th")
    for sheet, header in (
        ("คาดการณ์รายโครงการ", fy),
        ("คาดการณ์รายโครงการ", origin),
        ("การเงินรายไตรมาส", q),
        ("ผลตัวชี้วัด", q),
        ("ภาพรวมหน่วยงาน", column("projects", "th")),
        ("ข้อมูลประกอบ", column("quarters_left", "th")),
    ):
        found = cells(wb[sheet], header)
        assert found and all(c.data_type == "n" and isinstance(c.value, int) for c in found), (sheet, header)
        assert {c.number_format for c in found} == {"0"}, (sheet, header)
    for header in (column(s.TARGET, "th"), column("value_to_date", "th"), column("projected_p50", "th")):
        found = cells(wb["คาดการณ์ตัวชี้วัด"], header)
        assert found and all(c.data_type == "n" for c in found), header  # never "3.0" as text
    for sheet, header in (
        ("การเงินรายไตรมาส", column(s.DISBURSED, "th")),
        ("คาดการณ์รายโครงการ", column(s.BUDGET, "th")),
    ):
        found = cells(wb[sheet], header)
        assert found and all(c.data_type == "n" and c.number_format == "#,##0.0000" for c in found), (sheet, header)
    money = cells(wb["ภาพรวมหน่วยงาน"], column(s.BUDGET, "th"))
    assert round(money[0].value, 4) == 519.3683
    # ids such as KPI "2.1" stay text, and Excel is told not to flag them as numbers stored as text
    import zipfile

    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert all('numberStoredAsText="1"' in x for x in sheets if '<row r="2"' in x)


def test_chances_in_the_report_show_as_the_app_shows_them(thai_report):
    """The cell keeps the exact probability; its format shows ">99%" for 0.99999 (never "100%") and "<1%" at the
    other end, as the app does (one definition: formats.CHANCE_EXCEL from formats.chance's thresholds)."""
    _, wb = thai_report
    ws = wb["จัดอันดับความเสี่ยง"]
    header = [c.value for c in ws[1]]
    seen = []
    for label in ("โอกาสเบิกจ่ายไม่ถึงเป้า", "โอกาสเหลือเงิน", "โอกาสตัวชี้วัดไม่ถึงเป้า"):
        j = header.index(label) + 1
        for i in range(2, ws.max_row + 1):
            c = ws.cell(row=i, column=j)
            if c.value is None:
                continue
            assert c.data_type == "n" and c.number_format == formats.CHANCE_EXCEL
            assert _shown(c.value, c.number_format) == formats.chance(c.value)
            seen.append(c.value)
    assert max(seen) > 0.9999 and _shown(max(seen), formats.CHANCE_EXCEL) == ">99%"
    assert _shown(0.0001, formats.CHANCE_EXCEL) == "<1%" == formats.chance(0.0001)
    assert _shown(0.994, formats.CHANCE_EXCEL) == "99%" == formats.chance(0.994)
    kp = wb["คาดการณ์ตัวชี้วัด"]
    j = [c.value for c in kp[1]].index(column("p_attain", "th")) + 1
    assert {kp.cell(row=i, column=j).number_format for i in range(2, kp.max_row + 1)} == {formats.CHANCE_EXCEL}


def test_the_english_report_is_in_english(tmp_path, reference):
    from openpyxl import load_workbook

    path = tmp_path / "report.xlsx"
    path.write_bytes(export.report_workbook(api.review(reference), "en"))
    wb = load_workbook(path)
    assert wb.sheetnames[:6] == [
        "Risk ranking",
        "Portfolio",
        "Reallocation",
        "Reallocation effect",
        "Projections",
        "KPI projections",
    ]
    header = [c.value for c in wb["Projections"][1]]
    assert header[:4] == ["Fiscal year", "Project id", "Name (English)", "As of"] and "Name (Thai)" not in header
    assert not re.search(r"[\u0e00-\u0e7f]", " ".join(header))
