"""Models: the active model set and its basis, the backtest against baselines, retraining, switching versions."""

from __future__ import annotations

import polars as pl
import streamlit as st

from forecast.model import engine, registry
from forecast import ui
from forecast.data.validate import ValidationError

store, as_of, data = ui.sidebar()
st.title(ui.tr("page_models"))
ui.basis_note(data)
ms = ui.active_model_set(store)
listing = engine.model_sets(store)

st.subheader(ui.tr("active_set"))
if ms is None:
    st.info(ui.tr("no_models"))
else:
    m = ms.manifest
    st.markdown(f"**{ms.version}** · {m['basis']} · {m['source']} · {min(m['years'])}–{max(m['years'])} · "
                f"{m['rows']} · {m['created_at']} · `{m['code_version']}`")
    for w in ms.warnings():
        st.warning(w)
    st.subheader(ui.tr("backtest"))
    st.dataframe(ms.metrics, hide_index=True, width="stretch")
    if m.get("reliability"):
        st.dataframe(pl.DataFrame(m["reliability"]), hide_index=True, width="stretch")

if listing.height:
    st.subheader(ui.tr("switch"))
    st.dataframe(listing, hide_index=True, width="stretch")
    version = st.selectbox(ui.tr("switch"), listing["version"].to_list()[::-1], key="version")
    if st.button(ui.tr("activate"), key="activate"):
        registry.activate(store.models_dir, version)
        ui.reset()
        st.rerun()

st.subheader(ui.tr("retrain"))
files = st.file_uploader(ui.tr("upload"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True,
                         key="history")
if files and st.button(ui.tr("train_button"), type="primary", key="train"):
    folder = ui.save_uploads(files, "forecast-history-")
    bar = st.progress(0.0)
    try:
        trained = engine.train(store, [folder], progress=lambda x, text: bar.progress(min(x, 1.0), text=text))
    except ValidationError as exc:
        st.error("\n".join(str(i) for i in exc.errors))
    except ValueError as exc:
        st.error(str(exc))
    else:
        ui.reset()
        st.success(ui.tr("trained", v=trained.version))
