"""Models: the active set and its backtest, switching versions, retraining from an uploaded history."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast import api
from forecast.access import roles
from forecast.errors import ForecastError
from forecast.model.backtest import MIN_YEARS
from ui import actions, jobs

ctx = ui.context()
store = ctx.store
st.title(ctx.tr("page_models"))
ui.basis_note(ctx)
ms = ctx.models
listing = api.model_sets(store)

st.subheader(ctx.tr("active_set"))
if ms is None:
    st.info(ctx.tr("no_models"))
else:
    m = ms.manifest
    by = (m.get("author") or {}).get("user", "")
    st.markdown(
        ui.md(
            f"{ms.version} · {m['basis']} · {m['source']} · {min(m['years'])}–{max(m['years'])} · "
            f"{m['rows']} · {m['created_at']} · {by} · {m['code_version']}"
        )
    )
    for w in ms.warnings():
        st.warning(ui.md(w))
    st.subheader(ctx.tr("backtest"))
    ui.show(ctx, ms.metrics)
    if m.get("reliability"):
        ui.show(ctx, pl.DataFrame(m["reliability"]))

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
            st.success(ctx.tr("trained", v=j.version))

    status()
    files = st.file_uploader(
        ctx.tr("upload"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True, key="history"
    )
    running = job is not None and job.running
    if files and st.button(ctx.tr("train_button"), type="primary", key="train", disabled=running):
        with ui.uploads(files, "forecast-check-") as paths:  # check the history before starting
            try:
                h = api.history(store, paths)
            except ForecastError as exc:
                st.error(ui.md(str(exc)))
                st.stop()
        if len(h.years) < MIN_YEARS:
            st.error(ctx.tr("history_too_short", n=len(h.years), need=MIN_YEARS))
            st.stop()
        st.info(ctx.tr("history_check", n=len(h.years), y=f"{h.years[0]}–{h.years[-1]}"))
        try:
            actions.train(store, files)
        except ForecastError as exc:
            st.error(ui.md(str(exc)))
        else:
            st.success(ctx.tr("training_started"))
            st.rerun()
