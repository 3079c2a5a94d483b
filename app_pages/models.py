"""Models: the active set and its backtest, switching versions, retraining from an uploaded history."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast import api
from forecast.data.store import author
from forecast.data.validate import ValidationError
from forecast.errors import ForecastError
from forecast.model import registry

ctx = ui.context()
store = ctx.store
st.title(ctx.tr("page_models"))
ui.basis_note(ctx)
ms = ctx.models
listing = registry.listing(store.models_dir)

st.subheader(ctx.tr("active_set"))
if ms is None:
    st.info(ctx.tr("no_models"))
else:
    m = ms.manifest
    st.markdown(f"**{ms.version}** · {m['basis']} · {m['source']} · {min(m['years'])}–{max(m['years'])} · "
                f"{m['rows']} · {m['created_at']} · `{m['code_version']}`")
    for w in ms.warnings():
        st.warning(w)
    st.subheader(ctx.tr("backtest"))
    st.dataframe(ms.metrics, hide_index=True, width="stretch")
    if m.get("reliability"):
        st.dataframe(pl.DataFrame(m["reliability"]), hide_index=True, width="stretch")

if listing.height:
    st.subheader(ctx.tr("switch"))
    st.dataframe(listing, hide_index=True, width="stretch")
    version = st.selectbox(ctx.tr("switch"), listing["version"].to_list()[::-1], key="version")
    if st.button(ctx.tr("activate"), key="activate"):
        registry.activate(store.models_dir, version)
        ui.reset()
        st.rerun()

st.subheader(ctx.tr("retrain"))
files = st.file_uploader(ctx.tr("upload"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True,
                         key="history")
if files and st.button(ctx.tr("train_button"), type="primary", key="train"):
    bar = st.progress(0.0)
    with ui.uploads(files, "forecast-history-") as paths:
        try:
            trained = api.train(store, paths, progress=lambda x, text: bar.progress(min(x, 1.0), text=text),
                                by=author("app"))
        except ValidationError as exc:
            st.error("\n".join(str(i) for i in exc.errors))
        except ForecastError as exc:
            st.error(str(exc))
        else:
            ui.reset()
            st.success(ctx.tr("trained", v=trained.version))
