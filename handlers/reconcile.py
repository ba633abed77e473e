"""The worker's safety net: find work SQLite holds that Redis does not know about."""

from __future__ import annotations

import logging

from data import messages, outbox
from handlers import fanout, queue

log = logging.getLogger(__name__)

# Other features add callables taking (db, redis connection, settings): scheduled broadcasts...
HOOKS: list = [fanout.reconcile_broadcasts]


def reconcile(db, conn, s) -> dict:
    """Wake drains for captured messages and due outbox rows; recover rows of dead workers."""
    report = {"pending": messages.count_pending(db),
              "recovered": outbox.recover_stale(db, s.stale_sending_seconds)}
    if report["pending"]:
        queue.wake(conn, "inbound")
    report["due"] = outbox.count_due(db)
    if report["due"]:
        queue.wake(conn, "outbound")
    for hook in HOOKS:
        hook(db, conn, s)
    return report
