"""Validation at the boundary: find every problem, then report them together.

``check`` is pure: it takes raw text tables and what the store already holds,
and returns typed tables plus a list of located issues (errors block an
ingest, warnings do not). ``ValidationError`` carries all of them at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from dataclasses import dataclass, field

import polars as pl

from forecast import labels
from forecast.data import measure, parse
from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.templates import ANY_TABLE, ROW, FileProblem, RawTable
from forecast.data.units import AmountUnit
from forecast.errors import ForecastError

FILE = "__file"
SHEET = "__sheet"
MAX_PER_RULE = 25
DEFAULT_MAX_AMOUNT = 1e7  # in the store's unit: 10 trillion baht when amounts are in million baht
ERROR, WARNING = "error", "warning"

RULES: dict[str, str] = {
    "file_missing": "a path given does not exist",
    "file_type": "files must be .csv, .parquet or .xlsx",
    "file_name": "CSV/Parquet files are named after their table",
    "file_unreadable": "the file cannot be read (encoding, format)",
    "file_empty": "a workbook has no sheet named after a table",
    "file_encrypted": "a workbook protected with a password cannot be read",
    "too_many_columns": "a table with more than 200 columns",
    "file_encoding": "a CSV that is not UTF-8 (UTF-16, Thai Windows cp874) was read and converted",
    "file_separator": "a CSV separated by ';', tab or '|' was read that way",
    "header_row": "the header is not the first row (a title above it)",
    "ragged_row": "a row with more or fewer cells than the header",
    "duplicate_table": "two files or sheets hold the same table",
    "hidden_sheet": "a template sheet is hidden",
    "hidden_row": "a row of a template sheet is hidden",
    "formula": "a formula cell has no saved value",
    "sheet_name": "a workbook sheet that is not a table is ignored",
    "duplicate_column": "a column name appears twice in the header",
    "missing_column": "a column of the template is missing",
    "unknown_column": "a column that is not in the template",
    "type": "a cell does not parse as its column's type",
    "confusable_id": "an id mixes scripts (a Cyrillic і among Latin letters) or holds a look-alike character",
    "unknown_unit": "unit is not in the vocabulary",
    "unknown_comparator": "comparator is not >=, >, <= or <",
    "unknown_measure": "measure is not cumulative, level or milestone",
    "measure_inferred": "a KPI's measure was left empty and is inferred",
    "unknown_source": "KPI source is not budget_bureau, opdc or other",
    "required": "a required cell is empty",
    "name_required": "a row needs a name in Thai or English",
    "store_column": "a column the store adds (store_vintage, valid_from, ...) is ignored on input",
    "unit_column": "a money column given in another unit (budget_baht) is converted exactly",
    "implausible_amount": "an amount beyond the store's plausible magnitude",
    "fiscal_year_era": "fiscal year is not in the store's era",
    "quarter_range": "quarter must be 1-4",
    "duplicate_key": "two rows share a key",
    "as_of_range": "as_of lies outside the fiscal year",
    "future_actuals": "actuals reported for a quarter that had not started",
    "negative": "an amount that cannot be negative is negative",
    "negative_flow": "a quarterly disbursement is negative (a refund?)",
    "negative_plan_flow": "a quarterly plan is negative (a downward plan revision?)",
    "actuals_incomplete": "committed or spend is given without disbursed",
    "commitments_missing": "a quarter gives disbursed without commitments in a store that reports commitments",
    "derived": "one of disbursed, committed, spend was derived from the other two",
    "spend_identity": "spend differs from disbursed + committed",
    "plan_sum": "the quarterly plans do not sum to the budget",
    "plan_over_budget": "the plan to date exceeds the budget",
    "cumulative_negative": "cumulative disbursement below zero",
    "cumulative_over_budget": "cumulative disbursement above the budget (budget transferred?)",
    "budget_below_disbursed": "a budget (a revision) below what was already disbursed by its date",
    "reported_cumulative": "a printed cumulative differs from the sum of the quarterly flows",
    "unknown_project": "a row refers to a project not in projects",
    "unknown_kpi": "a result refers to a KPI not in kpis",
    "tier_order": "tier thresholds are not increasing",
    "kpi_plan_sum": "KPI plan increments do not sum to the target",
    "kpi_plan_decreasing": "cumulative KPI plan levels decrease (a cumulative measure only)",
    "percent_range": "a percent target above 100",
    "target_range": "a disbursement target outside 0-1 (a share of the budget)",
    "target_order": "quarterly disbursement targets that decrease or disagree with the year end",
    "name_column": "neither name column (name_th, name_en) is in the header",
}


# The same rules in Thai: what is wrong and what to do ({value} is the cell as given).
RULES_TH: dict[str, str] = {
    "file_missing": "ไม่พบไฟล์หรือโฟลเดอร์ ตรวจสอบตำแหน่งไฟล์",
    "file_type": "รองรับเฉพาะไฟล์ .csv, .parquet หรือ .xlsx (ไฟล์ .xls ให้บันทึกเป็น .xlsx ก่อน)",
    "file_name": "ชื่อไฟล์ต้องเป็นชื่อตาราง เช่น projects.csv, finance.csv, kpis.csv, kpi_results.csv, targets.csv",
    "file_unreadable": "อ่านไฟล์ไม่ได้ (รูปแบบหรือรหัสอักขระ) ให้บันทึกเป็น CSV UTF-8 หรือ .xlsx",
    "file_empty": "สมุดงานไม่มีชีตที่ชื่อตรงกับตาราง",
    "file_encrypted": "สมุดงานถูกตั้งรหัสผ่านไว้จึงอ่านไม่ได้ ให้เอารหัสผ่านออกใน Excel แล้วบันทึกใหม่",
    "too_many_columns": "ตารางมีคอลัมน์เกิน 200 คอลัมน์ ให้เหลือเฉพาะคอลัมน์ในแบบฟอร์ม",
    "file_encoding": "ไฟล์ไม่ใช่ UTF-8 (เช่น UTF-16 หรือ TIS-620) ระบบแปลงให้ครบถ้วนแล้ว",
    "file_separator": "ไฟล์คั่นด้วยอักขระอื่นที่ไม่ใช่จุลภาค ระบบอ่านตามที่พบ",
    "header_row": "แถวแรกต้องเป็นหัวคอลัมน์ ให้ลบแถวชื่อเรื่องด้านบนออก",
    "ragged_row": "จำนวนช่องในแถวไม่เท่ากับหัวคอลัมน์ (แถวขาดหรือมีเครื่องหมายคั่นในข้อความ)",
    "duplicate_table": "มีข้อมูลตารางเดียวกันจากมากกว่าหนึ่งไฟล์หรือชีต ให้ส่งตารางละหนึ่งแหล่ง",
    "hidden_sheet": "ชีตถูกซ่อนไว้ ให้แสดงชีตหรือลบออกก่อนนำเข้า",
    "hidden_row": "แถวถูกซ่อนไว้ ให้แสดงแถวหรือลบออกก่อนนำเข้า",
    "formula": "เซลล์เป็นสูตรที่ไม่มีค่าที่บันทึกไว้ ให้เปิดและบันทึกใน Excel หรือวางเป็นค่า",
    "sheet_name": "ชีตนี้ไม่ใช่ตารางในแบบฟอร์ม จึงไม่ได้นำเข้า",
    "duplicate_column": "ชื่อคอลัมน์ซ้ำในหัวตาราง ให้ลบคอลัมน์ที่ซ้ำ",
    "missing_column": "ขาดคอลัมน์ที่กำหนดในแบบฟอร์ม ให้เพิ่มในแถวหัวตาราง",
    "unknown_column": "คอลัมน์นี้ไม่อยู่ในแบบฟอร์ม ตรวจสอบการสะกด",
    "type": "ค่าในเซลล์ไม่ตรงกับชนิดข้อมูลของคอลัมน์ (พบ '{value}')",
    "confusable_id": "รหัสมีตัวอักษรต่างชุดปนกัน (เช่น і ของซีริลลิกในรหัสอักษรละติน) หรือมีอักขระที่หน้าตาเหมือนอักขระอื่น ให้พิมพ์รหัสด้วยอักษรชุดเดียว (พบ '{value}')",
    "unknown_unit": "หน่วยนับไม่อยู่ในรายการที่กำหนด (พบ '{value}')",
    "unknown_comparator": "เงื่อนไขต้องเป็น >= (ไม่น้อยกว่า) > (มากกว่า) <= (ไม่เกิน) หรือ < (น้อยกว่า) (พบ '{value}')",
    "unknown_measure": "ลักษณะค่าต้องเป็น cumulative (สะสม) level (ระดับ) หรือ milestone (ผลผลิต) (พบ '{value}')",
    "measure_inferred": "ไม่ได้ระบุลักษณะค่าของตัวชี้วัด ระบบอนุมานให้ (พบ '{value}') ตรวจสอบและระบุในคอลัมน์ measure",
    "unknown_source": "ผู้กำหนดตัวชี้วัดต้องเป็น budget_bureau, opdc หรือ other (พบ '{value}')",
    "required": "ต้องกรอกค่านี้ เซลล์ว่างอยู่",
    "name_required": "ต้องมีชื่อภาษาไทยหรือภาษาอังกฤษอย่างน้อยหนึ่งชื่อ",
    "store_column": "คอลัมน์นี้ระบบสร้างขึ้นเอง (จากการส่งออก) จึงไม่นำเข้า",
    "unit_column": "คอลัมน์เงินในหน่วยอื่นถูกแปลงเป็นหน่วยของคลังข้อมูลอย่างแม่นยำ",
    "implausible_amount": "จำนวนเงินสูงผิดปกติสำหรับหน่วยของคลังข้อมูล ตรวจสอบหน่วย (บาทหรือล้านบาท) (พบ '{value}')",
    "fiscal_year_era": "ปีงบประมาณไม่ตรงกับศักราชของคลังข้อมูล หรือเป็นเลขสองหลักที่กำกวม (พบ '{value}')",
    "quarter_range": "ไตรมาสต้องเป็น 1-4 (พบ {value})",
    "duplicate_key": "มีข้อมูลซ้ำกับแถวอื่น (รหัสเดียวกันในรายงานเดียวกัน) ให้เหลือแถวเดียว",
    "as_of_range": "วันที่รายงานอยู่นอกปีงบประมาณ (พบ {value})",
    "future_actuals": "มีผลของไตรมาสที่ยังไม่เริ่มในวันที่รายงาน ให้เว้นว่างไว้",
    "negative": "จำนวนนี้ติดลบไม่ได้ (พบ {value})",
    "negative_flow": "เบิกจ่ายในไตรมาสติดลบ (พบ {value}) ตรวจสอบว่าเป็นการคืนเงิน",
    "negative_plan_flow": "แผนในไตรมาสติดลบ (พบ {value}) อาจเป็นการปรับลดแผนสะสม บันทึกตามที่ให้มา",
    "actuals_incomplete": "ต้องมีผลเบิกจ่าย (ภาระผูกพันและผลใช้จ่ายเว้นว่างได้หากไม่ได้รายงาน)",
    "commitments_missing": "ไตรมาสนี้มีผลเบิกจ่ายแต่ไม่มีภาระผูกพัน ขณะที่คลังข้อมูลรายงานภาระผูกพัน ผลใช้จ่ายของไตรมาสนี้จะนับภาระผูกพันเป็น 0 ให้ระบุ committed หรือ spend",
    "derived": "ค่าว่างถูกคำนวณจากอีกสองค่า (ผลใช้จ่าย = เบิกจ่าย + ผูกพัน)",
    "spend_identity": "ผลใช้จ่ายต้องเท่ากับเบิกจ่ายบวกภาระผูกพัน",
    "plan_sum": "แผนรายไตรมาสทั้งสี่รวมกันไม่เท่ากับงบประมาณในรายงานฉบับเดียวกัน (งบที่ปรับให้เพิ่มแถวโครงการใหม่พร้อมวันที่)",
    "plan_over_budget": "แผนสะสมเกินงบประมาณ",
    "cumulative_negative": "เบิกจ่ายสะสมติดลบเมื่อรวมกับข้อมูลเดิม",
    "cumulative_over_budget": "เบิกจ่ายสะสมเกินงบประมาณ (ถูกต้องหากมีการโอนงบเข้า)",
    "budget_below_disbursed": "งบประมาณ (ที่ปรับ) ต่ำกว่ายอดที่เบิกจ่ายไปแล้ว ณ วันที่นั้น (พบ {value}) บันทึกตามที่ให้มา การจัดอันดับความเสี่ยงจะแจ้งไว้ ตรวจสอบงบประมาณหรือตัวเลขเบิกจ่าย",
    "reported_cumulative": "ยอดสะสมที่พิมพ์ไม่ตรงกับผลรวมรายไตรมาส บันทึกทั้งสองค่า ให้ตรวจสอบ",
    "unknown_project": "ไม่พบโครงการนี้ในตารางโครงการ ให้เพิ่มก่อน",
    "unknown_kpi": "ไม่พบตัวชี้วัดนี้ในตารางตัวชี้วัด ให้เพิ่มก่อน",
    "tier_order": "เกณฑ์คะแนนต้องเพิ่มขึ้นตามลำดับ (50 ≤ 75 ≤ 100)",
    "kpi_plan_sum": "แผนรายไตรมาสของตัวชี้วัดรวมกันไม่เท่ากับเป้าหมาย (หากเป็นยอดสะสมให้ระบุ plan_is_cumulative)",
    "kpi_plan_decreasing": "แผนสะสมของตัวชี้วัดลดลงจากไตรมาสก่อน",
    "percent_range": "เป้าหมายร้อยละเกิน 100 (พบ {value})",
    "target_range": "เป้าหมายการเบิกจ่ายต้องเป็นสัดส่วน 0-1 เช่น 0.93 (พบ {value})",
    "target_order": "เป้าหมายสะสมรายไตรมาสต้องไม่ลดลง และไตรมาส 4 ต้องเท่ากับเป้าหมายสิ้นปี",
    "name_column": "ขาดคอลัมน์ชื่อ ให้เพิ่มคอลัมน์ name_th (ชื่อภาษาไทย) หรือ name_en (ชื่อภาษาอังกฤษ) อย่างน้อยหนึ่งคอลัมน์ในแถวหัวตาราง",
}


@dataclass(frozen=True)
class Issue:
    """One located problem: where, which rule, what was found and how to fix it."""

    severity: str
    rule: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    detail_th: str | None = None  # what the English message says beyond the rule (why a cell was refused), in Thai

    def location(self) -> str:
        parts = [self.file or "input"]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column `{self.column}`")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.severity}: {self.location()}: {self.message}"

    def location_th(self) -> str:
        parts = [f"ไฟล์ {self.file}" if self.file else "ข้อมูลนำเข้า"]
        if self.sheet:
            parts.append(f"ชีต '{self.sheet}'")
        if self.row is not None:
            parts.append(f"แถว {self.row}")
        if self.column:
            parts.append(f"คอลัมน์ `{self.column}`")
        return ", ".join(parts)

    def text(self, lang: str = "en") -> str:
        """The issue in a language: Thai gives the rule and the value in Thai, English the full message."""
        return labels.pick(lang, th=self._text_th, en=self.__str__)()

    def _text_th(self) -> str:
        return f"{self.severity_in('th')}: {self.location_th()}: {self.message_th()}"

    def severity_in(self, lang: str) -> str:
        """'error' or 'warning' in ``lang``."""
        return labels.t(f"severity:{ERROR if self.severity == ERROR else WARNING}", lang)

    def message_in(self, lang: str) -> str:
        """The message in ``lang``: the rule and the value in Thai, the full message in English."""
        return labels.pick(lang, th=self.message_th, en=lambda: self.message)()

    def message_th(self) -> str:
        rule = RULES_TH.get(self.rule, self.rule).format(value=self.value if self.value is not None else "ว่าง")
        return f"{rule}: {self.detail_th}" if self.detail_th else rule

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


RULE, CHECKS, THAI = "rule", "checks", "thai"  # the columns of the list of rules


def rules_frame() -> pl.DataFrame:
    """Every validation rule: its code (as in messages), what it checks, and its Thai text."""
    return pl.DataFrame(
        [{RULE: code, CHECKS: text, THAI: RULES_TH.get(code, "")} for code, text in RULES.items()],
        schema={RULE: pl.String, CHECKS: pl.String, THAI: pl.String},
    )


def issues_frame(issues: list[Issue], lang: str = "en") -> pl.DataFrame:
    """Issues as a table; in Thai the severity and message are Thai (the rule code and location stay)."""
    schema = {
        "severity": pl.String,
        "rule": pl.String,
        "file": pl.String,
        "sheet": pl.String,
        "row": pl.Int64,
        "column": pl.String,
        "value": pl.String,
        "message": pl.String,
    }
    rows = [
        i.as_dict()
        | {"severity": labels.pick(lang, th=i.severity_in("th"), en=i.severity), "message": i.message_in(lang)}
        for i in issues
    ]
    return pl.DataFrame(rows, schema=schema)


class ValidationError(ForecastError):
    """Raised once with every error (and warning) found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__(self.summary())

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    def summary(self) -> str:
        errors = self.errors
        head = f"{len(errors)} error(s), {len(self.issues) - len(errors)} warning(s); nothing was stored."
        return "\n".join([head, *(f"  {i}" for i in self.issues)])


@dataclass
class Checked:
    """Typed tables (with source file and row) and every issue found."""

    tables: dict[str, pl.DataFrame]
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        if self.errors:
            raise ValidationError(self.issues)


# --- helpers -------------------------------------------------------------------
def _flag(
    df: pl.DataFrame,
    mask: pl.Expr,
    rule: str,
    column: str | None,
    message: pl.Expr,
    severity: str = ERROR,
    value: pl.Expr | None = None,
    detail_th: pl.Expr | None = None,
) -> list[Issue]:
    """Issues for the rows of ``df`` where ``mask`` holds, messages built by a Polars expression (and, with
    ``detail_th``, the Thai words for what the message says beyond the rule)."""
    hit = df.lazy().with_columns(mask.fill_null(False).alias("__hit")).filter(pl.col("__hit")).collect()
    if hit.is_empty():
        return []
    if value is None:
        value = (
            pl.lit(None)
            if not column
            else (_money_text(pl.col(column)) if isinstance(df.schema.get(column), pl.Decimal) else pl.col(column))
        )
    shown = hit.head(MAX_PER_RULE).select(
        pl.col(FILE),
        pl.col(SHEET),
        pl.col(ROW),
        message.alias("__m"),
        value.cast(pl.String).alias("__v"),
        (pl.lit(None, pl.String) if detail_th is None else detail_th).alias("__th"),
    )
    out = [
        Issue(severity, rule, r["__m"], r[FILE], r[SHEET], r[ROW], column, r["__v"], r["__th"])
        for r in shown.iter_rows(named=True)
    ]
    if hit.height > MAX_PER_RULE:
        first = hit.row(0, named=True)
        out.append(
            Issue(
                severity,
                rule,
                f"... and {hit.height - MAX_PER_RULE} more rows break the same rule.",
                first[FILE],
                first[SHEET],
                None,
                column,
            )
        )
    return out


def _fmt(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).fill_null("empty")


def _money_text(expr: pl.Expr) -> pl.Expr:
    """An amount as text in messages: four decimals, or up to six where given."""
    return expr.cast(s.MONEY).cast(pl.String).str.replace(r"^(-?\d+\.\d{4}\d*?)0+$", "${1}")


def _m(name: str) -> pl.Expr:
    return _money_text(pl.col(name))


# --- per-table parsing ------------------------------------------------------------
KEY_OK = "__key_ok"  # the row's key parsed: only such rows take part in cross-row rules (no cascades)
REFUSED = "__refused"  # the columns whose cell was refused (reported once, with why): rules reading them skip the row


def _refused(*columns: str) -> pl.Expr:
    """Whether the row's cell of any of ``columns`` was refused: a rule reading it would only repeat that
    message in other words (an empty cell "derived", a sum that "does not add up")."""
    return pl.any_horizontal(pl.col(REFUSED).list.contains(pl.lit(c)) for c in columns)


def _unit_columns(
    frame: pl.DataFrame, table: s.Table, unit: AmountUnit, raw: RawTable, issues: list[Issue]
) -> pl.DataFrame:
    """Money columns given in another unit of the store's currency (``budget_baht``, ``plan_thousand``): the
    decimal point is moved, exactly; a figure that would need more than six decimals is refused later."""
    words = {"unit": 0, "thousand": 3, "million": 6, "billion": 9}
    if unit.currency == "THB":
        words["baht"] = 0
    words[unit.currency.lower()] = 0
    store_exp = {"unit": 0, "thousand": 3, "million": 6, "billion": 9}[unit.scale]
    renames: dict[str, str] = {}
    for col in frame.columns:
        base, _, suffix = col.rpartition("_")
        if base in table.names and table.column(base).kind == "money" and suffix in words:
            if base in frame.columns or base in renames.values():
                issues.append(
                    Issue(
                        ERROR,
                        "duplicate_column",
                        f"`{col}` and `{base}` both give {base}; keep one.",
                        raw.file,
                        raw.sheet,
                        1,
                        col,
                    )
                )
                continue
            shift = words[suffix] - store_exp
            renames[col] = base
            frame = parse.shift_decimal(frame, col, shift)
            issues.append(
                Issue(
                    WARNING,
                    "unit_column",
                    f"`{col}` is read as {base} and converted exactly to the store's unit ({unit.label('en')}).",
                    raw.file,
                    raw.sheet,
                    1,
                    col,
                )
            )
    return frame.rename(renames)


def _parse_table(raw: RawTable, max_amount: float, unit: AmountUnit) -> tuple[pl.DataFrame | None, list[Issue]]:
    """One raw table typed, with its header and cell issues; no table when a column of the template is missing."""
    table = s.TABLES[raw.table]
    issues: list[Issue] = []
    frame = _unit_columns(raw.frame, table, unit, raw, issues)
    present = set(frame.columns) - {ROW}
    # either name column is enough; with neither, one message for both
    names: tuple[str, ...] = s.NAMED.get(table.name, ())
    missing = [
        c.name
        for c in table.columns
        if c.name not in present and not c.optional and not (c.name in names and present & set(names))
    ]
    issues += _store_column_issues(raw, present)
    present -= set(s.STORE_COLUMNS)
    meant, unknown = _unknown_column_issues(raw, table, present, missing, names)
    issues += unknown
    issues += _missing_column_issues(raw, table, missing, meant, names)
    if missing:  # the table is refused: rows without a column of the template are not read
        return None, issues

    frame = frame.with_columns(pl.lit(raw.file).alias(FILE), pl.lit(raw.sheet, dtype=pl.String).alias(SHEET))
    cols = [c for c in table.columns if c.name in present]
    typed = frame.with_columns(
        *(parse.column(frame, c.name, c.kind).cast(c.dtype).alias(c.name) for c in cols),
        *(pl.lit(None, dtype=c.dtype).alias(c.name) for c in table.columns if c.name not in present),
        *(pl.col(c.name).alias(f"__raw_{c.name}") for c in cols),
    )
    given, blank = _unparsed(typed, cols)
    for c in cols:
        if given[c.name] or blank[c.name]:  # only cells that did not parse can break these rules
            empty = typed.filter(pl.col(c.name).is_null())
            issues += _cell_type_issues(empty, c) if given[c.name] else []
            issues += _required_issues(empty, c) if blank[c.name] else []
        if c.kind == "money":
            typed, amounts = _amount_issues(typed, c, max_amount)
            issues += amounts
    issues += _name_issues(typed, table, present)
    return _typed_table(typed, table, cols), issues


def _unparsed(typed: pl.DataFrame, cols: list[s.Column]) -> tuple[dict[str, int], dict[str, int]]:
    """Per column, how many cells were given but did not parse, and how many are empty: one query for all."""
    if not cols:
        return {}, {}
    null = {c.name: (pl.col(c.name).is_null(), parse.is_none(pl.col(f"__raw_{c.name}"))) for c in cols}
    row = typed.select(
        *((n & ~none).sum().alias(f"given:{name}") for name, (n, none) in null.items()),
        *((n & none).sum().alias(f"blank:{name}") for name, (n, none) in null.items()),
    ).row(0, named=True)
    return {c.name: row[f"given:{c.name}"] for c in cols}, {c.name: row[f"blank:{c.name}"] for c in cols}


def _store_column_issues(raw: RawTable, present: set[str]) -> list[Issue]:
    """A warning per column the store writes itself (in exports): it is ignored on input."""
    return [
        Issue(
            WARNING,
            "store_column",
            f"column `{name}` is written by the store (in exports); it is ignored on input.",
            raw.file,
            raw.sheet,
            1,
            name,
        )
        for name in sorted(present & set(s.STORE_COLUMNS))
    ]


def _unknown_column_issues(
    raw: RawTable, table: s.Table, present: set[str], missing: list[str], names: tuple[str, ...]
) -> tuple[set[str], list[Issue]]:
    """An error per column not in the template, and the missing columns it was likely meant as."""
    issues: list[Issue] = []
    meant: set[str] = set()  # missing columns given under another name: reported once, at that name
    for name in sorted(present - set(table.names)):
        near = difflib.get_close_matches(name, table.names, n=1, cutoff=0.75)
        if near and near[0] in missing and near[0] not in meant:
            meant |= set(names) if near[0] in names else {near[0]}
            issues.append(
                Issue(
                    ERROR,
                    "unknown_column",
                    f"unknown column `{name}`: is it `{near[0]}`, which is missing? Rename it in the header row.",
                    raw.file,
                    raw.sheet,
                    1,
                    name,
                )
            )
            continue
        hint = f" Did you mean `{near[0]}`?" if near else f" Columns of {table.name}: {', '.join(table.names)}."
        issues.append(Issue(ERROR, "unknown_column", f"unknown column `{name}`.{hint}", raw.file, raw.sheet, 1, name))
    return meant, issues


def _missing_column_issues(
    raw: RawTable, table: s.Table, missing: list[str], meant: set[str], names: tuple[str, ...]
) -> list[Issue]:
    """An error per missing column not reported at an unknown one; one for both name columns."""
    issues: list[Issue] = []
    for col in missing:
        if col in meant or (col in names and col != names[0]):
            continue
        if col in names:
            issues.append(
                Issue(
                    ERROR,
                    "name_column",
                    f"missing column `{names[0]}` or `{names[1]}`: a name in Thai "
                    "or English is required, either column is enough — add one to the header row.",
                    raw.file,
                    raw.sheet,
                    1,
                    col,
                )
            )
            continue
        issues.append(
            Issue(
                ERROR,
                "missing_column",
                f"missing column `{col}` ({table.column(col).doc_en}) — add it to the header row.",
                raw.file,
                raw.sheet,
                1,
                col,
            )
        )
    return issues


def _cell_type_issues(empty: pl.DataFrame, c: s.Column) -> list[Issue]:
    """The cells of column ``c`` that do not parse as its type (or vocabulary), with why where known."""
    raw_col = pl.col(f"__raw_{c.name}")
    rule = f"unknown_{c.kind}" if c.kind in s.VOCABULARIES else "type"
    expected = pl.format(f"must be {parse.EXPECTED[c.kind]}; got '{{}}'.", raw_col)
    expected_th = pl.lit(parse.expected(c.kind, "th")) if rule == "type" else None  # vocabularies: the rule says
    why = why_th = None
    if c.kind in parse.PROBLEMS:
        why, why_th = (parse.PROBLEMS[c.kind](raw_col, lang) for lang in ("en", "th"))
    issues: list[Issue] = []
    keep = ~parse.is_none(raw_col)
    if c.kind == "id":  # an id in two scripts or with a look-alike: its own rule, the characters named
        bad = parse.identifier_problem(raw_col)
        issues += _flag(
            empty,
            bad.is_not_null(),
            "confusable_id",
            c.name,
            pl.format("got '{}': {}.", raw_col, bad),
            value=raw_col,
        )
        keep = keep & bad.is_null()
    if why is not None and why_th is not None:
        expected = pl.when(why.is_not_null()).then(pl.format("got '{}': {}.", raw_col, why)).otherwise(expected)
        expected_th = pl.when(why_th.is_not_null()).then(why_th).otherwise(expected_th)
    return issues + _flag(empty, keep, rule, c.name, expected, value=raw_col, detail_th=expected_th)


def _required_issues(empty: pl.DataFrame, c: s.Column) -> list[Issue]:
    """The empty cells of a required column ``c``."""
    if not c.required:
        return []
    raw_col = pl.col(f"__raw_{c.name}")
    return _flag(
        empty,
        parse.is_none(raw_col),
        "required",
        c.name,
        pl.lit(f"is required ({c.doc_en}); the cell is empty."),
        value=raw_col,
    )


def _amount_issues(typed: pl.DataFrame, c: s.Column, max_amount: float) -> tuple[pl.DataFrame, list[Issue]]:
    """The amounts of money column ``c`` beyond ``max_amount``, reported and emptied."""
    raw_col = pl.col(f"__raw_{c.name}")
    big = pl.col(c.name).cast(pl.Float64).abs() > max_amount
    issues = _flag(
        typed,
        big,
        "implausible_amount",
        c.name,
        pl.format(
            f"{{}} is beyond {max_amount:,.0f}, the largest plausible amount in the "
            "store's unit; check the unit (a figure in baht where million baht is "
            "expected?).",
            raw_col,
        ),
        value=raw_col,
    )
    return typed.with_columns(pl.when(big).then(None).otherwise(pl.col(c.name)).alias(c.name)), issues


def _name_issues(typed: pl.DataFrame, table: s.Table, present: set[str]) -> list[Issue]:
    """The rows of a named table with neither name given."""
    if table.name not in s.NAMED:
        return []
    th, en = s.NAMED[table.name]
    return _flag(
        typed,
        pl.col(th).is_null()
        & pl.col(en).is_null()
        & parse.is_none(pl.col(f"__raw_{th}") if th in present else pl.lit(None))
        & parse.is_none(pl.col(f"__raw_{en}") if en in present else pl.lit(None)),
        "name_required",
        th,
        pl.lit(f"a name is required: give {th} or {en}."),
    )


def _typed_table(typed: pl.DataFrame, table: s.Table, cols: list[s.Column]) -> pl.DataFrame:
    """The typed table with its defaults, which cells were refused, and whether its key parsed."""
    refused = [
        pl.when(pl.col(c.name).is_null() & ~parse.is_none(pl.col(f"__raw_{c.name}"))).then(pl.lit(c.name)) for c in cols
    ]
    typed = typed.with_columns(
        (pl.concat_list(refused).list.drop_nulls() if refused else pl.lit([], pl.List(pl.String))).alias(REFUSED)
    )
    return typed.with_columns(
        *(pl.col(c.name).fill_null(pl.lit(c.default).cast(c.dtype)) for c in table.columns if c.default is not None),
        pl.all_horizontal([pl.col(k).is_not_null() for k in table.key]).alias(KEY_OK),
    ).select(*table.names, FILE, SHEET, ROW, KEY_OK, REFUSED)


# --- rules ------------------------------------------------------------------------
def era_ok(cal: FiscalCalendar) -> pl.Expr:
    lo, hi = (2400, 2800) if cal.era == "BE" else (1900, 2300)
    return pl.col(s.FISCAL_YEAR).is_between(lo, hi)


def _era_rule(df: pl.DataFrame, cal: FiscalCalendar) -> list[Issue]:
    lo, hi = (2400, 2800) if cal.era == "BE" else (1900, 2300)
    fy = pl.col(s.FISCAL_YEAR)
    other = fy + 543 if cal.era == "BE" else fy - 543
    two = fy.is_between(0, 99)
    issues = _flag(
        df,
        two,
        "fiscal_year_era",
        s.FISCAL_YEAR,
        pl.format(
            "a two-digit year is ambiguous: 25{} (B.E.) or 20{} (C.E.)? Write the year in full "
            f"(this store counts in {cal.era}).",
            fy.cast(pl.String).str.zfill(2),
            fy.cast(pl.String).str.zfill(2),
        ),
    )
    return issues + _flag(
        df,
        ~two & ~era_ok(cal),
        "fiscal_year_era",
        s.FISCAL_YEAR,
        pl.format(
            f"must be a {cal.era} year ({lo}-{hi}) as this store is set to {cal.era}; got {{}} (did you mean {{}}?).",
            fy,
            other,
        ),
    )


def _quarter_rule(df: pl.DataFrame) -> list[Issue]:
    q = pl.col(s.QUARTER)
    return _flag(df, ~q.is_between(1, 4), "quarter_range", s.QUARTER, pl.format("must be 1-4, got {}.", q))


def _as_of_rules(df: pl.DataFrame, cal: FiscalCalendar) -> list[Issue]:
    start, end = cal.year_bounds_expr(pl.col(s.FISCAL_YEAR))
    issues = _flag(
        df,
        ~pl.col(s.AS_OF).is_between(start, end),
        "as_of_range",
        s.AS_OF,
        pl.format(
            "{} is outside fiscal year {} ({} to {}); a report is dated within its year.",
            pl.col(s.AS_OF),
            pl.col(s.FISCAL_YEAR),
            start,
            end,
        ),
    )
    if s.QUARTER in df.columns:
        q_start = cal.quarter_start_expr(pl.col(s.FISCAL_YEAR), pl.col(s.QUARTER))
        has = (
            pl.any_horizontal(pl.col(c).is_not_null() for c in s.ACTUALS)
            if s.SPEND in df.columns
            else pl.col(s.VALUE).is_not_null()
        )
        issues += _flag(
            df,
            pl.col(s.QUARTER).is_between(1, 4) & has & (q_start > pl.col(s.AS_OF)),
            "future_actuals",
            s.QUARTER,
            pl.format(
                "results for Q{} (which starts {}) cannot be in a report as of {}; "
                "leave them empty until the quarter is reported.",
                pl.col(s.QUARTER),
                q_start,
                pl.col(s.AS_OF),
            ),
        )
    return issues


def _where(file: pl.Expr, sheet: pl.Expr, row: pl.Expr) -> pl.Expr:
    """'finance.csv, row 12' or 'book.xlsx, sheet 'finance', row 12'."""
    return (
        pl.when(sheet.is_null())
        .then(pl.format("{}, row {}", file, row))
        .otherwise(pl.format("{}, sheet '{}', row {}", file, sheet, row))
    )


def _duplicate_rule(df: pl.DataFrame, table: s.Table) -> list[Issue]:
    """Two rows with one key, in one file or across files and sheets: reported with both places."""
    key = table.record_key
    ok = df.filter(pl.col(KEY_OK))
    first = pl.struct(FILE, SHEET, ROW).first().over(key, order_by=[FILE, SHEET, ROW])
    dup = ok.with_columns(first.alias("__first"), pl.len().over(key).alias("__n"))
    f = pl.col("__first")
    same = (
        (f.struct.field(FILE) == pl.col(FILE))
        & (f.struct.field(ROW) == pl.col(ROW))
        & f.struct.field(SHEET).eq_missing(pl.col(SHEET))
    )
    return _flag(
        dup,
        (pl.col("__n") > 1) & ~same,
        "duplicate_key",
        None,
        pl.format(
            "duplicate key ({}): the same record as {}; keep one row per " + ", ".join(key) + ".",
            pl.concat_str([_fmt(pl.col(k)) for k in key], separator=", "),
            _where(f.struct.field(FILE), f.struct.field(SHEET), f.struct.field(ROW)),
        ),
    )


def _unsure(df: pl.DataFrame, key: list[str], cal: FiscalCalendar) -> pl.DataFrame:
    """The rows of an uploaded table whose key did not parse, with the parts of it that did (the others
    null): a row of another table that matches those parts may have meant one of them."""
    bad = df.filter(~pl.col(KEY_OK))
    if s.FISCAL_YEAR in key:
        bad = bad.with_columns(pl.when(era_ok(cal)).then(pl.col(s.FISCAL_YEAR)).alias(s.FISCAL_YEAR))
    return bad.select(key).unique()


def _reference_rule(
    df: pl.DataFrame, known: pl.DataFrame, key: list[str], rule: str, what: str, unsure: pl.DataFrame | None = None
) -> list[Issue]:
    """Rows referring to a record that is not in ``known``; not those that may refer to a row of
    ``unsure`` (a row whose key is itself reported as bad: the problem is shown once, there)."""
    missing = df.filter(pl.col(KEY_OK)).join(known.select(key).unique(), on=key, how="anti", nulls_equal=True)
    if unsure is not None and not unsure.is_empty() and not missing.is_empty():
        for parsed in unsure.select(pl.col(k).is_not_null() for k in key).unique().iter_rows():
            on = [k for k, ok in zip(key, parsed, strict=True) if ok]
            if not on:  # nothing of the key parsed: any row may have meant it
                return []
            rows = unsure.filter(
                pl.all_horizontal(pl.col(k).is_not_null() == ok for k, ok in zip(key, parsed, strict=True))
            )
            missing = missing.join(rows.select(on), on=on, how="anti")
    return _flag(
        missing,
        pl.lit(True),
        rule,
        key[-1],
        pl.format(
            f"{what} ({{}}) is not in {'kpis' if rule == 'unknown_kpi' else 'projects'}; "
            "add it there first (in this upload or an earlier one).",
            pl.concat_str([_fmt(pl.col(k)) for k in key], separator=", "),
        ),
    )


EPOCH = dt.date(1, 1, 1)  # a projects row without as_of holds from the start of its fiscal year


TOL = s.MONEY_TOLERANCE + 1e-9  # money rules: a difference within the tolerance is none
# the columns a view sums: a group with a refused cell in one of them is not judged on that sum
SUMMED = list(dict.fromkeys([s.PLAN, s.DISBURSED, *s.CUM_REPORTED, *s.CUM_REPORTED.values()]))
VIEW_KEY = [s.FISCAL_YEAR, s.PROJECT_ID]
VIEW_GROUP = [*VIEW_KEY, "__view"]  # one project-year as of one report date of the upload


def _finance_rules(df: pl.DataFrame, known: pl.DataFrame, projects: pl.DataFrame) -> list[Issue]:
    """Row rules on the upload; cumulative and plan rules on the store's view merged with the upload.

    For every project and report date in the upload, the view is what the store would hold as of that
    date after the ingest: each quarter's latest figure dated on or before it, from the upload or the store.
    """
    issues = [i for rule in FINANCE_ROW_RULES for i in rule(df)]
    up = df.filter(pl.col(KEY_OK) & pl.col(s.QUARTER).is_between(1, 4))
    if up.is_empty():
        return issues
    view = _cumulated(_with_budget(_finance_view(up, known), projects))
    return issues + [i for rule in FINANCE_VIEW_RULES for i in rule(view)]


def _negative_plan_rule(df: pl.DataFrame) -> list[Issue]:
    """A negative quarterly plan: a downward revision, kept with a warning."""
    return _flag(
        df,
        pl.col(s.PLAN) < 0,
        "negative_plan_flow",
        s.PLAN,
        pl.format(
            "the plan for Q{} is negative ({}): a downward revision of the cumulative plan? Kept as given.",
            pl.col(s.QUARTER),
            _m(s.PLAN),
        ),
        WARNING,
    )


def _negative_flow_rule(df: pl.DataFrame) -> list[Issue]:
    """A negative quarterly disbursement: a refund, kept with a warning."""
    return _flag(
        df,
        pl.col(s.DISBURSED) < 0,
        "negative_flow",
        s.DISBURSED,
        pl.format("disbursed in Q{} is negative ({}); check it is a refund.", pl.col(s.QUARTER), _m(s.DISBURSED)),
        WARNING,
    )


def _actuals_incomplete_rule(df: pl.DataFrame) -> list[Issue]:
    """Committed or spend given without disbursed (nothing to derive it from)."""
    d, c, sp = (pl.col(x) for x in s.ACTUALS)
    return _flag(
        df,
        d.is_null() & (c.is_not_null() ^ sp.is_not_null()) & ~_refused(*s.ACTUALS),
        "actuals_incomplete",
        None,
        pl.lit(
            "give disbursed: committed and spend may be left empty where commitments are not "
            "reported, but not disbursed (spend = disbursed + committed)."
        ),
    )


def _spend_identity_rule(df: pl.DataFrame) -> list[Issue]:
    """Spend that is not disbursed + committed."""
    d, c, sp = (pl.col(x) for x in s.ACTUALS)
    return _flag(
        df,
        (sp - d - c).cast(pl.Float64).abs() > TOL,
        "spend_identity",
        s.SPEND,
        pl.format(
            f"spend {{}} must equal disbursed {{}} + committed {{}} (= {{}}), within {s.MONEY_TOLERANCE}.",
            _m(s.SPEND),
            _m(s.DISBURSED),
            _m(s.COMMITTED),
            _money_text(d + c),
        ),
    )


FINANCE_ROW_RULES = (_negative_plan_rule, _negative_flow_rule, _actuals_incomplete_rule, _spend_identity_rule)


def _finance_view(up: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """Each quarter's latest figure dated on or before each report date of the upload ``up``, from the upload or
    the store (the upload wins); the upload's own rows only at their own date."""
    k = VIEW_KEY
    cols = [*k, s.QUARTER, s.AS_OF, s.PLAN, *s.ACTUALS, *s.CUM_REPORTED.values()]
    mine = up.select(
        *cols, FILE, SHEET, ROW, pl.lit(True).alias("__mine"), *(_refused(c).alias(f"__bad_{c}") for c in SUMMED)
    )
    store_rows = known.join(up.select(k).unique(), on=k, how="semi").select(
        *cols,
        pl.lit(None, pl.String).alias(FILE),
        pl.lit(None, pl.String).alias(SHEET),
        pl.lit(None, pl.Int64).alias(ROW),
        pl.lit(False).alias("__mine"),
        *(pl.lit(False).alias(f"__bad_{c}") for c in SUMMED),
    )
    merged = pl.concat([store_rows, mine], how="vertical_relaxed").unique(
        [*k, s.QUARTER, s.AS_OF], keep="last", maintain_order=True
    )  # the upload wins
    # an as-of join: one row per project-year, date and quarter, rather than every stored row per date
    dates = up.select(*k, pl.col(s.AS_OF).alias("__view")).unique()
    quarters = pl.DataFrame({s.QUARTER: list(s.QUARTERS)}, schema={s.QUARTER: up.schema[s.QUARTER]})
    return (
        dates.join(quarters, how="cross")
        .sort("__view")
        .join_asof(
            merged.sort(s.AS_OF),
            left_on="__view",
            right_on=s.AS_OF,
            by=[*k, s.QUARTER],
            strategy="backward",
            check_sortedness=False,
        )
        .filter(pl.col(s.AS_OF).is_not_null())
        # the upload's own rows are judged at their own date
        .filter(~pl.col("__mine") | (pl.col(s.AS_OF) == pl.col("__view")))
    )


def _with_budget(view: pl.DataFrame, projects: pl.DataFrame) -> pl.DataFrame:
    """The view with the budget in force at its date."""
    k = VIEW_KEY
    budgets = (
        projects.select(*k, pl.col(s.AS_OF).fill_null(EPOCH).alias("__p_as_of"), s.BUDGET)
        .unique([*k, "__p_as_of"], keep="last", maintain_order=True)
        .sort("__p_as_of")
    )
    return view.join_asof(
        budgets, left_on="__view", right_on="__p_as_of", by=k, strategy="backward", check_sortedness=False
    ).drop("__p_as_of")


def _cumulated(view: pl.DataFrame) -> pl.DataFrame:
    """The view in quarter order with its totals and cumulative sums per project-year and date."""
    group = VIEW_GROUP
    return view.sort([*group, s.QUARTER]).with_columns(
        pl.col(s.PLAN).sum().over(group).alias("__plan_total"),
        pl.col(s.QUARTER).n_unique().over(group).alias("__nq"),
        pl.col(s.PLAN).cum_sum().over(group).alias("__plan_cum"),
        pl.col(s.DISBURSED).cum_sum().over(group).alias("__disb_cum"),
        (pl.col(s.QUARTER).cast(pl.Int32).cum_count().over(group) == pl.col(s.QUARTER).cast(pl.Int32)).alias(
            "__contiguous"
        ),
        *(pl.col(x).cum_sum().over(group).alias(f"__cum_{x}") for x in s.CUM_REPORTED),
        pl.col("__mine").any().over(group).alias("__group_mine"),
        *(pl.col(f"__bad_{c}").any().over(group).alias(f"__bad_{c}") for c in SUMMED),
    )


def _plan_sum_rule(g: pl.DataFrame) -> list[Issue]:
    """Four quarterly plans that do not sum to the budget in force; shown once, on the upload's last row."""
    last_mine = pl.col(ROW) == pl.col(ROW).filter(pl.col("__mine")).last().over(VIEW_GROUP, order_by=s.QUARTER)
    return _flag(
        g,
        pl.col("__mine")
        & last_mine
        & pl.col(s.BUDGET).is_not_null()
        & ~pl.col(f"__bad_{s.PLAN}")
        & (pl.col("__nq") == 4)
        & ((pl.col("__plan_total") - pl.col(s.BUDGET)).cast(pl.Float64).abs() > TOL),
        "plan_sum",
        s.PLAN,
        pl.format(
            "the four quarterly plans of {} as of {} sum to {}, but the budget in force then is "
            f"{{}}; they must agree within {s.MONEY_TOLERANCE} (a revised budget is a new "
            "projects row with its as_of).",
            pl.col(s.PROJECT_ID),
            pl.col("__view"),
            _m("__plan_total"),
            _m(s.BUDGET),
        ),
    )


def _plan_over_budget_rule(g: pl.DataFrame) -> list[Issue]:
    """A plan to date, of fewer than four quarters, above the budget in force."""
    return _flag(
        g,
        pl.col("__mine")
        & pl.col(s.BUDGET).is_not_null()
        & ~pl.col(f"__bad_{s.PLAN}")
        & (pl.col("__nq") < 4)
        & ((pl.col("__plan_cum") - pl.col(s.BUDGET)).cast(pl.Float64) > TOL),
        "plan_over_budget",
        s.PLAN,
        pl.format(
            "the plan to Q{} ({}) exceeds the budget {} in force on {}.",
            pl.col(s.QUARTER),
            _m("__plan_cum"),
            _m(s.BUDGET),
            pl.col("__view"),
        ),
    )


def _cumulative_negative_rule(g: pl.DataFrame) -> list[Issue]:
    """Cumulative disbursement below zero."""
    return _flag(
        g,
        pl.col("__mine") & ~pl.col(f"__bad_{s.DISBURSED}") & (pl.col("__disb_cum").cast(pl.Float64) < -TOL),
        "cumulative_negative",
        s.DISBURSED,
        pl.format(
            "cumulative disbursed to Q{} is {} (this report's figures with those stored before "
            "it); it cannot be below 0.",
            pl.col(s.QUARTER),
            _m("__disb_cum"),
        ),
    )


def _cumulative_over_budget_rule(g: pl.DataFrame) -> list[Issue]:
    """Cumulative disbursement above the budget in force: a warning (budget transferred in?)."""
    return _flag(
        g,
        pl.col("__mine")
        & pl.col(s.BUDGET).is_not_null()
        & ~pl.col(f"__bad_{s.DISBURSED}")
        & ((pl.col("__disb_cum") - pl.col(s.BUDGET)).cast(pl.Float64) > TOL),
        "cumulative_over_budget",
        s.DISBURSED,
        pl.format(
            "cumulative disbursed to Q{} ({}) is above the budget {}; fine if budget was "
            "transferred in, otherwise check the figures.",
            pl.col(s.QUARTER),
            _m("__disb_cum"),
            _m(s.BUDGET),
        ),
        WARNING,
    )


def _reported_cumulative_rules(g: pl.DataFrame) -> list[Issue]:
    """Printed cumulatives that differ from the sum of their quarterly flows, one rule per printed column."""
    issues: list[Issue] = []
    for flow, printed in s.CUM_REPORTED.items():
        issues += _flag(
            g,
            pl.col("__mine")
            & pl.col("__contiguous")
            & ~pl.col(f"__bad_{flow}")
            & ~pl.col(f"__bad_{printed}")
            & pl.col(printed).is_not_null()
            & ((pl.col(printed) - pl.col(f"__cum_{flow}")).cast(pl.Float64).abs() > TOL),
            "reported_cumulative",
            printed,
            pl.format(
                f"printed cumulative {{}} differs from the sum of quarterly {flow} to Q{{}} "
                f"({{}}); both are kept, check which is right.",
                _m(printed),
                pl.col(s.QUARTER),
                _m(f"__cum_{flow}"),
            ),
            WARNING,
        )
    return issues


FINANCE_VIEW_RULES = (
    _plan_sum_rule,
    _plan_over_budget_rule,
    _cumulative_negative_rule,
    _cumulative_over_budget_rule,
    _reported_cumulative_rules,
)


def _budget_rules(upload: pl.DataFrame, projects: pl.DataFrame, finance: pl.DataFrame) -> list[Issue]:
    """A budget given in the upload (a revision, most often) below what the store says the project had already
    disbursed while it is in force: at its own date and at every stored report after it until the next revision. A warning, not an
    error: real histories hold budgets cut or closed after payments, and the figures are the agency's as
    reported; the ranking then names it as a reason (``decisions.risk``, ``over_budget``), so that a project
    with "730% of its budget disbursed" is not read as safe without a word. A budget of 0 is a closed line,
    treated on its own (no disbursement target)."""
    tol = s.MONEY_TOLERANCE + 1e-9
    k = [s.FISCAL_YEAR, s.PROJECT_ID]
    up = upload.filter(pl.col(KEY_OK) & (pl.col(s.BUDGET).cast(pl.Float64) > 0)).with_columns(
        pl.col(s.AS_OF).fill_null(EPOCH).alias("__from")
    )
    fin = finance.join(up.select(k).unique(), on=k, how="semi").filter(pl.col(s.QUARTER).is_between(1, 4))
    if up.is_empty() or fin.is_empty():
        return []
    rows = up.select(*k, "__from", s.BUDGET, FILE, SHEET, ROW)
    later = rows.join(fin.select(*k, pl.col(s.AS_OF).alias("__view")).unique(), on=k).filter(
        pl.col("__view") >= pl.col("__from")
    )
    views = pl.concat([rows.with_columns(pl.col("__from").alias("__view")), later], how="vertical_relaxed")
    budgets = projects.select(*k, pl.col(s.AS_OF).fill_null(EPOCH).alias("__in_force")).unique().sort("__in_force")
    views = (
        views.sort("__view")
        .join_asof(budgets, left_on="__view", right_on="__in_force", by=k, strategy="backward", check_sortedness=False)
        .filter(pl.col("__in_force") == pl.col("__from"))  # this row's budget is the one in force then
    )
    quarters = pl.DataFrame({s.QUARTER: list(s.QUARTERS)}, schema={s.QUARTER: fin.schema[s.QUARTER]})
    cum = (
        views.select(*k, "__view")
        .unique()
        .join(quarters, how="cross")
        .sort("__view")
        .join_asof(
            fin.select(*k, s.QUARTER, s.AS_OF, s.DISBURSED).sort(s.AS_OF),
            left_on="__view",
            right_on=s.AS_OF,
            by=[*k, s.QUARTER],
            strategy="backward",
            check_sortedness=False,
        )
        .group_by([*k, "__view"])
        .agg(
            pl.col(s.DISBURSED).sum().alias("__disbursed"),
            pl.col(s.QUARTER).filter(pl.col(s.DISBURSED).is_not_null()).max().alias("__q"),
        )
    )
    hit = (
        views.join(cum, on=[*k, "__view"])
        .filter((pl.col("__disbursed") - pl.col(s.BUDGET)).cast(pl.Float64) > tol)
        .sort("__view")
        .unique([FILE, SHEET, ROW], keep="first", maintain_order=True)
        .sort(ROW)
    )
    return _flag(
        hit,
        pl.lit(True),
        "budget_below_disbursed",
        s.BUDGET,
        pl.format(
            "the budget {} of {} is below the {} it had already disbursed to Q{} as of {}; kept as given, and the "
            "ranking names it as a reason. Check the budget (a cut or a revision in another unit?) or the "
            "disbursements.",
            _m(s.BUDGET),
            pl.col(s.PROJECT_ID),
            _m("__disbursed"),
            pl.col("__q"),
            pl.col("__view"),
        ),
        WARNING,
    )


def _complete_actuals(df: pl.DataFrame) -> tuple[pl.DataFrame, list[Issue]]:
    """Derive the one missing of disbursed, committed, spend from the other two (with a warning); a cell
    that was given but refused is not "missing": nothing is derived in its row."""
    d, c, sp = (pl.col(x) for x in s.ACTUALS)
    given = ~_refused(*s.ACTUALS)
    derive = {
        s.DISBURSED: (given & d.is_null() & c.is_not_null() & sp.is_not_null(), sp - c),
        s.COMMITTED: (given & c.is_null() & d.is_not_null() & sp.is_not_null(), sp - d),
        s.SPEND: (given & sp.is_null() & d.is_not_null() & c.is_not_null(), d + c),
    }
    issues: list[Issue] = []
    for col, (mask, expr) in derive.items():
        how = {lang: parse.say(f"derived_{col}", lang, value=_money_text(expr)) for lang in ("en", "th")}
        issues += _flag(df, mask, "derived", col, pl.format("empty; {}.", how["en"]), WARNING, detail_th=how["th"])
    df = df.with_columns(
        *(
            pl.when(mask).then(expr.cast(s.MONEY)).otherwise(pl.col(col)).alias(col)
            for col, (mask, expr) in derive.items()
        )
    )
    return df, issues


def _commitments_rule(df: pl.DataFrame, known: pl.DataFrame) -> list[Issue]:
    """Disbursements without commitments (nor spend) for a quarter, in a fiscal year whose other figures give
    commitments: spend to date would count that quarter's commitments as 0. One warning per file, quarter and
    report date, naming the projects (an agency that reports no commitments at all is not warned: its outputs
    say "commitments not reported")."""
    years = pl.concat([known.select(s.FISCAL_YEAR, s.COMMITTED), df.select(s.FISCAL_YEAR, s.COMMITTED)]).filter(
        pl.col(s.COMMITTED).is_not_null()
    )[s.FISCAL_YEAR]
    gaps = df.filter(
        pl.col(KEY_OK)
        & pl.col(s.FISCAL_YEAR).is_in(years.unique().implode())
        & pl.col(s.DISBURSED).is_not_null()
        & pl.col(s.COMMITTED).is_null()
        & pl.col(s.SPEND).is_null()
    )
    if gaps.is_empty():
        return []
    by = [FILE, SHEET, s.FISCAL_YEAR, s.QUARTER, s.AS_OF]
    groups = (
        gaps.sort(ROW)
        .group_by(by, maintain_order=True)
        .agg(pl.col(ROW).first(), pl.col(s.PROJECT_ID).unique(maintain_order=True).alias("__ids"))
    )
    return _flag(
        groups,
        pl.lit(True),
        "commitments_missing",
        s.COMMITTED,
        pl.format(
            "Q{} of the report of {} gives disbursed but no committed (nor spend) for {} project(s) ({}), while "
            "fiscal year {} reports commitments elsewhere: spend to date will count Q{}'s commitments as 0 and "
            "outputs say 'commitments not reported for Q{}'. Give committed (or spend) for Q{} if it is known.",
            pl.col(s.QUARTER),
            pl.col(s.AS_OF),
            pl.col("__ids").list.len(),
            pl.col("__ids").list.head(5).list.join(", ")
            + pl.when(pl.col("__ids").list.len() > 5).then(pl.lit(", ...")).otherwise(pl.lit("")),
            pl.col(s.FISCAL_YEAR),
            pl.col(s.QUARTER),
            pl.col(s.QUARTER),
            pl.col(s.QUARTER),
        ),
        WARNING,
        value=pl.lit(None, pl.String),
    )


def _target_rules(df: pl.DataFrame) -> list[Issue]:
    """Targets are shares of the budget; a quarterly curve is cumulative, so it never decreases."""
    issues = _flag(
        df,
        ~pl.col(s.YEAR_END).is_between(0, 1, closed="right"),
        "target_range",
        s.YEAR_END,
        pl.format("the year-end target is a share of the budget in (0, 1], e.g. 0.93; got {}.", pl.col(s.YEAR_END)),
    )
    for q in s.QUARTER_TARGETS:
        issues += _flag(
            df,
            ~pl.col(q).is_between(0, 1),
            "target_range",
            q,
            pl.format("a quarterly target is a share of the budget in [0, 1]; got {}.", pl.col(q)),
        )
    levels = pl.concat_list([pl.col(q) for q in s.QUARTER_TARGETS]).list.drop_nulls()
    issues += _flag(
        df,
        levels.list.diff().list.min() < 0,
        "target_order",
        s.QUARTER_TARGETS[0],
        pl.lit("the quarterly targets are cumulative: each is at least the one before it."),
    )
    issues += _flag(
        df,
        pl.col(s.QUARTER_TARGETS[3]).is_not_null() & ((pl.col(s.QUARTER_TARGETS[3]) - pl.col(s.YEAR_END)).abs() > 1e-9),
        "target_order",
        s.QUARTER_TARGETS[3],
        pl.format(
            "the Q4 target ({}) is the year-end target ({}); give them alike.",
            pl.col(s.QUARTER_TARGETS[3]),
            pl.col(s.YEAR_END),
        ),
    )
    return issues


def _kpi_rules(df: pl.DataFrame) -> list[Issue]:
    """The rules of the kpis table, on its rows with the measure filled (given, else inferred)."""
    df = measure.with_measure(df)
    return [i for rule in KPI_RULES for i in rule(df)]


def _tier_order_rules(df: pl.DataFrame) -> list[Issue]:
    """Tier thresholds that do not increase (or, where lower is better, decrease), pair by pair."""
    tiers = [pl.col(t) for t in s.TIERS.values()]
    issues: list[Issue] = []
    lower = pl.col(s.COMPARATOR).is_in(list(s.LOWER_IS_BETTER))
    for lo, hi in itertools.pairwise(tiers):
        issues += _flag(
            df,
            ~lower & (lo > hi),
            "tier_order",
            hi.meta.output_name(),
            pl.format("tier thresholds must increase (50 ≤ 75 ≤ 100 points); got {} after {}.", hi, lo),
            WARNING,
        )
        issues += _flag(
            df,
            lower & (lo < hi),
            "tier_order",
            hi.meta.output_name(),
            pl.format(
                "lower is better for this KPI: tier thresholds must decrease (50 ≥ 75 ≥ 100 points); got {} after {}.",
                hi,
                lo,
            ),
            WARNING,
        )
    return issues


def _measure_inferred_rule(df: pl.DataFrame) -> list[Issue]:
    """A KPI whose measure was left empty and is inferred."""
    return _flag(
        df,
        pl.col(measure.MEASURE_INFERRED),
        "measure_inferred",
        s.MEASURE,
        pl.format(
            "measure left empty: inferred as {} from unit {}, target {} and plans (rule in "
            "validate --rules); write it in the measure column to be sure.",
            pl.col(s.MEASURE),
            _fmt(pl.col(s.UNIT)),
            _fmt(pl.col(s.TARGET)),
        ),
        WARNING,
        value=pl.col(s.MEASURE),
    )


def _kpi_plan_sum_rule(df: pl.DataFrame) -> list[Issue]:
    """Quarterly plan increments that do not sum to the target."""
    plans = [pl.col(p) for p in s.PLAN_Q]
    total = pl.sum_horizontal(plans)
    any_plan = pl.any_horizontal(p.is_not_null() for p in plans)
    return _flag(
        df,
        ~pl.col(s.PLAN_IS_CUMULATIVE)
        & any_plan
        & ~_refused(*s.PLAN_Q, s.TARGET)
        & ((total - pl.col(s.TARGET)).abs() > 1e-9 * pl.col(s.TARGET).abs().clip(1)),
        "kpi_plan_sum",
        s.TARGET,
        pl.format(
            "the quarterly plan increments sum to {} but the target is {}; if the plans are "
            "cumulative levels set plan_is_cumulative to true.",
            total,
            pl.col(s.TARGET),
        ),
        WARNING,
    )


def _kpi_plan_decreasing_rule(df: pl.DataFrame) -> list[Issue]:
    """Cumulative plan levels of a cumulative KPI that decrease."""
    levels = pl.concat_list([pl.col(p) for p in s.PLAN_Q]).list.drop_nulls()
    return _flag(
        df,
        pl.col(s.PLAN_IS_CUMULATIVE)
        & (pl.col(s.MEASURE) == s.CUMULATIVE)
        & ~_refused(*s.PLAN_Q)
        & (levels.list.diff().list.min() < 0),
        "kpi_plan_decreasing",
        s.PLAN_Q[0],
        pl.lit("cumulative plan levels decrease from one quarter to the next."),
        WARNING,
    )


def _percent_range_rule(df: pl.DataFrame) -> list[Issue]:
    """A percent target above 100."""
    return _flag(
        df,
        (pl.col(s.UNIT) == "percent") & (pl.col(s.TARGET) > 100),
        "percent_range",
        s.TARGET,
        pl.format("a percent target of {} is above 100.", pl.col(s.TARGET)),
        WARNING,
    )


# tier_order reads no measure: judging it with the measure filled changes nothing
KPI_RULES = (
    _tier_order_rules,
    _measure_inferred_rule,
    _kpi_plan_sum_rule,
    _kpi_plan_decreasing_rule,
    _percent_range_rule,
)


# --- entry point -------------------------------------------------------------------
def check(
    raw: list[RawTable],
    problems: list[FileProblem] | None = None,
    calendar: FiscalCalendar | None = None,
    known: dict[str, pl.DataFrame] | None = None,
    max_amount: float = DEFAULT_MAX_AMOUNT,
    unit: AmountUnit | None = None,
) -> Checked:
    """Validate raw template tables against the rules and against what the store already holds.

    Parameters
    ----------
    raw : tables read by ``templates.read_files``; the list is emptied as they are parsed.
    problems : file-level problems from reading.
    calendar : the store's fiscal calendar (Thai by default).
    known : the store's current tables (latest version of each record), for cross-table checks.
    max_amount : the largest plausible amount in the store's unit; larger ones are refused.
    unit : the store's amount unit (money columns may also be given in another unit, e.g. ``budget_baht``).

    Returns
    -------
    Checked
        Typed tables, one per table found (with source file, sheet and row), and every issue.
    """
    cal = calendar or FiscalCalendar()
    problems = problems or []
    issues = [Issue(p.severity, p.rule, p.message, p.file, p.sheet, p.row, p.column) for p in problems]
    # tables (or sources of them) refused whole: rows of other tables are not checked against them, so that
    # a missing column or an unreadable file is one message, not one more per row that refers to it
    refused = {p.table for p in problems if p.table and p.severity == ERROR}
    tables, found, missing = _parse_tables(raw, max_amount, unit or AmountUnit())
    issues += found
    refused |= missing
    # a cell with a formula but no saved value is reported once: not again as empty, nor its row's sums
    formula_cells = {(p.file, p.sheet, p.row) for p in problems if p.rule == "formula"}
    if formula_cells:
        issues = [
            i for i in issues if i.rule not in ("required", "type") or (i.file, i.sheet, i.row) not in formula_cells
        ]
        tables = _without_formula_keys(tables, formula_cells)
    for name, given in tables.items():
        tables[name], found = _table_rules(name, given, cal)
        issues += found
    upload = _Upload(tables, known or {}, refused, cal)
    issues += _cross_table_rules(upload)
    issues.sort(key=_issue_order)
    return Checked({name: df.drop(KEY_OK, REFUSED) for name, df in upload.tables.items()}, issues)


def _parse_tables(
    raw: list[RawTable], max_amount: float, unit: AmountUnit
) -> tuple[dict[str, pl.DataFrame], list[Issue], set[str]]:
    """Every raw table parsed (``raw`` drained): the typed tables, their issues, and the tables refused."""
    issues: list[Issue] = []
    refused: set[str] = set()
    parts: dict[str, list[pl.DataFrame]] = {}
    while raw:  # drained, so that each table's raw text is freed once parsed (large files)
        r = raw.pop(0)
        typed, found = _parse_table(r, max_amount, unit)
        name = r.table
        del r
        issues += found
        if typed is not None:
            parts.setdefault(name, []).append(typed)
        else:
            refused.add(name)
    return {name: pl.concat(frames, how="vertical") for name, frames in parts.items()}, issues, refused


def _without_formula_keys(
    tables: dict[str, pl.DataFrame], cells: set[tuple[str, str | None, int | None]]
) -> dict[str, pl.DataFrame]:
    """The tables with the rows of formula ``cells`` (file, sheet, row) kept out of the cross-row rules."""
    bad = pl.DataFrame(
        [{"f": f, "s": sh, "r": r} for f, sh, r in cells],
        schema={"f": pl.String, "s": pl.String, "r": pl.Int64},
    )
    out = dict(tables)
    for name, df in tables.items():
        hit = df.join(bad, left_on=[FILE, SHEET, ROW], right_on=["f", "s", "r"], how="semi", nulls_equal=True)
        if hit.height:
            marked = pl.struct(FILE, SHEET, ROW).is_in(hit.select(pl.struct(FILE, SHEET, ROW)).to_series().implode())
            out[name] = df.with_columns((pl.col(KEY_OK) & ~marked).alias(KEY_OK))
    return out


def _table_rules(name: str, given: pl.DataFrame, cal: FiscalCalendar) -> tuple[pl.DataFrame, list[Issue]]:
    """The key rules of one table (era, duplicates, quarter, report date); rows off the era lose their key."""
    table = s.TABLES[name]
    issues = _era_rule(given, cal)
    df = given.with_columns((pl.col(KEY_OK) & era_ok(cal).fill_null(False)).alias(KEY_OK))
    issues += _duplicate_rule(df, table)
    if s.QUARTER in table:
        issues += _quarter_rule(df)
    if table.vintage and name not in s.POLICY_TABLES:
        issues += _as_of_rules(df.filter(pl.col(KEY_OK)), cal)
    return df, issues


@dataclass
class _Upload:
    """The parsed tables of an upload, what the store holds, and which tables were refused whole."""

    tables: dict[str, pl.DataFrame]
    known: dict[str, pl.DataFrame]
    refused: set[str]
    cal: FiscalCalendar

    def current(self, name: str) -> pl.DataFrame:
        """A table as the store would hold it after the ingest (stored rows and the upload's)."""
        t = s.TABLES[name]
        frames = [f.select(t.names) for f in (self.known.get(name), self.tables.get(name)) if f is not None]
        if not frames:
            return s.empty(t)
        # the upload wins over a stored row with the same key and report date
        return pl.concat(frames).unique(t.record_key, keep="last", maintain_order=True)

    def whole(self, name: str) -> bool:
        """Whether every given source of a table was read (rows may be checked against it)."""
        return name not in self.refused and ANY_TABLE not in self.refused

    def unsure(self, name: str) -> pl.DataFrame | None:
        """The uploaded rows of a table whose key did not parse (see ``_unsure``)."""
        return _unsure(self.tables[name], list(s.TABLES[name].key), self.cal) if name in self.tables else None


def _cross_table_rules(upload: _Upload) -> list[Issue]:
    """The rules of each table that read other tables or the store; finance gets its derived actuals."""
    tables = upload.tables
    projects = upload.current("projects")
    issues = _budget_sign_rules(tables["projects"]) if "projects" in tables else []
    issues += _project_reference_rules(upload, projects)
    if "finance" in tables:
        tables["finance"], derived = _complete_actuals(tables["finance"])
        known_finance = upload.known.get("finance", s.empty(s.FINANCE))
        # budgets of a refused projects table are unknown: the rules that need them wait for it
        budgets = projects if upload.whole("projects") else projects.clear()
        issues += derived + _finance_rules(tables["finance"], known_finance.select(s.FINANCE.names), budgets)
        issues += _commitments_rule(tables["finance"], known_finance)
    if "projects" in tables:  # against the disbursements stored before (the upload's own: cumulative_over_budget)
        stored = upload.known.get("finance", s.empty(s.FINANCE)).select(s.FINANCE.names)
        issues += _budget_rules(tables["projects"], projects, stored)
    if "kpis" in tables:
        issues += _kpi_rules(tables["kpis"])
    if "targets" in tables:
        issues += _target_rules(tables["targets"])
    if "kpi_results" in tables and upload.whole("kpis"):
        issues += _reference_rule(
            tables["kpi_results"],
            upload.current("kpis"),
            [s.FISCAL_YEAR, s.PROJECT_ID, s.KPI_ID],
            "unknown_kpi",
            "KPI",
            upload.unsure("kpis"),
        )
    return issues


def _budget_sign_rules(p: pl.DataFrame) -> list[Issue]:
    """A negative budget or budget cut in the projects table."""
    issues = _flag(p, pl.col(s.BUDGET) < 0, "negative", s.BUDGET, pl.format("must be ≥ 0, got {}.", pl.col(s.BUDGET)))
    return issues + _flag(
        p,
        pl.col(s.BUDGET_CUT) < 0,
        "negative",
        s.BUDGET_CUT,
        pl.format("must be ≥ 0 (a cut is written as a positive amount), got {}.", pl.col(s.BUDGET_CUT)),
    )


def _project_reference_rules(upload: _Upload, projects: pl.DataFrame) -> list[Issue]:
    """Rows of finance, kpis and kpi_results that refer to a project not in projects."""
    if not upload.whole("projects"):
        return []
    issues: list[Issue] = []
    for name in ("finance", "kpis", "kpi_results"):
        if name in upload.tables:
            issues += _reference_rule(
                upload.tables[name],
                projects,
                [s.FISCAL_YEAR, s.PROJECT_ID],
                "unknown_project",
                "project",
                upload.unsure("projects"),
            )
    return issues


SEVERITY_ORDER = {ERROR: 0, WARNING: 1}


def _issue_order(i: Issue) -> tuple[int, str, str, int, str]:
    """Errors first, then by file, sheet, row (file-level last) and column."""
    return (
        SEVERITY_ORDER[i.severity],
        i.file or "",
        i.sheet or "",
        1 << 62 if i.row is None else i.row,
        i.column or "",
    )
