"""Administration: the audit trail (with its chain checked) and the store's users. Administrators only."""

from __future__ import annotations

import streamlit as st

import ui
from forecast.access import roles
from forecast.access.users import AccessError
from ui import actions, auth

ctx = ui.context()
store = ctx.store
st.title(ctx.tr("page_admin"))

st.subheader(ctx.tr("audit_trail"))
entries, broken = actions.audit_trail(store)
if broken:
    st.error(ctx.tr("audit_broken", e=ui.md(broken[0])), icon=":material/gpp_bad:")
else:
    st.success(ctx.tr("audit_ok", n=entries.height), icon=":material/verified_user:")
ui.show(ctx, entries.reverse())

st.subheader(ctx.tr("users"))
ui.show(ctx, actions.users(store))
left, right = st.columns(2)
with left.form("add_user", clear_on_submit=True):
    st.markdown(f"**{ctx.tr('add_user')}**")
    name = st.text_input(ctx.tr("user_name"), key="new_user")
    role = st.selectbox(ctx.tr("role"), roles.ROLES, format_func=lambda r: ctx.tr(f"role_{r}"), key="new_role")
    if st.form_submit_button(ctx.tr("add_user")):
        try:
            otp = actions.add_user(store, name.strip().lower(), role)
        except AccessError as exc:
            st.error(auth.said(exc, ctx.tr))
        else:
            st.success(ctx.tr("user_added", u=ui.md(name), p=f"`{otp}`"))
with right.form("user_action"):
    st.markdown(f"**{ctx.tr('user_action')}**")
    names = actions.users(store)["user"].to_list()
    who = st.selectbox(ctx.tr("user_name"), names, key="user_pick")
    what = st.selectbox(
        ctx.tr("action"),
        ("disable", "enable", "reset", "role"),
        format_func=lambda a: ctx.tr(f"action_{a}"),
        key="user_what",
    )
    new_role = st.selectbox(ctx.tr("role"), roles.ROLES, format_func=lambda r: ctx.tr(f"role_{r}"), key="user_role")
    if st.form_submit_button(ctx.tr("apply")) and who:
        try:
            otp = actions.set_user(store, who, what, new_role if what == "role" else None)
        except AccessError as exc:
            st.error(auth.said(exc, ctx.tr))
        else:
            st.success(ctx.tr("user_added", u=ui.md(who), p=f"`{otp}`") if otp else ctx.tr("done"))
