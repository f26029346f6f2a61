"""The listening service under load, and how soon a new narration starts to play.

    python benchmarks/serve.py [--clients 100] [--seconds 10] [--requests 50000] [--rounds 3]

Starts `newsvoice serve` (uvicorn, one process, its CPU affinity limited to two cores) on
loopback with a fresh data directory, then:

1. submits the sample article as text and measures the time from the submission to the first
   byte of its streamed audio (target: <= 1 s), and listens to the end; ROUNDS times;
2. runs a load generator of CLIENTS concurrent keep-alive connections, bounded by SECONDS and
   by REQUESTS, against the published MP3 with Range requests at random offsets (target:
   >= 1,000 requests a second) and then against the podcast feed.

Printed: requests, requests a second, p50 and p99 latency, errors, and the two targets.
The load generator is a small asyncio HTTP/1.1 client, so it costs the server's cores less
than a full client library would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "000_62326b8596af4b11.txt"
HOST = "127.0.0.1"


def start_server(data_dir: Path, port: int, cores: list[int]) -> subprocess.Popen:
    # Piper's joe, the fast voice, narrates unless NEWSVOICE_VOICE names another: the serving
    # figures in docs/ were measured with it.
    environment = {"NEWSVOICE_VOICE": "joe", **os.environ}
    environment |= {"NEWSVOICE_DATA_DIR": str(data_dir), "NEWSVOICE_PORT": str(port)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "newsvoice"), "serve", "--host", HOST],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.sched_setaffinity(0, cores),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://{HOST}:{port}/api/articles?limit=1", timeout=1).raise_for_status()
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


@contextlib.contextmanager
def serving(port: int, beside: str) -> Iterator[tuple[Path, str, subprocess.Popen]]:
    """`newsvoice serve` on PORT with a new data directory and database, limited to two cores,
    until the block ends: the data directory, an API key for it, and the server's process."""
    from newsvoice.server.keys import create_key
    from newsvoice.server.store import Store

    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        store = Store(data_dir / "newsvoice.sqlite3", migrate=True)  # a new database
        _, key = create_key(store, "benchmark")
        store.close()
        cores = sorted(os.sched_getaffinity(0))[:2]
        server = start_server(data_dir, port, cores)
        print(f"server: newsvoice serve (uvicorn, one process) on cores {cores}; {beside}")
        try:
            yield data_dir, key, server
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()


def first_audio(base: str, key: str, text: str, url: str) -> tuple[float, str]:
    """Seconds from submitting TEXT to the first streamed audio byte, and the article's id."""
    with httpx.Client(base_url=base, timeout=120) as client:
        started = time.perf_counter()
        submission = {"text": text, "url": url}
        answer = client.post("/api/articles", json=submission, headers={"Authorization": f"Bearer {key}"})
        answer.raise_for_status()
        article = answer.json()["article"]
        with client.stream("GET", article["links"]["stream"]) as stream:
            chunks = stream.iter_bytes()
            next(chunks)
            elapsed = time.perf_counter() - started
            for _ in chunks:  # to the end: the narration is then published
                pass
    return elapsed, article["id"]


async def load(port: int, path: str, size: int | None, clients: int, seconds: float, limit: int) -> dict:
    """CLIENTS connections sending GET PATH (with a random Range if SIZE) until SECONDS or LIMIT."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(HOST, port)
        while time.perf_counter() < deadline and len(latencies) < limit:
            headers = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n"
            if size:
                start = random.randrange(size - 1)
                headers += f"Range: bytes={start}-{min(start + 16383, size - 1)}\r\n"
            sent = time.perf_counter()
            writer.write((headers + "\r\n").encode())
            status, length = await read_head(reader)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - sent)
            errors += status != (206 if size else 200)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": errors,
    }


async def read_head(reader: asyncio.StreamReader) -> tuple[int, int]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next(int(line.split(":")[1]) for line in head if line.lower().startswith("content-length:"))
    return int(head[0].split()[1]), length


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    options = parser.parse_args()

    with serving(options.port, "load generator beside it") as (data_dir, key, _):
        base = f"http://{HOST}:{options.port}"
        text = SAMPLE.read_text(encoding="utf-8")
        rounds = []
        for n in range(options.rounds):
            # Cold each round: a new article (the same one is not narrated again), with none
            # of its segments in the cache.
            shutil.rmtree(data_dir / "segments", ignore_errors=True)
            rounds.append(first_audio(base, key, text, f"https://bench.example/{n}"))
        times = ", ".join(f"{seconds:.3f}" for seconds, _ in rounds)
        print(f"first audio byte after submitting the sample: {times} s (target <= 1 s)")
        audio = f"/api/articles/{rounds[0][1]}/audio.mp3"
        size = int(httpx.head(base + audio).headers["content-length"])
        bounds = (options.clients, options.seconds, options.requests)
        for name, path, ranged in (("audio Range", audio, size), ("feed.xml", "/feed.xml", None)):
            result = asyncio.run(load(options.port, path, ranged, *bounds))
            print(
                f"{name:<12} {options.clients} clients: {result['requests']} requests, "
                f"{result['rate']:,.0f}/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
                f"errors {result['errors']}"
            )


if __name__ == "__main__":
    main()
