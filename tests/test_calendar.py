import datetime as dt

import polars as pl
import pytest

from forecast.data.calendar import FiscalCalendar

THAI = FiscalCalendar()


@pytest.mark.parametrize(
    "day, fy, q",
    [
        (dt.date(2025, 10, 1), 2569, 1),
        (dt.date(2025, 12, 30), 2569, 1),
        (dt.date(2026, 1, 1), 2569, 2),
        (dt.date(2026, 3, 31), 2569, 2),
        (dt.date(2026, 4, 1), 2569, 3),
        (dt.date(2026, 9, 30), 2569, 4),
        (dt.date(2026, 10, 1), 2570, 1),
    ],
)
def test_thai_fiscal_year(day, fy, q):
    assert (THAI.fiscal_year(day), THAI.quarter(day)) == (fy, q)


def test_thai_bounds_and_labels():
    assert THAI.year_start(2569) == dt.date(2025, 10, 1)
    assert THAI.year_end(2569) == dt.date(2026, 9, 30)
    assert THAI.quarter_end(2569, 1) == dt.date(2025, 12, 31)
    assert THAI.quarter_start(2569, 3) == dt.date(2026, 4, 1)
    assert THAI.to_ce(2569) == 2026 and THAI.from_ce(2026) == 2569
    assert THAI.year_label(2569) == "FY 2569 B.E. (Oct 2025 - Sep 2026)"
    assert THAI.year_label(2569, "th").startswith("ปีงบประมาณ พ.ศ. 2569")
    assert THAI.quarter_label(1) == "Oct-Dec"


@pytest.mark.parametrize(
    "cal, day, fy, q",
    [
        (FiscalCalendar(1, "CE"), dt.date(2026, 3, 31), 2026, 1),
        (FiscalCalendar(1, "BE"), dt.date(2026, 12, 31), 2569, 4),
        (FiscalCalendar(4, "CE"), dt.date(2026, 3, 31), 2026, 4),  # April-March, named by end year
        (FiscalCalendar(4, "CE"), dt.date(2026, 4, 1), 2027, 1),
        (FiscalCalendar(4, "CE", "start"), dt.date(2026, 4, 1), 2026, 1),  # Japan
        (FiscalCalendar(7, "CE"), dt.date(2025, 7, 1), 2026, 1),  # July-June (Australia FY2026)
        (FiscalCalendar(7, "CE"), dt.date(2026, 6, 30), 2026, 4),
    ],
)
def test_other_calendars(cal, day, fy, q):
    assert (cal.fiscal_year(day), cal.quarter(day)) == (fy, q)
    assert cal.year_start(fy) <= day <= cal.year_end(fy)
    assert cal.quarter_start(fy, q) <= day <= cal.quarter_end(fy, q)


@pytest.mark.parametrize(
    "cal",
    [THAI, FiscalCalendar(1, "CE"), FiscalCalendar(4, "CE"), FiscalCalendar(7, "BE"), FiscalCalendar(4, "CE", "start")],
)
def test_vectorised_matches_scalar(cal):
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(0, 900, 17)]
    df = pl.DataFrame({"d": days}).with_columns(fy=cal.fiscal_year_expr(pl.col("d")), q=cal.quarter_expr(pl.col("d")))
    assert df["fy"].to_list() == [cal.fiscal_year(d) for d in days]
    assert df["q"].to_list() == [cal.quarter(d) for d in days]
    start, end = cal.year_bounds_expr(pl.col("fy"))
    qs = cal.quarter_start_expr(pl.col("fy"), pl.col("q"))
    got = df.select(start.alias("s"), end.alias("e"), qs.alias("qs"))
    assert got["s"].to_list() == [cal.year_start(y) for y in df["fy"]]
    assert got["e"].to_list() == [cal.year_end(y) for y in df["fy"]]
    assert got["qs"].to_list() == [cal.quarter_start(y, q) for y, q in zip(df["fy"], df["q"])]


def test_invalid_calendar():
    with pytest.raises(ValueError, match="1-12"):
        FiscalCalendar(13)
    with pytest.raises(ValueError, match="BE or CE"):
        FiscalCalendar(10, "AD")


def test_thai_dates_follow_the_store_era():
    from forecast import formats

    day = dt.date(2022, 12, 31)
    assert formats.date(day, "th") == "31 ธ.ค. 2565"  # B.E., the Thai default
    assert formats.date(day, "th", "CE") == "31 ธ.ค. 2022"  # a store kept in C.E. says C.E. in Thai too
    assert formats.date(day, "en", "BE") == "31 Dec 2022"
    ce = FiscalCalendar(start_month=1, era="CE", named_by="start")
    assert ce.year_label(2022, "th") == "ปีงบประมาณ ค.ศ. 2022 (ม.ค. 2022 - ธ.ค. 2022)"
    assert FiscalCalendar().year_label(2569, "th") == "ปีงบประมาณ พ.ศ. 2569 (ต.ค. 2568 - ก.ย. 2569)"
