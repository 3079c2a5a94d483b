"""Risk ranking: projects by risk with level, probabilities and reasons; filters; a row opens its project."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast import formats
from forecast.data import schema as s
from forecast.decisions import risk
from forecast.interfaces import export
from forecast.model.features import group_agency
from ui import actions

ctx = ui.context()
rv = ctx.review
st.title(ctx.tr("page_ranking"))
st.caption(f"{ctx.fy_caption()} · {ctx.tr('as_of')} {ctx.date(rv.snapshot.as_of)} · {rv.policy.describe(ctx.lang)}")
ui.basis_note(ctx)
ranking = rv.ranking(ctx.lang)

agencies = ctx.agencies
if len(agencies) > 1:  # a whole government: the agency filter comes first (the agencies page sets it)
    ui.allowed("rank_agencies", agencies)
    chosen_agencies = st.multiselect(
        ctx.tr("filter_agency"), agencies, key="rank_agencies", placeholder=ctx.tr("all"), select_all=False
    )
    if chosen_agencies:
        ranking = ranking.filter(group_agency().is_in(chosen_agencies))
f1, f2, f3 = st.columns([2, 2, 2])
ui.allowed("rank_levels", [risk.HIGH, risk.MEDIUM, risk.LOW])
levels = f1.multiselect(
    ctx.tr("filter_level"),
    [risk.HIGH, risk.MEDIUM, risk.LOW],
    format_func=lambda lv: ui.level_label(lv, ctx.lang),
    key=ui.follows_language("rank_levels"),
    placeholder=ctx.tr("all"),
    select_all=False,  # nothing chosen is all of them; Streamlit's "Select all" has no words in Thai
)
lines = sorted(x for x in ranking[s.PLAN_LINE].unique().to_list() if x) if not ranking.is_empty() else []
ui.allowed("rank_lines", lines)
chosen = f2.multiselect(
    ctx.tr("filter_plan_line"), lines, key="rank_lines", placeholder=ctx.tr("all"), select_all=False
)
query = f3.text_input(ctx.tr("search"), key="rank_search")
shown = ranking
if levels:
    shown = shown.filter(pl.col(risk.LEVEL).is_in(levels))
if chosen:
    shown = shown.filter(pl.col(s.PLAN_LINE).is_in(chosen))
if query:
    q = query.lower()
    shown = shown.filter(
        pl.col(s.PROJECT_ID).str.to_lowercase().str.contains(q, literal=True)
        | pl.col(s.NAME_TH).fill_null("").str.to_lowercase().str.contains(q, literal=True)
        | pl.col(s.NAME_EN).fill_null("").str.to_lowercase().str.contains(q, literal=True)
    )
LIMIT = 500  # a whole government's portfolio is filtered and paged, never drawn at once
st.caption(ctx.tr("rows_shown", n=min(shown.height, LIMIT), total=ranking.height) + " · " + ctx.tr("open_project"))
page = shown.head(LIMIT)
labels = {lv: ui.level_label(lv, ctx.lang) for lv in (risk.HIGH, risk.MEDIUM, risk.LOW)}
table = page.select(
    pl.col(risk.RANK).alias(ctx.tr("rank")),
    pl.col(risk.LEVEL).replace_strict(labels, return_dtype=pl.String).alias(ctx.tr("level")),
    ctx.name().alias(ctx.tr("name")),
    pl.col(risk.RISK_SCORE).alias(ctx.tr("risk_score")),
    *(
        pl.col(c).map_elements(formats.chance, return_dtype=pl.String, skip_nulls=False).alias(ctx.tr(c))
        for c in (risk.P_MISS_DISBURSEMENT, risk.P_MISS_SPEND, risk.P_MISS_KPI)
    ),
    pl.col(ctx.drivers_col).list.join(" · ").alias(ctx.tr("drivers")),
    pl.col(s.PROJECT_ID),
)
prob = {
    ctx.tr(k): st.column_config.TextColumn(width="small") for k in ("p_miss_disbursement", "p_miss_spend", "p_miss_kpi")
}
if page.is_empty():  # said in words (Streamlit would draw its own English "empty")
    st.info(ctx.tr("no_match"))
    st.stop()
event = st.dataframe(
    ui.coloured_levels(table, ctx.tr("level"), page[risk.LEVEL].to_list(), ctx.lang),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="ranking_table",
    column_config={
        **prob,
        ctx.tr("risk_score"): st.column_config.NumberColumn(format="%.2f"),
        s.PROJECT_ID: None,
        ctx.tr("name"): st.column_config.TextColumn(width="medium"),
        ctx.tr("drivers"): st.column_config.TextColumn(width="large"),
    },
)
rows = event.selection.rows if event and event.selection else []
if rows:
    st.session_state[ui.PROJECT] = table[s.PROJECT_ID][rows[0]]
    ui.go("app_pages/project.py")
with st.expander(ctx.tr("drivers"), expanded=True):
    for r in page.head(20).with_columns(ctx.name().alias("__name")).iter_rows(named=True):
        st.markdown(
            f"**{r[risk.RANK]}. {ui.md(r['__name'])}** · "
            f"{ui.level_label(r[risk.LEVEL], ctx.lang)} · {formats.score(r[risk.RISK_SCORE])}\n"
            + "\n".join(f"- {ui.md(d)}" for d in r[ctx.drivers_col])
        )
st.download_button(
    ctx.tr("download_csv"),
    lambda: export.csv_bytes(
        shown.with_columns(pl.col(ctx.drivers_col).list.join(" | ").alias(risk.DRIVERS)).drop(
            risk.DRIVERS_TH, risk.DRIVERS_EN, risk.DRIVER_CODES
        )
    ),
    "risk_ranking.csv",
    "text/csv",
    on_click=actions.record_download,
    args=(ctx.store, "risk_ranking.csv", ctx.as_of),
)
