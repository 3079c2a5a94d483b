"""Exports: the Excel report (ranking, projections, KPIs, the data as of a vintage) and a printable summary."""

from __future__ import annotations

import html
import io

import polars as pl

from forecast.model import engine
from forecast.decisions import kpi, risk
from forecast.data import schema as s
from forecast.interfaces.labels import t


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Lists joined into text (Excel cells hold no lists)."""
    return df.with_columns(*(pl.col(c).list.join(" | ") for c, d in df.schema.items() if isinstance(d, pl.List)))


def report_workbook(review, ranking: pl.DataFrame, portfolio: pl.DataFrame | None = None) -> bytes:
    """One workbook: ranking, the portfolio, projections, KPI projections, then the tables as of the review's date."""
    import xlsxwriter

    snap = review.snapshot
    sheets = {"ranking": _plain(ranking), "portfolio": portfolio if portfolio is not None else review.portfolio(),
              "projections": review.projection.select(engine.PROJECTION_COLUMNS),
              "kpi_projections": review.kpis.select(kpi.COLUMNS) if not review.kpis.is_empty() else review.kpis,
              **{name: snap.table(name).select(t.names) for name, t in s.TABLES.items()}}
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf) as wb:
        for name, frame in sheets.items():
            frame.write_excel(wb, worksheet=name, autofit=True, float_precision=4, freeze_panes=(1, 0))
    return buf.getvalue()


def data_workbook(snap) -> bytes:
    """The four template tables as known at the snapshot's date, in the template's layout (re-ingestible)."""
    import xlsxwriter

    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf) as wb:
        for name, table in s.TABLES.items():
            snap.table(name).select(table.names).write_excel(wb, worksheet=name, autofit=True,
                                                             float_precision=6, freeze_panes=(1, 0))
    return buf.getvalue()


def summary_html(title: str, subtitle: str, totals: list[tuple[str, str]], ranking: pl.DataFrame, lang: str,
                 note: str, top: int = 10) -> str:
    """A one-page, printable summary: totals, the top risks with their reasons, the basis note."""
    name = s.NAME_TH if lang == "th" else s.NAME_EN
    drivers = risk.DRIVERS_TH if lang == "th" else risk.DRIVERS_EN
    e = html.escape
    rows = "".join(
        f"<tr class='{r[risk.LEVEL]}'><td>{r[risk.RANK]}</td><td>{e(r[name] or r[s.PROJECT_ID])}</td>"
        f"<td>{t(r[risk.LEVEL], lang)}</td><td>{r[risk.RISK_SCORE]:.2f}</td>"
        f"<td>{risk.chance(r[risk.P_MISS_DISBURSEMENT])}</td>"
        f"<td><ul>{''.join(f'<li>{e(d)}</li>' for d in r[drivers])}</ul></td></tr>"
        for r in ranking.head(top).iter_rows(named=True))
    cards = "".join(f"<div class='card'><div class='k'>{e(k)}</div><div class='v'>{e(v)}</div></div>"
                    for k, v in totals)
    head = "".join(f"<th>{e(t(k, lang))}</th>" for k in ("rank", "name", "level", "risk_score",
                                                         "p_miss_disbursement", "drivers"))
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: "Sarabun", "TH Sarabun New", "Noto Sans Thai", "Loma", sans-serif; font-size: 9pt; }}
h1 {{ font-size: 16pt; margin: 0; }} .sub {{ color: #555; margin-bottom: 8px; }}
.cards {{ display: flex; gap: 8px; margin: 8px 0; }} .card {{ border: 1px solid #ccc; padding: 6px 10px; }}
.k {{ font-size: 9pt; color: #555; }} .v {{ font-size: 13pt; font-weight: bold; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #ccc; padding: 3px 6px;
vertical-align: top; text-align: left; }} ul {{ margin: 0; padding-left: 16px; }}
tr.high td:nth-child(3) {{ background: #f8d0d0; }} tr.medium td:nth-child(3) {{ background: #fbe8c0; }}
tr.low td:nth-child(3) {{ background: #d5efd5; }} .note {{ font-size: 9pt; color: #555; margin-top: 8px; }}
</style></head><body><h1>{e(title)}</h1><div class="sub">{e(subtitle)}</div>
<div class="cards">{cards}</div><table><tr>{head}</tr>{rows}</table>
<div class="note">{e(note)}</div></body></html>"""
