"""Users of a store: names, roles and salted, slow password hashes (scrypt, from OpenSSL via hashlib).

``users.json`` holds, per user, the role, the hash (``scrypt$N$r$p$salt$hash``, base64), whether
the account is disabled, and whether its password is a one-time password that must be changed (and
whether it was used: it signs in once). A password is never stored or logged in clear; a one-time
password is shown once, to whoever created it.

Sign-in says nothing about which names exist. Every attempt costs the same: one scrypt check at the
current cost (against a decoy hash for an unknown name) and, when it fails, one durable write of
``signins.json``, where failures are counted per name (hashed), known or not: five in a row lock a
name for fifteen minutes, whether or not it is a user's, with the same answer. The count is kept in
memory too, so that a disk that is full or read-only cannot turn the lockout off (fail closed). A hash
made at a lower cost than today's is made again at the next sign-in.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from forecast.access.roles import ADMIN, ROLES
from forecast.durable import locked, replace_durably, unwritable
from forecast.errors import ForecastError, StoreError

FILE = "users.json"
SIGNINS = "signins.json"  # failed sign-ins per name (hashed), known or not
COST_N = 2**17  # scrypt's N: OWASP's minimum for scrypt (r=8, p=1), 128 MiB per check
N, R, P = COST_N, 8, 1  # the cost new hashes are made at (``N`` may be lowered for tests, never in use)
MAXMEM = 256 * 1024 * 1024
MIN_PASSWORD = 10
MAX_FAILURES, LOCKOUT = 5, dt.timedelta(minutes=15)
NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MAX_TRACKED = 10_000  # names whose failures are kept (the oldest are forgotten first)


USER, ROLE = "user", "role"  # the columns of ``Users.listing`` that name a user and their role


class AccessError(ForecastError):
    """A user cannot be added, found or signed in.

    ``code`` and ``params`` let an interface say it in the user's language (``labels``: ``access_<code>``);
    the English text is the message."""

    def __init__(self, message: str, code: str = "", **params: object):
        super().__init__(message, key=f"access_{code}" if code else "", **params)
        self.code = code


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=MAXMEM)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, N, R, P)
    b64 = base64.b64encode
    return f"scrypt${N}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def outdated(stored: str) -> bool:
    """Whether a hash was made at a lower cost than new ones are (it is made again at the next sign-in)."""
    try:
        kind, n, r, p, *_ = stored.split("$")
        return kind != "scrypt" or (int(n), int(r), int(p)) < (N, R, P)
    except ValueError:
        return True


_DECOYS: dict[int, str] = {}


def _decoy() -> str:
    """A hash at today's cost that no password matches, checked for an unknown name (made once)."""
    if N not in _DECOYS:
        _DECOYS[N] = hash_password(secrets.token_urlsafe(24))
    return _DECOYS[N]


# failures per (access folder, hashed name), kept in memory as well as on disk: when the disk cannot be
# written (full, read-only) the count still grows here and locks the name (fail closed)
_MEMORY: dict[tuple[str, str], dict] = {}
_MEMORY_LOCK = threading.Lock()


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


def _locked(until: str) -> AccessError:
    return AccessError(
        f"too many failed sign-ins: the account is locked until {until[:16]} UTC, or until an administrator "
        "unlocks it.",
        "locked",
        until=until[:16],
    )


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
        self._put(self.path, json.dumps({"users": users}, indent=2, ensure_ascii=False).encode("utf-8"))

    def _put(self, path: Path, data: bytes) -> None:
        """Replace a file of the access folder (0600), or ``StoreError`` saying why it cannot be (nothing changed)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            replace_durably(path, data, 0o600)
        except OSError as exc:
            raise unwritable(path, exc) from exc

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
        self._forget(name)

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
            name,
            hash=hash_password(password or otp or ""),
            must_change=otp is not None,
            otp_used=False,
            failures=0,
            locked_until="",
        )
        self._forget(name)
        return otp

    # --- failed sign-ins, per name ----------------------------------------------------------------------
    def _tag(self, name: str) -> tuple[str, str]:
        return str(self.folder.resolve()), hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]

    def _signins(self) -> dict:
        path = self.folder / SIGNINS
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def _failures(self, name: str, disk: dict) -> dict:
        """The failures of ``name``: the larger count and the later lock of what the disk and memory hold."""
        tag = self._tag(name)
        with _MEMORY_LOCK:
            mem = dict(_MEMORY.get(tag) or {})
        on_disk = disk.get(tag[1]) or {}
        return {
            "failures": max(int(mem.get("failures", 0)), int(on_disk.get("failures", 0))),
            "locked_until": max(str(mem.get("locked_until") or ""), str(on_disk.get("locked_until") or "")),
        }

    def _fail(self, name: str, disk: dict, state: dict) -> str:
        """Count one more failure of ``name`` (in memory first, then on disk when it can be written); the lock
        it is under, if any ('' when none)."""
        now = _now()
        until = state["locked_until"]
        if until and dt.datetime.fromisoformat(until) > now:
            failures = state["failures"]  # locked: the lock stands, not lengthened
        else:
            failures, until = state["failures"] + 1, ""
            if failures >= MAX_FAILURES:
                failures, until = 0, (now + LOCKOUT).isoformat(timespec="seconds")
        tag = self._tag(name)
        entry = {"failures": failures, "locked_until": until, "at": now.isoformat(timespec="seconds")}
        with _MEMORY_LOCK:
            _MEMORY[tag] = entry
            while len(_MEMORY) > MAX_TRACKED:
                _MEMORY.pop(next(iter(_MEMORY)))
        disk[tag[1]] = entry
        if len(disk) > MAX_TRACKED:
            for old in sorted(disk, key=lambda k: str(disk[k].get("at", "")))[: len(disk) - MAX_TRACKED]:
                disk.pop(old)
        with contextlib.suppress(StoreError):  # counted in memory: the lockout holds while this process runs
            self._put(self.folder / SIGNINS, json.dumps(disk, indent=1).encode("utf-8"))
        return until

    def _forget(self, name: str) -> None:
        """Clear the failures of ``name`` (an administrator unlocked it, or it signed in)."""
        tag = self._tag(name)
        with _MEMORY_LOCK:
            _MEMORY.pop(tag, None)
        disk = self._signins()
        if tag[1] in disk:
            disk.pop(tag[1])
            self._put(self.folder / SIGNINS, json.dumps(disk, indent=1).encode("utf-8"))

    def authenticate(self, name: str, password: str) -> User:
        """The user, when the password is right and the account usable; ``AccessError`` otherwise.

        The answer never says whether the name exists, nor which of name and password was wrong: an unknown
        name costs the same work (one check at today's cost, one write of the failure) and, after five
        failures, is locked with the same words as a user's. A one-time password signs in once.
        """
        wrong = AccessError("the user name or the password is wrong.", "wrong")
        with contextlib.ExitStack() as held:
            with contextlib.suppress(StoreError):  # a folder that cannot be written: only memory counts (below)
                held.enter_context(locked(self.folder))
            users = self._read()
            u = users.get(name)
            ok = check_password(password, u["hash"] if u is not None else _decoy())
            disk = self._signins()
            state = self._failures(name, disk)
            legacy = str((u or {}).get("locked_until") or "")  # a lock recorded in users.json before signins.json
            state["locked_until"] = max(state["locked_until"], legacy)
            until = state["locked_until"]
            if until and dt.datetime.fromisoformat(until) > _now():
                self._fail(name, disk, state)  # the same work as any failure
                raise _locked(until)
            if u is None or not ok:
                until = self._fail(name, disk, state)
                if until:
                    raise _locked(until)
                raise wrong
            if u.get("disabled"):
                raise AccessError(f"the account {name!r} is disabled; ask an administrator.", "disabled", name=name)
            if u.get("must_change") and u.get("otp_used"):
                raise AccessError(
                    "this one-time password was used to sign in already; it works once. Ask an administrator "
                    "for a new one.",
                    "otp_used",
                )
            changes = {"failures": 0, "locked_until": "", "last_sign_in": _now().isoformat(timespec="seconds")}
            if u.get("must_change"):
                changes["otp_used"] = True
            if outdated(u["hash"]):
                changes["hash"] = hash_password(password)
            u.update(changes)
            try:
                self._write(users)
                if state["failures"] or state["locked_until"]:
                    self._forget(name)
            except StoreError as exc:  # fail closed: a sign-in (and a one-time password's use) that cannot be kept
                reason = str(exc.params.get("reason", ""))
                raise AccessError(
                    f"the sign-in cannot be recorded ({reason}: the store's disk is full or read-only); you are "
                    "not signed in. Ask an administrator.",
                    "unrecorded",
                    reason=reason,
                ) from exc
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
