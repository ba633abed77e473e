"""The one module that talks to RQ: queue name, wake-up flags, job names, the worker loop.

SQLite is the durable queue. Redis only carries wake-ups: a burst of webhooks sets one flag
and enqueues one drain job, which then takes every captured message in batches. Nothing else
imports `rq` (import-linter checks it); everything that wants work done calls `wake`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis as redis_lib
from rq import Queue, SimpleWorker

log = logging.getLogger(__name__)
_shared: dict[tuple[int, str], redis_lib.Redis] = {}
_shared_lock = threading.Lock()

QUEUE_NAME = "aspirasi"
# After a wake, this process skips Redis for WAKE_MEMO seconds: in a burst, one round trip
# serves many webhooks. Safe because every drain lingers DRAIN_LINGER > WAKE_MEMO seconds
# after it first finds nothing, so a message captured inside the memo window is still seen.
WAKE_MEMO = 0.2
DRAIN_LINGER = 0.3
_recent: dict[tuple, float] = {}
_tuning = {"memo": WAKE_MEMO, "linger": DRAIN_LINGER}


@dataclass(frozen=True)
class Job:
    """A kind of work: the job function, its timeout, and how long its wake flag lives."""

    func: str
    timeout: int = 600
    flag_ttl: int = 60  # if a job is lost, the reconciler wakes a new one after this


JOBS = {
    "inbound": Job("handlers.inbound.drain_inbound"),
    "outbound": Job("handlers.outbound.drain_outbox"),
    # A fan-out sends a whole broadcast; its flag is cleared when it ends (handlers.fanout).
    "broadcast": Job("handlers.fanout.fan_out", timeout=24 * 3600, flag_ttl=30),
}


def connect(url: str) -> redis_lib.Redis:
    """A Redis client that fails fast: the webhook must answer even when Redis is down."""
    return redis_lib.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)


def shared(url: str) -> redis_lib.Redis:
    """One pooled client per process and URL, for the webhook's hot path.

    A new client per request opened a new socket each time, and redis-py resolves its own
    version from package metadata on every new connection: ~2 ms of a 2.6 ms webhook.
    """
    key = (os.getpid(), url)  # a forked child must not share its parent's sockets
    client = _shared.get(key)
    if client is None:
        with _shared_lock:
            client = _shared.setdefault(key, connect(url))
    return client


def queue(conn: redis_lib.Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=conn)


def flag_key(kind: str, *args) -> str:
    return ":".join(["aspirasi:wake", kind, *map(str, args)])


def wake(conn: redis_lib.Redis, kind: str, *args) -> bool:
    """Enqueue the job of `kind` (with args) unless one is already waiting. True if enqueued."""
    job = JOBS[kind]
    key = flag_key(kind, *args)
    if not conn.set(key, 1, nx=True, ex=job.flag_ttl):
        return False
    try:
        queue(conn).enqueue(job.func, *args, result_ttl=0, failure_ttl=86400,
                            job_timeout=job.timeout)
    except Exception:
        conn.delete(key)
        raise
    return True


def woken(conn: redis_lib.Redis, kind: str, *args) -> None:
    """A job clears its flag: later work must wake a new job."""
    conn.delete(flag_key(kind, *args))


def try_wake(url: str | None, kind: str, *args) -> bool:
    """Wake without failing the caller: the reconciler catches up when Redis is back."""
    if not url:
        return False
    key = (os.getpid(), url, kind, args)
    now = time.monotonic()
    if now - _recent.get(key, float("-inf")) < _tuning["memo"]:
        return False
    try:
        woke = wake(shared(url), kind, *args)
        _recent[key] = now
        return woke
    except redis_lib.RedisError as exc:
        log.warning("redis unreachable, %s work waits in SQLite: %s", kind, exc)
        return False


def drain(take: Callable[[], Sequence], work: Callable[[Sequence], object],
          linger: float | None = None) -> int:
    """Run work(batch) for every batch take() returns; when take() finds nothing, look once
    more after `linger` seconds (default: DRAIN_LINGER, see WAKE_MEMO; 0 = don't).
    Returns the number of items taken."""
    seconds = _tuning["linger"] if linger is None else linger
    total = 0
    lingered = False
    while True:
        batch = take()
        if not batch:
            if lingered or not seconds:
                return total
            time.sleep(seconds)
            lingered = True
            continue
        lingered = False
        work(batch)
        total += len(batch)


@contextlib.contextmanager
def burst_mode():
    """A burst worker exits once the queue is empty: its drains do not linger, so its wakes
    must not be memoized either (the memo is only safe while drains linger)."""
    previous = dict(_tuning)
    _tuning.update(memo=0.0, linger=0.0)
    try:
        yield
    finally:
        _tuning.update(previous)


def work(conn: redis_lib.Redis, burst: bool) -> None:
    """Run jobs from the queue in this process (SimpleWorker: no fork per job)."""
    worker = SimpleWorker([queue(conn)], connection=conn)
    worker.work(burst=burst, logging_level="WARNING")


def depth(conn: redis_lib.Redis) -> int:
    return queue(conn).count
