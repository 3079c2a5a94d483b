"""Remembered sign-ins of the app: a signed, expiring session token kept in a browser cookie.

A token reads ``<user>.<expires>.<nonce>.<signature>`` (the user name URL-safe base64, the expiry
in Unix seconds, 16 random bytes, an HMAC-SHA256 with the store's signing key over all that and
the user's stamp, ``Users.stamp``). It lives in a cookie (SameSite=Strict), never in the URL, so a
copied link carries no sign-in. It is refused once expired, once the user's password changes or the
user is disabled, and when any byte is changed.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time

from forecast.access import signing
from forecast.access.users import Users

COOKIE = "forecast_session"
TTL_SECONDS = 8 * 3600  # a working day


def _name(user: str) -> str:
    return base64.urlsafe_b64encode(user.encode("utf-8")).decode("ascii").rstrip("=")


def _user(part: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def issue(secret: bytes, users: Users, user: str, ttl: int = TTL_SECONDS, now: float | None = None) -> str | None:
    """A token for ``user`` valid for ``ttl`` seconds (None when the user cannot be remembered)."""
    stamp = users.stamp(user)
    if stamp is None:
        return None
    body = f"{_name(user)}.{int((time.time() if now is None else now) + ttl)}.{secrets.token_hex(16)}"
    return f"{body}.{signing.sign(secret, f'{body}|{stamp}'.encode())}"


def check(secret: bytes, users: Users, token: str | None, now: float | None = None) -> str | None:
    """The user a token signs in, or None when it is missing, malformed, forged, expired or stale."""
    parts = (token or "").split(".")
    if len(parts) != 4 or not parts[1].isdigit() or len(parts[3]) != 64:
        return None
    user = _user(parts[0])
    if user is None or int(parts[1]) < (time.time() if now is None else now):
        return None
    stamp = users.stamp(user)
    if stamp is None:
        return None
    body = ".".join(parts[:3])
    return user if signing.verify(secret, f"{body}|{stamp}".encode(), parts[3]) else None
