"""One number format per quantity, the same in the app, the exports and the command line.

* money: four decimals as printed in the reports (more only where the figure has them), grouped;
* probabilities: whole percentages, "<1%" and ">99%" at the ends;
* scores: 0.00-1.00;
* shares of a budget: one decimal percentage;
* dates: "31 มี.ค. 2569" in Thai (B.E.), "31 Mar 2026" in English (C.E.);
* anything missing: an empty string, never "None" or "null".
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from forecast.data.calendar import BE_OFFSET, EN_MONTHS, TH_MONTHS


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def money(x, decimals: int = 4) -> str:
    """1,234.5678 (four decimals; six where the figure has them)."""
    if _missing(x):
        return ""
    if isinstance(x, Decimal):
        exponent = x.normalize().as_tuple().exponent
        places = max(decimals, -exponent) if isinstance(exponent, int) else decimals
        return f"{x:,.{min(places, 6)}f}"
    return f"{float(x):,.{decimals}f}"


def chance(p) -> str:
    """A probability as a whole percentage: '<1%', '57%', '>99%'."""
    if _missing(p):
        return ""
    p = float(p)
    return ">99%" if p >= 0.995 else "<1%" if p <= 0.005 else f"{p:.0%}"


def score(x) -> str:
    """A score with two decimals, halves rounded up (0.625 -> 0.63), as the app's tables and Excel show it."""
    if _missing(x):
        return ""
    return str(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def share(x) -> str:
    return "" if _missing(x) else f"{float(x) * 100:.1f}%"


def date(d, lang: str = "th", era: str = "BE") -> str:
    """A date for people: '31 มี.ค. 2569' (Thai, B.E.), '31 มี.ค. 2026' (Thai, a store kept in C.E.)
    or '31 Mar 2026'."""
    if _missing(d) or d == "":
        return ""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    if lang == "th":
        return f"{d.day} {TH_MONTHS[d.month - 1]} {d.year + (BE_OFFSET if era == 'BE' else 0)}"
    return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"


def text(x) -> str:
    return "" if _missing(x) else str(x)


def number(x, decimals: int = 2) -> str:
    """A KPI figure as people read it: grouped, with decimals only where it has them (1,463; 96.6; 1.07)."""
    if _missing(x):
        return "–"
    return f"{float(x):,.{decimals}f}".rstrip("0").rstrip(".")
