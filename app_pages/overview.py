"""Overview: portfolio totals, the cumulative chart with the projection and target, risk levels, changes."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast.access import roles
from forecast.data import schema as s
from forecast.data.revisions import RESTATEMENT
from forecast.decisions import reallocation as RA
from forecast.decisions import review as R
from forecast.decisions import risk, summary
from forecast.interfaces import export
from forecast.labels import pick
from forecast.model import features as F
from ui import actions

CHANGES_SHOWN = 200  # newly high first, then changes of level, then the largest moves

ctx = ui.context()
rv = ctx.review
st.title(ctx.tr("title"))
st.caption(f"{ctx.fy_caption()} · {ctx.tr('as_of')} {ctx.date(rv.snapshot.as_of)}")
if ctx.store.read_only:
    st.info(ctx.tr("note_reference"))
ui.basis_note(ctx)

prog, proj, ranking = ctx.progress, rv.projection, rv.ranking(ctx.lang)
budget = float(prog[s.BUDGET].cast(pl.Float64).sum() or 0)
cols = st.columns(5)


def big(x: float, decimals: int = 4) -> str:
    """An amount for a metric card: four decimals as printed, whole units once it is too long to show."""
    return f"{x:,.{decimals if abs(x) < 1e6 else 0}f}"


cols[0].metric(f"{ctx.tr('budget')} ({ctx.unit})", big(budget), help=f"{budget:,.4f}")
for col, key in zip(cols[1:4], (summary.PLAN_TO_DATE, summary.SPEND_TO_DATE, summary.DISBURSED_TO_DATE)):
    raw = prog[key].cast(pl.Float64)
    if raw.is_null().all():
        col.metric(ctx.tr(key), "–", ctx.tr("not_reported"), delta_color="off", delta_arrow="off")
        continue
    value = float(raw.sum() or 0)
    col.metric(
        ctx.tr(key),
        big(value),
        f"{value / budget:.1%} {ctx.tr('of_budget')}" if budget else None,
        delta_color="off",
        delta_arrow="off",
        help=f"{value:,.4f}",
    )
whole = ctx.portfolio().row(0, named=True)  # joint draws: the range of the total, not a sum of ranges
ye = {p: float(whole[f"disbursed_p{p}"]) for p in (10, 50, 90)}
cols[4].metric(
    ctx.tr("projected_ye"),
    big(ye[50], 1),
    f"{ctx.tr('range')} {big(ye[10], 1)}–{big(ye[90], 1)} ({ye[50] / budget:.1%})" if budget else None,
    delta_color="off",
    delta_arrow="off",
)
policy = rv.policy
m = st.columns(3)
m[0].metric(ctx.tr("p_agency_miss", target=f"{policy.target:.0%}"), risk.chance(whole["p_miss_target"]))
m[1].metric(ctx.tr("expected_shortfall"), f"{whole['expected_shortfall']:,.4f}")
m[2].metric(
    ctx.tr("target_line"),
    f"{policy.target:.0%}",
    " · ".join(f"Q{i} {q:.0%}" for i, q in enumerate(policy.quarterly_targets, 1))
    if policy.quarterly_targets
    else None,
    delta_color="off",
    delta_arrow="off",
)
st.caption(ui.md(whole[pick(ctx.lang, th="basis_th", en="basis")] + " · " + policy.source_in(ctx.lang)))

left, right = st.columns([3, 2])
with left:
    st.subheader(f"{ctx.tr('curve')} ({ctx.unit})")
    q_done = int(proj.select(pl.col(F.ORIGIN).max()).item() or 0)
    curve = ctx.curve
    done = curve.filter(pl.col(s.QUARTER) == q_done)[s.DISBURSED].cast(pl.Float64)
    fan = ui.fan(q_done, float(done[0]), ye[10], ye[50], ye[90]) if q_done and len(done) and q_done < 4 else None
    st.altair_chart(
        ui.cumulative_chart(ctx, curve, fan, policy.target, budget, policy.quarterly_targets), width="stretch"
    )
    st.caption(ctx.tr("joint_range_note"))
with right:
    st.subheader(ctx.tr("levels"))
    counts = {lv: ranking.filter(pl.col(risk.LEVEL) == lv).height for lv in (risk.HIGH, risk.MEDIUM, risk.LOW)}
    for col, (lv, n) in zip(st.columns(3), counts.items()):
        col.metric(ui.level_label(lv, ctx.lang), n)
    st.subheader(ctx.tr("changes"))
    before, before_date = ctx.previous()
    if before is None or before_date is None:
        st.caption(ctx.tr("no_previous"))
    else:
        moved = ctx.compared(before_date)
        new_high = moved.filter(pl.col(risk.NEW_HIGH))
        st.caption(f"{ctx.tr('as_of')} {ctx.date(before_date)} → {ctx.date(rv.snapshot.as_of)}")
        st.metric(ctx.tr("new_high"), new_high.height)
        level = {lv: ui.level_label(lv, ctx.lang) for lv in (risk.HIGH, risk.MEDIUM, risk.LOW)}
        level_moved = pl.col(risk.LEVEL).ne_missing(pl.col(risk.PREVIOUS_LEVEL))
        changed = moved.filter((pl.col(risk.RANK_CHANGE) != 0) | level_moved).sort(
            pl.col(risk.NEW_HIGH), level_moved, pl.col(risk.RANK_CHANGE).abs(), descending=True, nulls_last=True
        )
        if changed.height > CHANGES_SHOWN:  # a whole government: the biggest moves, the rest in the ranking
            st.caption(ctx.tr("rows_shown", n=CHANGES_SHOWN, total=changed.height))
            changed = changed.head(CHANGES_SHOWN)
        st.dataframe(
            changed.select(  # level and reason first, so that they stay in view beside the chart
                ctx.name().alias(ctx.tr("name")),
                pl.format(
                    "{} → {}",
                    pl.col(risk.PREVIOUS_LEVEL).replace_strict(level, default=""),
                    pl.col(risk.LEVEL).replace_strict(level, default=""),
                ).alias(ctx.tr("level_change")),
                pl.col(R.NEW_REASON).fill_null("").alias(ctx.tr("new_reason")),
                pl.format(
                    "{}{}",
                    pl.when(pl.col(risk.RANK_CHANGE) > 0).then(pl.lit("+")).otherwise(pl.lit("")),
                    pl.col(risk.RANK_CHANGE),
                ).alias(ctx.tr("rank_change")),
                pl.col(risk.RANK).alias(ctx.tr("rank")),
                pl.col(risk.PREVIOUS_RANK).alias(ctx.tr("previous_rank")),
            ),
            hide_index=True,
            width="stretch",
            height=220,
            column_config={  # the name on hover when cut, so that the ranks and levels stay in view
                ctx.tr("name"): st.column_config.TextColumn(width="small"),
                ctx.tr("level_change"): st.column_config.TextColumn(width="small"),
                ctx.tr("new_reason"): st.column_config.TextColumn(width="medium"),
            },
        )
        restated = ctx.revisions.filter(pl.col("kind") == RESTATEMENT).height
        st.metric(ctx.tr("restated_n"), restated)

st.divider()
st.subheader(ctx.tr("realloc_title"))
st.caption(ctx.tr("realloc_caption"))


def effect_cards(effect: pl.DataFrame) -> None:
    """P(the agency misses) and the expected unused money, before and after, with the p10-p90 of unused."""
    w = effect.row(0, named=True)
    e = st.columns(2)
    e[0].metric(
        ctx.tr("realloc_pmiss"),
        f"{risk.chance(w[RA.P_MISS_BEFORE])} → {risk.chance(w[RA.P_MISS_AFTER])}",
        delta_color="off",
        delta_arrow="off",
    )
    e[1].metric(
        f"{ctx.tr('realloc_unused')} ({ctx.unit})",
        f"{float(w[RA.UNUSED_BEFORE]):,.4f} → {float(w[RA.UNUSED_AFTER]):,.4f}",
        ctx.tr(
            "realloc_unused_range",
            b=f"{float(w[RA.UNUSED_P10_BEFORE]):,.1f}–{float(w[RA.UNUSED_P90_BEFORE]):,.1f}",
            a=f"{float(w[RA.UNUSED_P10_AFTER]):,.1f}–{float(w[RA.UNUSED_P90_AFTER]):,.1f}",
        ),
        delta_color="off",
        delta_arrow="off",
    )


proposal = ctx.reallocation()
for text in proposal.plan.notes_text(ctx.lang):
    st.caption(text)
moves = proposal.transfers
reason = pick(ctx.lang, th=RA.REASON_TH, en=RA.REASON_EN)
if not moves.is_empty():
    ui.show(ctx, moves.select(RA.FROM_NAME, RA.TO_NAME, RA.AMOUNT, RA.EXPECTED_GAIN, reason))
effect_cards(proposal.plan.effect)
ids = proposal.plan.capacity[s.PROJECT_ID].to_list()
if st.toggle(ctx.tr("realloc_whatif"), key="realloc_what_if"):  # the editor and its draws only when asked for
    heads = {
        RA.FROM_ID: ctx.tr("realloc_from"),
        RA.TO_ID: ctx.tr("realloc_to"),
        RA.AMOUNT: f"{ctx.tr('realloc_amount')} ({ctx.unit})",
    }
    empty = pl.DataFrame(schema={RA.FROM_ID: pl.String, RA.TO_ID: pl.String, RA.AMOUNT: pl.Float64})
    start = moves.select(RA.FROM_ID, RA.TO_ID, pl.col(RA.AMOUNT).cast(pl.Float64)) if moves.height else empty
    edited = st.data_editor(  # headers in the chosen language; read back by position
        start.rename(heads),
        num_rows="dynamic",
        hide_index=True,
        key="realloc_editor",
        column_config={
            heads[RA.FROM_ID]: st.column_config.SelectboxColumn(options=ids, required=True),
            heads[RA.TO_ID]: st.column_config.SelectboxColumn(options=ids, required=True),
            heads[RA.AMOUNT]: st.column_config.NumberColumn(min_value=0.0, format="%.4f"),
        },
    )
    back = pl.DataFrame(edited).rename({v: k for k, v in heads.items()})
    rows = [r for r in back.to_dicts() if r.get(RA.FROM_ID) and r.get(RA.TO_ID)]
    mine = actions.reallocate(ctx.store, ctx.as_of, rows, target=ctx.target, models=ctx.models, snapshot=ctx.snapshot)
    for text in mine.plan.notes_text(ctx.lang):
        st.caption(text)
    effect_cards(mine.plan.effect)
    if ctx.can(roles.SAVE_WHATIF) and st.button(ctx.tr("realloc_save"), key="realloc_save"):
        actions.save_reallocation(ctx.store, mine)
        st.success(ctx.tr("realloc_saved"))
    elif not ctx.can(roles.SAVE_WHATIF):
        st.caption(ctx.tr("realloc_sign_in"))

st.divider()
c1, c2 = st.columns(2)
by = "agency" if len(ctx.agencies) > 1 else "plan_line"
c1.download_button(
    ctx.tr("download_pdf"),  # built only when clicked
    lambda: export.summary_pdf(
        rv,
        ctx.lang,
        portfolio=ctx.portfolio(),
        subtitle=ctx.tr("store_reference") if ctx.store.read_only else "",
        reallocation=proposal.plan,
    ),
    "forecast_summary.pdf",
    "application/pdf",
    on_click=actions.record_download,
    args=(ctx.store, "forecast_summary.pdf", ctx.as_of),
)
c2.download_button(
    ctx.tr("download_report"),
    lambda: export.report_workbook(rv, ctx.lang, ctx.portfolio(by=by), reallocation=proposal.plan),
    "forecast_report.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click=actions.record_download,
    args=(ctx.store, "forecast_report.xlsx", ctx.as_of),
)
