"""API tokens: one or more per user, shown once, stored hashed, revocable, with an expiry.

A token reads ``fct_<id>_<secret>``: the id names it (listing, revoking, the audit trail) and the
secret (32 random bytes) is never stored, only its SHA-256 (a random secret of that length needs no
slow hash). ``STORE/access/tokens.json`` holds, per id: the user, the hash, when it was made and by
whom, when it expires and whether it was revoked. A token acts with its user's *current* role: a
disabled user's tokens stop working at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from pathlib import Path

import polars as pl

from forecast.access.users import AccessError, Users
from forecast.durable import replace_durably

PREFIX = "fct"
FILE = "tokens.json"
DEFAULT_DAYS = 90
MAX_DAYS = 366


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Tokens:
    """The API tokens of one store (``folder`` is ``STORE/access``)."""

    def __init__(self, folder: Path, users: Users):
        self.folder = folder
        self.path = folder / FILE
        self.users = users

    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise AccessError(f"the token file {self.path} cannot be read ({exc}); no token is accepted.") from exc

    def _write(self, tokens: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        replace_durably(self.path, json.dumps(tokens, indent=1, ensure_ascii=False).encode("utf-8"), 0o600)

    def issue(self, user: str, days: int = DEFAULT_DAYS, by: str = "", label: str = "") -> tuple[str, str]:
        """A new token for ``user`` valid ``days`` days: (token id, the token itself, shown once)."""
        if self.users.role(user) is None:
            raise AccessError(
                f"no enabled user {user!r}: add the user first (forecast users add).", "unknown_user", name=user
            )
        if not 1 <= days <= MAX_DAYS:
            raise AccessError(f"a token lasts 1-{MAX_DAYS} days; got {days}.", "token_days", days=days)
        tid, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
        tokens = self._read()
        now = _now()
        tokens[tid] = {
            "user": user,
            "sha256": _digest(secret),
            "created_at": now.isoformat(),
            "by": by,
            "expires_at": (now + dt.timedelta(days=days)).isoformat(),
            "revoked_at": None,
            "label": label,
        }
        self._write(tokens)
        return tid, f"{PREFIX}_{tid}_{secret}"

    def revoke(self, tid: str) -> str:
        """Revoke a token by id; returns its user."""
        tokens = self._read()
        if tid not in tokens:
            raise AccessError(f"no token {tid!r}.", "unknown_token", token=tid)
        tokens[tid]["revoked_at"] = _now().isoformat()
        self._write(tokens)
        return str(tokens[tid]["user"])

    def verify(self, token: str) -> tuple[str, str, str]:
        """(token id, user, role) of a valid token; ``AccessError`` otherwise (one message for every cause,
        so that a caller learns nothing about which tokens exist)."""
        bad = AccessError("the token is not valid (unknown, revoked or expired).", "bad_token")
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            raise bad
        _, tid, secret = parts
        entry = self._read().get(tid)
        if not entry or not hmac.compare_digest(entry["sha256"], _digest(secret)) or entry.get("revoked_at"):
            raise bad
        if dt.datetime.fromisoformat(entry["expires_at"]) <= _now():
            raise bad
        role = self.users.role(entry["user"])
        if role is None:  # the user was disabled or removed
            raise bad
        return tid, str(entry["user"]), role

    def listing(self) -> pl.DataFrame:
        rows = [
            {
                "token": tid,
                "user": e["user"],
                "created_at": e["created_at"],
                "expires_at": e["expires_at"],
                "revoked_at": e.get("revoked_at") or "",
                "by": e.get("by", ""),
                "label": e.get("label", ""),
            }
            for tid, e in sorted(self._read().items(), key=lambda kv: kv[1]["created_at"])
        ]
        return pl.DataFrame(
            rows,
            schema={
                "token": pl.String,
                "user": pl.String,
                "created_at": pl.String,
                "expires_at": pl.String,
                "revoked_at": pl.String,
                "by": pl.String,
                "label": pl.String,
            },
        )
