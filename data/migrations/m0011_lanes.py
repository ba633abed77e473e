"""Lanes: acks and staff replies are claimed apart from broadcast rows, each by its own index.

Partial indexes, so the priority lane never walks past 10,000 queued broadcast rows to find
the one ack that is due.
"""

from data.db import execute_script

SCHEMA = """
CREATE INDEX outbox_due_priority ON outbox (next_attempt_at, id)
    WHERE status = 'queued' AND broadcast_id IS NULL;
CREATE INDEX outbox_due_bulk ON outbox (broadcast_id, next_attempt_at, id)
    WHERE status = 'queued' AND broadcast_id IS NOT NULL;
CREATE INDEX outbox_failed ON outbox (updated_at) WHERE status = 'failed';
"""


def up(db):
    execute_script(db, SCHEMA)
