"""A confirmed broadcast becomes one outbox row per recipient, sent in bounded slices.

Started by handlers.queue.wake(conn, "broadcast", id) after a confirm (SMS YA or the web's
Kirim), and by the reconciler for scheduled broadcasts that fall due and broadcasts with rows
due (retries, requeued rows). Each job is one slice on the bulk lane: plan (once), send for at
most ASPIRASI_SLICE_SECONDS, then queue itself again behind whatever else waits. Idempotent
after a crash: planning adds only missing rows, and every row is claimed before it is sent.
"""

from __future__ import annotations

import time
from datetime import datetime

from data import broadcasts, clock, outbox
from data.db import transaction
from handlers import outbound, queue
from handlers.context import database, settings

# Sending threads of a slice: a request to Twilio mostly waits on the network, so more
# threads than the ingest drain; the per-sender rate (handlers.ratelimit) still holds.
SEND_THREADS = 16


def start(db, broadcast_id: int, now: datetime | None = None) -> bool:
    """confirmed → sending (once due), then plan every recipient. False: nothing to send yet."""
    b = broadcasts.get(db, broadcast_id)
    if b is None or b["state"] not in ("confirmed", "sending", "done"):
        return False
    if b["state"] == "confirmed":
        if b["scheduled_at"] and b["scheduled_at"] > clock.iso(clock.now(now)):
            return False  # not yet: the reconciler wakes it when due
        with transaction(db):
            broadcasts.move(db, broadcast_id, ("confirmed",), "sending", now, started_at=True)
    broadcasts.plan(db, broadcast_id, now=now)
    return True


def run(db, s, broadcast_id: int, now: datetime | None = None,
        seconds: float | None = None) -> tuple[int, bool]:
    """One slice: start, then send due rows for `seconds` (default ASPIRASI_SLICE_SECONDS;
    0: until none is due). Returns (rows tried, whether rows are still due)."""
    if not start(db, broadcast_id, now):
        return 0, False
    limit = s.slice_seconds if seconds is None else seconds
    until = time.monotonic() + limit if limit else None
    tried = outbound.drain(s, broadcast_id=broadcast_id, threads=SEND_THREADS, until=until)
    with transaction(db):
        broadcasts.finish_if_done(db, broadcast_id)
    return tried, outbox.has_due(db, broadcast_id)


def fan_out(broadcast_id: int) -> int:
    """RQ job (bulk lane): one slice of a broadcast; queues the next while rows are due."""
    s = settings()
    conn = queue.connect(s.effective_redis_url)
    queue.woken(conn, "broadcast", broadcast_id)  # from now on a wake queues the next slice
    tried, more = run(database(s), s, broadcast_id)
    if more:
        queue.wake(conn, "broadcast", broadcast_id)  # at the back: other work goes first
    return tried


def reconcile_broadcasts(db, conn, s) -> None:
    """Reconciler hook: expire drafts, wake due broadcasts and those with rows due, close
    finished ones."""
    with transaction(db):
        broadcasts.expire_drafts(db)
    for broadcast_id in sorted(set(broadcasts.due(db)) | set(outbox.due_broadcasts(db))):
        queue.wake(conn, "broadcast", broadcast_id)
    for broadcast_id in broadcasts.unfinished(db):
        with transaction(db):
            broadcasts.finish_if_done(db, broadcast_id)
