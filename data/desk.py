"""The desk's own rows: canned replies. Staff actions on tickets (status, assignment) are
data.aspiration_edits; the Usulan Musrenbang fields belong to the ticket's usulan
(data.usulan_edits; rows of the older per-ticket table `proposals` are adopted by
data.usulan.adopt_proposal)."""

from __future__ import annotations

import re

from data.clock import utcnow

# What a canned reply may say per ticket; anything else in braces is refused when saved, so
# a citizen never reads "{kode}".
PLACEHOLDERS = ("tiket", "kelurahan")
_BRACES = re.compile(r"\{([^{}]*)\}")


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
