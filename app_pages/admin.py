"""Administration: the audit trail (with its chain checked) and the store's users. Administrators only."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from forecast.access import audit, roles, users
from forecast.access.users import AccessError
from forecast.labels import code
from ui import actions, auth

ctx = ui.context()
store = ctx.store
st.title(ctx.tr("page_admin"))

st.subheader(ctx.tr("audit_trail"))
trail = actions.audit_trail(store)
entries, broken = trail.entries, trail.problems
if broken:
    st.error(ctx.tr("audit_broken", e=ui.md(broken[0])), icon=":material/gpp_bad:")
else:
    st.success(ctx.tr("audit_ok", n=entries.height), icon=":material/verified_user:")
if trail.anchor:
    st.caption(ctx.tr("audit_anchor"))
    st.code(trail.anchor, language=None, wrap_lines=True)
lang = ctx.lang


def role_label(r: str) -> str:
    return ctx.tr(f"role_{r}") if r in roles.ROLES else r


ui.show(
    ctx,
    entries.reverse().drop(audit.DETAILS),
    codes={
        audit.ROLE: role_label,
        audit.VIA: lambda v: code("via", v, lang),
        audit.WHERE: lambda v: audit.where_text(v, lang),
        audit.ACTION: lambda v: code("audit", v, lang),
        audit.TARGET: lambda v: audit.target_text(v, lang),
        audit.OUTCOME: lambda v: code("outcome", v, lang),
    },
    headers={audit.TARGET: ctx.tr("audit_target")},
)
if entries.height:  # the details are evidence (files and their hashes, a model's basis): shown raw, as recorded
    with st.expander(ctx.tr("details")):
        seqs = entries[audit.SEQ].to_list()[::-1]
        seq = st.selectbox(ctx.tr("entry"), seqs, key="audit_entry")
        raw = entries.filter(pl.col(audit.SEQ) == seq)[audit.DETAILS].item()
        st.json(raw or "{}", expanded=True)

st.subheader(ctx.tr("users"))
ui.show(ctx, actions.users(store), codes={users.ROLE: role_label})
left, right = st.columns(2)
with left.form("add_user", clear_on_submit=True):
    st.markdown(f"**{ctx.tr('add_user')}**")
    name = st.text_input(ctx.tr("user_name"), key="new_user")
    role = st.selectbox(
        ctx.tr("role"), roles.ROLES, format_func=lambda r: ctx.tr(f"role_{r}"), key=ui.follows_language("new_role")
    )
    if st.form_submit_button(ctx.tr("add_user")):
        try:
            otp = actions.add_user(store, name.strip().lower(), role)
        except AccessError as exc:
            st.error(auth.said(exc, ctx.tr))
        else:
            st.success(ctx.tr("user_added", u=ui.md(name), p=f"`{otp}`"))
with right.form("user_action"):
    st.markdown(f"**{ctx.tr('user_action')}**")
    names = actions.users(store)[users.USER].to_list()
    who = st.selectbox(ctx.tr("user_name"), names, key="user_pick")
    what = st.selectbox(
        ctx.tr("action"),
        ("disable", "enable", "reset", "role"),
        format_func=lambda a: ctx.tr(f"action_{a}"),
        key=ui.follows_language("user_what"),
    )
    new_role = st.selectbox(
        ctx.tr("role"), roles.ROLES, format_func=lambda r: ctx.tr(f"role_{r}"), key=ui.follows_language("user_role")
    )
    if st.form_submit_button(ctx.tr("apply")) and who:
        try:
            otp = actions.set_user(store, who, what, new_role if what == "role" else None)
        except AccessError as exc:
            st.error(auth.said(exc, ctx.tr))
        else:
            st.success(ctx.tr("user_added", u=ui.md(who), p=f"`{otp}`") if otp else ctx.tr("done"))
