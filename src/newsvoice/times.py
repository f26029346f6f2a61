"""Times as newsvoice shows them, in its API and on the command line."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(timestamp: float | None) -> str | None:
    """TIMESTAMP (Unix seconds) in ISO 8601, in UTC, to the second: "2025-08-12T09:30:00+00:00".
    None for no time (None, or 0 as a column never set holds it)."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds") if timestamp else None
