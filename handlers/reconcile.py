"""The worker's safety net: find work SQLite (and the spool) holds that Redis does not know."""

from __future__ import annotations

import logging

from data import media, messages, outbox
from handlers import fanout, queue, relay, retention, spool

log = logging.getLogger(__name__)

# Other features add callables taking (db, redis connection, settings): scheduled broadcasts,
# retention, the relay phone's silences and returns...
HOOKS: list = [fanout.reconcile_broadcasts, retention.maybe_run, relay.watch]


def reconcile(db, conn, s) -> dict:
    """Import the spool; wake drains for captured messages and due outbox rows (each lane);
    recover rows of dead workers."""
    report = {"spooled": spool.import_spool(db, s)}
    report["pending"] = messages.count_pending(db)
    report["recovered"] = outbox.recover_stale(db, s.stale_sending_seconds)
    if report["pending"]:
        queue.wake(conn, "inbound")
    report["due"] = outbox.count_due(db)
    if report["due"]:
        queue.wake(conn, "outbound")
    report["media"] = media.count_due(db)
    if report["media"]:
        queue.wake(conn, "media")  # a download to retry (or one a lost wake-up left)
    for hook in HOOKS:
        hook(db, conn, s)
    return report
