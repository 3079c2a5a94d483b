"""Fiscal calendars: start month, era (B.E. or C.E.) and quarter arithmetic.

The Thai government fiscal year runs October to September and is named by the
Buddhist-era year in which it ends: FY B.E. 2569 = 1 Oct 2025 - 30 Sep 2026.
Other agencies set their own start month and era per store.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import asdict, dataclass

import polars as pl

from forecast import labels

BE_OFFSET = 543
# month names for people: Thai abbreviations (as printed in the reports) and English
TH_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# month names as read in dates (every Thai spelling: full, abbreviated, without dots)
READ_TH_MONTHS = {
    1: ("มกราคม", "ม.ค.", "มค"),
    2: ("กุมภาพันธ์", "ก.พ.", "กพ"),
    3: ("มีนาคม", "มี.ค.", "มีค"),
    4: ("เมษายน", "เม.ย.", "เมย"),
    5: ("พฤษภาคม", "พ.ค.", "พค"),
    6: ("มิถุนายน", "มิ.ย.", "มิย"),
    7: ("กรกฎาคม", "ก.ค.", "กค"),
    8: ("สิงหาคม", "ส.ค.", "สค"),
    9: ("กันยายน", "ก.ย.", "กย"),
    10: ("ตุลาคม", "ต.ค.", "ตค"),
    11: ("พฤศจิกายน", "พ.ย.", "พย"),
    12: ("ธันวาคม", "ธ.ค.", "ธค"),
}
READ_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES: dict[str, int] = {
    **{name: m for m, names in READ_TH_MONTHS.items() for name in names},
    **{name: i for i, name in enumerate(READ_EN_MONTHS, start=1)},
}
ERAS = ("BE", "CE")


@dataclass(frozen=True)
class FiscalCalendar:
    """A fiscal calendar.

    Parameters
    ----------
    start_month : int
        First month of the fiscal year, 1-12 (10 = October, the Thai default).
    era : {"BE", "CE"}
        Era in which fiscal years are numbered.
    named_by : {"end", "start"}
        Whether a fiscal year takes the number of the calendar year in which it
        ends (Thailand, the US, Australia) or starts (Japan).
    """

    start_month: int = 10
    era: str = "BE"
    named_by: str = "end"

    def __post_init__(self) -> None:
        if not 1 <= int(self.start_month) <= 12:
            raise ValueError(f"fiscal-year start month must be 1-12, got {self.start_month}")
        if self.era not in ERAS:
            raise ValueError(f"era must be BE or CE, got {self.era!r}")
        if self.named_by not in ("end", "start"):
            raise ValueError(f"named_by must be 'end' or 'start', got {self.named_by!r}")

    # --- eras ----------------------------------------------------------------
    def to_ce(self, year: int) -> int:
        """A year in this calendar's era, as C.E."""
        return year - BE_OFFSET if self.era == "BE" else year

    def from_ce(self, year: int) -> int:
        """A C.E. year in this calendar's era."""
        return year + BE_OFFSET if self.era == "BE" else year

    # --- fiscal years and quarters ------------------------------------------
    def _end_offset(self) -> int:
        # A year starting in January ends in the same calendar year it starts.
        return 0 if self.start_month == 1 or self.named_by == "start" else 1

    def fiscal_year(self, day: dt.date) -> int:
        """Fiscal year (in this era) that contains ``day``."""
        start_ce = day.year if day.month >= self.start_month else day.year - 1
        return self.from_ce(start_ce + self._end_offset())

    def quarter(self, day: dt.date) -> int:
        """Fiscal quarter (1-4) that contains ``day``."""
        return (day.month - self.start_month) % 12 // 3 + 1

    def year_start(self, fiscal_year: int) -> dt.date:
        return dt.date(self.to_ce(fiscal_year) - self._end_offset(), self.start_month, 1)

    def year_end(self, fiscal_year: int) -> dt.date:
        return self.quarter_end(fiscal_year, 4)

    def quarter_start(self, fiscal_year: int, quarter: int) -> dt.date:
        start = self.year_start(fiscal_year)
        months = start.month - 1 + 3 * (quarter - 1)
        return dt.date(start.year + months // 12, months % 12 + 1, 1)

    def quarter_end(self, fiscal_year: int, quarter: int) -> dt.date:
        first = self.quarter_start(fiscal_year, quarter)
        months = first.month - 1 + 2
        year, month = first.year + months // 12, months % 12 + 1
        return dt.date(year, month, _cal.monthrange(year, month)[1])

    def quarter_label(self, quarter: int) -> str:
        """Months of a quarter, e.g. 'Oct-Dec'."""
        first = (self.start_month - 1 + 3 * (quarter - 1)) % 12
        return f"{_cal.month_abbr[first + 1]}-{_cal.month_abbr[(first + 2) % 12 + 1]}"

    def year_label(self, fiscal_year: int, lang: str = "en") -> str:
        """E.g. 'FY 2569 B.E. (Oct 2025 - Sep 2026)' or 'ปีงบประมาณ พ.ศ. 2569'."""
        start, end = self.year_start(fiscal_year), self.year_end(fiscal_year)
        months = labels.pick(lang, th=TH_MONTHS, en=EN_MONTHS)
        shift = labels.pick(lang, th=BE_OFFSET if self.era == "BE" else 0, en=0)  # English months: C.E. years
        span = f"{months[start.month - 1]} {start.year + shift} - {months[end.month - 1]} {end.year + shift}"
        era = labels.t(f"era:{self.era}", lang)
        return labels.t("fiscal_year_label", lang).format(era=era, fy=fiscal_year, span=span)

    # --- vectorised ------------------------------------------------------------
    def fiscal_year_expr(self, date: pl.Expr) -> pl.Expr:
        """Polars expression: the fiscal year of a date column."""
        start_ce = date.dt.year() - (date.dt.month() < self.start_month).cast(pl.Int32)
        offset = self._end_offset() + (BE_OFFSET if self.era == "BE" else 0)
        return (start_ce + offset).cast(pl.Int32)

    def quarter_expr(self, date: pl.Expr) -> pl.Expr:
        """Polars expression: the fiscal quarter of a date column."""
        return ((date.dt.month().cast(pl.Int32) - self.start_month) % 12 // 3 + 1).cast(pl.Int8)

    def year_bounds_expr(self, fiscal_year: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        """Polars expressions: first and last day of a fiscal-year column."""
        start_year = fiscal_year.cast(pl.Int32) - (BE_OFFSET if self.era == "BE" else 0) - self._end_offset()
        start = pl.date(start_year, self.start_month, 1)
        end = start.dt.offset_by("12mo").dt.offset_by("-1d")
        return start, end

    def quarter_start_expr(self, fiscal_year: pl.Expr, quarter: pl.Expr) -> pl.Expr:
        start, _ = self.year_bounds_expr(fiscal_year)
        months = (quarter.cast(pl.Int32) - 1) * 3
        return start.dt.offset_by(pl.format("{}mo", months))

    def to_dict(self) -> dict:
        return asdict(self)
