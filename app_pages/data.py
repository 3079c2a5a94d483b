"""Data: upload a filled template, read the validation report, confirm to append; downloads; vintages."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast import config
from forecast.data.store import Store, author
from forecast.data.validate import ValidationError, issues_frame
from forecast.errors import StoreError
from forecast.interfaces import export

ctx = ui.context()
store = ctx.store
st.title(ctx.tr("page_data"))

if store.read_only:
    st.info(ctx.tr("reference_read_only"))
    if st.button(ctx.tr("create_store"), key="create_store"):
        try:
            Store.create(config.DEFAULT_STORE_DIR, from_reference=True, by=author("app"))
        except StoreError as exc:
            st.error(str(exc))
        else:
            ui.reset()
            st.rerun()
else:
    files = st.file_uploader(ctx.tr("upload"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True,
                             key="upload")
    if files:
        with ui.uploads(files, "forecast-upload-") as paths:
            checked = store.check(paths)
            st.subheader(ctx.tr("validation"))
            if checked.errors:
                st.error(ctx.tr("valid_errors", n=len(checked.errors)))
            else:
                st.success(ctx.tr("valid_ok") + " " + ", ".join(f"{k}: {v.height}" for k, v in checked.tables.items()))
            if checked.issues:
                st.dataframe(issues_frame(checked.issues), hide_index=True, width="stretch")
            if not checked.errors and st.button(ctx.tr("confirm"), type="primary", key="confirm"):
                try:
                    result = store.ingest(paths, note="uploaded in the app", by=author("app"))
                except ValidationError as exc:  # the store changed since the check
                    st.error("\n".join(str(i) for i in exc.errors))
                else:
                    ui.reset()
                    st.success(ctx.tr("stored", v=result.vintage) if result.vintage else ctx.tr("unchanged"))

c1, c2 = st.columns(2)
c1.download_button(ctx.tr("download_template"), config.TEMPLATE_XLSX.read_bytes(), "forecast_template.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
c2.download_button(ctx.tr("download_data"), lambda: export.data_workbook(ctx.snapshot), "forecast_data.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")

st.subheader(ctx.tr("vintages"))
st.dataframe(store.vintages(), hide_index=True, width="stretch")
st.subheader(ctx.tr("revisions"))
st.dataframe(ctx.revisions, hide_index=True, width="stretch")
st.subheader(ctx.tr("kpis"))
kpis = ctx.review.kpis
st.dataframe(kpis.select(pl.exclude("^p_tier_.*$")) if not kpis.is_empty() else kpis, hide_index=True,
             width="stretch")
