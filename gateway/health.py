"""GET /healthz: SQLite writable (200, maybe degraded) or not (503); Redis, queue, outbox."""

from __future__ import annotations

from flask import Blueprint, jsonify

from data import messages, outbox
from data.db import check_writable
from gateway.runtime import db, settings
from handlers import queue

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    body = {"db": "ok", "redis": "ok", "queue_depth": None, "pending_messages": None,
            "outbox": {}}
    try:
        database = db()
        check_writable(database)
        body["outbox"] = outbox.counts_by_status(database)
        body["pending_messages"] = messages.count_pending(database)
    except Exception as exc:
        body.update(db="down", status="down", error=type(exc).__name__)
    try:
        body["queue_depth"] = queue.depth(queue.connect(settings().effective_redis_url))
    except Exception:
        body["redis"] = "down"
    if body["db"] != "ok":
        return jsonify(body), 503
    body["status"] = "ok" if body["redis"] == "ok" else "degraded"
    return jsonify(body), 200
