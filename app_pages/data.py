"""Data: upload a filled template, read the validation report, confirm to append; downloads; vintages."""

from __future__ import annotations

import polars as pl
import streamlit as st

from forecast import config, ui
from forecast.interfaces import export
from forecast.data.validate import ValidationError, issues_frame

store, as_of, data = ui.sidebar()
st.title(ui.tr("page_data"))

files = st.file_uploader(ui.tr("upload"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True,
                         key="upload")
if files:
    paths = sorted(ui.save_uploads(files, "forecast-upload-").iterdir())
    checked = store.check(paths)
    st.subheader(ui.tr("validation"))
    if checked.errors:
        st.error(ui.tr("valid_errors", n=len(checked.errors)))
    else:
        st.success(ui.tr("valid_ok") + " " + ", ".join(f"{k}: {v.height}" for k, v in checked.tables.items()))
    if checked.issues:
        st.dataframe(issues_frame(checked.issues), hide_index=True, width="stretch")
    if not checked.errors and st.button(ui.tr("confirm"), type="primary", key="confirm"):
        try:
            result = store.ingest(paths, note="uploaded in the app")
        except ValidationError as exc:  # the store changed since the check
            st.error("\n".join(str(i) for i in exc.errors))
        else:
            ui.reset()
            st.success(ui.tr("stored", v=result.vintage) if result.vintage else ui.tr("unchanged"))

c1, c2 = st.columns(2)
c1.download_button(ui.tr("download_template"), config.TEMPLATE_XLSX.read_bytes(), "forecast_template.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
c2.download_button(ui.tr("download_data"), lambda: export.data_workbook(store, as_of), "forecast_data.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")

st.subheader(ui.tr("vintages"))
st.dataframe(data["vintages"], hide_index=True, width="stretch")
st.subheader(ui.tr("revisions"))
st.dataframe(data["revisions"], hide_index=True, width="stretch")
st.subheader(ui.tr("kpis"))
st.dataframe(data["kpis"].select(pl.exclude("^p_tier_.*$")), hide_index=True, width="stretch")
