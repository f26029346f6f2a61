"""Listeners and narrations at once: does the service keep both going?

    python benchmarks/load.py [--listeners 500] [--seconds 30] [--pause 1]

Starts `newsvoice serve` (the embedded default: SQLite, in-process workers; uvicorn, one
process, its CPU affinity limited to two cores) on loopback with a fresh data directory.

1. Alone: three articles (the sample and the two examples) are submitted at once, and the
   time until all three are published is measured. Nothing else runs.
2. Under load: the same three articles, submitted again under new addresses with the segment
   cache emptied (so they are narrated from scratch), while LISTENERS keep-alive connections
   run for at least SECONDS and until the narrations are done. Each request is, at random,
   a 64 KiB Range read at a random offset of a published MP3 (80%) or the podcast feed
   (20%). A listener sends its next request PAUSE seconds (on average, exponentially
   distributed) after the answer. A player at 64 kbit/s plays 64 KiB in 8 s, so the
   default, 1 s, asks eight times what listening needs; 0 (at once) is the harshest case.

Printed: requests, requests a second, p50 and p99 latency, errors (a wrong status or a broken
connection), timeouts (no answer within 10 s), and the narrations' time under load as a
multiple of their time alone. Targets on a quiet machine: 0 errors, 0 timeouts, p99 <= 300
ms, narrations within 1.3x. The load generator runs beside the server on the same machine
and costs it CPU, so on two cores the figures are a lower bound for a real server.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import time
from collections import Counter
from pathlib import Path

import httpx
from serve import HOST, read_head, serving

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = (
    ("text", ROOT.parent / "shared" / "samples" / "000_62326b8596af4b11.txt"),
    ("text", ROOT / "examples" / "wind-port.txt"),
    ("html", ROOT / "examples" / "city-budget.html"),
)
RANGE = 64 * 1024
TIMEOUT = 10.0
IDLE = 4.0  # uvicorn closes a connection idle 5 s; browsers, too, open a new one after a pause


def narrate(client: httpx.Client, key: str, round_name: str) -> tuple[float, list[str]]:
    """Submits the three articles at once; seconds until all are published, and their ids."""
    started = time.perf_counter()
    ids = []
    for n, (kind, path) in enumerate(ARTICLES):
        body = {kind: path.read_text(encoding="utf-8"), "url": f"https://load.example/{round_name}/{n}"}
        answer = client.post("/api/articles", json=body, headers={"Authorization": f"Bearer {key}"})
        answer.raise_for_status()
        ids.append(answer.json()["article"]["id"])
    pending = set(ids)
    while pending:
        time.sleep(0.25)
        for article in list(pending):
            status = client.get(f"/api/articles/{article}").json()["status"]
            if status == "failed":
                raise SystemExit(f"narration of {article} failed")
            if status == "done":
                pending.discard(article)
    return time.perf_counter() - started, ids


class Listeners:
    """Keep-alive listeners reading audio ranges and the feed, with their latencies."""

    def __init__(self, port: int, audio: list[tuple[str, int]], pause: float) -> None:
        self.port, self.audio, self.pause = port, audio, pause
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.timeouts = 0
        self.running = True

    async def listener(self) -> None:
        connection = None
        sent = time.perf_counter()
        while self.running:
            expected, head = self.request()
            if time.perf_counter() - sent > IDLE:  # the server has closed it, or is about to
                connection = self.close(connection)
            sent = time.perf_counter()
            try:
                if connection is None:
                    connection = await asyncio.open_connection(HOST, self.port)
                connection[1].write(head.encode())
                status, length = await asyncio.wait_for(read_head(connection[0]), TIMEOUT)
                await asyncio.wait_for(connection[0].readexactly(length), TIMEOUT)
                self.latencies.append(time.perf_counter() - sent)
                if status != expected:
                    self.errors[f"status {status}"] += 1
            except TimeoutError:
                self.timeouts += 1
                connection = self.close(connection)
            except (OSError, asyncio.IncompleteReadError) as error:
                self.errors[type(error).__name__] += 1
                connection = self.close(connection)
            if self.pause:
                await asyncio.sleep(random.expovariate(1 / self.pause))
        self.close(connection)

    def request(self) -> tuple[int, str]:
        if random.random() < 0.2:
            return 200, f"GET /feed.xml HTTP/1.1\r\nHost: {HOST}\r\n\r\n"
        path, size = random.choice(self.audio)
        start = random.randrange(size - RANGE)
        head = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nRange: bytes={start}-{start + RANGE - 1}\r\n\r\n"
        return 206, head

    @staticmethod
    def close(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
        if connection is not None:
            connection[1].close()

    def report(self, elapsed: float) -> str:
        latencies = sorted(self.latencies) or [0.0]
        return (
            f"{len(self.latencies)} requests, {len(self.latencies) / elapsed:,.0f}/s, "
            f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, "
            f"errors {self.errors.total()} {dict(self.errors)}, timeouts {self.timeouts}"
        )


async def under_load(
    listeners: Listeners, count: int, seconds: float, narration: asyncio.Future
) -> tuple[float, float]:
    """Runs COUNT listeners for at least SECONDS and until NARRATION is done."""
    started = time.perf_counter()
    tasks = [asyncio.create_task(listeners.listener()) for _ in range(count)]
    await asyncio.sleep(seconds)
    narrated = await narration
    listeners.running = False
    await asyncio.gather(*tasks)
    return time.perf_counter() - started, narrated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listeners", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--port", type=int, default=8766)
    options = parser.parse_args()

    with serving(options.port, "load generator beside it") as (data_dir, key, _):
        with httpx.Client(base_url=f"http://{HOST}:{options.port}", timeout=300) as client:
            alone, ids = narrate(client, key, "alone")
            print(f"three narrations alone: {alone:.1f} s")
            audio = [(f"/api/articles/{i}/audio.mp3", 0) for i in ids]
            audio = [(path, int(client.head(path).headers["content-length"])) for path, _ in audio]
            shutil.rmtree(data_dir / "segments", ignore_errors=True)
            listeners = Listeners(options.port, audio, options.pause)

            async def run() -> tuple[float, float]:
                narration = asyncio.get_running_loop().run_in_executor(
                    None, lambda: narrate(client, key, "loaded")[0]
                )
                return await under_load(listeners, options.listeners, options.seconds, narration)

            elapsed, loaded = asyncio.run(run())
        listened = f"{options.listeners} listeners, pause {options.pause} s, {elapsed:.1f} s"
        print(f"{listened}: {listeners.report(elapsed)}")
        print(f"three narrations under load: {loaded:.1f} s, {loaded / alone:.2f}x alone (target <= 1.3x)")


if __name__ == "__main__":
    main()
