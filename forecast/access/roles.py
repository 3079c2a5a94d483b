"""Roles and what each may do; one table, checked on the server for every page and action.

viewer   read every page, export and download
planner  viewer, plus what-ifs saved under their name
analyst  planner, plus validate, ingest and retrain
admin    analyst, plus activate a model set, manage users and read the audit trail
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass

from forecast.errors import ForecastError

VIEWER, PLANNER, ANALYST, ADMIN = "viewer", "planner", "analyst", "admin"
ROLES = (VIEWER, PLANNER, ANALYST, ADMIN)
NOBODY = "(nobody signed in)"  # the user an action of nobody signed in is recorded under

VIEW, EXPORT, SAVE_WHATIF = "view", "export", "save_whatif"
VALIDATE, INGEST, TRAIN = "validate", "ingest", "train"
ACTIVATE, MANAGE_USERS, READ_AUDIT, CREATE_STORE, SET_TARGETS, SEAL = (
    "activate",
    "manage_users",
    "read_audit",
    "create_store",
    "set_targets",
    "seal",
)

# the least role an action needs
NEEDS: dict[str, str] = {
    VIEW: VIEWER,
    EXPORT: VIEWER,
    SAVE_WHATIF: PLANNER,
    VALIDATE: ANALYST,
    INGEST: ANALYST,
    TRAIN: ANALYST,
    SET_TARGETS: ANALYST,
    ACTIVATE: ADMIN,
    MANAGE_USERS: ADMIN,
    READ_AUDIT: ADMIN,
    CREATE_STORE: ADMIN,
    SEAL: ADMIN,
}


class PermissionDenied(ForecastError):
    """A signed-in user (or nobody) asked for an action their role does not allow."""


def rank(role: str | None) -> int:
    return ROLES.index(role) if role in ROLES else -1


def allowed(role: str | None, action: str) -> bool:
    """Whether ``role`` may do ``action`` (an unknown action is allowed to nobody)."""
    need = NEEDS.get(action)
    return need is not None and rank(role) >= rank(need)


def check(role: str | None, action: str, who: str = "") -> None:
    """Raise ``PermissionDenied`` unless ``role`` may do ``action``."""
    if not allowed(role, action):
        need = NEEDS.get(action, "an unknown role")
        holder = f"{who} ({role})" if who and role else who or "nobody signed in"
        raise PermissionDenied(
            f"{action.replace('_', ' ')} needs the {need} role or higher; {holder} may not. "
            "Ask an administrator for the role."
        )


def from_groups(groups, mapping: dict) -> str | None:
    """The highest role whose identity-provider groups include one of ``groups`` (single sign-on);
    ``mapping`` is ``{role: [group, ...]}``. None when no group maps to a role."""
    have = {str(g) for g in (groups if isinstance(groups, (list, tuple, set)) else [groups])}
    best = None
    for role in ROLES:
        if have & {str(g) for g in mapping.get(role, [])}:
            best = role
    return best


def author(via: str = "api", user: str | None = None, role: str | None = None, session: str | None = None) -> dict:
    """Who is acting: the signed-in user (else the OS user), their role, the host, the channel (cli, app,
    api) and, in the app, the session."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    out = {"user": user or os_user, "os_user": os_user, "host": socket.gethostname(), "via": via}
    if role:
        out["role"] = role
    if session:
        out["session"] = session
    return out


@dataclass(frozen=True)
class Actor:
    """Who asks for an operation, through which door: what ``forecast.api`` checks and records.

    ``owner`` is the OS user who owns the store's files (the command line, a script): the file system
    decides what they may do, so no role is checked, and the audit trail records ``user@host``. Anyone
    else acts with ``role`` (None: no role), checked against ``NEEDS``; ``signed_in`` is False for the
    public viewer of the reference data, who may only view and export.
    """

    user: str | None = None  # None: the OS user
    role: str | None = None
    via: str = "api"  # the door: "cli", "app", "api", a future "http"
    signed_in: bool = True
    session: str | None = None
    owner: bool = False
    record: dict | None = None  # the author record as a door writes it (the HTTP service's: user, role, host, token)

    @classmethod
    def os_user(cls, via: str = "api") -> Actor:
        """The OS user, as the owner of the store's files (the command line and scripts)."""
        return cls(via=via, owner=True)

    def allowed(self, action: str) -> bool:
        if self.owner:
            return True
        return allowed(self.role if self.signed_in or action in (VIEW, EXPORT) else None, action)

    def check(self, action: str) -> None:
        """Raise ``PermissionDenied`` unless this actor may do ``action``."""
        if not self.allowed(action):
            check(self.role if self.signed_in else None, action, self.user or "")

    def by(self) -> dict:
        """The author record of manifests and the audit trail."""
        if self.record is not None:
            return dict(self.record)
        if not self.signed_in and not self.owner and self.user is None:
            return author(self.via, NOBODY, self.role, self.session)  # not the server's OS user
        return author(self.via, self.user, self.role, self.session)
