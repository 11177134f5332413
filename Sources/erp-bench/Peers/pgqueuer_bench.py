"""PgQueuer 1.6 measured the way erp-bench measures ERPCore's job runner.

    python pgqueuer_bench.py drain   --dsn URL --jobs 50000 --processes 2 --batch 500
    python pgqueuer_bench.py latency --dsn URL --jobs 1000

The database must be empty: the schema is installed first. The last line printed on
stdout is one JSON object; progress goes to stderr.

drain: the consumer processes connect and register a no-op entrypoint; once every one
has said it is ready (and half a second has passed for its LISTEN), the clock starts,
the jobs are enqueued in one statement, and the clock stops when the queue table is
empty (every job done and deleted).

latency: one consumer in this process, idle; each job is enqueued alone and timed from
before the enqueue call to its entrypoint starting; 2 ms of quiet between jobs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import asyncpg
import uvloop
from pgqueuer import PgQueuer
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.queries import Queries


def log(message: str) -> None:
    print(f"pgqueuer: {message}", file=sys.stderr, flush=True)


async def install(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await Queries(AsyncpgDriver(connection)).install()
    finally:
        await connection.close()


async def consume(dsn: str, batch: int) -> None:
    """One consumer process: a no-op entrypoint, until SIGTERM."""
    connection = await asyncpg.connect(dsn)
    pgq = PgQueuer(AsyncpgDriver(connection))

    @pgq.entrypoint("noop")
    async def noop(job: Job) -> None:
        return None

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, pgq.qm.shutdown.set)
    print("ready", flush=True)
    await pgq.qm.run(batch_size=batch)
    await connection.close()


async def drain(dsn: str, jobs: int, processes: int, batch: int) -> dict:
    await install(dsn)
    consumers = [
        subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "consume", "--dsn", dsn, "--batch", str(batch)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        for consumer in consumers:
            line = consumer.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"a consumer did not start (said {line!r})")
        await asyncio.sleep(0.5)
        connection = await asyncpg.connect(dsn)
        queries = Queries(AsyncpgDriver(connection))
        start = time.monotonic()
        await queries.enqueue(["noop"] * jobs, [None] * jobs, [0] * jobs)
        deadline = start + 300
        while await connection.fetchval("SELECT EXISTS (SELECT FROM pgqueuer)"):
            if time.monotonic() > deadline:
                raise RuntimeError("the queue did not drain within 300 s")
            await asyncio.sleep(0.005)
        elapsed = time.monotonic() - start
        await connection.close()
    finally:
        for consumer in consumers:
            consumer.send_signal(signal.SIGTERM)
        for consumer in consumers:
            try:
                consumer.wait(timeout=30)
            except subprocess.TimeoutExpired:
                consumer.kill()
    log(f"drained {jobs} jobs with {processes} processes x batch {batch} in {elapsed:.2f} s")
    return {"jobsPerSecond": jobs / elapsed}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


async def latency(dsn: str, jobs: int) -> dict:
    await install(dsn)
    consumer_connection = await asyncpg.connect(dsn)
    pgq = PgQueuer(AsyncpgDriver(consumer_connection))
    started: asyncio.Queue[float] = asyncio.Queue()

    @pgq.entrypoint("noop")
    async def noop(job: Job) -> None:
        started.put_nowait(time.monotonic())

    running = asyncio.create_task(pgq.qm.run())
    await asyncio.sleep(0.5)
    connection = await asyncpg.connect(dsn)
    queries = Queries(AsyncpgDriver(connection))
    latencies: list[float] = []
    for number in range(jobs):
        before = time.monotonic()
        await queries.enqueue("noop", str(number).encode())
        at = await asyncio.wait_for(started.get(), timeout=30)
        latencies.append(max(0.0, (at - before) * 1000))
        await asyncio.sleep(0.002)
    pgq.qm.shutdown.set()
    await running
    await connection.close()
    await consumer_connection.close()
    return {
        "p50Milliseconds": percentile(latencies, 0.50),
        "p99Milliseconds": percentile(latencies, 0.99),
        "maxMilliseconds": max(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["drain", "latency", "consume"])
    parser.add_argument("--dsn", required=True, help="an empty database: postgres://user@host:port/name")
    parser.add_argument("--jobs", type=int, default=50_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    arguments = parser.parse_args()
    if arguments.mode == "consume":
        uvloop.run(consume(arguments.dsn, arguments.batch))
        return
    if arguments.mode == "drain":
        result = uvloop.run(drain(arguments.dsn, arguments.jobs, arguments.processes, arguments.batch))
    else:
        result = uvloop.run(latency(arguments.dsn, arguments.jobs))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
