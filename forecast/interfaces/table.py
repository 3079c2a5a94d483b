"""Tables for a terminal or a pipe: fitted to a width, Thai counted by display cells, numbers right-aligned.

Cells follow ``forecast.formats`` (money with four decimals, probabilities as whole percentages,
scores 0.00-1.00, shares of a budget as percentages, missing values blank). Every row is one line.
A table wider than its width gives up room in this order (``View`` says which columns matter):

1. its free text (names, reasons, notes: ``prose``) is cut to ``SOFT`` cells, ending in "…";
2. the columns of least value are left out, one at a time (columns a view does not name first,
   from the right, then its ``then`` columns from the last);
3. the free text is cut further, to ``MIN_TEXT`` cells;
4. the view's ``keep`` columns are left out, from the last, until one is left.

Anything else (ids, dates, times, numbers) is shown whole or not at all. The caller says which
columns were left out, so that the user can ask for ``--wide``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from forecast import formats

SEP = "  "
SOFT = 24  # free text is cut to this many cells before a column is left out
MIN_TEXT = 12  # and never narrower than this
ELLIPSIS = "…"
LEADING = "เแโใไ"  # Thai vowels written before their consonant
SCORES = ("risk_score", "previous_score")


@dataclass(frozen=True)
class View:
    """How a table is shown to people.

    ``columns``: the columns of the compact table, in order (None: every column of the frame).
    ``keep``: the columns that stay longest when the width is short, most important first.
    ``then``: the next ones, most important first. Columns named in neither are left out first.
    """

    columns: tuple[str, ...] | None = None
    keep: tuple[str, ...] = ()
    then: tuple[str, ...] = ()

    def optional(self, cols: list[str]) -> list[str]:
        """The columns that may be left out before any text is cut below ``SOFT``, first to go first."""
        named = {*self.keep, *self.then}
        return [c for c in reversed(cols) if c not in named] + [c for c in reversed(self.then) if c in cols]

    def last(self, cols: list[str]) -> list[str]:
        """The columns left out only when nothing else fits, first to go first (the first column stays)."""
        rest = [c for c in cols if c not in self.optional(cols)]
        return [c for c in [*reversed(self.keep), *reversed(rest)] if c in rest][: max(len(rest) - 1, 0)]


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
    while out and out[-1] in LEADING:  # a Thai vowel written before its consonant does not end a cut
        out.pop()
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
    return " ".join(str(value).splitlines()).replace("\t", " ")  # one line per row


def _fit(cols: list[str], natural: Mapping[str, int], floors: Mapping[str, int], width: int) -> dict[str, int] | None:
    """Widths of ``cols`` within ``width``: the text columns (``floors``) are cut to one common cap, never below
    their floor, so that names share the room; None when they cannot fit."""
    text = [c for c in cols if c in floors]
    room = width - sum(natural[c] for c in cols if c not in floors) - len(SEP) * (len(cols) - 1)

    def used(cap: int) -> int:
        return sum(max(floors[c], min(natural[c], cap)) for c in text)

    if used(0) > room:
        return None
    lo, hi = 0, max((natural[c] for c in text), default=0)
    while lo < hi:  # the widest cap that fits
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if used(mid) <= room else (lo, mid - 1)
    widths = {c: natural[c] for c in cols}
    spare = room - used(lo)
    for c in text:
        widths[c] = max(floors[c], min(natural[c], lo))
        if spare and widths[c] < natural[c]:  # the cells a common cap leaves over
            widths[c] += 1
            spare -= 1
    return widths


def render(
    df: pl.DataFrame,
    width: int | None = None,
    heads: Mapping[str, str] | None = None,
    view: View | None = None,
    prose: Collection[str] = (),
) -> tuple[str, list[str]]:
    """The table as text no wider than ``width`` (None: as wide as it needs), and the columns left out.

    ``heads`` gives the header of each column (default: its name); ``view`` the order in which columns are
    left out; ``prose`` the text columns that may be shortened (names, reasons, notes).
    """
    view = view or View()
    cols = list(df.columns)
    head = {c: (heads or {}).get(c, c) for c in cols}
    numeric = {c: _is_number(df.schema[c]) for c in cols}
    cells = {c: [cell(v, c, df.schema[c]) for v in df[c].to_list()] for c in cols}
    natural = {c: max([cell_width(head[c]), *(cell_width(x) for x in cells[c])]) for c in cols}
    text = [c for c in cols if c in prose and not numeric[c]]
    widths = dict(natural)
    shown = cols
    if width is not None:
        widths, shown = _layout(cols, natural, text, head, view, width)
    hidden = [c for c in cols if c not in shown]
    lines = [
        SEP.join(pad(clip(head[c], widths[c]), widths[c], numeric[c]) for c in shown).rstrip(),
        SEP.join("-" * widths[c] for c in shown),
    ]
    for i in range(df.height):
        lines.append(SEP.join(pad(clip(cells[c][i], widths[c]), widths[c], numeric[c]) for c in shown).rstrip())
    if width is not None:  # one column that cannot fit (an id longer than the terminal): cut, as a last resort
        lines = [clip(line, width) for line in lines]
    return "\n".join(lines) + "\n", hidden


def _layout(
    cols: list[str], natural: Mapping[str, int], text: list[str], head: Mapping[str, str], view: View, width: int
) -> tuple[dict[str, int], list[str]]:
    """The columns shown within ``width`` and their widths (see the module's order of giving up room)."""

    def floors(cells: int) -> dict[str, int]:
        return {c: min(natural[c], max(cells, cell_width(head[c]))) for c in text}

    optional = view.optional(cols)[: len(cols) - 1]  # one column always stays
    for floor in (SOFT, MIN_TEXT):
        for k in range(len(optional) + 1):
            shown = [c for c in cols if c not in optional[:k]]
            fitted = _fit(shown, natural, floors(floor), width)
            if fitted is not None:
                return fitted, shown
    shown = [c for c in cols if c not in optional]
    for c in view.last(shown):
        shown = [x for x in shown if x != c]
        fitted = _fit(shown, natural, floors(MIN_TEXT), width)
        if fitted is not None:
            return fitted, shown
    narrowest = floors(MIN_TEXT)
    return {c: narrowest.get(c, natural[c]) for c in shown}, shown


def wrap(text: str, width: int) -> str:
    """A note wrapped to ``width`` display cells, broken at spaces (Thai puts them between phrases); a word
    longer than the width keeps a line of its own."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for w in para.split():
            longer = f"{line} {w}" if line else w
            if line and cell_width(longer) > width:
                lines.append(line)
                line = w
            else:
                line = longer
        lines.append(line)
    return "\n".join(lines)
