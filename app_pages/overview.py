"""Overview: portfolio totals, the cumulative chart with the projection and target, risk levels, changes."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast.data import schema as s
from forecast.data.revisions import RESTATEMENT
from forecast.decisions import review as R
from forecast.decisions import risk, summary
from forecast.interfaces import export
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
st.caption(
    ui.md(whole["basis_th"] + " · " + policy.source_th if ctx.lang == "th" else whole["basis"] + " · " + policy.source)
)

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
            changed.select(
                ctx.name().alias(ctx.tr("name")),
                pl.col(risk.RANK).alias(ctx.tr("rank")),
                pl.col(risk.PREVIOUS_RANK).alias(ctx.tr("previous_rank")),
                pl.format(
                    "{}{}",
                    pl.when(pl.col(risk.RANK_CHANGE) > 0).then(pl.lit("+")).otherwise(pl.lit("")),
                    pl.col(risk.RANK_CHANGE),
                ).alias(ctx.tr("rank_change")),
                pl.format(
                    "{} → {}",
                    pl.col(risk.PREVIOUS_LEVEL).replace_strict(level, default=""),
                    pl.col(risk.LEVEL).replace_strict(level, default=""),
                ).alias(ctx.tr("level_change")),
                pl.col(R.NEW_REASON).fill_null("").alias(ctx.tr("new_reason")),
            ),
            hide_index=True,
            width="stretch",
            height=220,
            column_config={  # the name on hover when cut, so that the ranks and levels stay in view
                ctx.tr("name"): st.column_config.TextColumn(width="medium"),
                ctx.tr("new_reason"): st.column_config.TextColumn(width="large"),
            },
        )
        restated = ctx.revisions.filter(pl.col("kind") == RESTATEMENT).height
        st.metric(ctx.tr("restated_n"), restated)

st.divider()
c1, c2 = st.columns(2)
by = "agency" if len(ctx.agencies) > 1 else "plan_line"
c1.download_button(
    ctx.tr("download_pdf"),  # built only when clicked
    lambda: export.summary_pdf(
        rv, ctx.lang, portfolio=ctx.portfolio(), subtitle=ctx.tr("store_reference") if ctx.store.read_only else ""
    ),
    "forecast_summary.pdf",
    "application/pdf",
    on_click=actions.record_download,
    args=(ctx.store, "forecast_summary.pdf", ctx.as_of),
)
c2.download_button(
    ctx.tr("download_report"),
    lambda: export.report_workbook(rv, ctx.lang, ctx.portfolio(by=by)),
    "forecast_report.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click=actions.record_download,
    args=(ctx.store, "forecast_report.xlsx", ctx.as_of),
)
