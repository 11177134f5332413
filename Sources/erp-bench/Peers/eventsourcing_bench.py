"""Python eventsourcing 9.5 catching a projection up, as erp-bench times ERPCore's.

    python eventsourcing_bench.py seed    --dsn URL --events 100000
    python eventsourcing_bench.py catchup --dsn URL --projection counting_1

seed stores the events in the library's PostgreSQL application recorder: aggregates of
100 events each, saved 100 aggregates at a time. catchup runs the library's
ProjectionRunner from an empty tracking table with the minimal projection, one that
records only its tracking row per event (what every eventsourcing projection writes),
and times it from the runner's construction until the view has tracked the last
notification. A new projection name per run starts from nothing again. The last line
printed on stdout is one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any
from urllib.parse import urlparse

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner


def log(message: str) -> None:
    print(f"eventsourcing: {message}", file=sys.stderr, flush=True)


class Item(Aggregate):
    def __init__(self) -> None:
        self.count = 0

    @event("Happened")
    def happen(self) -> None:
        self.count += 1


class Shop(Application[Any]):
    pass


class CountingView(PostgresTrackingRecorder):
    """No table of its own: the tracking rows are the whole view."""


class Counting(Projection[CountingView]):
    name = "counting"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)


def environment(dsn: str) -> dict[str, str]:
    url = urlparse(dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/"),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
    }


def seed(dsn: str, events: int) -> dict:
    app = Shop(env=environment(dsn))
    written = 0
    start = time.monotonic()
    while written < events:
        items = []
        for _ in range(100):
            if written >= events:
                break
            item = Item()
            written += 1
            for _ in range(min(99, events - written)):
                item.happen()
                written += 1
            items.append(item)
        app.save(*items)
        if written % 20_000 < 10_000:
            log(f"seeded {written} events")
    app.close()
    return {"events": written, "seconds": time.monotonic() - start}


def catchup(dsn: str, projection: str) -> dict:
    env = environment(dsn)
    app = Shop(env=env)
    last = app.recorder.max_notification_id() or 0
    app.close()
    projection_class = type(f"Counting_{projection}", (Counting,), {"name": projection})
    start = time.monotonic()
    with ProjectionRunner(
        application_class=Shop, projection_class=projection_class, view_class=CountingView, env=env
    ) as runner:
        runner.wait(last, timeout=1800)
        elapsed = time.monotonic() - start
    log(f"caught up on {last} events in {elapsed:.2f} s")
    return {"events": last, "eventsPerSecond": last / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["seed", "catchup"])
    parser.add_argument("--dsn", required=True, help="postgres://user@host:port/name")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--projection", default="counting")
    arguments = parser.parse_args()
    if arguments.mode == "seed":
        result = seed(arguments.dsn, arguments.events)
    else:
        result = catchup(arguments.dsn, arguments.projection)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
