"""Streamlit app: budget execution on the store's data (the embedded ETDA FY2569 report by default).

Thin by design: every figure comes from ``forecast``; this file only lays it out.
"""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from forecast import schema as s, summary
from forecast.labels import LANGS, t
from forecast.store import Store

st.set_page_config(page_title="forecast", layout="wide")


@st.cache_resource
def load_store() -> Store:
    return Store.open()


@st.cache_data
def load(fingerprint: str, as_of: str) -> dict[str, pl.DataFrame]:
    store = load_store()
    return {
        "progress": summary.progress(store, as_of),
        "curve": summary.portfolio_curve(store, as_of),
        "kpi_results": store.read("kpi_results", as_of),
        "kpis": store.read("kpis", as_of),
        "revisions": store.revisions(),
        "vintages": store.vintages(),
    }


store = load_store()
lang = st.sidebar.radio(t("language", "en"), LANGS, format_func={"th": "ไทย", "en": "English"}.get,
                        horizontal=True, key="lang")
dates = [d.isoformat() for d in store.report_dates()]
as_of = st.sidebar.selectbox(t("as_of", lang), ["latest", *reversed(dates)],
                             format_func=lambda d: t("latest", lang) if d == "latest" else d, key="as_of")
st.sidebar.caption(f"{t('store', lang)}: {store.label}")
data = load(store.fingerprint(), as_of)

st.title(t("title", lang))
fy = data["progress"][s.FISCAL_YEAR].max()
if fy is not None:
    st.caption(store.calendar.year_label(fy, lang))
if store.read_only:
    st.info(t("note_reference", lang))

prog = data["progress"]
budget = float(prog[s.BUDGET].sum() or 0)
cols = st.columns(4)
cols[0].metric(t("budget", lang), f"{budget:,.4f}")
for col, key in zip(cols[1:], (summary.PLAN_TO_DATE, summary.SPEND_TO_DATE, summary.DISBURSED_TO_DATE)):
    value = float(prog[key].sum() or 0)
    col.metric(t(key, lang), f"{value:,.4f}", f"{value / budget:.1%} {t('of_budget', lang)}" if budget else None,
               delta_color="off")

st.subheader(t("projects", lang))
name = s.NAME_TH if lang == "th" else s.NAME_EN
table = prog.select(
    pl.col(name).alias(t("name", lang)), pl.col(s.BUDGET).alias(t("budget", lang)),
    pl.col(summary.REPORTED_QUARTER).alias(t("reported_quarter", lang)),
    *(pl.col(k).alias(t(k, lang)) for k in summary.TO_DATE.values()),
    *((pl.col(summary.share(k)) * 100).round(1).alias(f"{t(k, lang)} %") for k in
      (summary.PLAN_TO_DATE, summary.DISBURSED_TO_DATE, summary.SPEND_TO_DATE)),
)
money = {c: st.column_config.NumberColumn(format="%.4f") for c in table.columns
         if table.schema[c] == s.MONEY}
st.dataframe(table, hide_index=True, width="stretch", column_config=money)

st.subheader(t("curve", lang))
series = {s.PLAN: t("plan_to_date", lang), s.SPEND: t("spend_to_date", lang),
          s.DISBURSED: t("disbursed_to_date", lang)}
curve = (data["curve"]
         .select(pl.format("Q{}", pl.col(s.QUARTER)).alias("q"),
                 *(pl.col(c).cast(pl.Float64).alias(label) for c, label in series.items()))
         .unpivot(index="q", variable_name="series", value_name="mthb").drop_nulls())
chart = alt.Chart(curve.to_pandas()).mark_line(point=True).encode(
    x=alt.X("q:O", title=t("quarter", lang), axis=alt.Axis(labelAngle=0)),
    y=alt.Y("mthb:Q", title="MTHB"),
    color=alt.Color("series:N", title=None, sort=list(series.values())),
    tooltip=["series", "q", alt.Tooltip("mthb:Q", format=",.4f")])
st.altair_chart(chart, width="stretch")

st.subheader(t("kpis", lang))
kpi_names = data["kpis"].select(s.PROJECT_ID, s.KPI_ID, s.NAME_TH, s.NAME_EN, s.UNIT, s.TARGET)
results = data["kpi_results"].join(kpi_names, on=[s.PROJECT_ID, s.KPI_ID], how="left", suffix="_kpi")
st.dataframe(results.select(s.PROJECT_ID, s.KPI_ID, name, s.QUARTER, s.AS_OF, s.VALUE, s.UNIT, s.TARGET,
                            s.STATUS_TEXT), hide_index=True, width="stretch",
             column_config={s.AS_OF: st.column_config.DateColumn(format="YYYY-MM-DD")})

with st.expander(t("revisions", lang)):
    st.dataframe(data["revisions"], hide_index=True, width="stretch")
with st.expander(t("vintages", lang)):
    st.dataframe(data["vintages"], hide_index=True, width="stretch")
