"""Tables for a terminal: fitted to its width, Thai counted by display cells, numbers right-aligned.

Cells follow ``forecast.formats`` (money with four decimals, probabilities as whole percentages,
scores 0.00-1.00, shares of a budget as percentages, missing values blank). A table wider than
the terminal first shortens its longest text columns (cut with "…"), then leaves out columns from
the right; the caller says how many were left out so that the user can ask for ``--wide``.
"""

from __future__ import annotations

import math
import textwrap
import unicodedata
from decimal import Decimal

import polars as pl

from forecast import formats

SEP = "  "
MIN_TEXT = 12  # a text column is never cut narrower than this
ELLIPSIS = "…"
SCORES = ("risk_score", "previous_score")
# Short headers for people's compact tables (``--wide`` and machine formats keep the full names).
SHORT = {
    "p_miss_disbursement": "P(miss)",
    "p_miss_spend": "P(unused)",
    "p_miss_kpi": "P(KPI miss)",
    "p_miss_target": "P(miss)",
    "p_attain": "P(attain)",
    "risk_score": "score",
    "rank_change": "moved",
    "new_high": "new high",
    "disbursed_to_date": "disbursed",
    "spend_to_date": "spend",
    "plan_to_date": "plan",
    "disbursed_p10": "p10",
    "disbursed_p50": "p50",
    "disbursed_p90": "p90",
    "spend_p50": "spend p50",
    "disbursed_share_p50": "share p50",
    "expected_shortfall": "shortfall",
    "value_to_date": "to date",
    "projected_p50": "p50",
    "origin_quarter": "Q",
    "name_th": "name",
    "name_en": "name",
}


def cell_width(text: str) -> int:
    """Display cells of ``text``: combining marks (Thai vowels and tone marks above or below) take none,
    wide East Asian characters two."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` display cells, ending in "…" when cut."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + ELLIPSIS


def pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(width - cell_width(text), 0)
    return gap + text if right else text + gap


def _is_number(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or isinstance(dtype, pl.Decimal)


def cell(value, column: str, dtype: pl.DataType) -> str:
    """One value as people read it; the column's name says what quantity it is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, Decimal):
        return formats.money(value)
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        if column.startswith("p_"):
            return formats.chance(value)
        if column in SCORES:
            return formats.score(value)
        if "_share_" in column or column.endswith("_share"):
            return formats.share(value)
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value).replace("\n", " ")


def render(df: pl.DataFrame, width: int | None = None, short: bool = False) -> tuple[str, list[str]]:
    """The table as text no wider than ``width`` (None: as wide as it needs), and the columns left out.

    ``short`` heads the columns with the short names people read (``SHORT``).
    """
    cols = list(df.columns)
    head = {c: SHORT.get(c, c) if short else c for c in cols}
    numeric = {c: _is_number(df.schema[c]) for c in cols}
    cells = {c: [cell(v, c, df.schema[c]) for v in df[c].to_list()] for c in cols}
    widths = {c: max([cell_width(head[c]), *(cell_width(x) for x in cells[c])]) for c in cols}
    hidden: list[str] = []

    def total() -> int:
        return sum(widths[c] for c in cols) + len(SEP) * (len(cols) - 1)

    if width is not None:
        while total() > width:
            text = [c for c in cols if not numeric[c] and widths[c] > max(MIN_TEXT, cell_width(head[c]))]
            if text:  # the widest text column gives up one cell at a time, so that names share the room
                widths[max(text, key=lambda c: widths[c])] -= 1
                continue
            if len(cols) == 1:
                break
            hidden.insert(0, cols.pop())
    lines = [
        SEP.join(pad(clip(head[c], widths[c]), widths[c], numeric[c]) for c in cols).rstrip(),
        SEP.join("-" * widths[c] for c in cols),
    ]
    for i in range(df.height):
        lines.append(SEP.join(pad(clip(cells[c][i], widths[c]), widths[c], numeric[c]) for c in cols).rstrip())
    return "\n".join(lines) + "\n", hidden


def wrap(text: str, width: int) -> str:
    """A note wrapped to ``width`` display cells (Thai lines are broken at spaces)."""
    # textwrap counts code points: never fewer than the display cells of Thai (its marks take none)
    return "\n".join(
        line
        for para in (text.splitlines() or [""])
        for line in (textwrap.wrap(para, width=width, break_long_words=False, break_on_hyphens=False) or [""])
    )
