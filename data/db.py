"""Open the SQLite file (WAL, one connection per process) and apply numbered migrations."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading

import sqlite_utils

from data import addresses, channels

_local = threading.local()
BUSY_TIMEOUT = 30.0  # seconds a worker or staff write waits for SQLite's write lock


class Busy(sqlite3.OperationalError):
    """The write lock could not be taken in time (another writer, a backup, a long query)."""


def connect(path: str, durable: bool = False,
            busy_timeout: float = BUSY_TIMEOUT) -> sqlite_utils.Database:
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
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    channels.register_sql_functions(conn)
    addresses.register_sql_functions(conn)
    db = sqlite_utils.Database(conn)
    db.durable = durable
    db.busy_ms = int(busy_timeout * 1000)
    db.path = os.path.abspath(path) if path != ":memory:" else path
    return db


def get_db(path: str, durable: bool = False,
           busy_timeout: float = BUSY_TIMEOUT) -> sqlite_utils.Database:
    """One connection per process and thread, reused: ~10x faster than one per request."""
    cache = getattr(_local, "dbs", None)
    if cache is None or cache.get("pid") != os.getpid():
        cache = _local.dbs = {"pid": os.getpid()}
    key = (path, durable, busy_timeout)
    db = cache.get(key)
    if db is None:
        db = cache[key] = connect(path, durable, busy_timeout)
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
    begin(db)
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def begin(db: sqlite_utils.Database) -> None:
    """BEGIN IMMEDIATE; Busy when the lock stayed taken for the connection's whole busy wait."""
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if is_lock_error(exc):
            raise Busy(str(exc)) from exc
        raise


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class WriteGate:
    """Bounded waits for the webhook's writes to one database file, shared by its threads.

    A capture waits at most `timeout` for the write lock. Once a wait ran out, the file is
    'suspect': later captures do not wait at all (the spool takes them at once when the lock
    is still taken) until a write succeeds again. So a 60 s lock costs one slow answer, not
    sixty, and the webhook keeps its throughput.
    """

    SUSPECT_WAIT = 0.0

    def __init__(self):
        self.suspect = False

    def wait_for(self, timeout: float) -> float:
        return self.SUSPECT_WAIT if self.suspect else timeout

    @contextlib.contextmanager
    def bounded(self, db: sqlite_utils.Database, timeout: float, atomic: bool = True):
        """A write with this gate's wait (in a transaction unless atomic=False: one statement
        is its own); Busy, and the file suspect, when the lock stays taken."""
        wanted = int(self.wait_for(timeout) * 1000)
        if getattr(db, "busy_ms", None) != wanted:
            db.conn.execute(f"PRAGMA busy_timeout={wanted}")
            db.busy_ms = wanted
        try:
            with transaction(db) if atomic else contextlib.nullcontext(db):
                yield db
        except sqlite3.OperationalError as exc:
            if not is_lock_error(exc):
                raise
            self.suspect = True
            if isinstance(exc, Busy):
                raise
            raise Busy(str(exc)) from exc
        self.suspect = False


class HostLock:
    """One capture writer at a time on this host, per database file: a lock file beside it.

    The web processes' capture leaders take turns here instead of in SQLite's busy handler,
    which sleeps 1, 2, 5, 10... ms between tries however soon the lock is free; the kernel
    wakes the next leader the moment the last one is done, and meanwhile its process's
    webhook threads join its batch. The wait is bounded by the holder's, itself bounded by
    WriteGate; a process that dies holding it releases it.
    """

    def __init__(self, path: str):
        self.fd = None if path == ":memory:" else os.open(
            path + ".capture-lock", os.O_RDWR | os.O_CREAT, 0o600)

    @contextlib.contextmanager
    def held(self):
        if self.fd is None:  # an in-memory database has one connection: nothing to share
            yield
            return
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


_host_locks: dict[tuple[int, str], HostLock] = {}


def host_lock(path: str) -> HostLock:
    """This process's handle on the file's capture lock (per process: a forked child must
    not share its parent's open file, whose flock the two would then hold together)."""
    key = (os.getpid(), path if path == ":memory:" else os.path.abspath(path))
    with _gates_lock:
        lock = _host_locks.get(key)
        if lock is None:
            lock = _host_locks[key] = HostLock(key[1])
        return lock


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def gate(path: str) -> WriteGate:
    """The process's gate for a database file."""
    with _gates_lock:
        return _gates.setdefault(os.path.abspath(path), WriteGate())


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


def open_db(path: str, durable: bool = False,
            busy_timeout: float = BUSY_TIMEOUT) -> sqlite_utils.Database:
    """The process-wide connection, migrated (once per process and file: a webhook's own
    connection must not need the write lock just to open)."""
    db = get_db(path, durable, busy_timeout)
    key = (os.getpid(), db.path)
    if key not in _migrated:
        migrate(db)
        _migrated.add(key)
    return db


_migrated: set[tuple[int, str]] = set()
