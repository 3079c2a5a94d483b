"""OpenID Connect bearer tokens for the HTTP API: the identity provider the app signs in with, its groups
mapped to roles the same way (``[forecast.roles]`` in ``.streamlit/secrets.toml``).

A bearer token that is a JWT is verified against the provider's published keys (its discovery
document's ``jwks_uri``, fetched once and cached; RS256/ES256 only), its issuer, its audience (the
``client_id``), its expiry and not-before time. The user is its ``email`` (else
``preferred_username``, else ``sub``) and the role the highest whose groups include one of the token's
``groups``; a token with no mapped group is refused.
"""

from __future__ import annotations

import json
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from forecast.access.roles import from_groups
from forecast.access.users import AccessError

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384"]
TIMEOUT = 5.0


@dataclass
class Provider:
    """An identity provider: its discovery document's address, the audience and the group-to-role map."""

    metadata_url: str
    audience: str
    roles: dict[str, list[str]]
    _issuer: str | None = None
    _keys: Any = field(default=None, repr=False)

    @classmethod
    def from_secrets(cls, path: Path) -> Provider | None:
        """The provider of a Streamlit secrets file (``[auth]`` and ``[forecast.roles]``); None when absent."""
        if not path.exists():
            return None
        conf = tomllib.loads(path.read_text(encoding="utf-8"))
        auth, mapping = conf.get("auth") or {}, (conf.get("forecast") or {}).get("roles") or {}
        if not auth.get("server_metadata_url") or not auth.get("client_id") or not mapping:
            return None
        return cls(str(auth["server_metadata_url"]), str(auth["client_id"]), {k: list(v) for k, v in mapping.items()})

    def _discover(self) -> None:
        if self._keys is not None:
            return
        with urllib.request.urlopen(self.metadata_url, timeout=TIMEOUT) as r:
            meta = json.loads(r.read())
        self._issuer = str(meta["issuer"])
        self._keys = jwt.PyJWKClient(str(meta["jwks_uri"]), cache_keys=True, timeout=int(TIMEOUT))

    def verify(self, token: str) -> tuple[str, str, dict]:
        """(user, role, claims) of a valid token; ``AccessError`` otherwise."""
        try:
            self._discover()
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self._issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, OSError, ValueError, KeyError) as exc:
            raise AccessError(
                f"the identity provider's token is not valid ({type(exc).__name__}).", "bad_token"
            ) from exc
        user = str(claims.get("email") or claims.get("preferred_username") or claims.get("sub") or "")
        role = from_groups(claims.get("groups") or [], self.roles)
        if not user or role is None:
            raise AccessError(
                "the identity provider's token maps to no role (no group in [forecast.roles]).", "no_role"
            )
        return user, role, claims


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith("fct_")
