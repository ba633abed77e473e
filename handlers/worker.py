"""The worker process: an RQ worker for one lane (or both), plus a reconciler or heartbeat thread.

`ingest` and `all` run the reconciler (at start, then every ASPIRASI_RECONCILE_SECONDS), which
also beats the lane's heartbeat; `bulk` only beats. The heartbeat starts after the database
opened (migrations applied), so a worker that cannot start shows as stale in /healthz.
"""

from __future__ import annotations

import logging
import threading
import time

import redis as redis_lib

from handlers import queue
from handlers.context import database
from handlers.reconcile import reconcile

log = logging.getLogger(__name__)


def tick(s, lane: str) -> None:
    """One round: beat, and (ingest/all) reconcile."""
    conn = queue.connect(s.effective_redis_url)
    queue.beat(conn, lane)
    if lane != "bulk":
        reconcile(database(s), conn, s)


def tick_forever(s, lane: str, stop: threading.Event) -> None:
    """Every few seconds; survives Redis and SQLite hiccups (it is the thing that recovers)."""
    while not stop.is_set():
        try:
            tick(s, lane)
        except (redis_lib.RedisError, OSError) as exc:
            log.warning("reconciler: redis unreachable (%s); retrying", exc)
        except Exception:
            log.exception("reconciler failed; retrying")
        stop.wait(s.reconcile_seconds)


def run(s, burst: bool = False, lane: str = "all") -> None:
    """Run the lane's jobs until stopped (or, with burst, until its queues are empty)."""
    if lane not in queue.LANES:
        raise ValueError(f"unknown lane {lane!r}")
    stop = threading.Event()
    conn = queue.connect(s.effective_redis_url)
    database(s)  # migrate before the first beat: a failing start must not look alive
    if burst:
        tick(s, lane)
    else:
        threading.Thread(target=tick_forever, args=(s, lane, stop), daemon=True,
                         name="reconciler").start()
    try:
        while True:
            try:
                with queue.burst_mode() if burst else queue.worker_mode():
                    queue.work(conn, burst, lane)
                return
            except redis_lib.ConnectionError as exc:
                if burst:
                    raise
                log.warning("worker lost redis (%s); reconnecting in 2 s", exc)
                time.sleep(2)
    finally:
        stop.set()
