"""One number format per quantity, the same in the app, the exports and the command line.

* money: four decimals as printed in the reports (more only where the figure has them), grouped;
* probabilities: whole percentages, "<1%" and ">99%" at the ends (in Excel, the same by a number format
  on the exact number: ``CHANCE_EXCEL``);
* scores: 0.00-1.00;
* shares of a budget: one decimal percentage;
* dates: "31 มี.ค. 2569" in Thai (B.E.), "31 Mar 2026" in English (C.E.);
* moments (an ingest, a sign-in): "2 ธ.ค. 2569 10:16 น." / "2 Dec 2026 10:16" in the server's local time
  (its ``TZ``), never ISO UTC;
* anything missing: an empty string, never "None" or "null".
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from forecast import labels
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


# a probability that rounds to 100% (or 0%) as a whole percentage is shown as almost certain (or almost never):
# a model's chance is never a certainty
CHANCE_HIGH, CHANCE_LOW = 0.995, 0.005
ALMOST_CERTAIN, ALMOST_NEVER = ">99%", "<1%"
# the same in a spreadsheet: the cell keeps the exact number, its number format shows what ``chance`` shows
CHANCE_EXCEL = f'[>={CHANCE_HIGH}]"{ALMOST_CERTAIN}";[<={CHANCE_LOW}]"{ALMOST_NEVER}";0%'


def chance(p) -> str:
    """A probability as a whole percentage: '<1%', '57%', '>99%'."""
    if _missing(p):
        return ""
    p = float(p)
    return ALMOST_CERTAIN if p >= CHANCE_HIGH else ALMOST_NEVER if p <= CHANCE_LOW else f"{p:.0%}"


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
    months = labels.pick(lang, th=TH_MONTHS, en=EN_MONTHS)
    shift = labels.pick(lang, th=BE_OFFSET if era == "BE" else 0, en=0)  # English months: C.E. years
    return f"{d.day} {months[d.month - 1]} {d.year + shift}"


def moment(ts, lang: str = "th", era: str = "BE") -> str:
    """A moment for people, in the server's local time: '2 ธ.ค. 2569 10:16 น.' or '2 Dec 2026 10:16' (an ISO
    text or a datetime; one without a zone is taken as UTC, as the store writes them)."""
    if _missing(ts) or ts == "":
        return ""
    if isinstance(ts, str):
        try:
            ts = dt.datetime.fromisoformat(ts)
        except ValueError:
            return ts  # not a moment (an old record's free text): as it is
    if not isinstance(ts, dt.datetime):
        return date(ts, lang, era)
    local = (ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)).astimezone()
    return f"{date(local.date(), lang, era)} {local:%H:%M}" + labels.pick(lang, th=" น.", en="")


def text(x) -> str:
    return "" if _missing(x) else str(x)


def number(x, decimals: int = 2) -> str:
    """A KPI figure as people read it: grouped, with decimals only where it has them (1,463; 96.6; 1.07)."""
    if _missing(x):
        return "–"
    return f"{float(x):,.{decimals}f}".rstrip("0").rstrip(".")
