"""Streamlit app: which projects are at risk, why, and where each project's money will land.

The frame: sign-in, the language and the report date are settled here once (sidebar and URL) and
every page in ``app_pages/`` reads them through ``ui.context()``; the pages only lay out what
``forecast`` computes. Run with ``uv run streamlit run app.py`` (the embedded ETDA FY2569 report
by default). An unexpected error is logged with an id and shown to the user by that id only.
"""

from __future__ import annotations

import logging
import uuid

import streamlit as st

import ui
from forecast.access import roles

st.set_page_config(page_title="forecast", page_icon=":material/monitoring:", layout="wide")
ctx = ui.draw()
pages = [
    st.Page("app_pages/overview.py", title=ctx.tr("page_overview"), icon=":material/dashboard:", default=True),
    *(
        [
            st.Page(
                "app_pages/agencies.py",
                title=ctx.tr("page_agencies"),
                icon=":material/account_balance:",
                url_path="agencies",
            )
        ]
        if len(ctx.agencies) > 1
        else []
    ),
    st.Page("app_pages/ranking.py", title=ctx.tr("page_ranking"), icon=":material/warning:", url_path="ranking"),
    st.Page("app_pages/project.py", title=ctx.tr("page_project"), icon=":material/folder_open:", url_path="project"),
    st.Page("app_pages/data.py", title=ctx.tr("page_data"), icon=":material/table_view:", url_path="data"),
    st.Page("app_pages/models.py", title=ctx.tr("page_models"), icon=":material/model_training:", url_path="models"),
    *(
        [
            st.Page(
                "app_pages/admin.py",
                title=ctx.tr("page_admin"),
                icon=":material/admin_panel_settings:",
                url_path="admin",
            )
        ]
        if ctx.can(roles.READ_AUDIT)
        else []
    ),
]
page = st.navigation(pages)
ui.after_sign_in(pages, page)
try:
    page.run()
except roles.PermissionDenied as exc:
    st.error(ctx.tr("denied", e=ui.md(str(exc))), icon=":material/block:")
except Exception:
    error_id = uuid.uuid4().hex[:8]
    logging.getLogger("forecast.app").exception("error %s on page %s", error_id, page.title)
    st.error(ctx.tr("error_id", id=error_id), icon=":material/error:")
