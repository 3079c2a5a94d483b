"""The audit trail: an append-only, hash-chained log of who did what, when, from where, and how it ended.

One JSON object per line in ``access/audit.jsonl``::

    {"seq": 7, "at": "2026-04-02T09:14:03+00:00", "user": "somchai", "role": "analyst", "via": "app",
     "where": "app session 3f2a…", "action": "ingest", "target": "vintage 4",
     "details": {"files": [{"name": "finance.csv", "sha256": "…", "rows": 9}]}, "outcome": "ok",
     "prev": "<hash of entry 6>", "hash": "<sha256 of this entry without its hash and seal>",
     "mac": "<HMAC of the hash with the store's key>"}

Each entry's hash covers its content and the previous entry's hash, so an edited, removed or
reordered entry breaks the chain from there on; its seal (``mac``, keyed with ``access/signing.key``)
means that an entry written or re-hashed by hand does not verify. ``audit.head`` holds the last
sequence number and hash, sealed, so cutting entries off the end is seen too. ``verify`` names the
first broken link. Writers hold the folder's lock, so concurrent appends keep one order.

A crash can cut the last line short or stop before the head moves: the next write (under the lock)
removes the cut line and brings the head up to the trail, and verification reads those two states as
an interrupted write, not as damage. Numbers never repeat.
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
from forecast.access import signing
from forecast.durable import locked, replace_durably
from forecast.errors import StoreError

LOG, HEAD = "audit.jsonl", "audit.head"
GENESIS = "0" * 64
OK, REFUSED, DENIED, ROLLED_BACK = "ok", "refused", "denied", "rolled back"
COLUMNS = ["seq", "at", "user", "role", "via", "where", "action", "target", "outcome", "details"]
SEQ, AT, USER, ROLE, VIA, WHERE, ACTION, TARGET, OUTCOME, DETAILS = COLUMNS
SESSION, ON = "app session ", " on "  # how ``where`` writes an app session (and its host)
VINTAGE_TARGET, NO_CHANGE = "vintage {n}", "no change"  # the target of an ingest: the vintage it made, or none


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k not in ("hash", "mac")}
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
    """The audit trail in ``folder`` (created on first write), sealed with the key kept beside it."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOG

    def _raw(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""

    def _lines(self) -> list[str]:
        """The complete lines; a last line a crash cut short (no newline yet) is not one of them."""
        raw = self._raw()
        if raw and not raw.endswith(b"\n"):
            raw = raw[: raw.rfind(b"\n") + 1]
        return raw.decode("utf-8", errors="replace").splitlines()

    def _head(self) -> tuple[int, str, str]:
        """(sequence number, hash, seal) recorded in ``audit.head``; (0, GENESIS, '') when there is none."""
        try:
            text = (self.folder / HEAD).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return 0, GENESIS, ""
        except (OSError, UnicodeDecodeError):
            return -1, "", ""
        seq, _, rest = text.partition(" ")
        digest, _, mac = rest.partition(" ")
        return (int(seq) if seq.isdigit() else -1), digest, mac

    def _write_head(self, secret: bytes, seq: int, digest: str) -> None:
        mac = signing.seal(secret, "audit-head", f"{seq} {digest}".encode())
        replace_durably(self.folder / HEAD, f"{seq} {digest} {mac}\n".encode(), 0o600)

    def _last(self) -> dict | None:
        """The trail's last complete entry (read from the end), None when it has none or it is not JSON."""
        try:
            with open(self.path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                span = 1 << 16
                while True:
                    f.seek(max(0, size - span))
                    chunk = f.read()
                    cut = chunk[: chunk.rfind(b"\n") + 1] if not chunk.endswith(b"\n") else chunk
                    lines = cut.splitlines()
                    if len(lines) >= 2 or span >= size:
                        break
                    span *= 4
        except FileNotFoundError:
            return None
        if not lines:
            return None
        try:
            last = json.loads(lines[-1])
        except ValueError:
            return None
        return last if isinstance(last, dict) else None

    def _recover(self, secret: bytes) -> tuple[int, str]:
        """Under the lock: finish what a crash cut short and return (the next entry's number, the hash it
        follows). A last line cut mid-write is removed; a head one entry behind the trail is brought up to it;
        numbers never repeat (the next is past both the trail's and the head's)."""
        raw = self._raw()
        if raw and not raw.endswith(b"\n"):
            with open(self.path, "rb+") as f:
                f.truncate(raw.rfind(b"\n") + 1)
                os.fsync(f.fileno())
        seq, digest, _ = self._head()
        last = self._last()
        if last is None:
            return max(seq, 0), digest if seq > 0 else GENESIS
        n, h = int(last.get("seq") or 0), str(last.get("hash") or "")
        if n == seq + 1 and last.get("prev") == digest and _sealed(secret, last):
            self._write_head(secret, n, h)
        return max(n, seq), h

    def record(
        self, action: str, by: dict | None, outcome: str = OK, target: str = "", details: dict | None = None
    ) -> dict:
        """Append one sealed entry (under the folder's lock) and return it."""
        by = by or {}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._unwritable(exc) from exc
        try:
            secret = signing.key(self.folder)  # made before the lock: making it takes the same lock
        except OSError as exc:
            raise self._unwritable(exc) from exc
        except StoreError as exc:
            cause = exc.__cause__
            raise self._unwritable(cause if isinstance(cause, OSError) else OSError(str(exc))) from exc
        with self._locked():
            try:
                seq, prev = self._recover(secret)
            except OSError as exc:
                raise self._unwritable(exc) from exc
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
            digest = _digest(entry)
            entry["hash"], entry["mac"] = digest, signing.seal(secret, "audit", digest.encode())
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
                self._write_head(secret, seq + 1, digest)
            except OSError as exc:
                raise self._unwritable(exc) from exc
        return entry

    def seal(self) -> dict:
        """Seal a trail written before keyed chains, as it is now (an administrator's decision, recorded):
        the entry this writes is sealed and follows the last one, so every entry before it is bound too."""
        return self.record("seal", {}, OK, target=LOG)

    def any_sealed(self) -> bool:
        """Whether any entry or the head carries a seal (a trail written before keyed chains has none)."""
        return bool(self._head()[2]) or any('"mac":' in line for line in self._lines())

    def anchor(self) -> tuple[int, str]:
        """The last entry's number and hash: kept elsewhere, they prove later that nothing up to it changed."""
        last = self._last()
        return (int(last.get("seq") or 0), str(last.get("hash") or "")) if last else (0, GENESIS)

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

    def ingests(self) -> list[dict]:
        """Every ingest entry that names a vintage: seq, vintage, outcome and the manifest's sha256 it recorded."""
        head = VINTAGE_TARGET.partition("{")[0]
        out = []
        for line in self._lines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            target = str(e.get("target") or "")
            if e.get("action") == "ingest" and target.startswith(head) and target[len(head) :].isdigit():
                details = e.get("details") if isinstance(e.get("details"), dict) else {}
                out.append(
                    {
                        "seq": e.get("seq"),
                        "vintage": int(target[len(head) :]),
                        "outcome": e.get("outcome"),
                        "manifest": details.get("manifest"),
                    }
                )
        return out

    def problems(self, against: tuple[int, str] | None = None) -> list[str]:
        """Every broken link of the chain, the first one first; [] when it holds. ``against`` (an entry's
        number and hash kept elsewhere) also proves that the trail still holds that entry, unchanged."""
        lines = self._lines()
        secret = signing.existing(self.folder)
        out = _chain(self.path, lines, secret)
        if out:
            return out
        entries = [json.loads(line) for line in lines]
        seq, digest, mac = self._head()
        last = entries[-1] if entries else None
        n = int(last["seq"]) if last else 0
        if seq == -1:
            out.append(f"{self.folder / HEAD} cannot be read (it was edited).")
        elif seq or entries:
            head_ok = secret is not None and signing.sealed(secret, "audit-head", f"{seq} {digest}".encode(), mac)
            behind = last is not None and seq == n - 1 and digest == last["prev"]  # a crash before the head moved
            if not head_ok and (seq or digest != GENESIS):
                out.append(
                    f"{self.folder / HEAD} is not sealed with this store's key (written by hand, or before keyed "
                    "chains: an administrator can seal the store as it is now with `forecast verify --seal`)."
                )
            elif (seq, digest) != (n, last["hash"] if last else GENESIS) and not behind:
                out.append(
                    f"{self.path}: the log ends at entry {n} but {self.folder / HEAD} records entry "
                    f"{seq} (entries were cut off the end, or the head was edited)."
                )
        if against is not None:
            a_seq, a_hash = against
            if a_seq > n:
                out.append(
                    f"{self.path}: the trail ends at entry {n}, before the anchored entry {a_seq} (entries were cut "
                    "off the end, or the trail was deleted)."
                )
            elif a_seq and entries[a_seq - 1].get("hash") != a_hash:
                out.append(
                    f"{self.path}, entry {a_seq}: it is not the entry anchored (the trail up to it was rewritten)."
                )
        return out


def _sealed(secret: bytes | None, entry: dict) -> bool:
    return secret is not None and signing.sealed(secret, "audit", str(entry.get("hash", "")).encode(), entry.get("mac"))


def _chain(path: Path, lines: list[str], secret: bytes | None) -> list[str]:
    """The first broken link of the entries' chain and seals, [] when they hold. Entries written before keyed
    chains carry no seal; from the first sealed entry on every one must be, and that one binds those before it."""
    prev, expected, keyed = GENESIS, 1, False
    for n, line in enumerate(lines, start=1):
        try:
            e = json.loads(line)
            if not isinstance(e, dict):
                raise ValueError("not an object")
        except ValueError:
            return [f"{path}, line {n}: not a JSON entry (the file was edited or cut mid-line)."]
        where = f"{path}, line {n} (entry {expected}"
        if e.get("seq") != expected:
            return [
                f"{path}, line {n}: entry number {e.get('seq')} where {expected} was expected "
                "(an entry was removed, added or moved)."
            ]
        if e.get("prev") != prev:
            return [f"{where}): it does not follow the entry before it (the chain is broken here)."]
        if _digest(e) != e.get("hash"):
            return [f"{where}, {e.get('action')} at {e.get('at')}): its content does not match its hash (edited)."]
        if "mac" in e or keyed:
            if secret is None:
                return [
                    f"{path}: the store's key ({signing.KEY_FILE} beside the trail) is missing, so the trail's seals "
                    "cannot be checked (the access folder was changed)."
                ]
            if not _sealed(secret, e):
                return [
                    f"{where}, {e.get('action')} at {e.get('at')}): its seal does not verify with this store's key "
                    "(written or re-hashed by hand)."
                ]
            keyed = True
        prev, expected = e["hash"], expected + 1
    if lines and not keyed:
        return [
            f"{path}: no entry is sealed with this store's key (written before keyed chains, or rewritten by hand); "
            "an administrator can seal it as it is now with `forecast verify --seal`."
        ]
    return []
