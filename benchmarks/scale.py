"""Scale-out throughput: one `newsvoice worker` process against two, side by side in one run.

    python benchmarks/scale.py [--articles 12] [--postgres postgresql://postgres@127.0.0.1:5432]
                               [--redis redis://127.0.0.1:6379/14]

A batch of real news articles (the human-marked text of the extraction benchmark's pages)
is narrated through PostgreSQL and Redis by `newsvoice worker` processes, each with one
inference thread and pinned to a core of its own: one worker, then two. A worker's pipeline
also masters and encodes on threads of its own, so an unpinned worker borrows an idle core
for them; pinned, each worker is what one core of a cluster does. For comparison, unpinned:
one worker with one inference thread, and one with two (the embedded default's shape: one
narration on every core). Each run has a fresh database, queue and segment cache, and starts
timing once its workers have loaded the voice. Printed for each: articles per minute and
minutes of audio per wall minute. Target: two workers >= 1.8x one worker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
from redis import Redis
from rq import Worker

from newsvoice.article import Article, Block
from newsvoice.server.store import Store
from newsvoice.server.worker import QUEUE

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT.parent / "shared" / "bench" / "aeb" / "ground-truth.json"
NEWSVOICE = Path(sys.executable).with_name("newsvoice")
CONFIGURATIONS = [  # label, workers, inference threads each, pinned to a core each
    ("1 worker x 1 thread, pinned", 1, 1, True),
    ("2 workers x 1 thread, pinned", 2, 1, True),
    ("1 worker x 1 thread", 1, 1, False),
    ("1 worker x 2 threads", 1, 2, False),
]


def articles(count: int) -> list[Article]:
    """COUNT news articles of 150 to 700 words, in the benchmark's order."""
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    chosen = []
    for page_id, page in truth.items():
        paragraphs = [p.strip() for p in page["articleBody"].split("\n") if len(p.split()) >= 8]
        words = sum(len(p.split()) for p in paragraphs)
        if 150 <= words <= 700:
            chosen.append(
                Article(
                    title=f"Article {page_id[:8]}", blocks=tuple(Block("paragraph", p) for p in paragraphs)
                )
            )
        if len(chosen) == count:
            return chosen
    raise SystemExit(f"only {len(chosen)} suitable articles in {TRUTH}")


@contextlib.contextmanager
def database(server: str) -> Iterator[str]:
    name = f"newsvoice_scale_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@contextlib.contextmanager
def workers(
    count: int, threads: int, pinned: bool, database: str, queue: str, storage: Path
) -> Iterator[None]:
    command = [str(NEWSVOICE), "worker", "--threads", str(threads), "--database", database]
    command += ["--queue", queue, "--storage", str(storage)]
    cores = sorted(os.sched_getaffinity(0))
    started = [
        subprocess.Popen(
            command,
            env={"NEWSVOICE_VOICE": "joe", **os.environ},  # the fast voice, as docs/scaling-out.md measured
            stderr=subprocess.DEVNULL,
            preexec_fn=_pin(cores[n % len(cores)]) if pinned else None,
        )
        for n in range(count)
    ]
    try:
        connection = Redis.from_url(queue)
        while len(Worker.all(connection=connection)) < count:  # registered once the voice is loaded
            if any(p.poll() is not None for p in started):
                raise SystemExit("a worker stopped while starting")
            time.sleep(0.2)
        yield
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait()


def _pin(core: int):
    return lambda: os.sched_setaffinity(0, {core})


def measure(batch: list[Article], count: int, threads: int, pinned: bool, postgres: str, redis: str) -> dict:
    Redis.from_url(redis).flushdb()
    with database(postgres) as url, tempfile.TemporaryDirectory() as storage:
        store = Store(url, migrate=True)
        with workers(count, threads, pinned, url, redis, Path(storage)):
            started = time.perf_counter()
            # Longest first, as a batch scheduler would: the run ends with short articles, so its
            # end measures throughput rather than one worker finishing a long article alone.
            longest_first = sorted(batch, key=lambda a: -sum(len(b.text) for b in a.blocks))
            jobs = [store.submit(article, None, ()).job.id for article in longest_first]
            while any(store.job(job_id).status in ("queued", "running") for job_id in jobs):
                time.sleep(0.2)
            wall = time.perf_counter() - started
        done = [store.job(job_id) for job_id in jobs]
        failed = [job.error for job in done if job.status != "done"]
        if failed:
            raise SystemExit(f"jobs failed: {failed[:3]}")
        audio = sum(store.article(job.article_id).duration for job in done)
        store.close()
    return {"wall": wall, "articles": len(batch), "audio": audio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=12)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    options = parser.parse_args()
    batch = articles(options.articles)
    words = sum(len(b.text.split()) for a in batch for b in a.blocks)
    print(f"{len(batch)} articles, {words} words, {os.cpu_count()} cores; queue {QUEUE!r} on {options.redis}")
    results = {}
    for label, count, threads, pinned in CONFIGURATIONS:
        figures = measure(batch, count, threads, pinned, options.postgres, options.redis)
        results[label] = figures
        per_minute = figures["articles"] / figures["wall"] * 60
        print(
            f"  {label:30} {figures['wall']:7.1f} s wall  {per_minute:6.2f} articles/min"
            f"  {figures['audio'] / figures['wall']:6.1f} audio min per wall min"
        )
    one, two = (results[label]["wall"] for label, *_ in CONFIGURATIONS[:2])
    print(f"  2 workers / 1 worker throughput, a core each: {one / two:.2f}x (target >= 1.8x)")


if __name__ == "__main__":
    main()
