"""Sign-in, roles and the audit trail in the app; every check runs on the server.

* A real store needs sign-in for every page. The embedded reference data (public, read-only)
  may be viewed without it when the server listens on this machine only; anything that writes
  (creating a store, saving a what-if) still needs sign-in.
* Users are the store's (``forecast users``). With no users at all, the first sign-in creates an
  administrator ``admin`` with a one-time password printed to the server log; it must be changed.
* Optional single sign-on: with ``[auth]`` in ``.streamlit/secrets.toml`` the sign-in offers
  Streamlit's OIDC login (``st.login``), and ``[forecast.roles]`` maps the identity provider's
  groups to roles (see README, "Security").
* The role is read again from the store on every run, so disabling a user or changing a role takes
  effect at once; ``require`` guards each action even when a page's code is called directly.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st
import streamlit.components.v1 as components

from forecast import api
from forecast.access import audit, roles, sessions
from forecast.access.roles import Actor
from forecast.access.users import AccessError
from forecast.data.store import Store, author
from forecast.errors import StoreError

LOG = logging.getLogger("forecast.app")
USER = "__forecast_user"
SESSION = "__forecast_session"
WANTS_SIGN_IN = "__forecast_wants_sign_in"
COOKIE_TODO = "__forecast_cookie"  # the cookie this browser should hold: a token, or "" to clear it
NEXT = "__forecast_next"  # the page a link asked for before the sign-in form, opened after it
SIGNED_OUT = "__forecast_signed_out"  # signed out in this session: its cookie no longer counts
LOCAL = ("127.0.0.1", "localhost", "::1")
ANONYMOUS = "anonymous"
_MD = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character: each may be escaped in Markdown
JOINER = "\u2060"  # WORD JOINER: invisible, and breaks what Streamlit's Markdown finds in the text itself
_WWW = re.compile(r"(?i)(www)(?=\\\.)")


def md(text) -> str:
    """Text shown through Markdown as itself, inert: never a link, an image, a heading, math, an icon, an emoji
    or coloured text.

    Every ASCII punctuation character is escaped (so ``[x](url)``, ``**``, ``$x^2$``, ``&#58;`` and ``<b>``
    stay text). Escapes are not enough where Streamlit's Markdown looks at the text after it is parsed: GitHub's
    autolinks (``www.``, ``http://``, ``x@y.z``), ``:material/home:`` icons, ``:smile:`` emoji and ``:red[...]``
    directives. An invisible word joiner after every ``:``, after ``www`` and before ``@`` breaks each of those,
    and the text reads the same."""
    out = _MD.sub(r"\\\1", "" if text is None else str(text))
    return _WWW.sub(r"\1" + JOINER, out).replace(":", ":" + JOINER).replace("\\@", JOINER + "\\@")


@dataclass(frozen=True)
class Session:
    """Who is using this browser session: a user and role, or an anonymous viewer of public data."""

    user: str
    role: str | None
    via: str = "password"  # "password", "sso" or "public"

    @property
    def signed_in(self) -> bool:
        return self.via != "public"


def session_id() -> str:
    if SESSION not in st.session_state:
        st.session_state[SESSION] = uuid.uuid4().hex[:12]
    return st.session_state[SESSION]


def by(session: Session | None = None) -> dict:
    """The author of an action from this session, for manifests and the audit trail."""
    s = session or current()
    return author("app", s.user if s else ANONYMOUS, s.role if s else None, session_id())


def localhost() -> bool:
    return str(st.get_option("server.address") or "") in LOCAL


def public(store: Store) -> bool:
    """The reference data on a server bound to this machine: viewable without sign-in."""
    return store.read_only and localhost()


def _sso_config() -> dict | None:
    try:
        if "auth" not in st.secrets:
            return None
        return dict(st.secrets.get("forecast", {}).get("roles", {}))
    except Exception:  # noqa: BLE001 - no secrets file at all: SSO is simply not configured
        return None


def current(store: Store | None = None) -> Session | None:
    """The session's user with the role the store gives them now (None when signed out or disabled)."""
    s: Session | None = st.session_state.get(USER)
    if s is None or store is None or s.via != "password":
        return s
    role = store.users.role(s.user)
    if role is None:  # disabled or removed since sign-in
        st.session_state.pop(USER, None)
        return None
    return s if role == s.role else Session(s.user, role, s.via)


def actor(store: Store) -> Actor:
    """Who acts in this browser session, for ``forecast.api``: the signed-in user with the role the store gives
    them now, the public viewer of the reference data, or nobody."""
    s = current(store) or (Session(ANONYMOUS, roles.VIEWER, "public") if public(store) else None)
    if s is None:
        return Actor(None, None, "app", signed_in=False, session=session_id())
    return Actor(s.user, s.role, "app", s.signed_in, session_id())


def require(store: Store, action: str) -> Session:
    """The session, if its role may do ``action``; else the refusal is audited and ``PermissionDenied`` raised
    (by ``forecast.api.permit``, the one check for every door)."""
    api.permit(store, actor(store), action)
    return current(store) or Session(ANONYMOUS, roles.VIEWER, "public")


def _cookie() -> None:
    """Write (or clear) the remembered sign-in's cookie in the browser: SameSite=Strict, never in the URL."""
    # kept, and drawn on every run: a run cut short (a redirect) may never reach the browser
    token = st.session_state.get(COOKIE_TODO)
    if token is None or not all(c.isalnum() or c in "._-" for c in token):
        return
    age = sessions.TTL_SECONDS if token else 0
    script = (
        "<script>(function(){var d=window.parent.document;"
        f"d.cookie='{sessions.COOKIE}={token}; Max-Age={age}; Path=/; SameSite=Strict'"
        "+(window.parent.location.protocol==='https:'?'; Secure':'');})();</script>"
    )
    with st.sidebar:
        components.html(script, height=0)


def _restore(store: Store) -> Session | None:
    """A sign-in remembered by this browser's cookie (a reload), with the role the store gives now."""
    try:
        token = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # noqa: BLE001 - no browser context (tests, bare mode): nothing to restore
        return None
    found = api.remembered(store, token)
    if found is None:
        return None
    s = Session(*found)
    st.session_state[USER] = s
    store.audit.record("sign in", by(s), details={"via": "remembered session"})
    return s


def gate(store: Store, tr, lang: str) -> Session | None:
    """Run first on every page: the signed-in session, the public viewer, or the sign-in form (then stop)."""
    _cookie()
    s = current(store) or (
        None if st.session_state.get(WANTS_SIGN_IN) or st.session_state.get(SIGNED_OUT) else _restore(store)
    )
    if s is None:
        s = _sso(store)
    if s is not None:
        if st.session_state.get("__must_change"):
            _change_password(store, s, tr)
            st.stop()
        return s
    if public(store) and not st.session_state.get(WANTS_SIGN_IN):
        return Session(ANONYMOUS, roles.VIEWER, "public")
    if NEXT not in st.session_state:
        st.session_state[NEXT] = urlsplit(st.context.url or "").path.strip("/").rsplit("/", 1)[-1]
    sign_in_form(store, tr)
    st.stop()
    return None


def _bootstrap(store: Store, tr) -> None:
    """No users at all: make the administrator with a one-time password, printed to the server log only."""
    try:
        otp = store.users.bootstrap()
    except AccessError as exc:
        st.error(md(str(exc)))
        return
    if otp:
        LOG.warning(
            "forecast: no users yet in %s; created the administrator 'admin' with the one-time password "
            "%s (it must be changed at the first sign-in)",
            store.access_dir,
            otp,
        )
        print(f"forecast: no users yet; administrator 'admin', one-time password: {otp}", flush=True)
        store.audit.record(
            "user add",
            author("app", "system", session=session_id()),
            target="admin",
            details={"role": roles.ADMIN, "reason": "first sign-in with no users"},
        )
    st.info(tr("first_admin"), icon=":material/key:")


def said(exc: AccessError, tr) -> str:
    """An access error in the user's language (its English message where it has no code)."""
    if not exc.code:
        return md(str(exc))
    return md(tr(f"access_{exc.code}").format(**exc.params))


def sign_in_form(store: Store, tr) -> None:
    st.title(tr("sign_in"))
    if not store.users:
        _bootstrap(store, tr)
    sso = _sso_config()
    if sso is not None and st.button(tr("sign_in_sso"), key="sso"):
        st.login()
    with st.form("sign_in"):
        name = st.text_input(tr("user_name"), key="sign_in_user")
        password = st.text_input(tr("password"), type="password", key="sign_in_password")
        if st.form_submit_button(tr("sign_in"), type="primary"):
            try:
                user = store.users.authenticate(name.strip().lower(), password)
            except AccessError as exc:
                with suppress(StoreError):  # the refusal stands where it cannot be recorded (a read-only store)
                    store.audit.record(
                        "sign in",
                        author("app", name.strip()[:64] or "?", session=session_id()),
                        audit.REFUSED,
                        details={"reason": str(exc)},
                    )
                st.error(said(exc, tr))
                return
            try:  # a sign-in that cannot be recorded does not happen (fail closed)
                store.audit.record("sign in", by(Session(user.name, user.role)))
            except StoreError as exc:
                st.error(md(tr(exc.key, **exc.params)) if exc.key else md(str(exc)))
                return
            st.session_state[USER] = Session(user.name, user.role)
            st.session_state["__must_change"] = user.must_change
            st.session_state.pop(WANTS_SIGN_IN, None)
            st.session_state.pop(SIGNED_OUT, None)
            st.session_state[COOKIE_TODO] = api.remember_sign_in(store, user.name) or ""
            st.rerun()
    if public(store) and st.button(tr("cancel"), key="cancel_sign_in"):
        st.session_state.pop(WANTS_SIGN_IN, None)
        st.rerun()


def _change_password(store: Store, s: Session, tr) -> None:
    st.title(tr("change_password"))
    st.info(tr("one_time_password"))
    with st.form("change_password"):
        new = st.text_input(tr("new_password"), type="password", key="new_password")
        again = st.text_input(tr("new_password_again"), type="password", key="new_password_again")
        if st.form_submit_button(tr("change_password"), type="primary"):
            if new != again:
                st.error(tr("passwords_differ"))
                return
            try:
                store.users.passwd(s.user, new)
            except AccessError as exc:
                st.error(said(exc, tr))
                return
            store.audit.record("user passwd", by(s), target=s.user)
            st.session_state["__must_change"] = False
            st.session_state[COOKIE_TODO] = api.remember_sign_in(store, s.user) or ""
            st.rerun()


def _sso(store: Store) -> Session | None:
    """A session from Streamlit's OIDC login, with the role its groups map to (None when not configured)."""
    mapping = _sso_config()
    if mapping is None:
        return None
    try:
        if not st.user.is_logged_in:
            return None
        claims = dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - SSO configured but unavailable: fall back to passwords
        return None
    name = str(claims.get("email") or claims.get("preferred_username") or claims.get("sub") or "")
    role = roles.from_groups(claims.get("groups") or [], mapping)
    if not name or role is None:
        return None
    s = Session(name, role, "sso")
    if st.session_state.get(USER) != s:
        st.session_state[USER] = s
        store.audit.record("sign in", by(s), details={"via": "sso", "groups": claims.get("groups") or []})
    return s


def sidebar(store: Store, s: Session | None, tr) -> None:
    """Who is signed in, with sign-out; or a sign-in button for the public viewer."""
    if s is None:
        return
    if s.signed_in:
        st.sidebar.caption(f"{tr('signed_in_as')} {md(s.user)} · {tr('role_' + (s.role or 'viewer'))}")
        if st.sidebar.button(tr("sign_out"), key="sign_out"):
            store.audit.record("sign out", by(s))
            st.session_state.pop(USER, None)
            st.session_state[COOKIE_TODO] = ""  # forget the remembered sign-in in this browser
            st.session_state[SIGNED_OUT] = True
            if s.via == "sso":
                st.logout()
            st.rerun()
    elif st.sidebar.button(tr("sign_in"), key="want_sign_in"):
        st.session_state[WANTS_SIGN_IN] = True
        st.rerun()
