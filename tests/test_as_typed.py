"""Input taken as typed, or refused: an apostrophe is the user's unless forecast wrote it, one spelling for
text that looks the same, ids in one script, and figures that contradict each other said out loud."""

from __future__ import annotations

import io

import polars as pl
import pytest

from forecast import api
from forecast.data import parse
from forecast.data import schema as s
from forecast.data.store import Store
from forecast.decisions import risk
from forecast.interfaces.cli import main
from tests.conftest import reference_copy, write_csv

DIGITAL_ID = "etda-digital-id"


def _rename(name_en: str, name_th: str):
    def edit(rows):
        rows[0]["name_en"], rows[0]["name_th"] = name_en, name_th
        return rows

    return edit


def _names(store: Store) -> tuple[str, str]:
    p = store.read("projects").sort(s.PROJECT_ID).filter(pl.col(s.PROJECT_ID) == "etda-online-platform-awareness")
    return p[s.NAME_EN].item(), p[s.NAME_TH].item()


# --- the apostrophe --------------------------------------------------------------------------------------
def test_a_typed_apostrophe_is_kept_and_only_our_exports_lose_theirs(tmp_path, capsys):
    typed = ("'=1+2", '=HYPERLINK("http://x.example")')
    store = Store.create(tmp_path / "a")
    store.ingest(reference_copy(tmp_path / "in", {"projects": _rename(*typed)}))
    assert _names(store) == typed  # a hand-made CSV: every cell exactly as typed, the apostrophe too

    # our export neutralises both (the typed apostrophe gets one more) and carries the export's marker column
    assert main(["--store", str(store.root), "data", "--table", "projects", "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert "''=1+2" in text and "'=HYPERLINK" in text and s.VINTAGE in text.splitlines()[0]
    out = tmp_path / "export"
    out.mkdir()
    (out / "projects.csv").write_text(text, encoding="utf-8")
    back = Store.create(tmp_path / "b")
    result = back.ingest([out / "projects.csv"])
    assert _names(back) == typed  # read back as it was typed, not as neutralised
    assert {i.rule for i in result.issues} == {"store_column"}

    # the same cells without the marker column are someone else's file: kept exactly as they are in it
    plain = pl.read_csv(io.StringIO(text), infer_schema=False).drop(s.VINTAGE)
    hand = tmp_path / "hand"
    hand.mkdir()
    plain.write_csv(hand / "projects.csv")
    third = Store.create(tmp_path / "c")
    third.ingest([hand / "projects.csv"])
    assert _names(third) == ("''=1+2", '\'=HYPERLINK("http://x.example")')


def test_a_parquet_file_and_tables_given_in_memory_keep_their_apostrophes(tmp_path):
    rows = pl.read_csv(reference_copy(tmp_path / "in")[0], infer_schema=False).with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("'@SUM(A1)")).otherwise(pl.col(s.NAME_EN)).alias(s.NAME_EN)
    )
    folder = tmp_path / "pq"
    folder.mkdir()
    rows.write_parquet(folder / "projects.parquet")
    store = Store.create(tmp_path / "s")
    store.ingest([folder / "projects.parquet"])
    assert _names(store)[0] == "'@SUM(A1)"
    other = Store.create(tmp_path / "t")
    other.ingest_tables({"projects": rows})
    assert _names(other)[0] == "'@SUM(A1)"


# --- one spelling --------------------------------------------------------------------------------------
SARA_AM = "\u0e33"  # ำ as a keyboard types it
NIKHAHIT_AA = "\u0e4d\u0e32"  # ํ + า: looks the same


def test_thai_sara_am_typed_two_ways_is_one_plan_line_one_name_and_one_id(tmp_path):
    line = "แผนงานบูรณาการการจัดการทรัพยากรน้" + SARA_AM
    other = line.replace(SARA_AM, NIKHAHIT_AA)
    assert other != line and parse.canonical_text(other) == line
    tone_first = "น" + "\u0e49" + NIKHAHIT_AA  # น ้ ํ า
    nikhahit_first = "น" + "\u0e4d\u0e49\u0e32"  # น ํ ้ า
    assert parse.canonical_text(tone_first) == parse.canonical_text(nikhahit_first) == "น\u0e49" + SARA_AM

    def edit(rows):
        for i, r in enumerate(rows):
            r["plan_line"] = line if i % 2 else other
        rows[1]["name_th"] = rows[1]["name_th"] + " " + nikhahit_first
        return rows

    store = Store.create(tmp_path / "s")
    store.ingest(reference_copy(tmp_path / "in", {"projects": edit}))
    projects = store.read("projects")
    assert projects[s.PLAN_LINE].unique().to_list() == [line]
    second = projects.filter(pl.col(s.PROJECT_ID) == "etda-digital-infrastructure")[s.NAME_TH].item()
    assert second.endswith(" น\u0e49" + SARA_AM)
    by_line = api.portfolio(store, by="plan_line", draws=200)
    assert by_line.filter(pl.col("group_by") == "plan_line").height == 1  # one plan line, not two

    # ids: the decomposed spelling is the same id as the composed one
    frame = pl.DataFrame({"c": ["น" + NIKHAHIT_AA + "-1", "น" + SARA_AM + "-1"]})
    assert parse.column(frame, "c", "id").n_unique() == 1


# --- ids in one script ----------------------------------------------------------------------------------
CYRILLIC_I = "\u0456"  # і


def test_an_id_with_a_cyrillic_letter_is_refused_naming_it_and_nothing_else(tmp_path):
    def edit(rows):
        for r in rows:
            if r["project_id"] == DIGITAL_ID:
                r["project_id"] = "etda-digital-" + CYRILLIC_I + "d"
        return rows

    checked = Store.open().check(reference_copy(tmp_path / "in", {"projects": edit}))
    assert [i.rule for i in checked.errors] == ["confusable_id"]  # no cascade over finance, KPIs and results
    e = checked.errors[0]
    assert (e.file, e.row, e.column, e.value) == ("projects.csv", 7, "project_id", "etda-digital-іd")
    assert "U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I ('і')" in e.message
    assert "Cyrillic and Latin" in e.message and "รหัสมีตัวอักษรต่างชุดปนกัน" in e.message_th()


@pytest.mark.parametrize(
    "value, named",
    [
        ("\uff45tda-1", "U+FF45 FULLWIDTH LATIN SMALL LETTER E ('ｅ') stands for 'e'"),
        ("ETDA-\u039dational", "U+039D GREEK CAPITAL LETTER NU"),
        ("ko\u0440-1", "U+0440 CYRILLIC SMALL LETTER ER"),
        ("project-\u2160", "U+2160 ROMAN NUMERAL ONE ('Ⅰ') stands for 'I'"),
    ],
)
def test_look_alike_and_mixed_ids_are_refused_with_the_characters_named(value, named):
    assert named in parse.id_problem(value)
    assert parse.column(pl.DataFrame({"c": [value]}), "c", "id").item() is None


@pytest.mark.parametrize(
    "value", ["etda-digital-id", "โครงการ-A1", "Україна-2019", "Ελλάδα-1", "東京-プロジェクト", "น้ำ-1"]
)
def test_ids_in_one_script_or_latin_with_one_other_pass(value):
    assert parse.id_problem(value) is None
    assert parse.column(pl.DataFrame({"c": [value]}), "c", "id").item() == value


# --- figures that contradict each other ----------------------------------------------------------------
def test_a_budget_revised_below_what_was_disbursed_warns_and_the_ranking_says_it(tmp_path, capsys):
    store = Store.create(tmp_path / "s", from_reference=True)
    folder = tmp_path / "revision"
    write_csv(
        folder,
        "projects",
        [
            {
                "fiscal_year": "2569",
                "project_id": DIGITAL_ID,
                "as_of": "2026-04-15",
                "name_th": "โครงการพัฒนาระบบพิสูจน์และยืนยันตัวตนทางดิจิทัล",
                "name_en": "National Digital ID",
                "plan_line": "แผนงานยุทธศาสตร์พัฒนาเศรษฐกิจและสังคมดิจิทัล",
                "owner": "",
                "budget": "1.0000",
                "budget_cut": "0",
                "agency": "ETDA",
            }
        ],
    )
    result = api.ingest(store, [folder / "projects.csv"])
    w = next(i for i in result.issues if i.rule == "budget_below_disbursed")
    assert (w.severity, w.file, w.row, w.column, w.value) == ("warning", "projects.csv", 2, "budget", "1.0000")
    assert "below the 7.3036 it had already disbursed to Q2 as of 2026-04-15" in w.message
    row = api.rank(store, lang="en").filter(pl.col(s.PROJECT_ID) == DIGITAL_ID).row(0, named=True)
    assert row[risk.DRIVERS].startswith(
        "disbursed 7.3036 MTHB (730.4% of its budget of 1.0000 MTHB), more than the budget"
    )
    th = api.rank(store, lang="th").filter(pl.col(s.PROJECT_ID) == DIGITAL_ID)[risk.DRIVERS].item()
    assert th.startswith("เบิกจ่ายแล้ว 7.3036 ล้านบาท (730.4% ของงบประมาณ 1.0000 ล้านบาท) เกินงบประมาณ")
    # a budget above what was disbursed says nothing
    again = folder / "projects.csv"
    again.write_text(again.read_text(encoding="utf-8").replace(",1.0000,", ",40.0000,"), encoding="utf-8")
    assert not [i for i in store.check([again]).issues if i.rule == "budget_below_disbursed"]


def test_a_quarter_without_commitments_in_a_store_that_reports_them_warns_and_outputs_say_it(tmp_path, capsys):
    store = Store.create(tmp_path / "s", from_reference=True)
    rows = [
        {"fiscal_year": "2569", "project_id": p, "quarter": "3", "as_of": "2026-06-30", "plan": plan, "disbursed": "1"}
        for p, plan in ((DIGITAL_ID, "0.8325"), ("etda-digital-infrastructure", "0.1293"))
    ]
    path = write_csv(tmp_path / "q3", "finance", rows, [*rows[0], "committed", "spend"])
    result = api.ingest(store, [path])
    w = [i for i in result.issues if i.rule == "commitments_missing"]
    assert len(w) == 1 and (w[0].severity, w[0].row, w[0].column) == ("warning", 2, "committed")  # once, not per row
    assert (
        "Q3 of the report of 2026-06-30 gives disbursed but no committed (nor spend) for 2 project(s)" in w[0].message
    )
    assert api.review(store).quarters_without_commitments == {3: 2}
    for command in (["rank"], ["project"], ["portfolio", "--draws", "200"]):
        assert main(["--store", str(store.root), *command, "--lang", "en"]) == 0
        err = " ".join(capsys.readouterr().err.split())
        assert "Commitments not reported for Q3 (2 project(s))" in err, command
    assert main(["--store", str(store.root), "rank", "--lang", "th"]) == 0
    assert "ไม่ได้รายงานภาระผูกพันของไตรมาส 3 (2 โครงการ)" in capsys.readouterr().err
    # the reference data (commitments in every reported quarter) says nothing of the kind
    assert api.review(Store.open()).quarters_without_commitments == {}
