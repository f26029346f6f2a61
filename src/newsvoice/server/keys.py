"""API keys for the service's writes: random tokens, stored only as their SHA-256.

A key has 256 random bits, so a plain hash is enough to keep it from being recovered from
the database; slow password hashes are for guessable secrets.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from ..errors import NewsvoiceError
from .schema import api_keys
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


_COLUMNS = (api_keys.c.id, api_keys.c.name, api_keys.c.prefix, api_keys.c.created, api_keys.c.revoked)


def create_key(store: Store, name: str) -> tuple[ApiKey, str]:
    """A new key named NAME: its record, and the key itself, which is shown only now."""
    if not name.strip():
        raise ApiKeyError("a key needs a name (who or what uses it)")
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as db:
        row = db.execute(
            insert(api_keys)
            .values(name=name.strip(), prefix=token[:8], hash=_hash(token), created=time.time())
            .returning(*_COLUMNS)
        ).one()
    return ApiKey(**row._mapping), token


def list_keys(store: Store) -> list[ApiKey]:
    with store.read() as db:
        return [ApiKey(**row._mapping) for row in db.execute(select(*_COLUMNS).order_by(api_keys.c.id))]


def revoke_key(store: Store, key: str) -> ApiKey:
    """Revoke the key with id or name KEY (a name must be unambiguous among live keys)."""
    which = api_keys.c.id == int(key) if key.isdigit() else api_keys.c.name == key
    with store.transaction() as db:
        rows = db.execute(
            update(api_keys)
            .where(which, api_keys.c.revoked.is_(None))
            .values(revoked=time.time())
            .returning(*_COLUMNS)
        ).all()
        if len(rows) > 1:  # rolled back
            raise ApiKeyError(f"{len(rows)} live keys are named {key!r}: revoke one by its id")
    if not rows:
        raise ApiKeyError(f"no live key with id or name {key!r} (see `newsvoice keys list`)")
    return ApiKey(**rows[0]._mapping)


def check_key(store: Store, token: str) -> bool:
    """Whether TOKEN is a live key."""
    live = select(api_keys.c.id).where(api_keys.c.hash == _hash(token), api_keys.c.revoked.is_(None))
    with store.read() as db:
        return db.execute(live).first() is not None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
