"""Times as the API and the command line show them: ISO 8601, in UTC."""

from __future__ import annotations

from newsvoice.times import iso


def test_iso() -> None:
    assert iso(1_700_000_000) == "2023-11-14T22:13:20+00:00"
    assert iso(1_700_000_000.6) == "2023-11-14T22:13:20+00:00"
    assert iso(None) is None and iso(0) is None
