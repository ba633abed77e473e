"""The fan-out job: a confirmed broadcast becomes one outbox row per recipient, then is sent.

Started by handlers.queue.wake(conn, "broadcast", id) after a confirm (SMS YA or the web's
Kirim), and by the reconciler for scheduled broadcasts that fall due. Idempotent after a crash:
planning adds only missing rows, and every row is claimed before it is sent.
"""

from __future__ import annotations

from datetime import datetime

from data import broadcasts, clock
from data.db import transaction
from handlers import outbound, queue
from handlers.context import database, settings

# Sending threads of a fan-out: a request to Twilio mostly waits on the network, so more
# threads than the ingest drain; ASPIRASI_SEND_RATE still caps the rate per sender.
SEND_THREADS = 16


def run(db, s, broadcast_id: int, now: datetime | None = None) -> int:
    """Start (confirmed → sending), plan every recipient, send; idempotent after a crash."""
    b = broadcasts.get(db, broadcast_id)
    if b is None or b["state"] not in ("confirmed", "sending"):
        return 0
    if b["scheduled_at"] and b["scheduled_at"] > clock.iso(clock.now(now)):
        return 0  # not yet: the reconciler wakes it when due
    with transaction(db):
        broadcasts.move(db, broadcast_id, ("confirmed",), "sending", now, started_at=True)
    broadcasts.plan(db, broadcast_id, now=now)
    tried = outbound.drain(s, broadcast_id=broadcast_id, threads=SEND_THREADS)
    with transaction(db):
        broadcasts.finish_if_done(db, broadcast_id)
    return tried


def fan_out(broadcast_id: int) -> int:
    """RQ job: plan and send one broadcast. Returns the rows tried."""
    s = settings()
    try:
        return run(database(s), s, broadcast_id)
    finally:
        queue.woken(queue.connect(s.effective_redis_url), "broadcast", broadcast_id)


def reconcile_broadcasts(db, conn, s) -> None:
    """Reconciler hook: expire drafts, wake due (scheduled) broadcasts, close finished ones."""
    with transaction(db):
        broadcasts.expire_drafts(db)
    for broadcast_id in broadcasts.due(db):
        queue.wake(conn, "broadcast", broadcast_id)
    for broadcast_id in broadcasts.unfinished(db):
        with transaction(db):
            broadcasts.finish_if_done(db, broadcast_id)
