"""Agencies: a whole government's store ranked by agency - P(the agency misses its target), shortfall."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast.decisions import risk
from forecast.labels import pick

ctx = ui.context()
rv = ctx.review
st.title(ctx.tr("page_agencies"))
st.caption(
    f"{ctx.fy_caption()} · {ctx.tr('as_of')} {ctx.date(rv.snapshot.as_of)} · "
    + ui.md(rv.policy.source_in(ctx.lang))  # the targets' note is free text
)
ui.basis_note(ctx)
table = ctx.portfolio(by="agency")
if table.is_empty():
    st.info(ctx.tr("no_projects"))
    st.stop()
whole, groups = table.head(1), table.slice(1)
groups = groups.sort(["p_miss_target", "expected_shortfall"], descending=True)
shown = groups.select(  # the sort key and the shortfall first, so that they stay in view
    pl.col("group").alias(ctx.tr("agency")),
    pl.col("p_miss_target").alias(ctx.tr("p_agency_miss", target=f"{rv.policy.target:.0%}")),
    pl.col("expected_shortfall").alias(ctx.tr("expected_shortfall")),
    pl.col("disbursed_share_p50").alias(ctx.tr("projected_ye")),
    pl.col("projects").alias(ctx.tr("projects_n")),
    pl.col("budget").alias(f"{ctx.tr('budget')} ({ctx.unit})"),
    pl.col("disbursed_to_date").alias(ctx.tr("disbursed_to_date")),
)
st.caption(ctx.tr("open_agency") + " · " + ui.md(whole[pick(ctx.lang, th="basis_th", en="basis")][0]))
event = st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="agencies_table",
    column_config={
        ctx.tr("p_agency_miss", target=f"{rv.policy.target:.0%}"): st.column_config.ProgressColumn(
            format="percent", min_value=0, max_value=1
        ),
        ctx.tr("projected_ye"): st.column_config.NumberColumn(format="percent"),
        **{
            c: st.column_config.NumberColumn(format=ui.MONEY_FORMAT)
            for c in (f"{ctx.tr('budget')} ({ctx.unit})", ctx.tr("disbursed_to_date"), ctx.tr("expected_shortfall"))
        },
    },
)
rows = event.selection.rows if event and event.selection else []
if rows:
    st.session_state["rank_agencies"] = [groups["group"][rows[0]]]
    ui.go("app_pages/ranking.py")
st.metric(
    ctx.tr("p_agency_miss", target=f"{rv.policy.target:.0%}") + " · " + ctx.tr("all"),
    risk.chance(whole["p_miss_target"][0]),
)
