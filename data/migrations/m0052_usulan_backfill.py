"""Needs stored before usulan existed join them too: the worker's reconciler groups them in
batches (handlers.grouping.backfill) up to the newest need at the time of this migration;
later ones are grouped as they arrive."""

from data.db import execute_script

SCHEMA = """
CREATE TABLE usulan_backfill (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_id INTEGER NOT NULL,               -- the first aspiration id not looked at yet
    until_id INTEGER NOT NULL               -- the newest aspiration when the table was made
);
INSERT INTO usulan_backfill (id, next_id, until_id)
    SELECT 1, 1, coalesce(max(id), 0) FROM aspirations;
"""


def up(db):
    execute_script(db, SCHEMA)
