"""Retry failed work ("Proses ulang"): the admin page and `aspirasi requeue` both call this."""

from __future__ import annotations

from data import audit, failures, outbox
from data.db import transaction
from handlers import queue
from handlers.transports import RECIPIENT_CODES


def requeue(db, s, actor: str, messages: bool = True, rows: bool = True,
            message_ids: list[int] | None = None, outbox_ids: list[int] | None = None,
            since: str | None = None) -> dict[str, int]:
    """Failed messages → captured, requeueable failed outbox rows → queued; audited; the
    worker woken (the reconciler finds them anyway if Redis is down)."""
    with transaction(db):
        counts = {
            "messages": failures.requeue_messages(db, message_ids, since) if messages else 0,
            "outbox": failures.requeue_outbox(db, RECIPIENT_CODES, outbox_ids, since)
            if rows else 0}
        if any(counts.values()):
            audit.record(db, actor, "requeue", None, since=since, message_ids=message_ids,
                         outbox_ids=outbox_ids, **counts)
    url = s.effective_redis_url
    if counts["messages"]:
        queue.try_wake(url, "inbound")
    if counts["outbox"]:
        queue.try_wake(url, "outbound")
        for broadcast_id in outbox.due_broadcasts(db):
            queue.try_wake(url, "broadcast", broadcast_id)
    return counts
