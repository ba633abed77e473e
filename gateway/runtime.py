"""Per-process resources for request handlers: the SQLite connection and the Redis URL."""

from __future__ import annotations

from flask import current_app

from data.db import open_db
from handlers.settings import Settings


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def db():
    """The process's (thread's) migrated connection: reused across requests, fsync on commit."""
    s = settings()
    return open_db(s.db_path, durable=s.db_sync == "full")


def capture_db(s: Settings | None = None):
    """The webhooks' connection: like db(), but its waits for the write lock are bounded by
    ASPIRASI_CAPTURE_TIMEOUT_SECONDS (data.db.WriteGate), so a locked file means the spool.
    (Outside a Flask request, as in gateway.webhooks' lane, pass the settings.)"""
    s = s or settings()
    return open_db(s.db_path, durable=s.db_sync == "full",
                   busy_timeout=s.capture_timeout_seconds)
