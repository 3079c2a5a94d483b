"""Everything the app writes: each is one call to ``forecast.api`` with the session's actor.

Pages show a button only to roles that may use it, but the check that counts is in the API: calling
one of these without the role raises ``PermissionDenied`` (and the refusal is audited), whatever
the page showed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import polars as pl

from forecast import api, config
from forecast.access import roles
from forecast.data.store import APP_NOTE, IngestResult, Store
from forecast.data.validate import Checked
from ui import jobs
from ui.auth import actor


def validate(store: Store, paths: list[Path]) -> Checked:
    return api.validate(store, paths, actor=actor(store))


def ingest(store: Store, paths: list[Path], note: str = APP_NOTE) -> IngestResult:
    return api.ingest(store, paths, note=note, actor=actor(store))


def create_store(store: Store) -> Store:
    """The default store, holding the reference data as its first vintage (an administrator's step)."""
    return api.create_store(config.DEFAULT_STORE_DIR, from_reference=True, actor=actor(store), current=store)


def activate(store: Store, version: str, foreign: bool = False) -> bool:
    return api.activate(store, version, foreign, actor=actor(store))


def save_uploads(files, folder: Path) -> list[Path]:
    """Write uploaded files into ``folder`` under their own names (a repeated name in its own sub-folder,
    so that validation sees both); returns their paths."""
    paths, seen = [], set()
    for i, f in enumerate(files):
        name = Path(f.name).name
        where = folder if name not in seen else folder / f"upload-{i + 1}"
        where.mkdir(exist_ok=True)
        seen.add(name)
        (where / name).write_bytes(f.getvalue())
        paths.append(where / name)
    return paths


def train(store: Store, files) -> jobs.Job:
    """Start retraining on uploaded history files in the background; returns the job."""
    who = actor(store)
    api.permit(store, who, roles.TRAIN)  # refused before anything is uploaded or started
    folder = Path(tempfile.mkdtemp(prefix="forecast-history-"))
    try:
        paths = save_uploads(files, folder)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return jobs.start(
        str(store.root or store.id),
        paths,
        folder,
        who.user or "",
        lambda p, progress: api.train(store, p, progress=progress, actor=who),
    )


def record_download(store: Store, name: str, as_of: str) -> None:
    """An export or download, in the audit trail (the reference data's public viewer is not recorded)."""
    api.record_download(store, name, as_of, actor=actor(store))


def save_whatif(
    store: Store, project_id: str, fiscal_year: int, as_of: str, extra: float, outcome: dict, note: str = ""
) -> dict:
    """Keep a planner's what-if under their name."""
    return api.save_whatif(store, project_id, fiscal_year, as_of, extra, outcome, note, actor=actor(store))


def whatifs(store: Store, user: str, project_id: str | None = None) -> list[dict]:
    """A user's saved what-ifs (newest first)."""
    return api.whatifs(store, user, project_id)


def audit_trail(store: Store, since: dt.date | None = None) -> api.AuditTrail:
    return api.audit_trail(store, since, actor=actor(store))


def users(store: Store) -> pl.DataFrame:
    return api.users(store, actor=actor(store))


def add_user(store: Store, name: str, role: str) -> str | None:
    return api.add_user(store, name, role, actor=actor(store))


def set_user(store: Store, name: str, action: str, role: str | None = None) -> str | None:
    """``disable``, ``enable``, ``role`` (with ``role``) or ``reset`` (a new one-time password, returned)."""
    if action not in ("disable", "enable", "role", "reset"):
        raise ValueError(f"unknown user action {action!r}")
    return api.set_user(store, name, action, role, actor=actor(store))


def reallocate(store: Store, as_of: str, transfers: list[dict] | None = None, **kw) -> api.Reallocation:
    """Reallocation advice, or the effect of the transfers a person edited (a what-if)."""
    return api.reallocate(store, as_of, transfers=transfers, actor=actor(store), **kw)


def save_reallocation(store: Store, made: api.Reallocation, note: str = "") -> dict:
    """Keep a reallocation plan under the user's name (needs sign-in; audited)."""
    return api.save_reallocation(store, made, note, actor=actor(store))
