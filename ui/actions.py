"""Everything the app writes, each guarded by the session's role on the server and recorded in the audit trail.

Pages show a button only to roles that may use it, but the check that counts is here: calling
one of these without the role raises ``PermissionDenied`` (and the refusal is audited), whatever
the page showed.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

from forecast import api, config
from forecast.access import audit, roles
from forecast.access.lock import locked
from forecast.data.store import IngestResult, Store, sha256_file
from forecast.data.validate import Checked
from ui import jobs
from ui.auth import by, require

WHATIFS = "whatifs.jsonl"


def validate(store: Store, paths: list[Path]) -> Checked:
    require(store, roles.VALIDATE)
    return store.check(paths)


def ingest(store: Store, paths: list[Path], note: str = "uploaded in the app") -> IngestResult:
    s = require(store, roles.INGEST)
    return api.ingest(store, paths, note=note, by=by(s))


def create_store(store: Store) -> Store:
    """The default store, holding the reference data as its first vintage (an administrator's step)."""
    s = require(store, roles.CREATE_STORE)
    return Store.create(config.DEFAULT_STORE_DIR, from_reference=True, by=by(s))


def activate(store: Store, version: str, foreign: bool = False) -> bool:
    s = require(store, roles.ACTIVATE)
    return api.activate(store, version, foreign, by=by(s))


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
    s = require(store, roles.TRAIN)
    folder = Path(tempfile.mkdtemp(prefix="forecast-history-"))
    try:
        paths = save_uploads(files, folder)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    author = by(s)
    return jobs.start(
        str(store.root or store.id),
        paths,
        folder,
        s.user,
        lambda p, progress: api.train(store, p, progress=progress, by=author),
    )


def record_download(store: Store, name: str, as_of: str) -> None:
    """An export or download, in the audit trail (the reference data's public viewer is not recorded)."""
    s = require(store, roles.EXPORT)
    if s.signed_in:
        store.audit.record("download", by(s), target=name, details={"as_of": as_of})


def save_whatif(
    store: Store, project_id: str, fiscal_year: int, as_of: str, extra: float, outcome: dict, note: str = ""
) -> dict:
    """Keep a planner's what-if under their name (``access/whatifs.jsonl``)."""
    s = require(store, roles.SAVE_WHATIF)
    entry = {
        "user": s.user,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "project_id": project_id,
        "fiscal_year": fiscal_year,
        "as_of": as_of,
        "extra": round(float(extra), 4),
        "year_end": round(float(outcome["year_end"]), 4),
        "share": round(float(outcome["share"]), 4),
        "p_miss": round(float(outcome["p_miss_disbursement"]), 4),
        "meets_target": bool(outcome["meets_target"]),
        "note": note[:300],
    }
    folder = store.access_dir
    with locked(folder), open(folder / WHATIFS, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    store.audit.record(
        "save what-if", by(s), target=project_id, details={k: entry[k] for k in ("extra", "year_end", "p_miss")}
    )
    return entry


def whatifs(store: Store, user: str, project_id: str | None = None) -> list[dict]:
    """A user's saved what-ifs (newest first)."""
    path = store.access_dir / WHATIFS
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            e = json.loads(line)
        except json.JSONDecodeError:
            continue
        if e.get("user") == user and (project_id is None or e.get("project_id") == project_id):
            out.append(e)
    return out[::-1]


def audit_trail(store: Store, since: dt.date | None = None):
    require(store, roles.READ_AUDIT)
    return store.audit.entries(since), store.audit.problems()


def users(store: Store):
    require(store, roles.MANAGE_USERS)
    return store.users.listing()


def add_user(store: Store, name: str, role: str) -> str | None:
    s = require(store, roles.MANAGE_USERS)
    otp = store.users.add(name, role, by=s.user)
    store.audit.record("user add", by(s), target=name, details={"role": role})
    return otp


def set_user(store: Store, name: str, action: str, role: str | None = None) -> str | None:
    """``disable``, ``enable``, ``role`` (with ``role``) or ``reset`` (a new one-time password, returned)."""
    s = require(store, roles.MANAGE_USERS)
    otp = None
    if action == "disable":
        store.users.disable(name)
    elif action == "enable":
        store.users.enable(name)
    elif action == "role" and role:
        store.users.set_role(name, role)
    elif action == "reset":
        otp = store.users.passwd(name)
    else:
        raise ValueError(f"unknown user action {action!r}")
    store.audit.record(f"user {action}", by(s), target=name, details={"role": role} if role else {})
    return otp


__all__ = [
    "activate",
    "add_user",
    "audit",
    "audit_trail",
    "create_store",
    "ingest",
    "record_download",
    "save_whatif",
    "set_user",
    "sha256_file",
    "train",
    "users",
    "validate",
    "whatifs",
]
