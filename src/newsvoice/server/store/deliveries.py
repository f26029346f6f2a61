"""Webhook deliveries: the signatures seen, so that a replayed delivery is refused."""

from __future__ import annotations

import time

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from ...webhook import TOLERANCE
from ..schema import deliveries
from .database import Database


class Deliveries(Database):
    def seen(self, signature: str, timestamp: float, tolerance: float = TOLERANCE) -> bool:
        """Whether a webhook with SIGNATURE was delivered before; remembers it until it would
        be too old to accept anyway. (The store is the service's `webhook.ReplayGuard`.)"""
        now = time.time()
        with self.transaction(counted=False) as db:
            db.execute(delete(deliveries).where(deliveries.c.expires < now))
            try:
                with db.begin_nested():
                    db.execute(insert(deliveries).values(signature=signature, expires=timestamp + tolerance))
            except IntegrityError:
                return True
        return False

    def forget(self, signature: str) -> None:
        """Forget a delivery that was not accepted after all (`seen` recorded it): it may be sent again."""
        with self.transaction(counted=False) as db:
            db.execute(delete(deliveries).where(deliveries.c.signature == signature))
