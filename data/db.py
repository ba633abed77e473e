"""Open the SQLite file (WAL, one connection per process) and apply numbered migrations."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading

import sqlite_utils

from data import channels

_local = threading.local()


def connect(path: str, durable: bool = False) -> sqlite_utils.Database:
    """A new connection with the pragmas every process wants.

    durable: fsync every commit (synchronous=FULL). The web process captures messages that
    Twilio will not send again once we answer 200, so they must survive a power cut, not only
    a crash. The worker's writes can be replayed from those captures, so NORMAL is enough there.
    """
    if path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=" + ("FULL" if durable else "NORMAL"))
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    channels.register_sql_functions(conn)
    db = sqlite_utils.Database(conn)
    db.durable = durable
    db.path = os.path.abspath(path) if path != ":memory:" else path
    return db


def get_db(path: str, durable: bool = False) -> sqlite_utils.Database:
    """One connection per process and thread, reused: ~10x faster than one per request."""
    cache = getattr(_local, "dbs", None)
    if cache is None or cache.get("pid") != os.getpid():
        cache = _local.dbs = {"pid": os.getpid()}
    db = cache.get((path, durable))
    if db is None:
        db = cache[(path, durable)] = connect(path, durable)
    return db


def close_all() -> None:
    """Close this thread's cached connections (tests, forks)."""
    cache = getattr(_local, "dbs", None) or {}
    for key, db in list(cache.items()):
        if key != "pid":
            db.conn.close()
    _local.dbs = None


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database):
    """BEGIN IMMEDIATE: take the write lock up front so two processes never deadlock on upgrade.

    Nested use joins the outer transaction.
    """
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def check_writable(db: sqlite_utils.Database) -> None:
    """Raise unless this process can take the write lock now (nothing is written)."""
    db.conn.execute("BEGIN IMMEDIATE")
    db.conn.execute("ROLLBACK")


def execute_script(db: sqlite_utils.Database, sql: str) -> None:
    """Run several statements inside the caller's transaction (executescript would COMMIT).

    Statements are split where SQLite itself says one is complete, so a ';' in a comment or a
    string does not cut a statement in two.
    """
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""
    if buffer.strip():
        db.execute(buffer)


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration (sqlite-utils Migrations). Returns the names applied.

    One BEGIN IMMEDIATE around the lot: when the web and the worker start together, the second
    waits for the first and then finds nothing pending. Databases made before the switch to
    sqlite-utils recorded their migrations in `_migrations`; those names are carried over first.
    """
    from data.migrations import MIGRATIONS

    with transaction(db):
        MIGRATIONS.ensure_migrations_table(db)
        _adopt_legacy_record(db, MIGRATIONS.name)
        pending = [m.name for m in MIGRATIONS.pending(db)]
        MIGRATIONS.apply(db)
    return pending


def _adopt_legacy_record(db: sqlite_utils.Database, migration_set: str) -> None:
    """Copy the hand-written runner's `_migrations` rows into sqlite-utils' table, then drop it."""
    if not db["_migrations"].exists():
        return
    for name, applied_at in db.execute("SELECT name, applied_at FROM _migrations ORDER BY id"):
        db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) SELECT ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? AND "
            "name = ?)", [migration_set, name, applied_at, migration_set, name])
    db.execute("DROP TABLE _migrations")


def open_db(path: str, durable: bool = False) -> sqlite_utils.Database:
    """The process-wide connection, migrated."""
    db = get_db(path, durable)
    if not getattr(db, "_aspirasi_migrated", False):
        migrate(db)
        db._aspirasi_migrated = True
    return db
