"""A new ticket is put in the search index by data.aspirations.create, not by a trigger.

Through a trigger the INSERT needs a statement journal, and SQLite opens a savepoint on the
FTS5 table for it, at which FTS5 writes its pending terms out as a segment of their own: the
index insert cost ~80 µs per ticket that way, ~10 µs as a statement of its own (which stays in
FTS5's in-memory pending list until the batch commits). The update and delete triggers stay:
those are rare (a burst part, a staff correction, retention).
"""

from data.db import execute_script


def up(db):
    execute_script(db, "DROP TRIGGER IF EXISTS aspirations_fts_insert;")
