"""API keys for the service's writes: random tokens, stored only as their SHA-256.

A key has 256 random bits, so a plain hash is enough to keep it from being recovered from
the database; slow password hashes are for guessable secrets.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from ..errors import NewsvoiceError
from .store import Store

KEY_PREFIX = "nv_"


class ApiKeyError(NewsvoiceError):
    """No such key."""


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    created: float
    revoked: float | None


def create_key(store: Store, name: str) -> tuple[ApiKey, str]:
    """A new key named NAME: its record, and the key itself, which is shown only now."""
    if not name.strip():
        raise ApiKeyError("a key needs a name (who or what uses it)")
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as db:
        row = db.execute(
            "INSERT INTO api_keys (name, prefix, hash, created) VALUES (?, ?, ?, ?)"
            " RETURNING id, name, prefix, created, revoked",
            (name.strip(), token[:8], _hash(token), time.time()),
        ).fetchone()
    return ApiKey(**row), token


def list_keys(store: Store) -> list[ApiKey]:
    rows = store.connection().execute("SELECT id, name, prefix, created, revoked FROM api_keys ORDER BY id")
    return [ApiKey(**row) for row in rows]


def revoke_key(store: Store, key: str) -> ApiKey:
    """Revoke the key with id or name KEY (a name must be unambiguous among live keys)."""
    with store.transaction() as db:
        column = "id" if key.isdigit() else "name"
        rows = db.execute(
            f"UPDATE api_keys SET revoked = ? WHERE {column} = ? AND revoked IS NULL"
            " RETURNING id, name, prefix, created, revoked",
            (time.time(), key),
        ).fetchall()
        if len(rows) > 1:  # rolled back
            raise ApiKeyError(f"{len(rows)} live keys are named {key!r}: revoke one by its id")
    if not rows:
        raise ApiKeyError(f"no live key with id or name {key!r} (see `newsvoice keys list`)")
    return ApiKey(**rows[0])


def check_key(store: Store, token: str) -> bool:
    """Whether TOKEN is a live key."""
    row = (
        store.connection()
        .execute("SELECT 1 FROM api_keys WHERE hash = ? AND revoked IS NULL", (_hash(token),))
        .fetchone()
    )
    return row is not None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
