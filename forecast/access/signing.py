"""The key that signs a store's model sets, kept in its access folder (never inside ``models/``).

A model set's manifest is signed (HMAC-SHA256) when it is saved; loading refuses a manifest whose
signature does not verify with this store's key: an edited manifest (its basis, its artifacts'
sha256), or a set copied from another store, unless an administrator accepted it as foreign.
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


def sign(secret: bytes, data: bytes) -> str:
    return hmac.new(secret, data, hashlib.sha256).hexdigest()


def verify(secret: bytes, data: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, data), signature.strip())
