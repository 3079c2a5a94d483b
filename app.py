"""Streamlit app: which projects are at risk, why, and where each project's money will land.

The frame: the language and the report date are chosen here once (sidebar and URL) and every
page in ``app_pages/`` reads them through ``ui.context()``; the pages only lay out what
``forecast`` computes. Run with ``uv run streamlit run app.py`` (the embedded ETDA FY2569 report
by default).
"""

from __future__ import annotations

import streamlit as st

import ui

st.set_page_config(page_title="forecast", page_icon=":material/monitoring:", layout="wide")
ctx = ui.draw()
pages = [
    st.Page("app_pages/overview.py", title=ctx.tr("page_overview"), icon=":material/dashboard:", default=True),
    *([st.Page("app_pages/agencies.py", title=ctx.tr("page_agencies"), icon=":material/account_balance:",
                url_path="agencies")] if len(ctx.agencies) > 1 else []),
    st.Page("app_pages/ranking.py", title=ctx.tr("page_ranking"), icon=":material/warning:", url_path="ranking"),
    st.Page("app_pages/project.py", title=ctx.tr("page_project"), icon=":material/folder_open:", url_path="project"),
    st.Page("app_pages/data.py", title=ctx.tr("page_data"), icon=":material/table_view:", url_path="data"),
    st.Page("app_pages/models.py", title=ctx.tr("page_models"), icon=":material/model_training:", url_path="models"),
]
st.navigation(pages).run()
