"""The data model, declared once.

Every column name, dtype, vocabulary and key used anywhere in the package comes
from this module; other modules import the constants instead of retyping the
strings. Amounts are in the store's unit (million baht by default, see ``units``),
held as ``Decimal(38, 6)``: figures round-trip exactly as given (up to six decimals) and
no realistic total overflows. People see four decimals, as printed in the reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

MONEY_DECIMALS = 6
MONEY = pl.Decimal(38, MONEY_DECIMALS)
DISPLAY_DECIMALS = 4  # as printed in the reports
# Tolerance for identities between printed money figures (in the store's unit).
MONEY_TOLERANCE = 0.0005
ID_MAX = 128
NAME_MAX = 300

# --- column names -----------------------------------------------------------
FISCAL_YEAR = "fiscal_year"
PROJECT_ID = "project_id"
AGENCY = "agency"
NAME_TH = "name_th"
NAME_EN = "name_en"
PLAN_LINE = "plan_line"
OWNER = "owner"
BUDGET = "budget"
BUDGET_CUT = "budget_cut"

QUARTER = "quarter"
AS_OF = "as_of"
PLAN = "plan"
DISBURSED = "disbursed"
COMMITTED = "committed"
SPEND = "spend"
PLAN_CUM_REPORTED = "plan_cum_reported"
DISBURSED_CUM_REPORTED = "disbursed_cum_reported"
COMMITTED_CUM_REPORTED = "committed_cum_reported"
SPEND_CUM_REPORTED = "spend_cum_reported"

KPI_ID = "kpi_id"
SOURCE = "source"
SOURCE_TEXT = "source_text"
UNIT = "unit"
COMPARATOR = "comparator"
TARGET = "target"
PLAN_Q = ("plan_q1", "plan_q2", "plan_q3", "plan_q4")
PLAN_IS_CUMULATIVE = "plan_is_cumulative"
TIER_50 = "tier_50"
TIER_75 = "tier_75"
TIER_100 = "tier_100"
TIERS = {50: TIER_50, 75: TIER_75, 100: TIER_100}
MEASURE = "measure"

VALUE = "value"
STATUS_TEXT = "status_text"

# Columns the store adds to every record (never part of a template file).
VINTAGE = "store_vintage"  # sequence number of the ingest that wrote the row
VALID_FROM = "valid_from"  # report date from which a row holds
SOURCE_FILE = "source_file"  # file (and sheet) a stored row came from
SOURCE_ROW = "source_row"  # its row number there
STORE_COLUMNS = (VINTAGE, VALID_FROM, SOURCE_FILE, SOURCE_ROW)

ACTUALS = (DISBURSED, COMMITTED, SPEND)
CUM_REPORTED = {
    PLAN: PLAN_CUM_REPORTED,
    DISBURSED: DISBURSED_CUM_REPORTED,
    COMMITTED: COMMITTED_CUM_REPORTED,
    SPEND: SPEND_CUM_REPORTED,
}

QUARTERS = (1, 2, 3, 4)


# --- vocabularies ------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """A controlled value with its Thai and English labels and the spellings accepted on input."""

    code: str
    th: str
    en: str
    aliases: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        return (self.code, self.th, self.en, *self.aliases)


UNITS: tuple[Term, ...] = (
    Term("percent", "ร้อยละ", "percent", ("%", "pct", "percentage")),
    Term("person", "ราย", "persons", ("คน", "persons", "people", "case", "cases")),
    Term("time", "ครั้ง", "times", ("times", "visits")),
    Term("item", "เรื่อง", "items", ("items",)),
    Term("service", "บริการ", "services", ("services",)),
    Term("dataset", "ชุดข้อมูล", "datasets", ("ชุด", "datasets")),
    Term("mechanism", "กลไก", "mechanisms", ("กลไก/กระบวนการ", "mechanisms")),
    Term("sector", "ภาคส่วน", "sectors", ("sector", "sectors")),
    Term("domain", "ด้าน", "domains", ("sector/domain", "domains")),
    Term("use_case", "กรณีใช้งาน", "use cases", ("use case", "use cases", "usecase")),
    Term("system", "ระบบ", "systems", ("systems",)),
    Term("organization", "หน่วยงาน", "organizations", ("organizations", "agency", "agencies")),
    Term("mthb", "ล้านบาท", "million baht", ("ลบ.", "million baht", "mthb")),
    Term("score", "คะแนน", "points", ("points",)),
)

COMPARATORS: tuple[Term, ...] = (
    Term(">=", "ไม่น้อยกว่า", "at least", ("อย่างน้อย", "≥", "=>", "at least")),
    Term(">", "มากกว่า", "more than", ("more than",)),
    Term("<=", "ไม่เกิน", "at most", ("ไม่มากกว่า", "≤", "=<", "at most", "no more than")),
    Term("<", "น้อยกว่า", "less than", ("less than", "below")),
)
LOWER_IS_BETTER = ("<=", "<")  # comparators of KPIs whose smaller values are better
STRICT = (">", "<")  # comparators a value equal to the target does not meet

CUMULATIVE, LEVEL, MILESTONE = "cumulative", "level", "milestone"
MEASURES: tuple[Term, ...] = (
    Term(CUMULATIVE, "สะสม", "cumulative", ("count", "sum", "ยอดสะสม", "นับสะสม")),
    Term(LEVEL, "ระดับ", "level", ("rate", "average", "ratio", "index", "อัตรา", "ค่าเฉลี่ย", "ร้อยละ")),
    Term(MILESTONE, "ผลผลิต", "milestone", ("milestones", "deliverable", "deliverables", "ขั้นตอน", "ชิ้นงาน")),
)

KPI_SOURCES: tuple[Term, ...] = (
    Term("budget_bureau", "สำนักงบประมาณ", "Budget Bureau", ("bb", "budget bureau")),
    Term("opdc", "ก.พ.ร.", "OPDC", ("สำนักงาน ก.พ.ร.", "opdc")),
    Term("other", "อื่น ๆ", "other", ("อื่นๆ",)),
)


# --- tables ------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of a template table.

    ``kind`` is how its text is parsed: int, money, number, text, name, id, date,
    bool, or one of the vocabularies (unit, comparator, source).
    ``required`` means each row needs a value; ``optional`` means the column
    itself may be left out of a file.
    """

    name: str
    kind: str
    doc_en: str
    doc_th: str
    required: bool = False
    optional: bool = False
    default: object = None

    @property
    def dtype(self) -> pl.DataType:
        return _DTYPES[self.kind]


_DTYPES: dict[str, pl.DataType] = {
    "int": pl.Int32(),
    "quarter": pl.Int8(),
    "money": MONEY,
    "number": pl.Float64(),
    "text": pl.String(),
    "name": pl.String(),
    "id": pl.String(),
    "date": pl.Date(),
    "bool": pl.Boolean(),
    "unit": pl.String(),
    "comparator": pl.String(),
    "source": pl.String(),
    "measure": pl.String(),
}

VOCABULARIES: dict[str, tuple[Term, ...]] = {
    "unit": UNITS,
    "comparator": COMPARATORS,
    "source": KPI_SOURCES,
    "measure": MEASURES,
}


@dataclass(frozen=True)
class Table:
    """A template table: its columns, the key that identifies a record, and its vintage column."""

    name: str
    doc_en: str
    doc_th: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    vintage: str | None = None
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def record_key(self) -> list[str]:
        """Key of one figure in one report: the key plus the vintage column."""
        return [*self.key, *([self.vintage] if self.vintage else [])]

    @property
    def values(self) -> list[str]:
        return [c.name for c in self.columns if c.name not in self.record_key]

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})


def _fy() -> Column:
    return Column(FISCAL_YEAR, "int", "Fiscal year, in the store's era (B.E. by default, e.g. 2569).",
                  "ปีงบประมาณ (พ.ศ. ตามค่าตั้งต้นของคลังข้อมูล เช่น 2569)", required=True)


def _pid() -> Column:
    return Column(PROJECT_ID, "id", f"Stable project identifier: any text of 1-{ID_MAX} characters without "
                  "control characters or leading/trailing spaces (e.g. etda-digital-id, 44000-P174112).",
                  "รหัสโครงการ (ข้อความ 1-128 ตัวอักษร ไม่มีช่องว่างหน้าหรือท้าย)", required=True)


def _as_of(doc_en: str = "Date of the report vintage (YYYY-MM-DD; B.E. dates are accepted).",
           doc_th: str = "ข้อมูล ณ วันที่ของรายงาน", required: bool = True, optional: bool = False) -> Column:
    return Column(AS_OF, "date", doc_en, doc_th, required=required, optional=optional)


def _money(name: str, en: str, th: str, **kw) -> Column:
    return Column(name, "money", en + " In the store's unit (million baht by default), up to six decimals.",
                  th + " (หน่วยตามคลังข้อมูล ค่าเริ่มต้นล้านบาท)", **kw)


PROJECTS = Table(
    "projects",
    "One row per project and fiscal year: the approved budget and who runs it. A budget revised during the "
    "year is a new row with a later as_of.",
    "โครงการและวงเงินงบประมาณ หนึ่งแถวต่อโครงการต่อปีงบประมาณ (ปรับงบระหว่างปีเป็นแถวใหม่ที่ as_of ใหม่กว่า)",
    (
        _fy(),
        _pid(),
        _as_of(required=False, optional=True,
               doc_en="Date from which this budget holds (a revision); empty or left out: from the start of "
                      "the fiscal year.",
               doc_th="วันที่งบประมาณนี้มีผล (กรณีปรับงบ) ว่างได้"),
        Column(NAME_TH, "name", "Project name in Thai, as printed (give this or name_en).",
               "ชื่อโครงการ (ภาษาไทย)"),
        Column(NAME_EN, "name", "Project name in English (give this or name_th).", "ชื่อโครงการ (ภาษาอังกฤษ)"),
        Column(PLAN_LINE, "text", "Strategic plan line (แผนงาน), as printed.", "แผนงาน"),
        Column(OWNER, "text", "Responsible person or unit, as printed; may be empty.", "ผู้รับผิดชอบ"),
        _money(BUDGET, "Approved annual budget.", "วงเงินงบประมาณ", required=True),
        _money(BUDGET_CUT, "Cut made at the sub-committee stage; 0 if none.", "ปรับลดงบประมาณในชั้นอนุกรรมการฯ",
               default=0),
        Column(AGENCY, "text", "Agency that owns the project (optional; for multi-agency stores).",
               "หน่วยงานเจ้าของโครงการ", optional=True),
    ),
    key=(FISCAL_YEAR, PROJECT_ID),
    vintage=AS_OF,
)

FINANCE = Table(
    "finance",
    "Quarterly money flows per project and report vintage. Actuals are empty for quarters not yet reported.",
    "แผนและผลการใช้จ่ายรายไตรมาส ต่อโครงการ ต่อรายงานแต่ละฉบับ",
    (
        _fy(),
        _pid(),
        Column(QUARTER, "quarter", "Fiscal quarter, 1-4.", "ไตรมาส (1-4)", required=True),
        _as_of(),
        _money(PLAN, "Planned disbursement in the quarter.", "แผนการเบิกจ่ายในไตรมาส", required=True),
        _money(DISBURSED, "Disbursed (paid out) in the quarter.", "ผลการเบิกจ่ายในไตรมาส"),
        _money(COMMITTED, "Net change in commitments in the quarter; may be negative.", "ผูกพัน (สุทธิในไตรมาส)"),
        _money(SPEND, "Spending = disbursed + committed.", "ผลใช้จ่าย (เบิกจ่าย+ผูกพัน)"),
        _money(PLAN_CUM_REPORTED, "Cumulative plan to this quarter as printed in a summary table, if printed.",
               "แผนสะสมตามที่พิมพ์ในตารางสรุป", optional=True),
        _money(DISBURSED_CUM_REPORTED, "Cumulative disbursed to this quarter as printed, if printed.",
               "เบิกจ่ายสะสมตามที่พิมพ์", optional=True),
        _money(COMMITTED_CUM_REPORTED, "Cumulative committed to this quarter as printed, if printed.",
               "ผูกพันสะสมตามที่พิมพ์", optional=True),
        _money(SPEND_CUM_REPORTED, "Cumulative spending to this quarter as printed, if printed.",
               "ผลใช้จ่ายสะสมตามที่พิมพ์", optional=True),
    ),
    key=(FISCAL_YEAR, PROJECT_ID, QUARTER),
    vintage=AS_OF,
)

KPIS = Table(
    "kpis",
    "KPI definitions per report vintage (plans can be revised between reports).",
    "ตัวชี้วัด เป้าหมาย และแผนรายไตรมาส ต่อรายงานแต่ละฉบับ",
    (
        _fy(),
        _pid(),
        Column(KPI_ID, "id", "KPI identifier within the project (e.g. 1, 2.1).", "รหัสตัวชี้วัดในโครงการ",
               required=True),
        _as_of(),
        Column(NAME_TH, "name", "KPI name in Thai, as printed (give this or name_en).", "ชื่อตัวชี้วัด"),
        Column(NAME_EN, "name", "KPI name in English (give this or name_th).", "ชื่อตัวชี้วัด (ภาษาอังกฤษ)"),
        Column(SOURCE, "source", "Who set the KPI: budget_bureau, opdc or other.",
               "ผู้กำหนด: สำนักงบประมาณ (budget_bureau) ก.พ.ร. (opdc) อื่น ๆ (other)", required=True),
        Column(UNIT, "unit", "Unit of the target: " + ", ".join(u.code for u in UNITS) + ".",
               "หน่วยนับ", required=True),
        Column(COMPARATOR, "comparator", "How a result meets the target: >= (at least), > (more than), "
               "<= (at most) or < (less than); <= and < are KPIs where lower is better (injury rates, waiting times).",
               ">= (ไม่น้อยกว่า) > (มากกว่า) <= (ไม่เกิน) หรือ < (น้อยกว่า)", required=True),
        Column(TARGET, "number", "Year-end target, in the unit.", "เป้าหมายทั้งปี", required=True),
        *(Column(p, "number", f"Plan for Q{i}, empty where none.", f"แผนไตรมาส {i}")
          for i, p in enumerate(PLAN_Q, start=1)),
        Column(PLAN_IS_CUMULATIVE, "bool",
               "true if the quarterly plans are cumulative levels, false if they are increments.",
               "แผนรายไตรมาสเป็นยอดสะสม (true) หรือรายไตรมาส (false)", required=True),
        *(Column(t, "number", f"Threshold for the {p}-point tier, empty where none.",
                 f"เกณฑ์ระดับ {p} คะแนน") for p, t in TIERS.items()),
        Column(SOURCE_TEXT, "text", "Heading of the KPI table as printed (e.g. draft status).",
               "หัวตารางตัวชี้วัดตามที่พิมพ์", optional=True),
        Column(MEASURE, "measure", "What the value is: cumulative (counts that add up over the year), level "
               "(percentages, rates, averages, indices: the latest value is the year's value so far) or milestone "
               "(a handful of discrete deliverables). Empty or absent: inferred (see validate --rules).",
               "ลักษณะค่า: สะสม (cumulative) ระดับ (level เช่น ร้อยละ อัตรา ค่าเฉลี่ย) หรือผลผลิต (milestone) "
               "เว้นว่างได้ ระบบจะอนุมานให้", optional=True),
    ),
    key=(FISCAL_YEAR, PROJECT_ID, KPI_ID),
    vintage=AS_OF,
)

KPI_RESULTS = Table(
    "kpi_results",
    "KPI results per quarter and report vintage: the value to date and the report's own words.",
    "ผลการดำเนินงานตามตัวชี้วัด รายไตรมาส ต่อรายงานแต่ละฉบับ",
    (
        _fy(),
        _pid(),
        Column(KPI_ID, "id", "KPI identifier within the project.", "รหัสตัวชี้วัด", required=True),
        Column(QUARTER, "quarter", "Fiscal quarter, 1-4.", "ไตรมาส (1-4)", required=True),
        _as_of(),
        Column(VALUE, "number",
               "Value to date at the end of the quarter, in the KPI's unit (cumulative for counts); "
               "empty where the report gives no number.",
               "ผลสะสมถึงสิ้นไตรมาส (ว่างถ้ารายงานไม่ระบุตัวเลข)"),
        Column(STATUS_TEXT, "text", "The report's own words for the result.", "ผลการดำเนินงานตามที่รายงาน",
               required=True),
    ),
    key=(FISCAL_YEAR, PROJECT_ID, KPI_ID, QUARTER),
    vintage=AS_OF,
)

YEAR_END = "year_end"
QUARTER_TARGETS = ("q1", "q2", "q3", "q4")
NOTE = "note"

TARGETS = Table(
    "targets",
    "Disbursement targets per fiscal year, as shares of the budget: the year end and, optionally, the cumulative "
    "target by the end of each quarter (e.g. the cabinet's). Each time they are set is a new row with its as_of.",
    "เป้าหมายการเบิกจ่ายรายปีงบประมาณ (สัดส่วนของงบประมาณ) ทั้งสิ้นปีและสะสมรายไตรมาส",
    (
        _fy(),
        _as_of("Date the targets were set (YYYY-MM-DD).", "วันที่กำหนดเป้าหมาย"),
        Column(YEAR_END, "number", "Year-end disbursement target, a share of the budget in (0, 1], e.g. 0.93.",
               "เป้าหมายเบิกจ่ายสิ้นปี (สัดส่วน เช่น 0.93)", required=True),
        *(Column(q, "number", f"Cumulative disbursement target by the end of Q{i}, a share; empty where none.",
                 f"เป้าหมายเบิกจ่ายสะสมถึงสิ้นไตรมาส {i}", optional=True) for i, q in enumerate(QUARTER_TARGETS, start=1)),
        Column(NOTE, "text", "Where the targets come from (e.g. a cabinet resolution).", "ที่มาของเป้าหมาย"),
    ),
    key=(FISCAL_YEAR,),
    vintage=AS_OF,
)

TABLES: dict[str, Table] = {t.name: t for t in (PROJECTS, FINANCE, KPIS, KPI_RESULTS, TARGETS)}
POLICY_TABLES = ("targets",)  # policy, not reports: the latest version holds whatever the report date
NAMED = {PROJECTS.name: (NAME_TH, NAME_EN), KPIS.name: (NAME_TH, NAME_EN)}  # each row needs one of the two


def empty(table: Table) -> pl.DataFrame:
    """An empty frame with the table's schema."""
    return pl.DataFrame(schema=table.schema)
