"""Exports management can hand on: the Excel report, the re-ingestible data workbook, CSV and the one-page PDF.

* The Excel report leads with a short ranking sheet, then the portfolio, the projections, the KPIs and the
  data; every internal column goes to the last sheet. Every sheet is in the chosen language: sheet names
  and headers from the catalogue (``labels``), the names of projects and KPIs in that language, codes
  (levels, statuses, models, units) and dates as the app writes them. Numbers are numbers: counts, years
  and quarters whole, money #,##0.0000, shares 0.0%, chances with ``formats.CHANCE_EXCEL`` (the exact
  probability, shown ">99%" / "<1%" at the ends as the app shows it, never "100%"); ids stay text and
  Excel is told not to flag them. Widths are wrapped and capped, the header frozen, a filter set.
* Text is never written as a formula (xlsxwriter's ``strings_to_formulas`` is off), so a name that
  starts with "=" stays text; CSV cells that start with = + - @, a tab or a carriage return are
  neutralised with a leading apostrophe (OWASP's CSV-injection guidance), which ingest takes off again in
  a CSV forecast exported (its header holds a column the store writes, ``templates.exported``) and only there.
* CSV downloads carry a UTF-8 byte-order mark so that Excel shows Thai.
* The one-page summary is a PDF made on the server with the bundled Sarabun font (SIL OFL) and Noto
  fallbacks (SIL OFL: Latin, Greek, Cyrillic, Armenian, Georgian, mathematical symbols such as "≥"),
  so a name in any of those scripts prints: the totals, the cumulative chart with its fan and target,
  the riskiest projects with their reasons. Every text is fitted to its box (``fit``): figures shrink
  step by step, then wrap, at any scale (a 10-digit range still fits its card); lines break between
  words only (``wrap``; Thai words from PyThaiNLP's newmm segmenter), and a name too long for its
  lines ends with "…" at a word. The PDF never shows a server path.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePosixPath, PureWindowsPath

import polars as pl

from forecast import config, formats
from forecast.data import schema as s
from forecast.data import units
from forecast.decisions import kpi, risk, summary
from forecast.decisions import portfolio as pf
from forecast.decisions import reallocation as RA
from forecast.labels import code, column, note_text, pair, pick, t
from forecast.model import backtest as B
from forecast.model import engine
from forecast.model import features as F

BOM = "\ufeff"
MAX_WIDTH = 60
FONT_DIR = config.DATA_DIR / "fonts"


NUMERIC_TEXT = r"^[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?$"  # a number written as text ("-1.1000"): no formula


def neutralise(df: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe (numbers, and numbers
    written as text such as a revision's "-1.1000", are left alone)."""
    out = []
    for c, d in df.schema.items():
        col = pl.col(c)
        if d == pl.String:
            # and a cell that already starts with apostrophes before one of those (typed so), so that ingest,
            # which takes one apostrophe off our exports (``templates.NEUTRALISED``), gives it back as typed
            risky = (col.str.contains(r"^[=+\-@\t\r]") & ~col.str.contains(NUMERIC_TEXT)) | col.str.contains(
                r"^'+[=+\-@\t\r]"
            )
            col = pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(c)
        out.append(col)
    return df.select(out)


def csv_bytes(df: pl.DataFrame) -> bytes:
    """CSV for people's spreadsheets: UTF-8 with a byte-order mark, lists joined, formulas neutralised."""
    return (BOM + neutralise(_plain(df)).write_csv()).encode("utf-8")


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Lists joined into text (spreadsheet cells hold no lists)."""
    return df.with_columns(*(pl.col(c).list.join(" | ") for c, d in df.schema.items() if isinstance(d, pl.List)))


# --- the Excel report ---------------------------------------------------------------------------
MONEY, CHANCE, SHARE, SCORE, INT, NUMBER, TEXT, WIDE = (
    "money",
    "chance",
    "share",
    "score",
    "int",
    "number",
    "text",
    "wide",
)
NUMBER_FORMATS = {
    MONEY: "#,##0.0000",  # as printed in the reports
    CHANCE: formats.CHANCE_EXCEL,  # whole percentages, ">99%" and "<1%" at the ends, as the app shows them
    SHARE: "0.0%",  # a share of the budget, as formats.share
    SCORE: "0.00",
    INT: "0",
    NUMBER: "General",  # KPI figures: as many decimals as they have
}
# amounts that are floats (sums and projections; the stored figures are decimals, money by their type)
MONEY_COLUMNS = {
    s.BUDGET,
    summary.PLAN_TO_DATE,
    summary.DISBURSED_TO_DATE,
    summary.COMMITTED_TO_DATE,
    summary.SPEND_TO_DATE,
    F.cum(s.COMMITTED),
    *pf.EXACT_MONEY,
    *pf.DRAWN_MONEY,
    *(engine.projected(f, p) for f in (s.DISBURSED, s.SPEND) for p in (10, 50, 90)),
}
SHARES = (F.CONVERSION, F.pace(s.DISBURSED), F.momentum(s.DISBURSED))


def _kind(name: str, dtype: pl.DataType) -> str:
    """How a report column is written: a number with its format, or text."""
    if isinstance(dtype, pl.Decimal) or (dtype.is_float() and name in MONEY_COLUMNS):
        return MONEY
    if dtype.is_integer():
        return INT
    if not dtype.is_float():
        return TEXT
    if name.startswith("p_"):
        return CHANCE
    if "_share" in name or name.startswith("coverage") or name in SHARES:
        return SHARE
    return SCORE if name == risk.RISK_SCORE else NUMBER


def _codes(lang: str) -> dict[str, Callable[[str], str]]:
    """The columns of codes and how each is written in ``lang`` (a level, a status, a unit, a model)."""
    term = functools.partial(units.term_label, lang=lang)
    return {
        risk.LEVEL: lambda v: t(v, lang),
        kpi.STATUS: lambda v: t(v, lang),
        B.MODEL: lambda v: code("model", v, lang),
        kpi.MODEL: lambda v: code("model", v, lang),
        engine.BASIS: lambda v: code("basis", v, lang),
        s.UNIT: term,
        s.COMPARATOR: term,
        s.SOURCE: term,
        s.MEASURE: term,
        pf.GROUP_BY_COLUMN: lambda v: t(pf.ALL, lang) if v == pf.ALL else column(v, lang),
        pf.GROUP_COLUMN: lambda v: t(pf.ALL, lang) if v == pf.ALL else v,
    }


def ranking_sheet(ranking: pl.DataFrame, projection: pl.DataFrame, lang: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """The short ranking for management: about ten columns in ``lang`` and each column's kind."""
    name = pick(lang, th=s.NAME_TH, en=s.NAME_EN)
    drivers = pick(lang, th=risk.DRIVERS_TH, en=risk.DRIVERS_EN)
    amounts = projection.select(s.PROJECT_ID, engine.DISBURSED_TO_DATE, engine.projected(s.DISBURSED, 50))
    df = ranking.join(amounts, on=s.PROJECT_ID, how="left", suffix="__p").select(
        pl.col(risk.RANK).alias(t("rank", lang)),
        pl.coalesce(pl.col(name), pl.col(s.NAME_TH), pl.col(s.NAME_EN), pl.col(s.PROJECT_ID)).alias(t("name", lang)),
        pl.col(s.PLAN_LINE).fill_null("").alias(t("plan_line", lang)),
        pl.col(risk.LEVEL)
        .replace_strict({lv: t(lv, lang) for lv in (risk.HIGH, risk.MEDIUM, risk.LOW)}, default="")
        .alias(t("level", lang)),
        pl.col(risk.RISK_SCORE).alias(t("risk_score", lang)),
        pl.col(risk.P_MISS_DISBURSEMENT).alias(t("p_miss_disbursement", lang)),
        pl.col(risk.P_MISS_SPEND).alias(t("p_miss_spend", lang)),
        pl.col(risk.P_MISS_KPI).alias(t("p_miss_kpi", lang)),
        pl.col(engine.DISBURSED_TO_DATE).cast(pl.Float64).alias(t("disbursed_to_date", lang)),
        pl.col(engine.projected(s.DISBURSED, 50)).cast(pl.Float64).alias(t("projected_ye", lang)),
        pl.col(drivers).list.join("\n").alias(t("drivers", lang)),
    )
    kinds = [INT, TEXT, TEXT, TEXT, SCORE, CHANCE, CHANCE, CHANCE, MONEY, MONEY, WIDE]
    return df, dict(zip(df.columns, kinds))


def _in_language(frame: pl.DataFrame, names: pl.DataFrame, lang: str) -> pl.DataFrame:
    """A report table for ``lang``: its name (Thai, else English, else the id) in one column, the basis in
    ``lang``, drivers of the other language left out."""
    name, other = pair(lang, th=s.NAME_TH, en=s.NAME_EN)
    if s.NAME_EN in frame.columns or s.NAME_TH in frame.columns:
        at = frame.columns.index(s.NAME_EN if s.NAME_EN in frame.columns else s.NAME_TH)
        if name not in frame.columns or other not in frame.columns:
            key = [k for k in (s.FISCAL_YEAR, s.PROJECT_ID) if k in frame.columns and k in names.columns]
            frame = frame.drop(s.NAME_TH, s.NAME_EN, strict=False).join(
                names.unique(key), on=key, how="left", maintain_order="left"
            )
        chosen = pl.coalesce(pl.col(name).replace("", None), pl.col(other).replace("", None), pl.col(s.PROJECT_ID))
        frame = frame.with_columns(chosen.alias(name)).drop(other)
        cols = [c for c in frame.columns if c != name]
        frame = frame.select([*cols[:at], name, *cols[at:]])
    basis = pick(lang, th=kpi.BASIS_TH, en=kpi.BASIS)
    if basis in frame.columns:
        frame = frame.with_columns(pl.col(basis).alias(kpi.BASIS))
    return frame.drop(kpi.BASIS_TH, risk.DRIVERS_TH, risk.DRIVERS_EN, strict=False)


def _cell(ws, i: int, j: int, v, kind: str, fmt: dict, lang: str, era: str, translate=None) -> None:
    """One cell: numbers as numbers in their format, dates and yes/no in ``lang``, everything else as text."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return
    if isinstance(v, bool):
        ws.write_string(i, j, t("yes" if v else "no", lang), fmt[TEXT])
    elif isinstance(v, (int, float, Decimal)) and kind in NUMBER_FORMATS:
        ws.write_number(i, j, float(v), fmt[kind])
    elif isinstance(v, dt.datetime):
        ws.write_string(i, j, formats.moment(v, lang, era), fmt[TEXT])
    elif isinstance(v, dt.date):
        ws.write_string(i, j, formats.date(v, lang, era), fmt[TEXT])
    else:
        ws.write_string(i, j, translate(str(v)) if translate else str(v), fmt[WIDE if kind == WIDE else TEXT])


def _letters(j: int) -> str:
    """A column's name in a spreadsheet: 0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _write(
    wb,
    name: str,
    frame: pl.DataFrame,
    lang: str,
    era: str = "BE",
    kinds: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """A sheet in ``lang``: translated headers and codes, numbers as numbers with their formats (money
    #,##0.0000, chances as the app shows them, integers whole), capped and wrapped widths, a frozen
    header and a filter."""
    ws = wb.add_worksheet(name[:31])
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#eeeeee", "border": 1})
    fmt = {k: wb.add_format({"num_format": f, "valign": "top"}) for k, f in NUMBER_FORMATS.items()}
    fmt[TEXT] = fmt[WIDE] = wb.add_format({"text_wrap": True, "valign": "top"})
    codes = _codes(lang)
    frame = _plain(frame)
    text: list[str] = []  # the text columns, as Excel names them (A, B, ..., AA)
    for j, c in enumerate(frame.columns):
        header = (headers or {}).get(c) or column(c, lang)
        ws.write_string(0, j, header, head)
        kind = (kinds or {}).get(c) or _kind(c, frame.schema[c])
        values = frame[c].to_list()
        translate = codes.get(c) if frame.schema[c] == pl.String else None
        longest = max([len(header)] + [len(str(v)) for v in values[:500] if v is not None] or [8])
        width = 64 if kind == WIDE else min(MAX_WIDTH, max(8, longest + 2)) if kind == TEXT else 14
        ws.set_column(j, j, width)
        if kind in (TEXT, WIDE):
            text.append(_letters(j))
        for i, v in enumerate(values, start=1):
            _cell(ws, i, j, v, kind, fmt, lang, era, translate)
    if text and frame.height:  # ids and codes such as "2.1" are text on purpose: Excel is not to flag them
        ws.ignore_errors({"number_stored_as_text": " ".join(f"{c}2:{c}{frame.height + 1}" for c in text)})
    ws.freeze_panes(1, 0)
    if frame.width:
        ws.autofilter(0, 0, max(frame.height, 1), frame.width - 1)


def reallocation_sheets(plan, lang: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The proposed transfers (reason in ``lang``; the notes when there are none) and their effect, for a sheet."""
    reason = pick(lang, th=RA.REASON_TH, en=RA.REASON_EN)
    moves = plan.transfers.select(
        RA.GROUP, RA.FROM_ID, RA.FROM_NAME, RA.TO_ID, RA.TO_NAME, RA.AMOUNT, RA.EXPECTED_GAIN, reason
    )
    notes = pl.DataFrame({reason: plan.notes_text(lang)}, schema={reason: pl.String})
    moves = pl.concat([moves, notes], how="diagonal_relaxed") if notes.height else moves
    return moves, plan.effect


def report_workbook(review, lang: str = "th", portfolio: pl.DataFrame | None = None, reallocation=None) -> bytes:
    """The Excel report, every sheet in ``lang``: ranking (short), portfolio, reallocation advice, projections,
    KPIs, the data, then the internals."""
    import xlsxwriter  # noqa: PLC0415 - lazy: xlsxwriter

    ranking = review.ranking(lang)
    short, kinds = ranking_sheet(ranking, review.projection, lang)
    whole = portfolio if portfolio is not None else review.portfolio()
    era = review.snapshot.calendar.era
    names = ranking.select(s.FISCAL_YEAR, s.PROJECT_ID, s.NAME_TH, s.NAME_EN)
    buf = io.BytesIO()
    with xlsxwriter.Workbook(
        buf, {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    ) as wb:
        _write(wb, t("sheet_ranking", lang), short, lang, era, kinds, {c: c for c in short.columns})
        port = whole.drop(pick(lang, th=engine.BASIS, en=pf.BASIS_TH_COLUMN), strict=False)
        port = port.rename({pf.BASIS_TH_COLUMN: engine.BASIS}, strict=False)
        _write(wb, t("sheet_portfolio", lang), port, lang, era)
        unusual = [
            note_text(n.code, n.params, lang) for n in review.unusual
        ]  # an unusual year or drift: said before the figures it qualifies
        if unusual:
            _write(wb, t("sheet_notes", lang), pl.DataFrame({t("sheet_notes", lang): unusual}), lang, era)
        if not review.projection.is_empty():
            moves, effect = reallocation_sheets(reallocation or review.reallocation(), lang)
            _write(wb, t("sheet_reallocation", lang), moves, lang, era)
            _write(wb, t("sheet_reallocation_effect", lang), effect, lang, era)
        proj = _in_language(review.projection.select(engine.PROJECTION_COLUMNS), names, lang)
        _write(wb, t("sheet_projections", lang), proj, lang, era)
        if not review.kpis.is_empty():
            kp = review.kpis.select(*kpi.COLUMNS, s.NAME_TH, kpi.BASIS_TH)
            _write(wb, t("sheet_kpis", lang), _in_language(kp, names, lang), lang, era)
        for name, table in s.TABLES.items():
            _write(wb, code("table", name, lang), review.snapshot.table(name).select(table.names), lang, era)
        _write(wb, t("sheet_internals", lang), _in_language(ranking, names, lang), lang, era)
    return buf.getvalue()


def data_workbook(snap) -> bytes:
    """The template tables as known at the snapshot's date, in the template's layout (re-ingestible).

    Text is written as text, never as a formula, so names round-trip exactly.
    """
    import xlsxwriter  # noqa: PLC0415 - lazy: xlsxwriter

    buf = io.BytesIO()
    with xlsxwriter.Workbook(
        buf, {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    ) as wb:
        for name, table in s.TABLES.items():
            snap.table(name).select(table.names).write_excel(
                wb, worksheet=name, autofit=True, float_precision=6, freeze_panes=(1, 0)
            )
    return buf.getvalue()


# --- the one-page PDF summary ---------------------------------------------------------------------------
FONT = "Sarabun"  # Thai and Latin; the fallbacks below cover what it lacks, in this order
FALLBACKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NotoSans", ("", "B")),  # Latin, Greek, Cyrillic
    ("NotoSansArmenian", ("", "B")),
    ("NotoSansGeorgian", ("", "B")),
    ("NotoSansMath", ("",)),  # ≥ ≤ → and other symbols
)
PT = 25.4 / 72  # mm per point
LEADING = 1.2  # line height / font size
ELLIPSIS = "…"
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_TOKENS = re.compile(r"\s+|[^\s]+")
_RUNS = re.compile(r"[\u0e00-\u0e7f]+|[^\u0e00-\u0e7f]+")


def new_pdf():
    """An A4 landscape FPDF with the bundled fonts, the fallbacks and text shaping."""
    from fpdf import FPDF  # noqa: PLC0415 - lazy: fpdf, only for the PDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", str(FONT_DIR / "Sarabun-Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "Sarabun-Bold.ttf"))
    for family, styles in FALLBACKS:
        for style in styles:
            pdf.add_font(family, style, str(FONT_DIR / f"{family}-{'Bold' if style else 'Regular'}.ttf"))
    pdf.set_fallback_fonts([f for f, _ in FALLBACKS], exact_match=False)
    pdf.set_text_shaping(True)
    return pdf


def _thai_words(run: str) -> list[str]:
    """A run of Thai letters cut into words by PyThaiNLP's newmm segmenter; a currency name a store
    may print (แดรม, ริงกิต, ...) that its dictionary lacks is put back together."""
    from pythainlp.tokenize import word_tokenize  # noqa: PLC0415 - lazy: PyThaiNLP and its dictionary

    tokens = [w for w in word_tokenize(run, engine="newmm") if w]
    if "".join(tokens) != run:
        return [run]
    names = {th for _, th in units.CURRENCIES.values()}
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j = next((j for j in range(min(len(tokens), i + 4), i + 1, -1) if "".join(tokens[i:j]) in names), i + 1)
        out.append("".join(tokens[i:j]))
        i = j
    return out


@functools.lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """``text`` cut where a line may break: words and the spaces between them (joined back they give
    ``text``). Thai, written without spaces between words, is cut between the words PyThaiNLP's newmm
    segmenter finds; what touches a Thai word without a space (brackets, figures) stays with it."""
    out: list[str] = []
    for chunk in _TOKENS.findall(text):
        if chunk.isspace() or not _THAI.search(chunk):
            out.append(chunk)
            continue
        pieces = [""]  # the chunk's Thai words; a line breaks inside a Thai run only, never at its ends
        for run in _RUNS.findall(chunk):
            found = _thai_words(run) if _THAI.match(run) else [run]
            pieces[-1] += found[0]
            pieces += found[1:]
        out += pieces
    return tuple(out)


def _clusters(token: str) -> list[str]:
    """A word cut into characters with their combining marks (Thai vowels and tone marks stay on their letter)."""
    out: list[str] = []
    for ch in token:
        if out and (unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Mc")):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def wrap(pdf, text: str, width: float, break_words: bool = True) -> list[str] | None:
    """``text`` in lines no wider than ``width`` (the current font), broken between words only; a word
    wider than a line is cut between characters when ``break_words``, else the answer is None."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for tok in words(para):
            if tok.isspace() and not line:
                continue  # no line starts with a space
            if pdf.get_string_width(line + tok) <= width:
                line += tok
                continue
            if tok.isspace():  # the break falls on the space, which is dropped
                lines.append(line.rstrip())
                line = ""
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = ""
            if pdf.get_string_width(tok) <= width:
                line = tok
                continue
            if not break_words:
                return None
            for cl in _clusters(tok):
                if line and pdf.get_string_width(line + cl) > width:
                    lines.append(line)
                    line = ""
                line += cl
        lines.append(line.rstrip())
    return lines


def _shorten(pdf, line: str, width: float) -> str:
    """``line`` cut at a word so that it and "…" fit ``width`` (between characters if one word is too wide)."""
    toks = list(words(line))
    while toks and pdf.get_string_width("".join(toks).rstrip() + ELLIPSIS) > width:
        toks.pop()
    if toks:
        return "".join(toks).rstrip() + ELLIPSIS
    chars = _clusters(line)
    while chars and pdf.get_string_width("".join(chars) + ELLIPSIS) > width:
        chars.pop()
    return "".join(chars) + ELLIPSIS if pdf.get_string_width(ELLIPSIS) <= width else ""


def fit(
    pdf,
    text: str,
    width: float,
    size: float,
    min_size: float | None = None,
    max_lines: int = 1,
    height: float | None = None,
    style: str = "",
    shrink: bool = True,
) -> tuple[float, list[str]]:
    """The font size and lines that fit ``text`` into a box ``width`` wide (and ``height`` high).

    From ``size`` down to ``min_size`` by half a point, the first size at which the text fits on at
    most ``max_lines`` lines broken between words. Failing that, figures (``shrink``) keep shrinking
    to 2 pt, and names are cut at a word on their last line with "…". The current font is left at
    the size returned; no line is ever wider than ``width``.
    """
    min_size = size if min_size is None else min(min_size, size)

    def fits(s: float, lines: list[str] | None) -> bool:
        return (
            lines is not None
            and len(lines) <= max_lines
            and (height is None or len(lines) * s * PT * LEADING <= height + 1e-9)
        )

    floor = min(2.0, min_size) if shrink else min_size
    s = size
    while True:
        pdf.set_font(FONT, style, s)
        lines = wrap(pdf, text, width, break_words=False)
        if fits(s, lines):
            return s, lines or [""]
        if s - 0.5 < floor - 1e-9:
            break
        s -= 0.5
    lines = wrap(pdf, text, width) or [""]
    rows = max_lines if height is None else max(1, min(max_lines, int(height / (s * PT * LEADING) + 1e-9)))
    if len(lines) > rows:
        lines = [*lines[: rows - 1], _shorten(pdf, lines[rows - 1], width)]
    return s, lines


def _text(
    pdf,
    x: float,
    y: float,
    w: float,
    text: str,
    size: float,
    min_size: float | None = None,
    max_lines: int = 1,
    h: float | None = None,
    style: str = "",
    align: str = "L",
    shrink: bool = True,
    middle: bool = False,
) -> float:
    """``text`` fitted into the box at (x, y), ``w`` wide (and ``h`` high); returns the height used."""
    s, lines = fit(pdf, text, w - 2 * pdf.c_margin, size, min_size, max_lines, h, style, shrink)
    lh = s * PT * LEADING
    top = y + ((h - len(lines) * lh) / 2 if middle and h else 0)
    for i, line in enumerate(lines):
        pdf.set_xy(x, top + i * lh)
        pdf.cell(w, lh, line, align=align)
    return len(lines) * lh


def _no_path(text: str) -> str:
    """A store shown by its name, never by its path on the server."""
    text = text.strip()
    for kind in (PurePosixPath, PureWindowsPath):
        if text and (kind(text).is_absolute() or text.startswith(("~", "./", "../"))):
            return kind(text).name
    return text


def summary_pdf(
    review,
    lang: str = "th",
    title: str | None = None,
    subtitle: str = "",
    portfolio: pl.DataFrame | None = None,
    top: int = 8,
    reallocation=None,
) -> bytes:
    """One A4 landscape page: totals, the cumulative chart with the fan and targets, the top risks."""
    snap = review.snapshot
    prog = summary.progress(snap)
    curve = summary.portfolio_curve(snap)
    whole = (portfolio if portfolio is not None else review.portfolio()).row(0, named=True)
    budget = float(prog[s.BUDGET].cast(pl.Float64).sum() or 0)
    policy = review.policy
    unit = snap.unit.words(lang)

    pdf = new_pdf()
    pdf.add_page()
    pdf.set_margins(12, 10, 12)
    _text(pdf, 12, 10, 273, title or t("title", lang), 16, 10, style="B")
    year = snap.fiscal_year
    subtitle = _no_path(subtitle)
    caption = (
        f"{snap.calendar.year_label(year, lang) if year else ''} · {t('as_of', lang)} "
        f"{formats.date(snap.as_of, lang, snap.calendar.era)}" + (f" · {subtitle}" if subtitle else "")
    )
    _text(pdf, 12, 18, 273, caption, 10, 7, shrink=False)

    done = float(prog[summary.DISBURSED_TO_DATE].cast(pl.Float64).sum() or 0)
    cards = [
        (f"{t('budget', lang)} ({unit})", formats.money(budget)),
        (t("disbursed_to_date", lang), f"{formats.money(done)} ({formats.share(done / budget if budget else None)})"),
        (t("projected_ye", lang), f"{formats.money(whole['disbursed_p50'])}"),
        (t("range", lang), f"{formats.money(whole['disbursed_p10'])} – {formats.money(whole['disbursed_p90'])}"),
        (t("p_agency_miss", lang).format(target=f"{policy.target:.0%}"), formats.chance(whole["p_miss_target"])),
    ]
    x0, y0, w = 12, 27.0, (297 - 24 - 4 * 3) / 5
    for i, (k, v) in enumerate(cards):
        x = x0 + i * (w + 3)
        pdf.set_draw_color(0, 0, 0)
        pdf.rect(x, y0, w, 16)
        _text(pdf, x + 1, y0 + 1.2, w - 2, k, 8, 6, max_lines=2, h=5.4, shrink=False)
        _text(pdf, x + 1, y0 + 6.8, w - 2, v, 12, 5, max_lines=2, h=8.6, style="B", middle=True)
    _chart(pdf, curve, whole, policy, budget, lang, x=12, y=y0 + 20, w=110, h=78)
    _risks(pdf, review.ranking(lang), lang, x=128, y=y0 + 20, w=157, top=top)
    basis = whole.get(pick(lang, th="basis_th", en="basis")) or ""
    footer = f"{policy.describe(lang)} · {policy.source_in(lang)} · {basis}"
    plan = (
        reallocation
        if reallocation is not None
        else (review.reallocation() if year and not review.projection.is_empty() else None)
    )
    if plan is not None and plan.transfers.height:  # the plan in one line, above the footer
        w_ = plan.effect.row(0, named=True)
        line = t("realloc_pdf", lang).format(
            n=plan.transfers.height,
            amount=formats.money(float(w_[RA.MOVED])),
            unit=unit,
            before=formats.chance(w_[RA.P_MISS_BEFORE]),
            after=formats.chance(w_[RA.P_MISS_AFTER]),
        )
        _text(pdf, 12, 188, 273, line, 8, 6, max_lines=1, h=5, shrink=False)
    unusual = [note_text(n.code, n.params, lang) for n in review.unusual]
    if unusual:  # an unusual year or drift, above the plan and the footer
        _text(pdf, 12, 175, 273, " ".join(unusual), 8, 6, max_lines=3, h=13, shrink=False)
    _text(pdf, 12, 194, 273, footer, 7, 5.5, max_lines=3, h=12, shrink=False)
    return bytes(pdf.output())


def _chart(
    pdf, curve: pl.DataFrame, whole: dict, policy, budget: float, lang: str, x: float, y: float, w: float, h: float
) -> None:
    """Cumulative plan and disbursed by quarter, the year-end fan and the target(s), drawn with lines."""
    _text(pdf, x, y, w, t("curve", lang), 10, 8, style="B", shrink=False)
    top = max([budget, float(whole["disbursed_p90"] or 0), *curve[s.PLAN].cast(pl.Float64).fill_null(0).to_list()])
    top = top * 1.05 or 1.0
    left, bottom, width, height = x + 12, y + h, w - 16, h - 14

    def at(q: float, v: float) -> tuple[float, float]:
        return left + (q - 1) / 3 * width, bottom - v / top * height

    pdf.set_draw_color(180, 180, 180)
    pdf.set_line_width(0.2)
    pdf.line(left, bottom, left + width, bottom)
    pdf.line(left, bottom, left, bottom - height)
    pdf.set_font(FONT, "", 7)
    for q in (1, 2, 3, 4):
        px, _ = at(q, 0)
        pdf.set_xy(px - 4, bottom + 0.5)
        pdf.cell(8, 3, f"Q{q}", align="C")
    for frac in (0.5, 1.0):
        _, py = at(1, frac * top / 1.05)
        _text(pdf, x - 1, py - 1.5, 13, f"{frac * top / 1.05:,.0f}", 7, 7, h=3, align="R", middle=True)
    legend = []
    for col, rgb, key in (
        (s.PLAN, (158, 158, 158), "plan_to_date"),
        (s.DISBURSED, (78, 121, 167), "disbursed_to_date"),
    ):
        pts = [
            (int(q), float(v))
            for q, v in curve.select(s.QUARTER, pl.col(col).cast(pl.Float64)).iter_rows()
            if v is not None
        ]
        pdf.set_draw_color(*rgb)
        pdf.set_line_width(0.6)
        for (q1, v1), (q2, v2) in itertools.pairwise(pts):
            pdf.line(*at(q1, v1), *at(q2, v2))
        legend.append((rgb, t(key, lang)))
    reported = [
        (int(q), float(v))
        for q, v in curve.select(s.QUARTER, pl.col(s.DISBURSED).cast(pl.Float64)).iter_rows()
        if v is not None
    ]
    if reported and reported[-1][0] < 4:
        q0, v0 = reported[-1]
        pdf.set_draw_color(160, 203, 232)
        pdf.set_fill_color(220, 235, 246)
        pdf.polygon(
            [at(q0, v0), at(4, float(whole["disbursed_p90"])), at(4, float(whole["disbursed_p10"]))], style="DF"
        )
        pdf.set_draw_color(78, 121, 167)
        pdf.set_dash_pattern(dash=1.5, gap=1)
        pdf.line(*at(q0, v0), *at(4, float(whole["disbursed_p50"])))
        pdf.set_dash_pattern()
        legend.append(((160, 203, 232), t("fan", lang)))
    pdf.set_draw_color(178, 34, 34)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.line(*at(1, policy.target * budget), *at(4, policy.target * budget))
    pdf.set_dash_pattern()
    legend.append(((178, 34, 34), f"{t('target_line', lang)} {policy.target:.0%}"))
    if policy.quarterly_targets:
        pdf.set_draw_color(225, 87, 89)
        for q, (a, b) in enumerate(zip(policy.quarterly_targets, policy.quarterly_targets[1:]), start=1):
            pdf.line(*at(q, a * budget), *at(q + 1, b * budget))
        legend.append(((225, 87, 89), t("target_curve", lang)))
    for i, (rgb, label) in enumerate(legend):
        lx, ly = x + 12 + (i % 3) * 34, y + h + 5 + (i // 3) * 4
        pdf.set_fill_color(*rgb)
        pdf.rect(lx, ly + 0.8, 3, 2, style="F")
        _text(pdf, lx + 4, ly, 30, label, 7, 5.5, shrink=False)


def _risks(pdf, ranking: pl.DataFrame, lang: str, x: float, y: float, w: float, top: int) -> None:
    """The riskiest projects with their level, chance of missing and main reasons (fitted to the page):
    names wrap on up to three lines (then "…" at a word), each reason on up to three."""
    name = pick(lang, th=s.NAME_TH, en=s.NAME_EN)
    drivers = pick(lang, th=risk.DRIVERS_TH, en=risk.DRIVERS_EN)
    _text(pdf, x, y, w, t("top_risks", lang), 10, 8, style="B", shrink=False)
    cols = [
        (t("rank", lang), 9),
        (t("name", lang), 52),
        (t("level", lang), 16),
        (t("p_miss_disbursement", lang), 20),
        (t("drivers", lang), w - 97),
    ]
    yy = y + 7
    xx = x
    used = 0.0
    for label, cw in cols:
        used = max(used, _text(pdf, xx, yy, cw, label, 7, 5.5, max_lines=2, h=6.5, style="B", shrink=False))
        xx += cw
    pdf.set_draw_color(178, 34, 34)
    pdf.line(x, yy + used + 0.3, x + w, yy + used + 0.3)
    yy += 8
    size, bullet = 7.0, "• "
    lh = size * PT * LEADING
    colours = {risk.HIGH: (244, 199, 195), risk.MEDIUM: (252, 232, 178), risk.LOW: (200, 230, 201)}
    for r in ranking.head(top).iter_rows(named=True):
        label = next((str(r[c]) for c in (name, s.NAME_TH, s.NAME_EN) if r.get(c)), str(r[s.PROJECT_ID]))
        cells: list[list[tuple[float, str]]] = []
        for i, ((_, cw), text) in enumerate(
            zip(cols, [str(r[risk.RANK]), label, t(r[risk.LEVEL], lang), formats.chance(r[risk.P_MISS_DISBURSEMENT])])
        ):
            _, lines = fit(pdf, text, cw - 2 * pdf.c_margin, size, max_lines=3 if i == 1 else 1, shrink=False)
            cells.append([(0.0, line) for line in lines])
        reasons: list[tuple[float, str]] = []
        pdf.set_font(FONT, "", size)
        indent = pdf.get_string_width(bullet)
        for d in (r[drivers] or [])[:2]:
            _, lines = fit(pdf, str(d), cols[-1][1] - 2 * pdf.c_margin - indent, size, max_lines=3, shrink=False)
            reasons += [(0.0, bullet + lines[0]), *((indent, line) for line in lines[1:])]
        cells.append(reasons)
        row_h = max(len(c) for c in cells) * lh
        if yy + row_h > 190:  # the page ends here: the rest are in the Excel report
            break
        xx = x
        pdf.set_font(FONT, "", size)
        for i, ((_, cw), cell) in enumerate(zip(cols, cells)):
            if i == 2:
                pdf.set_fill_color(*colours.get(r[risk.LEVEL], (255, 255, 255)))
                pdf.rect(xx, yy, cw, row_h, style="F")
            for j, (dx, line) in enumerate(cell):
                pdf.set_xy(xx + dx, yy + j * lh)
                pdf.cell(cw - dx, lh, line)
            xx += cw
        yy += row_h + 1.5
        pdf.set_draw_color(220, 220, 220)
        pdf.line(x, yy - 0.8, x + w, yy - 0.8)
