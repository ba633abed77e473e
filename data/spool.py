"""The spool: webhooks SQLite could not take in time, one fsynced JSON line each, a file a day.

When the database stays locked past ASPIRASI_CAPTURE_TIMEOUT_SECONDS (a backup, a long query,
a stuck writer) the webhook appends what it received here and still answers 200: Twilio never
sends a message again. The worker imports the lines into SQLite when it can (handlers.spool);
how far each file was imported is kept in SQLite (`spool_progress`) in the same transaction
as the imported rows, so an import is exactly-once even when it crashes half-way. Imports are
idempotent anyway (a MessageSid is stored once).

Files: <spool dir>/YYYY-MM-DD.jsonl (the WITA day). Lines: {"kind": ..., "data": {...}}.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import date

from data import clock

SUFFIX = ".jsonl"
KEEP_DAYS = 2  # imported files older than this many days are deleted
_lock = threading.Lock()


def file_name(day=None) -> str:
    return f"{(day or clock.wita_today()).isoformat()}{SUFFIX}"


def append(folder: str, kind: str, data: dict) -> str:
    """Append one line and fsync it (and the folder, for a new file). Returns the file name.

    A line is written with one write() under an exclusive flock, after re-checking that the
    path still names the file we opened (the importer deletes old files).
    """
    os.makedirs(folder, exist_ok=True)
    name = file_name()
    path = os.path.join(folder, name)
    line = json.dumps({"kind": kind, "data": data}, ensure_ascii=False) + "\n"
    with _lock:
        while True:
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    if os.fstat(fd).st_ino != os.stat(path).st_ino:
                        continue  # deleted and recreated while we waited: write to the new one
                except FileNotFoundError:
                    continue
                size = os.fstat(fd).st_size
                # a torn line (power cut mid-write) is closed, so it stays on its own
                torn = size and os.pread(fd, 1, size - 1) != b"\n"
                os.write(fd, (("\n" if torn else "") + line).encode("utf-8"))
                os.fsync(fd)
                if size == 0:
                    _fsync_dir(folder)
                return name
            finally:
                os.close(fd)


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def files(folder: str) -> list[str]:
    """Spool file names, oldest day first."""
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if n.endswith(SUFFIX))


def offset(db, name: str) -> int:
    row = db.execute("SELECT offset FROM spool_progress WHERE file = ?", [name]).fetchone()
    return row[0] if row else 0


def read_from(folder: str, name: str, start: int) -> list[tuple[dict | None, int]]:
    """Complete lines after byte `start`: [(entry, or None when unreadable; end offset)]."""
    path = os.path.join(folder, name)
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read()
    except FileNotFoundError:
        return []
    lines, position = [], start
    for raw in data.splitlines(keepends=True):
        if not raw.endswith(b"\n"):
            break  # being written, or torn: the next append closes it
        position += len(raw)
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
                raise ValueError("not a spool entry")
        except ValueError:
            entry = None
        lines.append((entry, position))
    return lines


def record_progress(db, name: str, end: int, lines: int, bad: int) -> None:
    """Inside the caller's transaction, with the imported rows."""
    db.execute(
        "INSERT INTO spool_progress (file, offset, lines, bad, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (file) DO UPDATE SET offset = excluded.offset, lines = lines + "
        "excluded.lines, bad = bad + excluded.bad, updated_at = excluded.updated_at",
        [name, end, lines, bad, clock.utcnow()])


def pending(db, folder: str) -> dict[str, int]:
    """{file: bytes not yet imported} for files with something left (a read, no write)."""
    left = {}
    for name in files(folder):
        try:
            size = os.path.getsize(os.path.join(folder, name))
        except FileNotFoundError:
            continue
        if size > offset(db, name):
            left[name] = size - offset(db, name)
    return left


def unreadable(db) -> int:
    return db.execute("SELECT coalesce(sum(bad), 0) FROM spool_progress").fetchone()[0]


def prune(db, folder: str) -> list[str]:
    """Delete files older than KEEP_DAYS that are imported to the end; their progress first
    (a crash in between re-imports a file, which is harmless), then the file."""
    today = file_name()
    removed = []
    for name in files(folder):
        if name >= today or clock.wita_today().toordinal() - _day(name) < KEEP_DAYS:
            continue
        path = os.path.join(folder, name)
        if os.path.getsize(path) != offset(db, name):
            continue
        db.execute("DELETE FROM spool_progress WHERE file = ?", [name])
        os.unlink(path)
        removed.append(name)
    return removed


def _day(name: str) -> int:
    try:
        return date.fromisoformat(name.removesuffix(SUFFIX)).toordinal()
    except ValueError:
        return clock.wita_today().toordinal()
