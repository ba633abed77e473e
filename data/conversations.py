"""Conversation memory: what each inbound message was to a ticket, and the one question we asked
a contact and still wait for. The rules that decide are in handlers.conversation.
"""

from __future__ import annotations

import json

from data import reads
from data.clock import utcnow

LINK_KINDS = ("need", "question", "part", "answer", "followup", "check", "closing", "rsvp",
              "smalltalk", "support")
# Messages that make up a ticket's content (its first message and the burst parts).
CONTENT_KINDS = ("need", "question", "part")


def link(db, message: dict, contact_id: int | None, aspiration_id: int | None, kind: str,
         detail: str | None = None, unread: bool = False) -> None:
    """Record what a message was; a replayed message keeps one row (the latest decision)."""
    if kind not in LINK_KINDS:
        raise ValueError(kind)
    db.execute(
        "INSERT INTO message_links (message_id, contact_id, aspiration_id, kind, detail, unread, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO UPDATE SET "
        "aspiration_id = excluded.aspiration_id, kind = excluded.kind, detail = excluded.detail, "
        "unread = excluded.unread",
        [message["id"], contact_id, aspiration_id, kind, (detail or "")[:200] or None,
         int(unread), message.get("received_at") or utcnow()])


def links_for(db, message_ids: list[int]) -> dict[int, dict]:
    """{message id: its link with the ticket code} for the messages shown on a staff page."""
    found: dict[int, dict] = {}
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        marks = ",".join("?" for _ in chunk)
        for row in db.query(
                "SELECT l.*, a.ticket, a.kind AS item_kind FROM message_links l "
                "LEFT JOIN aspirations a ON a.id = l.aspiration_id "
                f"WHERE l.message_id IN ({marks})", chunk):
            found[row["message_id"]] = row
    return found


def content(db, aspiration_id: int) -> list[dict]:
    """The messages that make up a ticket (first message and burst parts), oldest first."""
    return reads.rows(
        db, "SELECT m.id, m.body, m.button_text, m.num_media, m.media, m.latitude, m.received_at "
        "FROM message_links l JOIN messages m ON m.id = l.message_id "
        "WHERE l.aspiration_id = ? AND l.kind IN ('need', 'question', 'part') ORDER BY m.id",
        [aspiration_id])


def unread(db, aspiration_id: int) -> int:
    return db.execute("SELECT count(*) FROM message_links WHERE aspiration_id = ? AND unread = 1",
                      [aspiration_id]).fetchone()[0]


def mark_read(db, aspiration_id: int, actor: str) -> int:
    """Staff opened the ticket: its follow-ups are read (who and when kept)."""
    return db.execute(
        "UPDATE message_links SET unread = 0, read_by = ?, read_at = ? "
        "WHERE aspiration_id = ? AND unread = 1", [actor[:120], utcnow(), aspiration_id]).rowcount


def answered_closing_since(db, contact_id: int, since: str) -> bool:
    """Did this contact get a courteous reply to a closing since `since` (the WITA day)?"""
    return db.execute(
        "SELECT 1 FROM message_links WHERE contact_id = ? AND kind = 'closing' "
        "AND detail = 'dibalas' AND created_at >= ? LIMIT 1", [contact_id, since]).fetchone() \
        is not None


def ask(db, contact_id: int, aspiration_id: int, asks: list[str], options: list[str],
        asked_at: str, expires_at: str) -> None:
    """Remember what we asked (the newest question replaces an older one)."""
    db.execute(
        "INSERT INTO pending_questions (contact_id, aspiration_id, asks, options, asked_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET "
        "aspiration_id = excluded.aspiration_id, asks = excluded.asks, "
        "options = excluded.options, asked_at = excluded.asked_at, "
        "expires_at = excluded.expires_at",
        [contact_id, aspiration_id, " ".join(asks), json.dumps(options, ensure_ascii=False),
         asked_at, expires_at])


def pending(db, contact_id: int, at: str) -> dict | None:
    """The question still waiting for this contact at `at` (None once expired or answered)."""
    row = reads.first(db, "SELECT * FROM pending_questions WHERE contact_id = ? AND "
                      "expires_at > ?", [contact_id, at])
    if row is None:
        return None
    row["asks"] = row["asks"].split()
    row["options"] = json.loads(row["options"] or "[]")
    return row


def settle(db, contact_id: int, still_asks: list[str], options: list[str] | None = None) -> None:
    """Part of the question was answered: keep the rest, or forget it when nothing is left."""
    if not still_asks:
        db.execute("DELETE FROM pending_questions WHERE contact_id = ?", [contact_id])
        return
    db.execute("UPDATE pending_questions SET asks = ?, options = ? WHERE contact_id = ?",
               [" ".join(still_asks), json.dumps(options or [], ensure_ascii=False), contact_id])
