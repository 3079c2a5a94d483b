"""Each validation rule has a file that breaks it; the message names file, row, column, value and rule."""

from __future__ import annotations

import polars as pl
import pytest

from forecast.data import schema as s
from forecast.data.store import Store
from tests.conftest import read_rows, reference_copy, write_csv


def _check(tmp_path, edit=None, files=None):
    paths = reference_copy(tmp_path / "in", edit)
    if files is not None:
        paths = [p for p in paths if p.stem in files]
    return Store.open().check(paths) if files is None else Store.create(tmp_path / "s").check(paths)


def _set(table_rows, row_no, **values):
    """Edit the record on spreadsheet row ``row_no`` (header is row 1)."""
    table_rows[row_no - 2].update(values)
    return table_rows


def _one(checked, rule):
    hits = [i for i in checked.issues if i.rule == rule]
    assert hits, f"no {rule!r} issue in {[str(i) for i in checked.issues]}"
    return hits[0]


def test_reference_copy_is_clean_of_errors(tmp_path):
    checked = _check(tmp_path)
    assert checked.ok, [str(i) for i in checked.errors]
    assert {i.rule for i in checked.warnings} == {"derived", "measure_inferred"}  # the report gives no measure


def test_quarter_range(tmp_path):
    i = _one(_check(tmp_path, {"finance": lambda r: _set(r, 12, quarter="5")}), "quarter_range")
    assert (i.file, i.row, i.column, i.value, i.severity) == ("finance.csv", 12, "quarter", "5", "error")
    assert str(i) == "error: finance.csv, row 12, column `quarter`: must be 1-4, got 5."


def test_wrong_type_and_required(tmp_path):
    checked = _check(tmp_path, {"finance": lambda r: _set(r, 3, plan="12,3x", as_of="")})
    t = _one(checked, "type")
    assert (t.row, t.column, t.value) == (3, "plan", "12,3x")
    assert "must be an amount in the store's unit" in t.message and "got '12,3x'" in t.message
    r = _one(checked, "required")
    assert (r.row, r.column) == (3, "as_of") and "is required" in r.message


def test_missing_and_unknown_columns(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "spend"} | {"disbursment": "1"} for r in read_rows("finance")]
    folder = tmp_path / "in"
    write_csv(folder, "finance", rows)
    checked = Store.open().check([folder / "finance.csv"])
    m = _one(checked, "missing_column")
    assert (m.column, m.row) == ("spend", 1) and "add it to the header row" in m.message
    u = _one(checked, "unknown_column")
    assert u.column == "disbursment" and "Did you mean `disbursed`?" in u.message


def test_duplicate_header(tmp_path):
    folder = tmp_path / "in"
    rows = [r | {"Disbursed ": r["disbursed"]} for r in read_rows("finance")]
    write_csv(folder, "finance", rows)
    checked = Store.open().check([folder / "finance.csv"])
    assert "column `disbursed` appears twice" in _one(checked, "duplicate_column").message


def test_duplicate_key(tmp_path):
    def dup(rows):
        return [*rows, dict(rows[0])]

    i = _one(_check(tmp_path, {"finance": dup}), "duplicate_key")
    assert i.row == 47 and "the same record as finance.csv, row 2" in i.message


def test_plan_not_summing_to_budget(tmp_path):
    # Row 12 is Q2 of the online-platform project in the 2026-03-31 report.
    checked = _check(tmp_path, {"finance": lambda r: _set(r, 12, plan="38.7651")})
    i = _one(checked, "plan_sum")
    assert "sum to 120.5552, but the budget in force then is 120.5542" in i.message and "within 0.0005" in i.message


def test_plan_within_tolerance_passes(tmp_path):
    checked = _check(tmp_path, {"finance": lambda r: _set(r, 12, plan="38.7645", spend="9.5841")})
    assert not [i for i in checked.issues if i.rule == "plan_sum"]


def test_spend_identity(tmp_path):
    i = _one(_check(tmp_path, {"finance": lambda r: _set(r, 12, spend="9.6841")}), "spend_identity")
    assert (i.row, i.column) == (12, "spend")
    assert "spend 9.6841 must equal disbursed 21.6293 + committed -12.0452 (= 9.5841)" in i.message


def test_cumulative_disbursed_below_zero_is_error_above_budget_is_warning(tmp_path):
    neg = _one(
        _check(tmp_path, {"finance": lambda r: _set(r, 11, disbursed="-1.0000", committed="106.7629")}),
        "cumulative_negative",
    )
    assert neg.severity == "error" and "cannot be below 0" in neg.message
    over = _check(tmp_path / "b", {"finance": lambda r: _set(r, 12, disbursed="121.0000", committed="-111.4159")})
    i = _one(over, "cumulative_over_budget")
    assert i.severity == "warning" and over.ok


def test_as_of_outside_the_fiscal_year(tmp_path):
    i = _one(_check(tmp_path, {"finance": lambda r: _set(r, 11, as_of="2026-10-15")}), "as_of_range")
    assert "outside fiscal year 2569 (2025-10-01 to 2026-09-30)" in i.message


def test_b_e_dates_and_pasted_numbers_are_accepted(tmp_path):
    edit = {
        "finance": lambda r: _set(
            _set(r, 12, as_of="31 มีนาคม 2569", committed="(12.0452)"), 11, as_of="31/03/2569", plan="58.7494"
        )
    }
    checked = _check(tmp_path, edit)
    assert checked.ok, [str(i) for i in checked.errors]


def test_future_actuals(tmp_path):
    i = _one(
        _check(tmp_path, {"finance": lambda r: _set(r, 13, disbursed="1.0000", committed="0.0000", spend="1.0000")}),
        "future_actuals",
    )
    assert "Q3 (which starts 2026-04-01) cannot be in a report as of 2026-03-31" in i.message


def test_unknown_unit_and_comparator(tmp_path):
    checked = _check(tmp_path, {"kpis": lambda r: _set(r, 2, unit="furlongs", comparator="=")})
    u = _one(checked, "unknown_unit")
    assert (u.column, u.value) == ("unit", "furlongs") and "one of percent, person" in u.message
    c = _one(checked, "unknown_comparator")
    assert "one of >= (ไม่น้อยกว่า), > (มากกว่า), <= (ไม่เกิน) or < (น้อยกว่า)" in c.message


def test_lower_is_better_comparators_and_measures_are_read_in_thai_and_english(tmp_path):
    for comparator, code in (("ไม่เกิน", "<="), ("<", "<"), ("น้อยกว่า", "<"), ("at most", "<=")):
        checked = _check(
            tmp_path, {"kpis": lambda r, c=comparator: _set(r, 2, comparator=c, tier_50="", tier_75="", tier_100="")}
        )
        assert checked.ok, [str(i) for i in checked.errors]
        assert checked.tables["kpis"][s.COMPARATOR][0] == code


def test_lower_is_better_tiers_decrease(tmp_path):
    checked = _check(tmp_path, {"kpis": lambda r: _set(r, 2, comparator="<=")})  # tiers 963 < 1200 < 1463
    hits = [i for i in checked.warnings if i.rule == "tier_order"]
    assert hits and "lower is better" in hits[0].message


def test_thai_unit_words_are_accepted(tmp_path):
    checked = _check(tmp_path, {"kpis": lambda r: _set(r, 2, unit="บริการ", comparator="มากกว่า")})
    assert checked.ok


def test_results_for_unknown_kpi_or_project(tmp_path):
    checked = _check(tmp_path, {"kpi_results": lambda r: _set(_set(r, 2, kpi_id="9"), 3, project_id="etda-nope")})
    k = _one(checked, "unknown_kpi")
    assert k.row == 2 and "KPI (2569, etda-digital-id, 9) is not in kpis" in k.message
    p = _one(checked, "unknown_project")
    assert p.row == 3 and "project (2569, etda-nope) is not in projects" in p.message


def test_fiscal_year_in_the_wrong_era(tmp_path):
    i = _one(_check(tmp_path, {"projects": lambda r: _set(r, 2, fiscal_year="2026")}), "fiscal_year_era")
    assert "must be a BE year" in i.message and "did you mean 2569?" in i.message


def test_negative_budget(tmp_path):
    i = _one(_check(tmp_path, {"projects": lambda r: _set(r, 2, budget="(1.0000)")}), "negative")
    assert (i.column, i.row) == ("budget", 2)


def test_up_to_six_decimals_are_kept_and_more_are_refused_not_rounded(tmp_path):
    assert _check(tmp_path / "a", {"projects": lambda r: _set(r, 2, budget="120.554200")}).ok
    i = _one(_check(tmp_path / "b", {"projects": lambda r: _set(r, 2, budget="120.5542001")}), "type")
    assert i.column == "budget" and "more than 6 decimals" in i.message and "never rounded" in i.message


def test_every_problem_is_reported_at_once(tmp_path):
    edit = {
        "finance": lambda r: _set(_set(r, 12, quarter="7"), 20, plan="abc"),
        "kpis": lambda r: _set(r, 5, comparator="="),
    }
    checked = _check(tmp_path, edit)
    assert {"quarter_range", "type", "unknown_comparator"} <= {i.rule for i in checked.errors}
    with pytest.raises(Exception) as exc:
        checked.raise_for_errors()
    text = str(exc.value)
    assert "finance.csv, row 12" in text and "kpis.csv, row 5" in text and "nothing was stored" in text


def test_file_level_problems(tmp_path):
    bad = tmp_path / "money.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    latin = tmp_path / "finance.csv"
    latin.write_bytes("fiscal_year,name\n2569,\xe9\n".encode("latin-1"))
    checked = Store.open().check([bad, latin, tmp_path / "missing.csv"])
    rules = {i.rule for i in checked.errors}
    assert {"file_name", "file_unreadable", "file_missing"} <= rules
    assert "UTF-8" in _one(checked, "file_unreadable").message


def test_kpi_plan_warnings(tmp_path):
    checked = _check(tmp_path, {"kpis": lambda r: _set(r, 3, plan_q2="2")})
    assert _one(checked, "kpi_plan_sum").severity == "warning" and checked.ok


@pytest.mark.parametrize(
    "edit, rule, severity, text",
    [
        # Row 2: online-platform Q1 in the 2025-12-30 report (the only quarter that report plans).
        (
            {"finance": lambda r: _set(r, 2, plan="121.0000")},
            "plan_over_budget",
            "error",
            "the plan to Q1 (121.0000) exceeds the budget 120.5542",
        ),
        (
            {"finance": lambda r: _set(r, 12, disbursed="-1.0000", committed="10.5841")},
            "negative_flow",
            "warning",
            "disbursed in Q2 is negative (-1.0000)",
        ),
        (
            {"finance": lambda r: _set(r, 12, spend_cum_reported="115.3480")},
            "reported_cumulative",
            "warning",
            "printed cumulative 115.3480 differs from the sum of quarterly spend to Q2 (115.3470)",
        ),
        (
            {"finance": lambda r: _set(r, 12, disbursed="", committed="")},
            "actuals_incomplete",
            "error",
            "give disbursed: committed and spend may be left empty where commitments are not reported",
        ),
        (
            {"finance": lambda r: _set(r, 14, plan="-1.0000")},
            "negative_plan_flow",
            "warning",
            "the plan for Q4 is negative (-1.0000)",
        ),
        ({"kpis": lambda r: _set(r, 2, tier_75="900")}, "tier_order", "warning", "tier thresholds must increase"),
        (
            {"kpis": lambda r: _set(r, 2, plan_q3="1000")},
            "kpi_plan_decreasing",
            "warning",
            "cumulative plan levels decrease",
        ),
        (
            {"kpis": lambda r: _set(r, 6, target="180")},
            "percent_range",
            "warning",
            "percent target of 180.0 is above 100",
        ),
    ],
)
def test_more_rules(tmp_path, edit, rule, severity, text):
    i = _one(_check(tmp_path, edit), rule)
    assert i.severity == severity and text in i.message, str(i)


def test_wrong_file_type(tmp_path):
    path = tmp_path / "finance.txt"
    path.write_text("x", encoding="utf-8")
    i = _one(Store.open().check([path]), "file_type")
    assert "must be .csv, .parquet or .xlsx, got '.txt'" in i.message


def test_every_rule_is_declared_once_in_both_languages_and_used():
    import re

    from forecast import config
    from forecast.data import validate as V

    assert set(V.RULES) == set(V.RULES_TH)
    code = "".join(
        (config.ROOT / "forecast" / "data" / f).read_text()
        for f in ("validate.py", "templates.py", "parse.py", "units.py")
    )
    body = code.split("RULES_TH: dict[str, str] = {")[1].split("\n}\n", 1)[1]  # the code after the two catalogues
    used = set(re.findall(r'"([a-z_]+)"', body)) | set(re.findall(r'"([a-z_]+)"', code.split("RULES: dict")[0]))
    from forecast.data import schema as s

    used |= {f"unknown_{kind}" for kind in s.VOCABULARIES}  # made from the vocabulary's name
    assert set(V.RULES) <= used, sorted(set(V.RULES) - used)  # no rule that nothing emits
    assert V.rules_frame().height == len(V.RULES)


def _at(checked, row, file="finance.csv"):
    """The issues on one spreadsheet row of one file (the reference's own warnings on other rows aside)."""
    return [i for i in checked.issues if i.file == file and i.row == row]


@pytest.mark.parametrize(
    "column, given, th, en",
    [
        (s.DISBURSED, "21,6293", "ให้ใช้จุด (.) เป็นจุดทศนิยม เช่น 0.5", "write the decimal point, e.g. 0.5"),
        (s.PLAN, "38,7641", "ให้ใช้จุด (.) เป็นจุดทศนิยม เช่น 0.5", "write the decimal point, e.g. 0.5"),
        (s.SPEND, "9.5841%", "ค่าร้อยละไม่ใช่จำนวนเงิน", "a percent is not an amount"),
        (s.COMMITTED, "12,0452 บาท", "คำบอกสกุลเงินหรือหน่วย", "a currency or unit word"),
        (s.DISBURSED, "21.62930001", "ทศนิยมเกิน 6 ตำแหน่ง", "more than 6 decimals"),
        (s.DISBURSED, "21.6x", "ต้องเป็นจำนวนเงินในหน่วยของคลังข้อมูล ทศนิยมไม่เกินหกตำแหน่ง", "must be an amount"),
    ],
)
def test_a_refused_amount_is_one_message_as_specific_in_thai_as_in_english(tmp_path, column, given, th, en):
    """Q2 of the online-platform project (row 12) has every figure and its printed cumulatives: a refused cell
    is reported once, with why in both languages - not also "empty, derived", "give disbursed", a plan that
    does not sum to the budget or a printed cumulative that differs."""
    checked = _check(tmp_path, {"finance": lambda r: _set(r, 12, **{column: given})})
    found = _at(checked, 12)
    assert [(i.rule, i.column, i.value) for i in found] == [("type", column, given)], [str(i) for i in found]
    i = found[0]
    assert en in i.message and f"'{given}'" in i.message
    assert th in i.message_th() and f"'{given}'" in i.message_th()
    assert i.text("th").startswith("ข้อผิดพลาด: ไฟล์ finance.csv, แถว 12, คอลัมน์")
    assert not [x for x in checked.issues if x.rule in ("plan_sum", "reported_cumulative", "actuals_incomplete")]


def test_a_comma_decimal_in_a_kpi_number_is_refused_once_in_both_languages(tmp_path):
    """Row 28 is a count with plan increments 200, 500, 1000, 300 for a target of 2000."""
    checked = _check(tmp_path, {"kpis": lambda r: _set(r, 28, plan_q2="5,00")})
    found = _at(checked, 28, "kpis.csv")
    assert [(i.rule, i.column) for i in found] == [("type", "plan_q2")], [str(i) for i in found]
    assert "a comma used as the decimal separator? write the decimal point" in found[0].message
    assert "ใช้จุลภาค (,) เป็นจุดทศนิยมหรือไม่ ให้ใช้จุด (.) เป็นจุดทศนิยม" in found[0].message_th()


def test_a_derived_cell_says_how_in_thai_too(tmp_path):
    checked = _check(tmp_path, {"finance": lambda r: _set(r, 12, committed="")})
    [i] = [x for x in _at(checked, 12) if x.rule == "derived"]
    assert i.column == s.COMMITTED and "derived as spend − disbursed = -12.0452" in i.message
    assert "ผลใช้จ่าย − เบิกจ่าย = -12.0452" in i.message_th()


def test_the_api_and_the_app_get_the_specific_thai_message(tmp_path):
    from forecast.data.validate import issues_frame

    checked = _check(tmp_path, {"finance": lambda r: _set(r, 12, disbursed="21,6293")})
    frame = issues_frame(checked.issues, "th").filter((pl.col("file") == "finance.csv") & (pl.col("row") == 12))
    assert frame["message"].to_list() == [
        "ค่าในเซลล์ไม่ตรงกับชนิดข้อมูลของคอลัมน์ (พบ '21,6293'): ใช้จุลภาค (,) เป็นจุดทศนิยมหรือไม่ ให้ใช้จุด (.) เป็นจุดทศนิยม เช่น 0.5"
    ]
