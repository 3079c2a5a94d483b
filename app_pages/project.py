"""One project: quarterly money, the cumulative chart with its projection fan, KPIs, restatements, what-if."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast.data import schema as s
from forecast.decisions import kpi, risk
from forecast.model import features as F

ctx = ui.context()
rv = ctx.review
ranking, proj = rv.ranking(ctx.lang), rv.projection
st.title(ctx.tr("page_project"))
if ranking.is_empty():
    st.info(ctx.tr("no_projects"))
    st.stop()
name = ctx.name_col
ids = ranking.sort(s.PROJECT_ID)[s.PROJECT_ID].to_list()
labels = dict(zip(ranking[s.PROJECT_ID], ranking[name]))
if st.session_state.get(ui.PROJECT) not in ids:
    st.session_state[ui.PROJECT] = ranking[s.PROJECT_ID][0]  # the riskiest first
pid = st.selectbox(ctx.tr("choose_project"), ids, format_func=lambda i: f"{labels.get(i) or i} ({i})",
                   key=ui.PROJECT)
row = ranking.filter(pl.col(s.PROJECT_ID) == pid).row(0, named=True)
p = proj.filter(pl.col(s.PROJECT_ID) == pid).row(0, named=True)
budget = float(p[s.BUDGET])
ui.basis_note(ctx)

c = st.columns(5)
c[0].metric(f"{ctx.tr('budget')} ({ctx.unit})", f"{budget:,.4f}")
c[1].metric(ctx.tr("disbursed_to_date"), f"{float(p['disbursed_to_date']):,.4f}",
            f"{float(p['disbursed_to_date']) / budget:.1%} {ctx.tr('of_budget')}" if budget else None,
            delta_color="off", delta_arrow="off")
c[2].metric(ctx.tr("projected_ye"), f"{float(p['disbursed_p50']):,.4f}",
            f"{ctx.tr('range')} {float(p['disbursed_p10']):,.1f}–{float(p['disbursed_p90']):,.1f}", delta_color="off",
            delta_arrow="off")
c[3].metric(ctx.tr("risk_score"), f"{row[risk.RISK_SCORE]:.2f}", ui.level_label(row[risk.LEVEL], ctx.lang),
            delta_color="off", delta_arrow="off")
c[4].metric(ctx.tr("p_miss_disbursement"), risk.chance(row[risk.P_MISS_DISBURSEMENT]))
ui.level_badge(row[risk.LEVEL], ctx.lang)
st.markdown("\n".join(f"- {d}" for d in row[ctx.drivers_col]))

left, right = st.columns([3, 2])
with left:
    fin = rv.snapshot.finance.filter((pl.col(s.FISCAL_YEAR) == p[s.FISCAL_YEAR]) & (pl.col(s.PROJECT_ID) == pid)) \
        .sort(s.QUARTER)
    curve = fin.select(s.QUARTER, *(pl.when(pl.col(col).is_not_null().any()).then(pl.col(col)).alias(col)
                                    if col != s.PLAN else pl.col(col) for col in (s.PLAN, s.SPEND, s.DISBURSED)))
    curve = curve.with_columns(*(pl.col(col).cum_sum() for col in (s.PLAN, s.SPEND, s.DISBURSED)))
    q = int(p[F.ORIGIN])
    fan = (ui.fan(q, float(p["disbursed_to_date"]), float(p["disbursed_p10"]), float(p["disbursed_p50"]),
                  float(p["disbursed_p90"])) if 0 < q < 4 else None)
    st.subheader(f"{ctx.tr('curve')} ({ctx.unit})")
    st.altair_chart(ui.cumulative_chart(ctx, curve, fan, rv.policy.target, budget, rv.policy.quarterly_targets),
                    width="stretch")
with right:
    st.subheader(f"{ctx.tr('money_table')} ({ctx.unit})")
    money = fin.select(pl.col(s.QUARTER).alias(ctx.tr("quarter")), pl.col(s.AS_OF).alias(ctx.tr("as_of")),
                       *(pl.col(col).alias(ctx.tr(col)) for col in (s.PLAN, s.DISBURSED, s.COMMITTED, s.SPEND)))
    st.dataframe(money, hide_index=True, width="stretch",
                 column_config={**ui.money_config(money),
                                ctx.tr("as_of"): st.column_config.DateColumn(format="YYYY-MM-DD")})

    st.subheader(ctx.tr("what_if"))
    left_q = int(p[F.QUARTERS_LEFT] or 0)
    if left_q > 0:
        done = float(p["disbursed_to_date"])
        default = round(float(p["disbursed_p50"]) - done, 2)
        extra = st.slider(ctx.tr("what_if_help", unit=ctx.unit), 0.0, round(max(budget - done, 0.01), 2),
                          max(0.0, default), step=0.01, key=f"what_if_{pid}")
        moved = risk.what_if(row, extra, rv.policy)
        w = st.columns(3)
        w[0].metric(ctx.tr("ye_disbursed"), f"{moved['disbursed_p50']:,.4f}",
                    f"{moved['disbursed_p50'] / budget:.1%} {ctx.tr('of_budget')}", delta_color="off",
                    delta_arrow="off")
        w[1].metric(ctx.tr("p_miss_disbursement"), risk.chance(moved[risk.P_MISS_DISBURSEMENT]),
                    f"{moved[risk.P_MISS_DISBURSEMENT] - row[risk.P_MISS_DISBURSEMENT]:+.0%}", delta_color="inverse")
        w[2].metric(ctx.tr("risk_score"), f"{moved[risk.RISK_SCORE]:.2f}", ui.level_label(moved[risk.LEVEL], ctx.lang),
                    delta_color="off", delta_arrow="off")

st.subheader(ctx.tr("kpis"))
kp = rv.kpis.filter(pl.col(s.PROJECT_ID) == pid) if not rv.kpis.is_empty() else rv.kpis
for chunk in range(0, kp.height, 3):
    cols = st.columns(3)
    for col, k in zip(cols, kp.slice(chunk, 3).iter_rows(named=True)):
        with col.container(border=True):
            st.markdown(f"**{k[s.KPI_ID]}** {k[name] or k[s.NAME_TH] or ''}")
            value = k[kpi.VALUE_TO_DATE]
            st.metric(ctx.tr("value_to_date"), "-" if value is None else f"{value:,.2f}".rstrip("0").rstrip("."),
                      f"{ctx.tr('target')} {k[s.COMPARATOR]} {k[s.TARGET]:,.0f} {k[s.UNIT]}", delta_color="off",
                      delta_arrow="off")
            st.progress(min(max(k[kpi.P_ATTAIN], 0.0), 1.0),
                        text=f"{ctx.tr('p_attain')} {risk.chance(k[kpi.P_ATTAIN])} · {ctx.tr(k[kpi.STATUS])}")
            tiers = [f"{pts}: {k[col_]:,.0f}" for pts, col_ in s.TIERS.items() if k[col_] is not None]
            if tiers:
                st.caption(f"{ctx.tr('tiers')} " + ", ".join(tiers)
                           + (f" → {k[kpi.TIER_EXPECTED]}" if k[kpi.TIER_EXPECTED] is not None else ""))
            st.caption(k[kpi.BASIS_TH if ctx.lang == "th" else kpi.BASIS])

st.subheader(ctx.tr("restatements"))
rev = ctx.revisions.filter(pl.col(s.PROJECT_ID) == pid)
if rev.is_empty():
    st.caption(ctx.tr("none"))
else:
    st.dataframe(rev.drop(s.FISCAL_YEAR, s.PROJECT_ID), hide_index=True, width="stretch")
