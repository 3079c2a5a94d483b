"""Data: upload a filled template, read the validation report, confirm to append; downloads; vintages."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast import config, formats
from forecast.access import roles
from forecast.data import revisions, units
from forecast.data import schema as s
from forecast.data.validate import ValidationError, issues_frame
from forecast.decisions import kpi
from forecast.errors import StoreError
from forecast.interfaces import export
from forecast.labels import pick
from ui import actions

ctx = ui.context()
store = ctx.store
st.title(ctx.tr("page_data"))

if store.read_only:
    st.info(ctx.tr("reference_read_only"))
    if not ctx.can(roles.CREATE_STORE):
        st.caption(ctx.tr("needs_admin"))
    elif st.button(ctx.tr("create_store"), key="create_store"):
        try:
            actions.create_store(store)
        except StoreError as exc:
            st.error(ui.md(str(exc)))
        else:
            ui.reset()
            st.rerun()
elif ctx.can(roles.VALIDATE):
    files = ui.uploader(ctx, "upload")
    if files:
        with ui.uploads(files, "forecast-upload-") as paths:
            checked = actions.validate(store, paths)
            st.subheader(ctx.tr("validation"))
            if checked.errors:
                st.error(ctx.tr("valid_errors", n=len(checked.errors)))
            else:
                st.success(ctx.tr("valid_ok") + " " + ", ".join(f"{k}: {v.height}" for k, v in checked.tables.items()))
            if checked.issues:
                ui.show(ctx, issues_frame(checked.issues, ctx.lang))
            if (
                not checked.errors
                and ctx.can(roles.INGEST)
                and st.button(ctx.tr("confirm"), type="primary", key="confirm")
            ):
                try:
                    result = actions.ingest(store, paths)
                except ValidationError as exc:  # the store changed since the check
                    st.error(ui.md("\n".join(i.text(ctx.lang) for i in exc.errors)))
                else:
                    ui.reset()
                    st.success(ctx.tr("stored", v=result.vintage) if result.vintage else ctx.tr("unchanged"))

c1, c2 = st.columns(2)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
c1.download_button(
    ctx.tr("download_template"), config.TEMPLATE_XLSX.read_bytes(), "forecast_template.xlsx", XLSX, on_click="ignore"
)
c2.download_button(
    ctx.tr("download_data"),
    lambda: export.data_workbook(ctx.snapshot),
    "forecast_data.xlsx",
    XLSX,
    on_click=actions.record_download,
    args=(store, "forecast_data.xlsx", ctx.as_of),
)

st.subheader(ctx.tr("vintages"))
ui.show(ctx, store.vintages(ctx.lang))
st.subheader(ctx.tr("revisions"))
ui.show(ctx, ctx.revisions.drop(revisions.OLD_VINTAGE, revisions.NEW_VINTAGE), codes=ui.revision_codes(ctx))
st.subheader(ctx.tr("kpis"))
kpis = ctx.review.kpis
if not kpis.is_empty():
    name = ctx.name_col
    basis = pick(ctx.lang, th=kpi.BASIS_TH, en=kpi.BASIS)
    shown = kpis.select(
        s.PROJECT_ID,
        s.KPI_ID,
        pl.coalesce(name, s.NAME_TH, s.NAME_EN).alias(name),
        pl.col(s.UNIT).map_elements(lambda u: units.term_label(u, ctx.lang), return_dtype=pl.String),
        s.TARGET,
        kpi.VALUE_TO_DATE,
        kpi.projected(50),
        pl.col(kpi.P_ATTAIN).map_elements(formats.chance, return_dtype=pl.String),
        kpi.STATUS,
        pl.col(basis).alias(kpi.BASIS),
    )
    ui.show(ctx, shown, values=(kpi.STATUS,))
