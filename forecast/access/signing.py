"""The store's key, kept in its access folder (0600, never inside ``models/`` or the vintages).

It seals (HMAC-SHA256) what the store writes: model set manifests, vintage manifests, HEAD, the latest
view's state, kept results and the audit trail. A seal of one kind of record never verifies as another
(``seal`` prefixes the kind). Loading refuses what does not verify with this store's key: an edited
manifest, a vintage or audit entry written by hand with its hashes recomputed, a set copied from another
store (unless an administrator accepted it as foreign). What a key cannot stop: someone who holds it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from forecast.durable import locked

KEY_FILE = "signing.key"


def key(folder: Path) -> bytes:
    """This store's signing key (made on first use, readable by its owner only)."""
    path = Path(folder) / KEY_FILE
    if not path.exists():
        with locked(Path(folder)):
            if not path.exists():
                tmp = path.with_name(f".{KEY_FILE}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(secrets.token_bytes(32).hex().encode())
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def existing(folder: Path) -> bytes | None:
    """This store's key when it has one (never made here: a reader checks seals, it does not make the key)."""
    path = Path(folder) / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def seal(secret: bytes, kind: str, data: bytes) -> str:
    """The HMAC of ``data`` as a ``kind`` of record ('vintage', 'head', 'audit' ...): a seal made for one kind
    never verifies as another."""
    return sign(secret, kind.encode("ascii") + b"\n" + data)


def sealed(secret: bytes, kind: str, data: bytes, signature: object) -> bool:
    return isinstance(signature, str) and verify(secret, kind.encode("ascii") + b"\n" + data, signature)


def sign(secret: bytes, data: bytes) -> str:
    return hmac.new(secret, data, hashlib.sha256).hexdigest()


def verify(secret: bytes, data: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, data), signature.strip())
