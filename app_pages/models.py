"""Models: the active set and its backtest, switching versions, retraining from an uploaded history."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast import api
from forecast.access import roles
from forecast.data import schema as s
from forecast.errors import ForecastError
from forecast.labels import code
from forecast.model import backtest as B
from forecast.model import engine
from forecast.model.backtest import MIN_YEARS
from forecast.model.kpi import METHOD as KPI_METHOD
from forecast.model.kpi import MIN_YEARS as KPI_MIN_YEARS
from ui import actions, jobs

ctx = ui.context()


def reason(part: dict, default: str) -> str:
    """Why a model was not trained, in the chosen language (a set saved before reasons had codes: as saved),
    as inert Markdown: a manifest may come from another store."""
    key, params = part.get("reason_code"), part.get("reason_params")
    try:
        if key and (params or "{" not in ctx.tr(key)):
            return ui.md(ctx.tr(key, **(params or {})))
    except (KeyError, IndexError, TypeError, ValueError):  # a code or parameters this version does not know
        pass
    return ui.md(part.get("reason") or ctx.tr(default))


store = ctx.store
st.title(ctx.tr("page_models"))
ui.basis_note(ctx)
ms = ctx.models
listing = api.model_sets(store, ctx.lang)

st.subheader(ctx.tr("active_set"))
if ms is None:
    st.info(ctx.tr("no_models"))
else:
    m = ms.manifest
    by = (m.get("author") or {}).get("user", "")
    years = f"{min(m['years'])}–{max(m['years'])}" if m.get("years") else ""
    st.markdown(
        ui.md(
            ctx.tr(
                "model_set_line",
                v=ms.version,
                basis=code("basis", m["basis"], ctx.lang),
                source=engine.source_text(m["source"], ctx.lang),
                years=years,
                rows=m["rows"],
                at=ctx.moment(m["created_at"]),
                by=by,
                code=m["code_version"],
            )
        )
    )
    for w in ms.warnings(ctx.lang):
        st.warning(ui.md(w))
    money = m.get("money") or {"trained": True}
    st.subheader(ctx.tr("backtest"))
    if money.get("trained"):
        ui.show(
            ctx,
            ms.metrics,
            codes={B.MODEL: lambda v: code("model", v, ctx.lang), B.KIND: lambda v: code("model_kind", v, ctx.lang)},
        )
        if m.get("reliability"):
            ui.show(ctx, pl.DataFrame(m["reliability"]))
    else:
        st.info(
            ctx.tr(
                "money_not_trained",
                r=reason(money, "too_few_years"),
            )
        )
    k = m.get("kpi") or {}
    st.subheader(ctx.tr("kpi_model"))
    if k.get("trained"):
        b = k.get("brier") or {}
        st.markdown(
            ui.md(
                ctx.tr(
                    "kpi_trained",
                    y=f"{min(k['years'])}–{max(k['years'])}",
                    n=k.get("kpi_years"),
                    c=code("model", k.get("champion"), ctx.lang),
                    b=f"{b.get(k.get('champion'), float('nan')):.3f}",
                )
            )
        )
        for baseline in k.get("baselines_beating_champion") or []:
            st.warning(ctx.tr("kpi_baseline_wins", m=ui.md(code("model", baseline, ctx.lang))))
        ui.show(ctx, pl.DataFrame(k.get("metrics") or []), codes={KPI_METHOD: lambda v: code("model", v, ctx.lang)})
    else:
        st.info(ctx.tr("kpi_not_trained", r=reason(k, "history_no_kpis")))

if listing.height:
    st.subheader(ctx.tr("switch"))
    ui.show(ctx, listing)
    if ctx.can(roles.ACTIVATE):
        version = st.selectbox(ctx.tr("switch"), listing["version"].to_list()[::-1], key="version")
        foreign = st.checkbox(ctx.tr("foreign"), key="foreign")
        if st.button(ctx.tr("activate"), key="activate"):
            try:
                actions.activate(store, version, foreign)
            except ForecastError as exc:
                st.error(ui.md(str(exc)))
            else:
                ui.reset()
                st.rerun()

if ctx.can(roles.TRAIN) and not store.read_only:
    st.subheader(ctx.tr("retrain"))
    job = jobs.job(str(store.root or store.id))

    @st.fragment(run_every=2 if job is not None and job.running else None)
    def status() -> None:
        j = jobs.job(str(store.root or store.id))
        if j is None:
            return
        if j.running:
            eta = j.eta()
            st.progress(
                j.progress,
                text=f"{ui.md(j.text)} · "
                + ctx.tr("training_progress").format(
                    p=f"{j.progress:.0%}", eta=f"{eta / 60:.0f}" if eta is not None else "…"
                ),
            )
            st.caption(ui.md(", ".join(j.files)))
        elif j.error:
            st.error(ctx.tr("training_failed", e=ui.md(j.error)))
        else:
            waits = api.awaits_activation(store, j.version)
            st.success(ctx.tr("trained_waiting" if waits else "trained", v=j.version))

    status()
    files = ui.uploader(ctx, "history")
    running = job is not None and job.running
    if files and st.button(ctx.tr("train_button"), type="primary", key="train", disabled=running):
        with ui.uploads(files, "forecast-check-") as paths:  # check the history before starting
            try:
                h = api.history(store, paths)
            except ForecastError as exc:
                st.error(ui.md(str(exc)))
                st.stop()
        kpi_years = h.kpi_results[s.FISCAL_YEAR].n_unique() if h.kpi_results is not None else 0
        if len(h.years) < MIN_YEARS and kpi_years < KPI_MIN_YEARS:
            st.error(ctx.tr("history_too_short", n=len(h.years), need=MIN_YEARS))
            st.stop()
        if h.years:
            st.info(ctx.tr("history_check", n=len(h.years), y=f"{h.years[0]}–{h.years[-1]}"))
        try:
            actions.train(store, files)
        except ForecastError as exc:
            st.error(ui.md(str(exc)))
        else:
            st.success(ctx.tr("training_started"))
            st.rerun()
