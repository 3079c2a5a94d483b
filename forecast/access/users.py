"""Users of a store: names, roles and salted, slow password hashes (scrypt, from OpenSSL via hashlib).

``users.json`` holds, per user, the role, the hash (``scrypt$N$r$p$salt$hash``, base64), whether
the account is disabled, whether its password is a one-time password that must be changed, and
failed sign-ins (five in a row lock the account for fifteen minutes). A password is never stored
or logged in clear; a one-time password is shown once, to whoever created it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from forecast.access.roles import ADMIN, ROLES
from forecast.durable import locked, replace_durably
from forecast.errors import ForecastError

FILE = "users.json"
N, R, P = 2**15, 8, 1  # scrypt cost: about 0.1 s and 32 MB per check
MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD = 10
MAX_FAILURES, LOCKOUT = 5, dt.timedelta(minutes=15)
NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


USER, ROLE = "user", "role"  # the columns of ``Users.listing`` that name a user and their role


class AccessError(ForecastError):
    """A user cannot be added, found or signed in.

    ``code`` and ``params`` let an interface say it in the user's language (``labels``: ``access_<code>``);
    the English text is the message."""

    def __init__(self, message: str, code: str = "", **params: object):
        super().__init__(message, key=f"access_{code}" if code else "", **params)
        self.code = code


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, maxmem=MAXMEM)
    b64 = base64.b64encode
    return f"scrypt${N}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), maxmem=MAXMEM
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def _strong(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccessError(
            f"a password needs at least {MIN_PASSWORD} characters; this one has {len(password)}.",
            "too_short",
            n=MIN_PASSWORD,
            got=len(password),
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    must_change: bool = False


class Users:
    """The users of the store whose access folder is ``folder``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / FILE

    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))["users"]
        except (OSError, ValueError, KeyError) as exc:
            raise AccessError(f"{self.path} cannot be read ({exc}); restore it from a backup.") from exc

    def _write(self, users: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        replace_durably(self.path, json.dumps({"users": users}, indent=2, ensure_ascii=False).encode("utf-8"), 0o600)

    def __bool__(self) -> bool:
        return bool(self._read())

    def listing(self) -> pl.DataFrame:
        rows = [
            {
                USER: n,
                ROLE: u["role"],
                "disabled": u.get("disabled", False),
                "must_change_password": u.get("must_change", False),
                "created_at": u.get("created_at", ""),
                "created_by": u.get("created_by", ""),
                "last_sign_in": u.get("last_sign_in", ""),
            }
            for n, u in sorted(self._read().items())
        ]
        return pl.DataFrame(
            rows,
            schema={
                USER: pl.String,
                ROLE: pl.String,
                "disabled": pl.Boolean,
                "must_change_password": pl.Boolean,
                "created_at": pl.String,
                "created_by": pl.String,
                "last_sign_in": pl.String,
            },
        )

    def add(self, name: str, role: str, password: str | None = None, by: str = "") -> str | None:
        """Add a user; without ``password`` a one-time password is made and returned (shown once)."""
        if not NAME.match(name):
            raise AccessError(
                f"user name {name!r}: 2-64 characters, lower-case letters, digits and . _ @ -, "
                "starting with a letter or digit.",
                "bad_name",
                name=name,
            )
        if role not in ROLES:
            raise AccessError(f"role {role!r} is not one of {', '.join(ROLES)}.")
        otp = None if password is not None else one_time_password()
        if password is not None:
            _strong(password)
        with locked(self.folder):
            users = self._read()
            if name in users:
                raise AccessError(
                    f"user {name!r} already exists; change the password with passwd.", "exists", name=name
                )
            users[name] = {
                "role": role,
                "hash": hash_password(password or otp or ""),
                "disabled": False,
                "must_change": otp is not None,
                "created_at": _now().isoformat(timespec="seconds"),
                "created_by": by,
                "failures": 0,
            }
            self._write(users)
        return otp

    def bootstrap(self) -> str | None:
        """With no users at all, add ``admin`` with a one-time password and return it; else None."""
        with locked(self.folder):
            if self._read():
                return None
        try:
            return self.add("admin", ADMIN, by="first write (no users yet)")
        except AccessError:  # another process won the race
            return None

    def _update(self, name: str, **changes) -> None:
        with locked(self.folder):
            users = self._read()
            if name not in users:
                raise AccessError(f"no user {name!r}; see the list of users.", "no_user", name=name)
            users[name].update(changes)
            self._write(users)

    def disable(self, name: str) -> None:
        self._update(name, disabled=True)

    def enable(self, name: str) -> None:
        self._update(name, disabled=False, failures=0, locked_until="")

    def set_role(self, name: str, role: str) -> None:
        if role not in ROLES:
            raise AccessError(f"role {role!r} is not one of {', '.join(ROLES)}.")
        self._update(name, role=role)

    def passwd(self, name: str, password: str | None = None) -> str | None:
        """Set a new password; without one, a one-time password that must be changed (returned)."""
        otp = None if password is not None else one_time_password()
        if password is not None:
            _strong(password)
        self._update(
            name, hash=hash_password(password or otp or ""), must_change=otp is not None, failures=0, locked_until=""
        )
        return otp

    def authenticate(self, name: str, password: str) -> User:
        """The user, when the password is right and the account usable; ``AccessError`` otherwise.

        The message never says which of name and password was wrong.
        """
        wrong = AccessError("the user name or the password is wrong.", "wrong")
        with locked(self.folder):
            users = self._read()
            u = users.get(name)
            if u is None:
                check_password(password, hash_password("a decoy, so that timing says nothing"))
                raise wrong
            until = u.get("locked_until") or ""
            if until and dt.datetime.fromisoformat(until) > _now():
                raise AccessError(
                    f"too many failed sign-ins: the account is locked until {until[:16]} UTC, or "
                    "until an administrator unlocks it.",
                    "locked",
                    until=until[:16],
                )
            if not check_password(password, u["hash"]):
                u["failures"] = int(u.get("failures", 0)) + 1
                if u["failures"] >= MAX_FAILURES:
                    u["locked_until"] = (_now() + LOCKOUT).isoformat(timespec="seconds")
                    u["failures"] = 0
                self._write(users)
                raise wrong
            if u.get("disabled"):
                raise AccessError(f"the account {name!r} is disabled; ask an administrator.", "disabled", name=name)
            u.update(failures=0, locked_until="", last_sign_in=_now().isoformat(timespec="seconds"))
            self._write(users)
            return User(name, u["role"], bool(u.get("must_change")))

    def stamp(self, name: str) -> str | None:
        """What a browser session's sign-in is bound to: changes with the user's password (None when
        unknown or disabled), so a new password or disabling ends every remembered sign-in."""
        u = self._read().get(name)
        return None if u is None or u.get("disabled") or u.get("must_change") else str(u["hash"])

    def role(self, name: str) -> str | None:
        """The current role of an enabled user (None when unknown or disabled): checked on every action."""
        u = self._read().get(name)
        return None if u is None or u.get("disabled") else u["role"]
