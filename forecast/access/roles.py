"""Roles and what each may do; one table, checked on the server for every page and action.

viewer   read every page, export and download
planner  viewer, plus what-ifs saved under their name
analyst  planner, plus validate, ingest and retrain
admin    analyst, plus activate a model set, manage users and read the audit trail
"""

from __future__ import annotations

from forecast.errors import ForecastError

VIEWER, PLANNER, ANALYST, ADMIN = "viewer", "planner", "analyst", "admin"
ROLES = (VIEWER, PLANNER, ANALYST, ADMIN)

VIEW, EXPORT, SAVE_WHATIF = "view", "export", "save_whatif"
VALIDATE, INGEST, TRAIN = "validate", "ingest", "train"
ACTIVATE, MANAGE_USERS, READ_AUDIT, CREATE_STORE, SET_TARGETS = (
    "activate",
    "manage_users",
    "read_audit",
    "create_store",
    "set_targets",
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
