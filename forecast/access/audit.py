"""The audit trail: an append-only, hash-chained log of who did what, when, from where, and how it ended.

One JSON object per line in ``access/audit.jsonl``::

    {"seq": 7, "at": "2026-04-02T09:14:03+00:00", "user": "somchai", "role": "analyst", "via": "app",
     "where": "app session 3f2a…", "action": "ingest", "target": "vintage 4",
     "details": {"files": [{"name": "finance.csv", "sha256": "…", "rows": 9}]}, "outcome": "ok",
     "prev": "<hash of entry 6>", "hash": "<sha256 of this entry without its hash>"}

Each entry's hash covers its content and the previous entry's hash, so an edited, removed or
reordered entry breaks the chain from there on; ``audit.head`` holds the last sequence number and
hash, so cutting entries off the end is seen too. ``verify`` names the first broken link. Writers
hold the folder's lock, so concurrent appends keep one order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from forecast import labels
from forecast.durable import locked, replace_durably
from forecast.errors import StoreError

LOG, HEAD = "audit.jsonl", "audit.head"
GENESIS = "0" * 64
OK, REFUSED, DENIED = "ok", "refused", "denied"
COLUMNS = ["seq", "at", "user", "role", "via", "where", "action", "target", "outcome", "details"]
SEQ, AT, USER, ROLE, VIA, WHERE, ACTION, TARGET, OUTCOME, DETAILS = COLUMNS
SESSION, ON = "app session ", " on "  # how ``where`` writes an app session (and its host)
VINTAGE_TARGET, NO_CHANGE = "vintage {n}", "no change"  # the target of an ingest: the vintage it made, or none


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    ).hexdigest()


# control characters (C0, C1, DEL), format characters (the bidirectional embeddings, overrides and isolates
# U+202A-U+202E, U+2066-U+2069, zero-width joiners ...), line and paragraph separators and surrogates
_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def inert(value: object) -> object:
    """``value`` with every control, format (bidirectional) and separator character in its text written out as
    ``\\uXXXX``, in strings, keys and nested lists and mappings: a record that reads as what it holds, and
    cannot reorder or hide what is shown around it ('gnp.exe' written backwards by U+202E stays visible)."""
    if isinstance(value, str):
        return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
    if isinstance(value, dict):
        return {str(inert(str(k))): inert(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [inert(v) for v in value]
    return value


def where(by: dict) -> str:
    """From where an action came: ``os_user@host`` (command line, API) or the app session."""
    if by.get("session"):
        return f"{SESSION}{by['session']}" + (f"{ON}{by['host']}" if by.get("host") else "")
    return f"{by.get('os_user', '?')}@{by.get('host', '?')}"


def target_text(target: str, lang: str) -> str:
    """An entry's target for people in ``lang``: 'vintage 4' -> 'ชุดข้อมูลที่ 4' (a user, a version, a path: as it is)."""
    head = VINTAGE_TARGET.partition("{")[0]
    if target and target.startswith(head) and target[len(head) :].isdigit():
        return labels.t("target_vintage", lang).format(n=target[len(head) :])
    return labels.code("target", target, lang) if target == NO_CHANGE else target or ""


def where_text(where: str, lang: str) -> str:
    """``where`` for people in ``lang``: 'app session 3f2a on vm' -> 'เซสชันแอป 3f2a บนเครื่อง vm' (``user@host``
    and addresses are names: as they are)."""
    if not where or not where.startswith(SESSION):
        return where or ""
    session, on, host = where[len(SESSION) :].partition(ON)
    if on:
        return labels.t("where_session_host", lang).format(session=session, host=host)
    return labels.t("where_session", lang).format(session=session)


class AuditLog:
    """The audit trail in ``folder`` (created on first write)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOG

    def _lines(self) -> list[str]:
        if not self.path.exists():
            return []
        return self.path.read_text(encoding="utf-8").splitlines()

    def _head(self) -> tuple[int, str]:
        head = self.folder / HEAD
        if not head.exists():
            return 0, GENESIS
        seq, _, digest = head.read_text(encoding="utf-8").strip().partition(" ")
        return int(seq), digest

    def record(
        self, action: str, by: dict | None, outcome: str = OK, target: str = "", details: dict | None = None
    ) -> dict:
        """Append one entry (under the folder's lock) and return it."""
        by = by or {}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._unwritable(exc) from exc
        with self._locked():
            seq, prev = self._head()
            entry = {
                "seq": seq + 1,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "user": inert(str(by.get("user", ""))),
                "role": inert(str(by.get("role", ""))),
                "via": inert(str(by.get("via", ""))),
                "where": inert(where(by)),
                "action": inert(action),
                "target": inert(str(target)),
                "details": inert(json.loads(json.dumps(details or {}, default=str))),
                "outcome": outcome,
                "prev": prev,
            }
            entry["hash"] = _digest(entry)
            line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
            try:  # owner only (0600), also a trail made before this rule; written whole with os.write
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.fchmod(fd, 0o600)
                    view = memoryview(line)
                    while view:
                        view = view[os.write(fd, view) :]
                    os.fsync(fd)
                finally:
                    os.close(fd)
                replace_durably(self.folder / HEAD, f"{entry['seq']} {entry['hash']}\n".encode(), 0o600)
            except OSError as exc:
                raise self._unwritable(exc) from exc
        return entry

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        held = contextlib.ExitStack()
        try:
            held.enter_context(locked(self.folder))
        except StoreError as exc:  # the folder cannot be written: the trail cannot be either
            cause = exc.__cause__
            raise self._unwritable(cause if isinstance(cause, OSError) else OSError(str(exc))) from exc
        with held:
            yield

    def _unwritable(self, exc: OSError) -> StoreError:
        reason = exc.strerror or str(exc)
        return StoreError(
            f"the audit trail {self.path} cannot be written ({reason}; is the disk full or read-only?); the "
            "action was not recorded.",
            key="error_audit_unwritable",
            reason=reason,
        )

    def entries(self, since: dt.date | None = None) -> pl.DataFrame:
        """The entries (oldest first), from ``since`` on; details as JSON text."""
        rows = []
        for line in self._lines():
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            if since is not None and e.get("at", "")[:10] < since.isoformat():
                continue
            rows.append(
                {
                    **{c: e.get(c) for c in COLUMNS},
                    "details": json.dumps(e.get("details", {}), ensure_ascii=False, sort_keys=True),
                }
            )
        return pl.DataFrame(rows, schema={c: pl.Int64 if c == "seq" else pl.String for c in COLUMNS})

    def problems(self) -> list[str]:
        """Every broken link of the chain, the first one first; [] when it holds."""
        out, prev, expected = [], GENESIS, 1
        lines = self._lines()
        for n, line in enumerate(lines, start=1):
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                out.append(f"{self.path}, line {n}: not a JSON entry (the file was edited or cut mid-line).")
                break
            if e.get("seq") != expected:
                out.append(
                    f"{self.path}, line {n}: entry number {e.get('seq')} where {expected} was expected "
                    "(an entry was removed, added or moved)."
                )
                break
            if e.get("prev") != prev:
                out.append(
                    f"{self.path}, line {n} (entry {expected}): it does not follow the entry before it "
                    "(the chain is broken here)."
                )
                break
            if _digest(e) != e.get("hash"):
                out.append(
                    f"{self.path}, line {n} (entry {expected}, {e.get('action')} at {e.get('at')}): its "
                    "content does not match its hash (the entry was edited)."
                )
                break
            prev, expected = e["hash"], expected + 1
        else:
            seq, digest = self._head()
            last = expected - 1
            if (seq, digest) != (last, prev if last else GENESIS) and (seq or lines):
                out.append(
                    f"{self.path}: the log ends at entry {last} but {self.folder / HEAD} records entry "
                    f"{seq} (entries were cut off the end, or the head was edited)."
                )
        return out
