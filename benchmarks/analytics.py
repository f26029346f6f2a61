"""Listening events in while a narration runs, and listening beside them.

    python benchmarks/analytics.py [--clients 200] [--seconds 10] [--listeners 100]
                                   [--rate 5250] [--background 1000] [--rounds 3]

Starts `newsvoice serve` (SQLite, in-process workers; uvicorn, one process, its CPU affinity
limited to two cores) on loopback with a fresh data directory, publishes the sample article,
then:

1. ingestion: submits the sample again under a new address with the segment cache emptied
   (so it is narrated from scratch) and, while it is narrated, CLIENTS concurrent keep-alive
   connections post batches of 10 events (load, play, 7 progress, seek) to /api/listens, each
   connection as its own listener (X-Forwarded-For, which uvicorn takes from loopback): for
   SECONDS paced at RATE events a second in all (a little over the target: the pacing's start
   and end lose a little), then for SECONDS as fast as they are
   answered (the most it takes; there, with 200 connections waiting on each other, latency is
   queueing); and, once the narration is done, paced again. Printed: events a second, p50 and
   p99 latency (targets: >= 5,000 events/s with p99 <= 100 ms), and errors.
2. listening: LISTENERS connections of Range requests (16 KiB at random offsets of the
   published MP3, as benchmarks/serve.py) for SECONDS, alone and then with BACKGROUND events a
   second posted beside them (paced; a large site's players), alternately, ROUNDS times each.
   Printed: the median round's Range requests a second of each, and the drop (target: <= 10%).

The rate limit is off for the run (`NEWSVOICE_ANALYTICS_RATE=0`): every connection comes
from loopback. The load generators run beside the server on the same machine and cost it CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import threading
import time
from pathlib import Path

import httpx
from serve import HOST, SAMPLE, first_audio, load, serving

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


def batch(article: str, duration: float) -> bytes:
    """Ten events of one page view, as the player sends them."""
    events = [{"kind": "load", "position": 0, "speed": 1}, {"kind": "play", "position": 0, "speed": 1}]
    events += [{"kind": "progress", "position": duration * n / 10, "speed": 1} for n in range(1, 8)]
    events.append({"kind": "seek", "position": duration / 2, "speed": 1})
    body = {
        "article": article,
        "version": 1,
        "host": "news.example",
        "listened": duration * 0.7,
        "events": events,
    }
    return json.dumps(body).encode()


async def read_answer(reader: asyncio.StreamReader) -> int:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next((int(line.split(":")[1]) for line in head if line.lower().startswith("content-length:")), 0)
    if length:
        await reader.readexactly(length)
    return int(head[0].split()[1])


async def ingest(port: int, body: bytes, clients: int, seconds: float, rate: float | None = None) -> dict:
    """CLIENTS connections posting BODY for SECONDS: as fast as answered, or RATE batches a
    second in all (paced)."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(HOST, port)
        head = (
            f"POST /api/listens HTTP/1.1\r\nHost: {HOST}\r\nUser-Agent: {AGENT}\r\n"
            f"X-Forwarded-For: 10.{n // 250}.{n % 250}.{random.randrange(1, 250)}\r\n"
            f"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        interval = clients / rate if rate else 0
        next_at = time.perf_counter() + random.random() * interval
        while time.perf_counter() < deadline:
            if interval:
                await asyncio.sleep(max(0, next_at - time.perf_counter()))
                next_at += interval
            sent = time.perf_counter()
            writer.write(head + body)
            status = await read_answer(reader)
            latencies.append(time.perf_counter() - sent)
            errors += status != 204
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "batches": len(latencies),
        "events": 10 * len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": errors,
    }


def cpu_seconds(pid: int) -> float:
    """The CPU time process PID has used (user and system): a figure the machine's other work
    does not change, unlike rates and latencies."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_run(runs: list[dict], measure: str) -> dict:
    """The run whose MEASURE is the median of RUNS'."""
    middle = statistics.median(run[measure] for run in runs)
    return min(runs, key=lambda run: abs(run[measure] - middle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--listeners", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5250.0, help="events a second offered, paced")
    parser.add_argument("--background", type=float, default=1000.0, help="events a second beside listening")
    parser.add_argument("--rounds", type=int, default=3, help="of listening alone and beside ingestion")
    parser.add_argument("--port", type=int, default=8766)
    options = parser.parse_args()

    os.environ["NEWSVOICE_ANALYTICS_RATE"] = "0"
    with serving(options.port, "load generators beside it") as (data_dir, key, server):
        base = f"http://{HOST}:{options.port}"
        text = SAMPLE.read_text(encoding="utf-8")
        _, article = first_audio(base, key, text, "https://bench.example/published")
        info = httpx.get(f"{base}/api/articles/{article}").json()
        body = batch(article, info["duration"])

        # 1. Ingestion while a narration runs: at the target rate, then as fast as answered.
        shutil.rmtree(data_dir / "segments", ignore_errors=True)
        narrating = threading.Thread(
            target=first_audio, args=(base, key, text, "https://bench.example/narrating"), daemon=True
        )
        narrating.start()
        time.sleep(0.5)
        for name, rate in (("paced", options.rate / 10), ("flat out", None)):
            result = asyncio.run(ingest(options.port, body, options.clients, options.seconds, rate))
            under_way = "narration running" if narrating.is_alive() else "narration ended"
            print(
                f"ingestion {name:<8} {options.clients} clients, batches of 10 ({under_way}): "
                f"{result['events']:,.0f} events/s, p50 {result['p50']:.1f} ms, "
                f"p99 {result['p99']:.1f} ms, errors {result['errors']}"
            )
        narrating.join()
        used = cpu_seconds(server.pid)
        result = asyncio.run(ingest(options.port, body, options.clients, options.seconds, options.rate / 10))
        per_event = (cpu_seconds(server.pid) - used) / (10 * result["batches"]) * 1e6
        print(
            f"ingestion paced    {options.clients} clients, batches of 10 (no narration): "
            f"{result['events']:,.0f} events/s, p50 {result['p50']:.1f} ms, "
            f"p99 {result['p99']:.1f} ms, errors {result['errors']}; "
            f"server CPU {per_event:.0f} us an event"
        )
        print("  (target: >= 5,000 events/s with p99 <= 100 ms)")

        # 2. Listening alone, then with ingestion beside it.
        audio = f"/api/articles/{article}/audio.mp3"
        size = int(httpx.head(base + audio).headers["content-length"])
        bounds = (options.listeners, options.seconds, 10**9)

        async def both() -> tuple[dict, dict]:
            rate = options.background / 10
            return await asyncio.gather(
                load(options.port, audio, size, *bounds),
                ingest(options.port, body, min(options.clients, 50), options.seconds, rate),
            )

        # Alternately, ROUNDS times each: the machine's other work shifts the figures.
        runs: dict[str, list[dict]] = {"alone": [], "with ingestion": [], "background": []}
        cpu: dict[str, float] = {"alone": 0.0, "with ingestion": 0.0}
        for _ in range(options.rounds):
            used = cpu_seconds(server.pid)
            runs["alone"].append(asyncio.run(load(options.port, audio, size, *bounds)))
            cpu["alone"] += cpu_seconds(server.pid) - used
            used = cpu_seconds(server.pid)
            beside_it, in_background = asyncio.run(both())
            cpu["with ingestion"] += cpu_seconds(server.pid) - used
            runs["with ingestion"].append(beside_it)
            runs["background"].append(in_background)
        alone = median_run(runs["alone"], "rate")
        beside = median_run(runs["with ingestion"], "rate")
        background = median_run(runs["background"], "events")
        for name, figures in (("alone", alone), ("with ingestion", beside)):
            print(
                f"listening {name:<15} {options.listeners} clients: {figures['rate']:,.0f} Range "
                f"requests/s, p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, "
                f"errors {figures['errors']}"
            )
        print(
            f"  beside it: {background['events']:,.0f} events/s, p99 {background['p99']:.1f} ms, "
            f"errors {background['errors']}; Range requests/s "
            f"{100 * (beside['rate'] / alone['rate'] - 1):+.1f}% (target: no drop beyond 10%)"
        )
        ranges = {name: sum(run["requests"] for run in runs[name]) for name in ("alone", "with ingestion")}
        per_range = cpu["alone"] / ranges["alone"]
        events = sum(10 * run["batches"] for run in runs["background"])
        per_event = (cpu["with ingestion"] - per_range * ranges["with ingestion"]) / events
        share = per_event * options.background / (per_range * alone["rate"] + per_event * options.background)
        print(
            f"  server CPU: {per_range * 1e6:.0f} us a Range request, {per_event * 1e6:.0f} us an event: "
            f"{options.background:,.0f} events/s take {100 * share:.1f}% of the server's CPU beside "
            f"{alone['rate']:,.0f} Range requests/s (the drop on a machine with nothing else to do)"
        )
        answer = httpx.get(
            f"{base}/api/listening/articles/{article}", headers={"Authorization": f"Bearer {key}"}
        ).json()
        stored = f"{answer['loads']:,} loads, {answer['plays']:,} plays, ~{answer['listeners']} listeners"
        print(f"stored: {stored}")


if __name__ == "__main__":
    main()
