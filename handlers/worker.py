"""The worker process: an RQ worker plus a reconciler thread (at start, then periodically)."""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import redis as redis_lib

from handlers import queue
from handlers.context import database
from handlers.reconcile import reconcile

log = logging.getLogger(__name__)


def reconcile_forever(s, stop: threading.Event) -> None:
    """Every few seconds; survives Redis and SQLite hiccups (it is the thing that recovers)."""
    while not stop.is_set():
        try:
            reconcile(database(s), queue.connect(s.effective_redis_url), s)
        except (redis_lib.RedisError, OSError) as exc:
            log.warning("reconciler: redis unreachable (%s); retrying", exc)
        except Exception:
            log.exception("reconciler failed; retrying")
        stop.wait(s.reconcile_seconds)


def run(s, burst: bool = False) -> None:
    """Run jobs until stopped (or, with burst, until the queue is empty: no lingering)."""
    stop = threading.Event()
    conn = queue.connect(s.effective_redis_url)
    if burst:
        reconcile(database(s), conn, s)
    else:
        threading.Thread(target=reconcile_forever, args=(s, stop), daemon=True,
                         name="reconciler").start()
    try:
        while True:
            try:
                with queue.burst_mode() if burst else contextlib.nullcontext():
                    queue.work(conn, burst)
                return
            except redis_lib.ConnectionError as exc:
                if burst:
                    raise
                log.warning("worker lost redis (%s); reconnecting in 2 s", exc)
                time.sleep(2)
    finally:
        stop.set()
