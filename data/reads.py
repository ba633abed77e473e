"""Plain cursor reads for the worker's hot path (a few SELECTs per inbound message).

sqlite-utils' `db.query()` wraps every statement in a SAVEPOINT/RELEASE pair (so a statement
that returns no rows can be rolled back before it refuses it) and reads its first keyword and
column names anew each time: three statements and ~0.1 ms of Python for one lookup. These
helpers run statements that return rows by construction (SELECTs, INSERT ... RETURNING), so
none of that guard is needed; rows are dicts as query() gives.
"""

from __future__ import annotations

from sqlite_utils.utils import dedupe_keys


def _keys(description) -> list[str]:
    names = [column[0] for column in description]
    return names if len(set(names)) == len(names) else dedupe_keys(names)


def rows(db, sql: str, params=()) -> list[dict]:
    """Every row as a dict (duplicate column names renamed as query() does); the statement
    runs to its end before this returns (a RETURNING write is complete)."""
    cursor = db.conn.execute(sql, params)
    found = cursor.fetchall()
    if not found:
        return []
    keys = _keys(cursor.description)
    return [dict(zip(keys, row, strict=True)) for row in found]


def first(db, sql: str, params=()) -> dict | None:
    """The first row as a dict, or None."""
    found = rows(db, sql, params)
    return found[0] if found else None
