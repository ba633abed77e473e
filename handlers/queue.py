"""The one module that talks to RQ: lanes, wake-up flags, job names, the worker loop.

SQLite is the durable queue. Redis only carries wake-ups: a burst of webhooks sets one flag
and enqueues one drain job, which then takes every captured message in batches. Nothing else
imports `rq` (import-linter checks it); everything that wants work done calls `wake`.

Two lanes, two RQ queues: `ingest` (processing messages; acks, replies and staff messages)
and `bulk` (broadcast slices). A worker serves one lane, or both with ingest first
(`all`): a broadcast never stands in front of a citizen's ack.
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

QUEUE_NAME = "aspirasi"          # the ingest lane
BULK_QUEUE_NAME = "aspirasi-bulk"  # the bulk lane: broadcast slices
LANES = {"ingest": (QUEUE_NAME,), "bulk": (BULK_QUEUE_NAME,),
         "all": (QUEUE_NAME, BULK_QUEUE_NAME)}  # RQ takes from the first queue first
HEARTBEATS = "aspirasi:heartbeat"
# After a wake, this process skips Redis for WAKE_MEMO seconds: in a burst, one round trip
# serves many webhooks. Safe because every drain lingers DRAIN_LINGER > WAKE_MEMO seconds
# after it first finds nothing, so a message captured inside the memo window is still seen.
WAKE_MEMO = 0.2
DRAIN_LINGER = 0.3
NAP_STEP = 0.05
_recent: dict[tuple, float] = {}
_tuning = {"memo": WAKE_MEMO, "linger": DRAIN_LINGER}


@dataclass(frozen=True)
class Job:
    """A kind of work: the job function, its timeout, and how long its wake flag lives."""

    func: str
    timeout: int = 600
    flag_ttl: int = 60  # if a job is lost, the reconciler wakes a new one after this
    queue: str = QUEUE_NAME


JOBS = {
    "inbound": Job("handlers.inbound.drain_inbound"),
    "outbound": Job("handlers.outbound.drain_outbox"),
    # One slice of a broadcast (ASPIRASI_SLICE_SECONDS); it queues itself again while rows
    # are due (handlers.fanout).
    "broadcast": Job("handlers.fanout.fan_out", flag_ttl=30, queue=BULK_QUEUE_NAME),
    # Photos and voice notes into the instance folder, bounded per run (handlers.media); in
    # the bulk lane, so a slow or failing download never stands in front of an ack.
    "media": Job("handlers.media.fetch_due", timeout=300, queue=BULK_QUEUE_NAME),
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


def queue(conn: redis_lib.Redis, name: str = QUEUE_NAME) -> Queue:
    return Queue(name, connection=conn)


def flag_key(kind: str, *args) -> str:
    return ":".join(["aspirasi:wake", kind, *map(str, args)])


def wake(conn: redis_lib.Redis, kind: str, *args) -> bool:
    """Enqueue the job of `kind` (with args) unless one is already waiting. True if enqueued."""
    job = JOBS[kind]
    key = flag_key(kind, *args)
    if not conn.set(key, 1, nx=True, ex=job.flag_ttl):
        return False
    try:
        queue(conn, job.queue).enqueue(job.func, *args, result_ttl=0, failure_ttl=86400,
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
          linger: float | None = None, until: float | None = None,
          yield_to: Callable[[], bool] | None = None) -> int:
    """Run work(batch) for every batch take() returns; when take() finds nothing, look once
    more after `linger` seconds (default: DRAIN_LINGER, see WAKE_MEMO; 0 = don't).
    With `until` (a time.monotonic()), take nothing more after it: a bounded slice.
    With `yield_to`, stop lingering as soon as it returns True (another job of the lane
    waits: an ack must not wait for a drain that has nothing to do).
    Returns the number of items taken."""
    seconds = _tuning["linger"] if linger is None else linger
    total = 0
    lingered = False
    while until is None or time.monotonic() < until:
        batch = take()
        if not batch:
            if lingered or not seconds or _nap(seconds, yield_to):
                return total
            lingered = True
            continue
        lingered = False
        work(batch)
        total += len(batch)
    return total


def _nap(seconds: float, yield_to: Callable[[], bool] | None) -> bool:
    """Sleep `seconds` in short steps; True as soon as yield_to() says another job waits."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if yield_to is not None and yield_to():
            return True
        time.sleep(min(NAP_STEP, left))
    return False


def others_waiting(conn: redis_lib.Redis) -> Callable[[], bool]:
    """For drain(yield_to=…): does another job wait in the ingest queue?"""
    ingest = queue(conn, QUEUE_NAME)
    return lambda: ingest.count > 0


@contextlib.contextmanager
def worker_mode():
    """A worker process wakes other jobs without the memo: a drain may stop lingering early
    (yield_to), so a skipped wake could leave a message behind until the reconciler."""
    previous = dict(_tuning)
    _tuning.update(memo=0.0)
    try:
        yield
    finally:
        _tuning.update(previous)


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


def work(conn: redis_lib.Redis, burst: bool, lane: str = "all") -> None:
    """Run the lane's jobs in this process (SimpleWorker: no fork per job)."""
    worker = SimpleWorker([queue(conn, name) for name in LANES[lane]], connection=conn)
    worker.work(burst=burst, logging_level="WARNING")


def depths(conn: redis_lib.Redis) -> dict[str, int]:
    """Jobs waiting in each lane."""
    return {"ingest": queue(conn, QUEUE_NAME).count, "bulk": queue(conn, BULK_QUEUE_NAME).count}


def beat(conn: redis_lib.Redis, lane: str) -> None:
    """A worker of `lane` is alive (its reconciler or heartbeat thread calls this)."""
    conn.hset(HEARTBEATS, lane, f"{time.time():.3f}")


def heartbeat_ages(conn: redis_lib.Redis) -> dict[str, float]:
    """Seconds since each lane's last beat; `all` counts for both lanes."""
    now = time.time()
    beats = {k.decode(): float(v) for k, v in conn.hgetall(HEARTBEATS).items()}
    ages = {}
    for lane in ("ingest", "bulk"):
        seen = [beats[name] for name in (lane, "all") if name in beats]
        if seen:
            ages[lane] = round(max(0.0, now - max(seen)), 1)
    return ages
