"""Overview: portfolio totals, the cumulative chart with the projection and target, risk levels, changes."""

from __future__ import annotations

import polars as pl
import streamlit as st

from forecast.model import engine
from forecast.interfaces import export
from forecast.decisions import risk, summary
from forecast.model import features as F
from forecast.data import schema as s
from forecast import ui

store, as_of, data = ui.sidebar()
st.title(ui.tr("title"))
st.caption(f"{ui.fy_caption(data)} · {ui.tr('as_of')} {data['as_of_date']}")
if store.read_only:
    st.info(ui.tr("note_reference"))
ui.basis_note(data)

prog, proj, ranking = data["progress"], data["projection"], data["ranking"]
budget = float(prog[s.BUDGET].sum() or 0)
cols = st.columns(5)
cols[0].metric(ui.tr("budget"), f"{budget:,.4f}")
for col, key in zip(cols[1:4], (summary.PLAN_TO_DATE, summary.SPEND_TO_DATE, summary.DISBURSED_TO_DATE)):
    value = float(prog[key].sum() or 0)
    col.metric(ui.tr(key), f"{value:,.4f}", f"{value / budget:.1%} {ui.tr('of_budget')}" if budget else None,
               delta_color="off")
ye = {p: float(proj[engine.projected(s.DISBURSED, p)].cast(pl.Float64).sum()) for p in (10, 50, 90)}
cols[4].metric(ui.tr("projected_ye"), f"{ye[50]:,.1f}",
               f"{ui.tr('range')} {ye[10]:,.1f}–{ye[90]:,.1f} ({ye[50] / budget:.1%})" if budget else None,
               delta_color="off")

left, right = st.columns([3, 2])
with left:
    st.subheader(ui.tr("curve"))
    q_done = int(proj[F.ORIGIN].max() or 0)
    curve = data["curve"]
    done = curve.filter(pl.col(s.QUARTER) == q_done)[s.DISBURSED].cast(pl.Float64)
    fan = ui.fan(q_done, float(done[0]), ye[10], ye[50], ye[90]) if q_done and len(done) and q_done < 4 else None
    st.altair_chart(ui.cumulative_chart(curve, fan, F.CABINET_TARGET, budget), width="stretch")
    st.caption(ui.tr("sum_range_note"))
with right:
    st.subheader(ui.tr("levels"))
    counts = {lv: ranking.filter(pl.col(risk.LEVEL) == lv).height for lv in (risk.HIGH, risk.MEDIUM, risk.LOW)}
    for col, (lv, n) in zip(st.columns(3), counts.items()):
        col.metric(ui.level_label(lv), n)
    st.subheader(ui.tr("changes"))
    ms = ui.active_model_set(store)
    before, before_date = ui.previous(store.fingerprint(), as_of, ms.version if ms else None)
    if before is None:
        st.caption(ui.tr("no_previous"))
    else:
        moved = risk.changes(ranking, before)
        new_high = moved.filter(pl.col(risk.NEW_HIGH))
        st.caption(f"{ui.tr('as_of')} {before_date} → {data['as_of_date']}")
        st.metric(ui.tr("new_high"), new_high.height)
        name = ui.name_col()
        st.dataframe(moved.filter(pl.col(risk.RANK_CHANGE) != 0).select(
            pl.col(risk.RANK).alias(ui.tr("rank")), pl.col(risk.RANK_CHANGE).alias("±"),
            pl.col(risk.PREVIOUS_RANK).alias("←"), pl.col(name).alias(ui.tr("name"))),
            hide_index=True, width="stretch", height=220)
        restated = data["revisions"].filter(pl.col("kind") == "restatement").height
        st.metric(ui.tr("restated_n"), restated)

st.divider()
lang = ui.lang()
summary_page = export.summary_html(
    ui.tr("title"), f"{ui.fy_caption(data)} · {ui.tr('as_of')} {data['as_of_date']} · {store.label}",
    [(ui.tr("budget"), f"{budget:,.4f}"),
     (ui.tr("disbursed_to_date"), f"{float(prog[summary.DISBURSED_TO_DATE].sum() or 0):,.4f}"),
     (ui.tr("projected_ye"), f"{ye[50]:,.1f} ({ye[10]:,.1f}–{ye[90]:,.1f})"),
     *((ui.level_label(lv), str(n)) for lv, n in counts.items())],
    ranking, lang, ui.tr("score_formula") + " · " + "; ".join(sorted(set(proj[engine.BASIS].to_list()))))
c1, c2 = st.columns(2)
c1.download_button(ui.tr("download_summary"), summary_page.encode("utf-8"), "forecast_summary.html", "text/html",
                   on_click="ignore")
c2.download_button(ui.tr("download_report"),  # built only when clicked
                   lambda: export.report_workbook(store, as_of, ranking, proj, data["kpis"]), "forecast_report.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
