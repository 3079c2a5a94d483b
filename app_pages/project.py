"""One project: quarterly money, the cumulative chart with its projection fan, KPIs, restatements, what-if."""

from __future__ import annotations

import polars as pl
import streamlit as st

from forecast.decisions import kpi, risk
from forecast.model import features as F
from forecast.data import schema as s
from forecast import ui

store, as_of, data = ui.sidebar()
ranking, proj = data["ranking"], data["projection"]
st.title(ui.tr("page_project"))
if ranking.is_empty():
    st.info(ui.tr("no_previous"))
    st.stop()
name = ui.name_col()
ids = ranking.sort(s.PROJECT_ID)[s.PROJECT_ID].to_list()
labels = dict(zip(ranking[s.PROJECT_ID], ranking[name]))
if st.session_state.get(ui.PROJECT) not in ids:
    st.session_state[ui.PROJECT] = ranking[s.PROJECT_ID][0]  # the riskiest first
pid = st.selectbox(ui.tr("choose_project"), ids, format_func=lambda i: f"{labels.get(i) or i} ({i})", key=ui.PROJECT)
row = ranking.filter(pl.col(s.PROJECT_ID) == pid).row(0, named=True)
p = proj.filter(pl.col(s.PROJECT_ID) == pid).row(0, named=True)
budget = float(p[s.BUDGET])
ui.basis_note(data)

c = st.columns(5)
c[0].metric(ui.tr("budget"), f"{budget:,.4f}")
c[1].metric(ui.tr("disbursed_to_date"), f"{float(p['disbursed_to_date']):,.4f}",
            f"{float(p['disbursed_to_date']) / budget:.1%} {ui.tr('of_budget')}", delta_color="off")
c[2].metric(ui.tr("projected_ye"), f"{float(p['disbursed_p50']):,.4f}",
            f"{ui.tr('range')} {float(p['disbursed_p10']):,.1f}–{float(p['disbursed_p90']):,.1f}", delta_color="off")
c[3].metric(ui.tr("risk_score"), f"{row[risk.RISK_SCORE]:.2f}", ui.level_label(row[risk.LEVEL]),
            delta_color="off", delta_arrow="off")
c[4].metric(ui.tr("p_miss_disbursement"), f"{row[risk.P_MISS_DISBURSEMENT]:.0%}")
ui.level_badge(row[risk.LEVEL])
st.markdown("\n".join(f"- {d}" for d in row[ui.drivers_col()]))

left, right = st.columns([3, 2])
with left:
    fin = data["finance"].filter(pl.col(s.PROJECT_ID) == pid).sort(s.QUARTER)
    curve = fin.select(s.QUARTER, *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c)).alias(c) if c != s.PLAN
                                    else pl.col(c) for c in (s.PLAN, s.SPEND, s.DISBURSED)))
    curve = curve.with_columns(*(pl.col(c).cum_sum() for c in (s.PLAN, s.SPEND, s.DISBURSED)))
    q = int(p[F.ORIGIN])
    fan = (ui.fan(q, float(p["disbursed_to_date"]), float(p["disbursed_p10"]), float(p["disbursed_p50"]),
                  float(p["disbursed_p90"])) if 0 < q < 4 else None)
    st.subheader(ui.tr("curve"))
    st.altair_chart(ui.cumulative_chart(curve, fan, F.CABINET_TARGET, budget), width="stretch")
with right:
    st.subheader(ui.tr("money_table"))
    money = fin.select(pl.col(s.QUARTER).alias(ui.tr("quarter")), pl.col(s.AS_OF).alias(ui.tr("as_of")),
                       *(pl.col(c).alias(ui.tr(c)) for c in (s.PLAN, s.DISBURSED, s.COMMITTED, s.SPEND)))
    st.dataframe(money, hide_index=True, width="stretch",
                 column_config={**ui.money_config(money),
                                ui.tr("as_of"): st.column_config.DateColumn(format="YYYY-MM-DD")})

    st.subheader(ui.tr("what_if"))
    left_q = int(p[F.QUARTERS_LEFT] or 0)
    if left_q > 0:
        done = float(p["disbursed_to_date"])
        default = round(float(p["disbursed_p50"]) - done, 2)
        extra = st.slider(ui.tr("what_if_help"), 0.0, round(max(budget - done, 0.01), 2), default, step=0.01,
                          key=f"what_if_{pid}")
        moved = risk.what_if(row, extra)
        w = st.columns(3)
        w[0].metric(ui.tr("ye_disbursed"), f"{moved['disbursed_p50']:,.4f}",
                    f"{moved['disbursed_p50'] / budget:.1%} {ui.tr('of_budget')}", delta_color="off")
        w[1].metric(ui.tr("p_miss_disbursement"), f"{moved[risk.P_MISS_DISBURSEMENT]:.0%}",
                    f"{moved[risk.P_MISS_DISBURSEMENT] - row[risk.P_MISS_DISBURSEMENT]:+.0%}", delta_color="inverse")
        w[2].metric(ui.tr("risk_score"), f"{moved[risk.RISK_SCORE]:.2f}", ui.level_label(moved[risk.LEVEL]),
                    delta_color="off", delta_arrow="off")

st.subheader(ui.tr("kpis"))
kp = data["kpis"].filter(pl.col(s.PROJECT_ID) == pid)
for chunk in range(0, kp.height, 3):
    cols = st.columns(3)
    for col, k in zip(cols, kp.slice(chunk, 3).iter_rows(named=True)):
        with col.container(border=True):
            st.markdown(f"**{k[s.KPI_ID]}** {k[name] or k[s.NAME_TH]}")
            value = k[kpi.VALUE_TO_DATE]
            st.metric(ui.tr("value_to_date"), "-" if value is None else f"{value:,.2f}".rstrip("0").rstrip("."),
                      f"{ui.tr('target')} {k[s.COMPARATOR]} {k[s.TARGET]:,.0f} {k[s.UNIT]}", delta_color="off")
            st.progress(min(max(k[kpi.P_ATTAIN], 0.0), 1.0), text=f"{ui.tr('p_attain')} {k[kpi.P_ATTAIN]:.0%} · "
                                                                 f"{ui.tr(k[kpi.STATUS])}")
            tiers = [f"{pts}: {k[col_]:,.0f}" for pts, col_ in s.TIERS.items() if k[col_] is not None]
            if tiers:
                st.caption(f"{ui.tr('tiers')} " + ", ".join(tiers)
                           + (f" → {k[kpi.TIER_EXPECTED]}" if k[kpi.TIER_EXPECTED] is not None else ""))
            st.caption(k[kpi.BASIS])

st.subheader(ui.tr("restatements"))
rev = data["revisions"].filter(pl.col("key").str.contains(f"project_id={pid}", literal=True))
if rev.is_empty():
    st.caption(ui.tr("none"))
else:
    st.dataframe(rev, hide_index=True, width="stretch")
