"""The Range header (RFC 9110, section 14.2): which bytes of a file a client asks for.

`file_response` serves a small single range itself and hands the rest to Starlette's
FileResponse, which reads the header again; so this reads it as FileResponse does (the tests
hold the two to the same answers): parts it cannot read are passed over, overlapping ranges
are merged, and more than `MAX_RANGES` parts are answered with the whole file.
"""

from __future__ import annotations

import re

MAX_RANGES = 100
_PART = re.compile(r"([0-9]*)\s*-\s*([0-9]*)")


class MalformedRange(ValueError):
    """The header asks for no byte range this server can read."""


class RangeNotSatisfiable(ValueError):
    """A range starts past the end of the file."""


def byte_ranges(header: str, size: int) -> list[tuple[int, int]]:
    """The [start, end) byte ranges HEADER asks for in a file of SIZE bytes, sorted and merged
    when there are several; [] for the whole file."""
    unit, equals, spec = header.partition("=")
    if not equals:
        raise MalformedRange("expected bytes=FIRST-LAST")
    if unit.strip().lower() != "bytes":
        raise MalformedRange("only byte ranges are served")
    parts = spec.split(",")
    if len(parts) > MAX_RANGES:
        return []
    ranges = [bounds for part in parts if (bounds := _bounds(part.strip(), size))]
    if not ranges:
        raise MalformedRange("no range in it")
    if any(not 0 <= start < size for start, _ in ranges):
        raise RangeNotSatisfiable(size)
    if any(start >= end for start, end in ranges):
        raise MalformedRange("a range ends before it starts")
    return ranges if len(ranges) == 1 else _merged(ranges)


def _bounds(part: str, size: int) -> tuple[int, int] | None:
    """A part ("FIRST-LAST", "FIRST-" or "-SUFFIX") as [start, end), a LAST past the end
    meaning the end; None for anything else."""
    match = _PART.fullmatch(part)
    if not match or not any(match.groups()):
        return None
    first, last = match.groups()
    if not first:
        return max(size - int(last), 0), size
    return int(first), int(last) + 1 if last and int(last) < size else size


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged = [min(ranges)]
    for start, end in sorted(ranges)[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged
