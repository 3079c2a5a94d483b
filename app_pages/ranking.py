"""Risk ranking: projects by risk with level, probabilities and reasons; filters; a row opens its project."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from forecast.decisions import risk
from forecast.data import schema as s
from forecast import ui

store, as_of, data = ui.sidebar()
st.title(ui.tr("page_ranking"))
st.caption(f"{ui.fy_caption(data)} · {ui.tr('as_of')} {data['as_of_date']} · {ui.tr('score_formula')}")
ui.basis_note(data)
ranking = data["ranking"]

f1, f2, f3 = st.columns([2, 2, 2])
levels = f1.multiselect(ui.tr("filter_level"), [risk.HIGH, risk.MEDIUM, risk.LOW],
                        format_func=partial(ui.level_label, lang_=ui.lang()), key="rank_levels",
                        placeholder=ui.tr("all"))
lines = sorted(x for x in ranking[s.PLAN_LINE].unique().to_list() if x)
chosen = f2.multiselect(ui.tr("filter_plan_line"), lines, key="rank_lines", placeholder=ui.tr("all"))
query = f3.text_input(ui.tr("search"), key="rank_search")
shown = ranking
if levels:
    shown = shown.filter(pl.col(risk.LEVEL).is_in(levels))
if chosen:
    shown = shown.filter(pl.col(s.PLAN_LINE).is_in(chosen))
if query:
    q = query.lower()
    shown = shown.filter(pl.col(s.PROJECT_ID).str.contains(q, literal=True)
                         | pl.col(s.NAME_TH).str.to_lowercase().str.contains(q, literal=True)
                         | pl.col(s.NAME_EN).str.to_lowercase().str.contains(q, literal=True))
LIMIT = 500  # a whole government's portfolio is filtered and paged, never drawn at once
st.caption(ui.tr("rows_shown", n=min(shown.height, LIMIT), total=ranking.height) + " · " + ui.tr("open_project"))
name = ui.name_col()
page = shown.head(LIMIT)
labels = {lv: ui.level_label(lv) for lv in (risk.HIGH, risk.MEDIUM, risk.LOW)}
table = page.select(
    pl.col(risk.RANK).alias(ui.tr("rank")),
    pl.col(risk.LEVEL).replace_strict(labels, return_dtype=pl.String).alias(ui.tr("level")),
    pl.col(name).alias(ui.tr("name")),
    pl.col(risk.RISK_SCORE).alias(ui.tr("risk_score")),
    pl.col(ui.drivers_col()).list.join(" · ").alias(ui.tr("drivers")),
    pl.col(risk.P_MISS_DISBURSEMENT).alias(ui.tr("p_miss_disbursement")),
    pl.col(risk.P_MISS_SPEND).alias(ui.tr("p_miss_spend")),
    pl.col(risk.P_MISS_KPI).alias(ui.tr("p_miss_kpi")),
    pl.col(s.PROJECT_ID),
)
prob = {ui.tr(k): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
        for k in ("risk_score", "p_miss_disbursement", "p_miss_spend", "p_miss_kpi")}
event = st.dataframe(ui.coloured_levels(table, ui.tr("level"), page[risk.LEVEL].to_list()), hide_index=True,
                     width="stretch", on_select="rerun", selection_mode="single-row", key="ranking_table",
                     column_config={**prob, ui.tr("name"): st.column_config.TextColumn(width="medium"),
                                    ui.tr("drivers"): st.column_config.TextColumn(width="large")})
rows = event.selection.rows if event and event.selection else []
if rows:
    st.session_state[ui.PROJECT] = table[s.PROJECT_ID][rows[0]]
    st.switch_page("app_pages/project.py")
with st.expander(ui.tr("drivers"), expanded=True):
    for r in page.head(20).iter_rows(named=True):
        st.markdown(f"**{r[risk.RANK]}. {r[name] or r[s.PROJECT_ID]}** · {ui.level_label(r[risk.LEVEL])} · "
                    f"{r[risk.RISK_SCORE]:.2f}\n" + "\n".join(f"- {d}" for d in r[ui.drivers_col()]))
st.download_button(ui.tr("download_csv"),
                   lambda: shown.with_columns(pl.col(ui.drivers_col()).list.join(" | ").alias(risk.DRIVERS))
                   .drop(risk.DRIVERS_TH, risk.DRIVERS_EN).write_csv(),
                   "risk_ranking.csv", "text/csv", on_click="ignore")
