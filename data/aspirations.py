"""Aspirations: one per inbound message that is a need, with a ticket the citizen can check."""

from __future__ import annotations

import json
import secrets
import sqlite3

from data.clock import utcnow

# No 0/O, 1/I/L: a fisher reads the code off a cheap phone screen and types it back.
TICKET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TICKET_LENGTH = 5
STATUSES = ("baru", "diverifikasi", "diteruskan", "selesai", "ditolak")


def new_ticket() -> str:
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def create(db, message: dict, contact_id: int | None, parsed, text: str | None = None,
           place: tuple[str | None, str | None] | None = None) -> dict:
    """Store the aspiration for a message once; a second call returns the first row.

    place: (kelurahan, kecamatan) when it comes from elsewhere than the text (the contact's).
    """
    existing = by_message(db, message["id"])
    if existing:
        return existing
    now = utcnow()
    row = {
        "message_id": message["id"],
        "contact_id": contact_id,
        "channel": message["channel"],
        "text": text if text is not None else message["body"],
        "category": parsed.category,
        "kelurahan": place[0] if place else parsed.kelurahan,
        "kecamatan": place[1] if place else parsed.kecamatan,
        "confidence": float(parsed.confidence),
        "keywords": json.dumps(list(parsed.keywords), ensure_ascii=False),
        "created_at": now,
        "updated_at": now,
    }
    for _ in range(20):
        row["ticket"] = new_ticket()
        try:
            db.table("aspirations").insert(row)
            break
        except sqlite3.IntegrityError as exc:
            if "ticket" not in str(exc):
                raise
    else:  # pragma: no cover - 28 million codes; 20 collisions in a row means a bug
        raise RuntimeError("could not allocate a unique ticket code")
    return by_message(db, message["id"])


def by_message(db, message_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM aspirations WHERE message_id = ?", [message_id]))
    return rows[0] if rows else None


def by_ticket(db, ticket: str) -> dict | None:
    rows = list(db.query("SELECT * FROM aspirations WHERE ticket = ?", [(ticket or "").upper()]))
    return rows[0] if rows else None


def recent_duplicate(db, contact_id: int, text: str, since: str) -> dict | None:
    """The same text from the same sender since `since`: a resend, not a second need."""
    rows = list(db.query(
        "SELECT * FROM aspirations WHERE contact_id = ? AND text = ? AND created_at >= ? "
        "ORDER BY id DESC LIMIT 1", [contact_id, text, since]))
    return rows[0] if rows else None
