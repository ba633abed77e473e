"""The audit log: who did what, when; written in the same transaction as the action."""

from __future__ import annotations

import json

from data.clock import utcnow


def record(db, actor: str, action: str, target: str | None = None, **detail) -> int:
    cursor = db.execute(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [utcnow(), actor[:120], action[:40], (target or "")[:200] or None,
         json.dumps(detail, ensure_ascii=False, default=str)],
    )
    return cursor.lastrowid


def recent(db, limit: int = 200, action: str | None = None, offset: int = 0,
           before_id: int | None = None) -> list[dict]:
    """Newest first; `before_id` pages on by key (every page as fast as the first)."""
    clauses, params = [], []
    if action:
        clauses.append("action = ?")
        params.append(action)
    if before_id:
        clauses.append("id < ?")
        params.append(before_id)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return list(db.query(
        f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset]))


def exists_since(db, action: str, target: str, since: str) -> bool:
    """Whether `action` on `target` was recorded since a stamp (to record something once)."""
    return db.execute("SELECT 1 FROM audit_log WHERE action = ? AND at >= ? AND target = ? "
                      "LIMIT 1", [action, since, target]).fetchone() is not None
