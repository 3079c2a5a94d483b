"""One project: quarterly money, the cumulative chart with its projection fan, KPIs, restatements, what-if."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast import api, formats
from forecast.access import roles
from forecast.data import revisions, units
from forecast.data import schema as s
from forecast.decisions import kpi, risk
from forecast.labels import pick
from forecast.model import features as F
from forecast.model import models as M
from ui import actions

ctx = ui.context()
rv = ctx.review
ranking, proj = rv.ranking(ctx.lang), rv.projection
st.title(ctx.tr("page_project"))
if ranking.is_empty():
    st.info(ctx.tr("no_projects"))
    st.stop()
name = ctx.name_col
ids = ranking.sort(s.PROJECT_ID)[s.PROJECT_ID].to_list()
labels = dict(zip(ranking[s.PROJECT_ID], ranking.select(ctx.name()).to_series()))
if st.session_state.get(ui.PROJECT) not in ids:
    st.session_state[ui.PROJECT] = ranking[s.PROJECT_ID][0]  # the riskiest first
pid = st.selectbox(
    ctx.tr("choose_project"),
    ids,
    format_func=lambda i: f"{labels.get(i) or i} ({i})",
    key=ui.follows_language(ui.PROJECT),
)
row = ranking.filter(pl.col(s.PROJECT_ID) == pid).row(0, named=True)
p = proj.filter(pl.col(s.PROJECT_ID) == pid).row(0, named=True)
budget = float(p[s.BUDGET])
ui.basis_note(ctx)

c = st.columns(5)
c[0].metric(f"{ctx.tr('budget')} ({ctx.unit})", formats.money(p[s.BUDGET]))
c[1].metric(
    ctx.tr("disbursed_to_date"),
    formats.money(p["disbursed_to_date"]),
    f"{formats.share(float(p['disbursed_to_date']) / budget)} {ctx.tr('of_budget')}" if budget else None,
    delta_color="off",
    delta_arrow="off",
)
c[2].metric(
    ctx.tr("projected_ye"),
    formats.money(p["disbursed_p50"]),
    f"{ctx.tr('range')} {formats.money(p['disbursed_p10'])}–{formats.money(p['disbursed_p90'])}",
    delta_color="off",
    delta_arrow="off",
)
c[3].metric(
    ctx.tr("risk_score"),
    formats.score(row[risk.RISK_SCORE]),
    ui.level_label(row[risk.LEVEL], ctx.lang),
    delta_color="off",
    delta_arrow="off",
)
c[4].metric(
    ctx.tr("p_miss_disbursement"),
    formats.chance(row[risk.P_MISS_DISBURSEMENT]),
    ctx.tr(
        "share_range_final",
        lo=formats.share(p[M.band(s.DISBURSED, 10)]),
        hi=formats.share(p[M.band(s.DISBURSED, 90)]),
    )
    if p[M.band(s.DISBURSED, 10)] is not None
    else None,
    delta_color="off",
    delta_arrow="off",
)
ui.level_badge(row[risk.LEVEL], ctx.lang)
st.markdown("\n".join(f"- {ui.md(d)}" for d in row[ctx.drivers_col]))
if row[risk.NOT_SCORED]:
    st.caption(ctx.tr("not_scored", terms="; ".join(ctx.tr(f"not_scored_{c}") for c in row[risk.NOT_SCORED])))

fin = rv.snapshot.finance.filter((pl.col(s.FISCAL_YEAR) == p[s.FISCAL_YEAR]) & (pl.col(s.PROJECT_ID) == pid)).sort(
    s.QUARTER
)
q = int(p[F.ORIGIN])
done = float(p["disbursed_to_date"])
unit = ctx.unit
policy = rv.policy

# the planner's card: what it takes to reach the target by the fiscal year end
card = api.what_it_takes(rv, pid)
with st.container(border=True):
    st.subheader(ctx.tr("planner_card", target=f"{policy.target:.0%}"))
    if card["reached"]:
        st.success(ctx.tr("target_reached"))
    elif q == 4:  # nothing is left to plan: say where the year ended
        share = done / float(p[s.BUDGET]) if float(p[s.BUDGET]) > 0 else None
        st.info(
            ctx.tr(
                "year_over_short",
                share=formats.share(share),
                short=formats.money(card["needed"]),
                unit=unit,
                target=f"{policy.target:.0%}",
            )
        )
    else:
        need = st.columns(4)
        need[0].metric(
            ctx.tr("still_needed"), formats.money(card["needed"]), unit, delta_color="off", delta_arrow="off"
        )
        need[1].metric(
            ctx.tr("per_month", n=card["months_left"]),
            formats.money(card["per_month"]),
            unit,
            delta_color="off",
            delta_arrow="off",
        )
        need[2].metric(
            ctx.tr("per_quarter", n=card["quarters_left"]),
            formats.money(card["per_quarter"]),
            unit,
            delta_color="off",
            delta_arrow="off",
        )
        need[3].metric(
            ctx.tr("pace_so_far"),
            formats.money(card["pace_per_quarter"]),
            ctx.tr("best_quarter", v=formats.money(card["best_quarter"])),
            delta_color="off",
            delta_arrow="off",
        )
        if card["implausible"]:
            st.warning(ctx.tr("implausible_need"), icon=":material/warning:")

left, right = st.columns([3, 2])
with right:
    st.subheader(ctx.tr("what_if"))
    scenario = None
    if 0 < q < 4:
        start = max(float(p["disbursed_p50"]) - done, 0.0)  # the projection itself, unrounded
        top = max(float(p[s.BUDGET]) * 1.5 - done, start, 0.0001)
        key = f"{ui.WHAT_IF}_{pid}"
        # starts at the projection; a value kept from the URL or another page stays, within the input's bounds
        st.session_state[key] = min(max(float(st.session_state.get(key, start)), 0.0), top)
        extra = st.number_input(
            ctx.tr("what_if_help", unit=unit),
            min_value=0.0,
            max_value=top,
            step=max(round(float(p[s.BUDGET]) / 100, 4), 0.0001),
            format="%.4f",
            key=key,
        )
        moved = api.what_if(rv, pid, extra)
        scenario = {"q": [q, 4], "amount": [done, moved["year_end"]]}
        w = st.columns(2)
        w[0].metric(
            ctx.tr("ye_disbursed"),
            formats.money(moved["year_end"]),
            f"{formats.share(moved['share'])} {ctx.tr('of_budget')}; {ctx.tr('range')} "
            f"{formats.money(moved['year_end_p10'])}–{formats.money(moved['year_end_p90'])}",
            delta_color="off",
            delta_arrow="off",
        )
        w[1].metric(
            ctx.tr("per_month_plan"), formats.money(moved["per_month"]), unit, delta_color="off", delta_arrow="off"
        )
        (st.success if moved["meets_target"] else st.error)(
            ctx.tr(
                "plan_meets" if moved["meets_target"] else "plan_misses",
                target=f"{policy.target:.0%}",
                p=formats.chance(moved[risk.P_MISS_DISBURSEMENT]),
            )
        )
        r3 = st.columns(3)
        r3[0].metric(
            ctx.tr("p_miss_disbursement"),
            formats.chance(moved[risk.P_MISS_DISBURSEMENT]),
            ctx.tr("share_range_final", lo=formats.share(moved["share_p10"]), hi=formats.share(moved["share_p90"]))
            if moved["share_p10"] is not None
            else None,
            delta_color="off",
            delta_arrow="off",
        )
        r3[1].metric(ctx.tr("p_miss_spend"), formats.chance(moved[risk.P_MISS_SPEND]) or ctx.tr("not_reported"))
        r3[2].metric(
            ctx.tr("risk_score"),
            formats.score(moved[risk.RISK_SCORE]),
            ui.level_label(moved[risk.LEVEL], ctx.lang),
            delta_color="off",
            delta_arrow="off",
        )
        if ctx.can(roles.SAVE_WHATIF) and st.button(ctx.tr("save_whatif"), key=f"save_what_if_{pid}"):
            actions.save_whatif(ctx.store, pid, int(p[s.FISCAL_YEAR]), str(rv.snapshot.as_of), extra, moved)
            st.success(ctx.tr("whatif_saved"))
        if ctx.session is not None and ctx.session.signed_in:
            saved = actions.whatifs(ctx.store, ctx.session.user, pid)
            if saved:
                with st.expander(ctx.tr("my_whatifs")):
                    ui.show(
                        ctx,
                        pl.DataFrame(saved).select(api.WHATIF_COLUMNS),
                        codes={api.WHATIF_SHARE: formats.share, api.WHATIF_P_MISS: formats.chance},
                    )
    else:
        st.caption(ctx.tr("no_quarters_left"))
    st.subheader(f"{ctx.tr('money_table')} ({unit})")
    ui.show(ctx, fin.select(s.QUARTER, s.AS_OF, s.PLAN, s.DISBURSED, s.COMMITTED, s.SPEND))
with left:
    curve = fin.select(
        s.QUARTER,
        *(
            pl.when(pl.col(c).is_not_null().any()).then(pl.col(c)).alias(c) if c != s.PLAN else pl.col(c)
            for c in (s.PLAN, s.SPEND, s.DISBURSED)
        ),
    )
    curve = curve.with_columns(*(pl.col(c).cum_sum() for c in (s.PLAN, s.SPEND, s.DISBURSED)))
    fan = (
        ui.fan(q, done, float(p["disbursed_p10"]), float(p["disbursed_p50"]), float(p["disbursed_p90"]))
        if 0 < q < 4
        else None
    )
    st.subheader(f"{ctx.tr('curve')} ({unit})")
    st.altair_chart(
        ui.cumulative_chart(ctx, curve, fan, policy.target, float(p[s.BUDGET]), policy.quarterly_targets, scenario),
        width="stretch",
    )

st.subheader(ctx.tr("kpis"))
kp = rv.kpis.filter(pl.col(s.PROJECT_ID) == pid) if not rv.kpis.is_empty() else rv.kpis
if kp.is_empty():
    st.caption(ctx.tr("no_kpis"))
for chunk in range(0, kp.height, 3):
    cols = st.columns(3)
    for col, k in zip(cols, kp.slice(chunk, 3).iter_rows(named=True)):
        with col.container(border=True):
            st.markdown(f"**{ui.md(k[s.KPI_ID])}** {ui.md(k[name] or k[s.NAME_TH] or k[s.NAME_EN] or '')}")
            value = k[kpi.VALUE_TO_DATE]
            st.metric(
                ctx.tr("value_to_date"),
                formats.number(value),
                ui.md(  # a KPI's unit is free text, and a metric's delta is Markdown
                    f"{ctx.tr('target')} {units.term_label(k[s.COMPARATOR], ctx.lang)} {formats.number(k[s.TARGET])} "
                    f"{units.term_label(k[s.UNIT], ctx.lang)}"
                ),
                delta_color="off",
                delta_arrow="off",
            )
            st.progress(
                min(max(k[kpi.P_ATTAIN], 0.0), 1.0),
                text=f"{ctx.tr('p_attain')} {formats.chance(k[kpi.P_ATTAIN])} · {ctx.tr(k[kpi.STATUS])}",
            )
            tiers = [f"{pts}: {formats.number(k[col_])}" for pts, col_ in s.TIERS.items() if k[col_] is not None]
            if tiers:
                st.caption(
                    f"{ctx.tr('tiers')} "
                    + ", ".join(tiers)
                    + (f" → {k[kpi.TIER_EXPECTED]}" if k[kpi.TIER_EXPECTED] is not None else "")
                )
            st.caption(ui.md(k[pick(ctx.lang, th=kpi.BASIS_TH, en=kpi.BASIS)]))

st.subheader(ctx.tr("restatements"))
rev = ctx.revisions.filter(pl.col(s.PROJECT_ID) == pid)
if rev.is_empty():
    st.caption(ctx.tr("none"))
else:
    ui.show(
        ctx,
        rev.drop(s.FISCAL_YEAR, s.PROJECT_ID, revisions.OLD_VINTAGE, revisions.NEW_VINTAGE),
        codes=ui.revision_codes(ctx),
    )
