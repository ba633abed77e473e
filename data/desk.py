"""The desk's own rows: the formal proposal of a ticket (Usulan Musrenbang) and canned
replies. Staff actions on tickets (status, assignment) are data.aspiration_edits."""

from __future__ import annotations

import re

from data.clock import utcnow

PROPOSAL_FIELDS = ("title", "location", "volume", "unit", "cost", "opd", "priority")
# What a canned reply may say per ticket; anything else in braces is refused when saved, so
# a citizen never reads "{kode}".
PLACEHOLDERS = ("tiket", "kelurahan")
_BRACES = re.compile(r"\{([^{}]*)\}")


def proposal(db, aspiration_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM proposals WHERE aspiration_id = ?", [aspiration_id]))
    return rows[0] if rows else None


def save_proposal(db, aspiration_id: int, values: dict, actor: str) -> None:
    """Insert or update the proposal's fields (values already checked by the caller)."""
    fields = {k: values.get(k) for k in PROPOSAL_FIELDS}
    columns = ", ".join(PROPOSAL_FIELDS)
    db.execute(
        f"INSERT INTO proposals (aspiration_id, {columns}, updated_by, updated_at) "
        f"VALUES (?, {', '.join('?' for _ in PROPOSAL_FIELDS)}, ?, ?) "
        "ON CONFLICT (aspiration_id) DO UPDATE SET "
        + ", ".join(f"{k} = excluded.{k}" for k in PROPOSAL_FIELDS)
        + ", updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        [aspiration_id, *fields.values(), actor, utcnow()])


def unknown_placeholders(body: str) -> list[str]:
    return [name for name in _BRACES.findall(body) if name.strip().lower() not in PLACEHOLDERS]


def fill(body: str, aspiration: dict) -> str:
    """{tiket} and {kelurahan} filled in for one ticket."""
    values = {"tiket": aspiration["ticket"], "kelurahan": aspiration.get("kelurahan") or "Anda"}
    return _BRACES.sub(lambda m: values.get(m.group(1).strip().lower(), m.group(0)), body)


def canned_replies(db, include_inactive: bool = False) -> list[dict]:
    where = "" if include_inactive else "WHERE active = 1"
    return list(db.query(f"SELECT * FROM canned_replies {where} ORDER BY title, id"))


def canned_reply(db, reply_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM canned_replies WHERE id = ? AND active = 1", [reply_id]))
    return rows[0] if rows else None


def save_canned(db, reply_id: int | None, title: str, body: str, actor: str,
                active: bool = True) -> int:
    now = utcnow()
    if reply_id:
        db.execute("UPDATE canned_replies SET title = ?, body = ?, active = ?, updated_at = ? "
                   "WHERE id = ?", [title, body, int(active), now, reply_id])
        return reply_id
    return db.execute(
        "INSERT INTO canned_replies (title, body, active, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)", [title, body, int(active), actor, now, now]).lastrowid
