"""The Range header read as RFC 9110 has it, and as Starlette's FileResponse, which serves the
ranges `file_response` does not, reads it."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from newsvoice.server.ranges import MAX_RANGES, MalformedRange, RangeNotSatisfiable, byte_ranges

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        ("bytes=0-0", [(0, 1)]),
        ("bytes=100-199", [(100, 200)]),
        ("bytes=900-", [(900, 1000)]),
        ("bytes=-100", [(900, 1000)]),  # the last 100 bytes
        ("bytes=-5000", [(0, 1000)]),  # a suffix longer than the file is all of it
        ("bytes=0-99999", [(0, 1000)]),  # past the end: up to the end
        ("bytes = 10 - 19", [(10, 20)]),
        ("Bytes=10-19", [(10, 20)]),
        ("bytes=0-9, 20-29", [(0, 10), (20, 30)]),
        ("bytes=20-29,0-9", [(0, 10), (20, 30)]),  # sorted
        ("bytes=0-9,5-14,15-19", [(0, 20)]),  # overlapping and adjacent ranges merged
        ("bytes=0-9, junk, -", [(0, 10)]),  # parts that are not ranges are passed over
        ("bytes=" + ",".join(["0-0"] * (MAX_RANGES + 1)), []),  # too many: the whole file
    ],
)
def test_byte_ranges(header: str, ranges: list[tuple[int, int]]) -> None:
    assert byte_ranges(header, SIZE) == ranges


@pytest.mark.parametrize("header", ["items=0-1", "bytes=5-2", "bytes=abc", "bytes", "bytes=", "bytes=+1-2"])
def test_malformed(header: str) -> None:
    with pytest.raises(MalformedRange):
        byte_ranges(header, SIZE)


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=1000-1000", "bytes=-0", "bytes=0-9,2000-2009"])
def test_not_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_ranges(header, SIZE)


DATA = (bytes(range(256)) * 4)[:SIZE]


@pytest.fixture(scope="module")
def starlette(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    path = tmp_path_factory.mktemp("ranges") / "file.bin"
    path.write_bytes(DATA)
    return TestClient(Starlette(routes=[Route("/file", lambda request: FileResponse(path))]))


HEADERS = [
    "bytes=0-0", "bytes=100-199", "bytes=900-", "bytes=-100", "bytes=-5000", "bytes=0-99999",
    "bytes = 10 - 19", "Bytes=10-19", "bytes=0-9, 20-29", "bytes=20-29,0-9", "bytes=0-9,5-14,15-19",
    "bytes=0-9, junk, -", "bytes=" + ",".join(["0-0"] * (MAX_RANGES + 1)), "items=0-1", "bytes=5-2",
    "bytes=abc", "bytes", "bytes=", "bytes=1000-", "bytes=1000-1000", "bytes=-0", "bytes=0-9,2000-2009",
]  # fmt: skip


@pytest.mark.parametrize("header", HEADERS)
def test_starlette_reads_the_header_the_same(starlette: TestClient, header: str) -> None:
    answer = starlette.get("/file", headers={"Range": header})
    try:
        ranges = byte_ranges(header, SIZE)
    except MalformedRange:
        assert answer.status_code == 400
        return
    except RangeNotSatisfiable:
        assert answer.status_code == 416 and answer.headers["content-range"] == f"bytes */{SIZE}"
        return
    if not ranges:
        assert answer.status_code == 200 and answer.content == DATA
    elif len(ranges) == 1:
        (start, end) = ranges[0]
        assert answer.status_code == 206 and answer.content == DATA[start:end]
        assert answer.headers["content-range"] == f"bytes {start}-{end - 1}/{SIZE}"
    else:
        assert answer.status_code == 206
        served = [line for line in answer.content.split(b"\r\n") if line.startswith(b"Content-Range")]
        assert served == [f"Content-Range: bytes {start}-{end - 1}/{SIZE}".encode() for start, end in ranges]
