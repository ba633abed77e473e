"""Open the SQLite file (WAL, one connection per process) and apply numbered migrations."""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sqlite3
import threading
from datetime import UTC, datetime

import sqlite_utils

_local = threading.local()


def utcnow() -> str:
    """Timestamps are stored as ISO 8601 UTC strings; they sort and compare as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    db = sqlite_utils.Database(conn)
    db.durable = durable
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


def migrations() -> list[tuple[int, str, object]]:
    """Numbered migration modules under data/migrations, in order: m0001_core.py, ..."""
    from data import migrations as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            module = importlib.import_module(f"data.migrations.{info.name}")
            found.append((int(info.name[1:5]), info.name, module))
    return sorted(found)


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet applied; each in its own transaction. Returns their names."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
    )
    done = {row[0] for row in db.execute("SELECT id FROM _migrations").fetchall()}
    applied = []
    for number, name, module in migrations():
        if number in done:
            continue
        with transaction(db):
            module.up(db)
            db.execute(
                "INSERT INTO _migrations (id, name, applied_at) VALUES (?, ?, ?)",
                [number, name, utcnow()],
            )
        applied.append(name)
    return applied


def open_db(path: str, durable: bool = False) -> sqlite_utils.Database:
    """The process-wide connection, migrated."""
    db = get_db(path, durable)
    if not getattr(db, "_aspirasi_migrated", False):
        migrate(db)
        db._aspirasi_migrated = True
    return db
