import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from forecast.data import parse


def _one(fn, text):
    return pl.select(fn(pl.lit(text, dtype=pl.String))).item()


@pytest.mark.parametrize(
    "text, value",
    [
        ("1,234.5", 1234.5),
        ("(0.7137)", -0.7137),
        ("-", None),
        ("", None),
        ("ร้อยละ 96.60", 96.6),
        ("96.60%", 96.6),
        ("ไม่น้อยกว่า 5,000,000 ครั้ง", 5_000_000.0),
        ("๑๒๓", 123.0),
        ("1 Sector", 1.0),
        ("−2.5", -2.5),
    ],
)
def test_number(text, value):
    assert _one(parse.number, text) == value


@pytest.mark.parametrize("text", ["1,200 – 1,463", "abc", "1.2.3"])
def test_number_rejects(text):
    assert _one(parse.number, text) is None and not _one(parse.is_none, text)


def test_money_is_exact():
    assert _one(parse.money, "29.342") == Decimal("29.3420")
    assert _one(parse.money, "(32.1369)") == Decimal("-32.1369")
    assert _one(parse.money, "12.345678") == Decimal("12.345678")  # six decimals, kept exactly
    assert _one(parse.money, "12.3456789") is None  # seven are refused, never rounded


@pytest.mark.parametrize(
    "text, day",
    [
        ("2025-12-30", dt.date(2025, 12, 30)),
        ("30/12/2568", dt.date(2025, 12, 30)),
        ("31 มีนาคม 2569", dt.date(2026, 3, 31)),
        ("ณ 30 ธ.ค. 68", dt.date(2025, 12, 30)),
        ("31 Mar 2026", dt.date(2026, 3, 31)),
        ("2026-03-31 00:00:00", dt.date(2026, 3, 31)),
    ],
)
def test_dates(text, day):
    assert _one(parse.date, text) == day


def test_bad_dates():
    assert _one(parse.date, "30/02/2026") is None
    assert _one(parse.date, "next week") is None


def test_booleans_and_quarters():
    assert _one(parse.boolean, "สะสม") is True and _one(parse.boolean, "FALSE") is False
    assert _one(parse.quarter, "Q3") == 3 and _one(parse.quarter, "ไตรมาส 2") == 2


@pytest.mark.parametrize(
    "kind, cells",
    [
        ("money", ["12.3456", "1,234.5", "(0.7137)", "-", "", None, "12.34567", " 5 ", "๑๒.๕"]),
        ("int", ["2569", "2,569", "พ.ศ. 2569", "x", None, "-12"]),
        ("quarter", ["2", "Q3", "ไตรมาส 4", "5", None]),
        ("number", ["1463", "1,463", "96.60%", "ร้อยละ 80", "n/a", "1e5"]),
        ("date", ["2026-03-31", "2569-03-31", "31/03/2569", "31 มี.ค. 2569", "2026-13-45", None]),
        ("id", ["etda-digital-id", "ECHO/UKR/BUD/2019/91001", "44000-P174112", " etda-x ", "a\tb", None]),
    ],
)
def test_the_fast_path_gives_what_the_lenient_parser_gives(kind, cells):
    frame = pl.DataFrame({"c": cells}, schema={"c": pl.String})
    expected = frame.select(parse.parse(pl.col("c"), kind)).to_series()
    assert parse.column(frame, "c", kind).to_list() == expected.to_list()
