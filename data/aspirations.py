"""Aspirations: one per inbound message that is a need, with a ticket the citizen can check."""

from __future__ import annotations

import json
import secrets
import sqlite3

from data import reads
from data.clock import utcnow
from parsers.search import index_words

# No 0/O, 1/I/L: a fisher reads the code off a cheap phone screen and types it back.
TICKET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TICKET_LENGTH = 5
STATUSES = ("baru", "diverifikasi", "diteruskan", "selesai", "ditolak")
OPEN = ("baru", "diverifikasi", "diteruskan")
# aspirasi: a need, counted everywhere; pertanyaan: a question for staff, never counted as one.
KINDS = ("aspirasi", "pertanyaan")


def new_ticket() -> str:
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def create(db, message: dict, contact_id: int | None, parsed, text: str | None = None,
           place: tuple[str | None, str | None] | None = None, kind: str = "aspirasi") -> dict:
    """Store the aspiration for a message once; a second call returns the first row.

    place: (kelurahan, kecamatan) when it comes from elsewhere than the text (the contact's).
    """
    if kind not in KINDS:
        raise ValueError(kind)
    now = utcnow()
    text = text if text is not None else message["body"]
    row = {
        "message_id": message["id"],
        "contact_id": contact_id,
        "channel": message["channel"],
        "text": text,
        "words": index_words(text),  # the search's spelling-proof words (parsers.search)
        "category": parsed.category,
        "kelurahan": place[0] if place else parsed.kelurahan,
        "kecamatan": place[1] if place else parsed.kecamatan,
        "confidence": float(parsed.confidence),
        "keywords": json.dumps(list(parsed.keywords), ensure_ascii=False),
        "kind": kind,
        "created_at": now,
        "updated_at": now,
    }
    # One plain INSERT that gives the stored row back (RETURNING) and does nothing for a
    # message stored before: no look before it, no read after it (sqlite-utils' insert()
    # listed the tables and built the statement again for every row).
    sql = (f"INSERT INTO aspirations ({', '.join(row)}, ticket) "
           f"VALUES ({', '.join('?' for _ in row)}, ?) "
           "ON CONFLICT (message_id) DO NOTHING RETURNING *")
    for _ in range(20):
        row["ticket"] = new_ticket()
        try:
            stored = reads.first(db, sql, list(row.values()))
            break
        except sqlite3.IntegrityError as exc:
            if "ticket" not in str(exc):
                raise
    else:  # pragma: no cover - 28 million codes; 20 collisions in a row means a bug
        raise RuntimeError("could not allocate a unique ticket code")
    if stored is None:  # this message's aspiration exists: the first row stands
        return by_message(db, message["id"])
    # the search index, here rather than by a trigger (see migration m0160)
    db.conn.execute("INSERT INTO aspirations_fts (rowid, text, ticket, kelurahan, words) "
                    "VALUES (?, ?, ?, ?, ?)", [stored["id"], stored["text"], stored["ticket"],
                                               stored["kelurahan"], stored["words"]])
    return stored


def by_message(db, message_id: int) -> dict | None:
    return reads.first(db, "SELECT * FROM aspirations WHERE message_id = ?", [message_id])


def by_ticket(db, ticket: str) -> dict | None:
    return reads.first(db, "SELECT * FROM aspirations WHERE ticket = ?", [(ticket or "").upper()])


def recent_duplicate(db, contact_id: int, text: str, since: str) -> dict | None:
    """The same text from the same sender since `since`: a resend, not a second need."""
    return reads.first(
        db, "SELECT * FROM aspirations WHERE contact_id = ? AND text = ? AND created_at >= ? "
        "ORDER BY id DESC LIMIT 1", [contact_id, text, since])


def latest_for_contact(db, contact_id: int, since: str,
                       kinds: tuple[str, ...] = KINDS) -> dict | None:
    """The sender's newest ticket created since `since` (a burst, a follow-up's ticket)."""
    marks = ",".join("?" for _ in kinds)
    # `+`: the sender's few rows through the contact index, never a walk of recent tickets
    return reads.first(
        db, f"SELECT * FROM aspirations WHERE contact_id = ? AND +created_at >= ? "
        f"AND +kind IN ({marks}) ORDER BY id DESC LIMIT 1", [contact_id, since, *kinds])


def owned(db, contact_id: int, codes: list[str]) -> dict | None:
    """The first of `codes` that is one of this sender's tickets (never someone else's)."""
    wanted = [c.upper() for c in codes][:50]
    if not wanted:
        return None
    marks = ",".join("?" for _ in wanted)
    rows = {r["ticket"]: r for r in reads.rows(
        db, f"SELECT * FROM aspirations WHERE ticket IN ({marks}) AND contact_id = ?",
        [*wanted, contact_id])}
    return next((rows[c] for c in wanted if c in rows), None)


def open_for_contact(db, contact_id: int, limit: int = 20) -> list[dict]:
    """The sender's aspirations still in progress, newest first (CEK without a code)."""
    marks = ",".join("?" for _ in OPEN)
    return list(db.query(
        f"SELECT ticket, status, category, kelurahan FROM aspirations WHERE contact_id = ? "
        f"AND kind = 'aspirasi' AND status IN ({marks}) ORDER BY id DESC LIMIT ?",
        [contact_id, *OPEN, limit]))


def update_content(db, aspiration_id: int, text: str, parsed,
                   place: tuple[str | None, str | None] | None = None) -> dict:
    """A burst part or a description changed what the ticket says: text, category, keywords,
    and the place when the text names one (never a staff correction: the caller checks)."""
    changes = {"text": text, "words": index_words(text), "category": parsed.category,
               "confidence": float(parsed.confidence),
               "keywords": json.dumps(list(parsed.keywords), ensure_ascii=False),
               "updated_at": utcnow()}
    if place is not None:
        changes["kelurahan"], changes["kecamatan"] = place
    db.table("aspirations").update(aspiration_id, changes)
    return get(db, aspiration_id)


def get(db, aspiration_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM aspirations WHERE id = ?", [aspiration_id]))
    return rows[0] if rows else None


def staff_corrected(db, aspiration_id: int, field: str) -> bool:
    """Did staff (not the citizen) already correct this field? Then the text no longer decides."""
    return db.execute(
        "SELECT 1 FROM corrections WHERE aspiration_id = ? AND field = ? AND actor NOT LIKE "
        "'warga%' LIMIT 1", [aspiration_id, field]).fetchone() is not None


def status_since(db, aspiration: dict) -> str:
    """When the ticket got its current status (its creation while still `baru`)."""
    row = db.execute("SELECT max(at) FROM status_changes WHERE aspiration_id = ?",
                     [aspiration["id"]]).fetchone()
    return row[0] or aspiration["created_at"]
