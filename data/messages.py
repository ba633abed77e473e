"""Raw inbound messages: captured first, processed later, replayable from here."""

from __future__ import annotations

import json
import threading

from data.db import utcnow
from data.group_commit import GroupCommit

# Twilio field → column. Everything else is still kept, verbatim, in `raw`.
_FIELDS = {
    "Body": "body",
    "ProfileName": "profile_name",
    "WaId": "wa_id",
    "Latitude": "latitude",
    "Longitude": "longitude",
    "Address": "location_address",
    "Label": "location_label",
    "ButtonText": "button_text",
    "NumSegments": "num_segments",
    "To": "recipient",
    "AccountSid": "account_sid",
}
MAX_MEDIA = 10  # Twilio's own limit per message
# A process's webhook threads share transactions (and fsyncs) rather than queue in SQLite's
# busy handler, which sleeps 1, 2, 5, 10... ms between tries.
_group = GroupCommit()
_lock = threading.Lock()


def media_from(pairs: dict) -> list[dict]:
    """MediaUrlN/MediaContentTypeN for N < NumMedia, tolerating missing fields."""
    try:
        count = max(0, min(int(pairs.get("NumMedia") or 0), MAX_MEDIA))
    except ValueError:
        count = 0
    media = []
    for n in range(count):
        url = pairs.get(f"MediaUrl{n}")
        if url:
            media.append({"url": url, "content_type": pairs.get(f"MediaContentType{n}") or ""})
    return media


def capture(db, items: list[tuple[str, str]], channel: str, address: str,
            idempotency_token: str | None = None, provider: str = "twilio") -> tuple[int, bool]:
    """Insert the raw message unless its provider id is known. Returns (id, created)."""
    first = {}
    for key, value in items:
        first.setdefault(key, value)
    media = media_from(first)
    row = {column: first.get(field) for field, column in _FIELDS.items()}
    row.update(
        provider=provider,
        provider_sid=first["MessageSid"],
        channel=channel,
        sender=first["From"],
        address=address,
        body=first.get("Body") or "",
        num_media=len(media),
        media=json.dumps(media),
        idempotency_token=idempotency_token,
        raw=json.dumps(items, ensure_ascii=False),
        received_at=utcnow(),
    )
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    values = list(row.values())
    insert = (f"INSERT INTO messages ({columns}) VALUES ({marks}) "
              "ON CONFLICT (provider, provider_sid) DO NOTHING")

    def write(database):
        cursor = database.conn.execute(insert, values)
        if cursor.rowcount == 1:
            return cursor.lastrowid, True
        existing = database.conn.execute(
            "SELECT id FROM messages WHERE provider = ? AND provider_sid = ?",
            [provider, row["provider_sid"]]).fetchone()
        return existing[0], False

    if getattr(db, "durable", False):
        return _group.run(db, write)  # one fsync for every capture waiting on it
    with _lock:
        return write(db)  # one statement is its own transaction: no BEGIN/COMMIT round trip


def pending_ids(db, limit: int = 500, after_id: int = 0) -> list[int]:
    """Captured messages not yet processed, oldest first."""
    rows = db.execute(
        "SELECT id FROM messages WHERE status = 'captured' AND id > ? ORDER BY id LIMIT ?",
        [after_id, limit],
    ).fetchall()
    return [r[0] for r in rows]


def count_pending(db) -> int:
    return db.execute("SELECT count(*) FROM messages WHERE status = 'captured'").fetchone()[0]


def get(db, message_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM messages WHERE id = ?", [message_id]))
    return rows[0] if rows else None


def get_many(db, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    marks = ",".join("?" for _ in ids)
    return list(db.query(f"SELECT * FROM messages WHERE id IN ({marks}) ORDER BY id", ids))


def mark_processed(db, message_id: int) -> None:
    db.execute(
        "UPDATE messages SET status = 'processed', processed_at = ?, error = NULL WHERE id = ?",
        [utcnow(), message_id],
    )


def mark_failed(db, message_id: int, error: str, max_attempts: int = 5) -> None:
    """Count a failed processing attempt; after max_attempts the message stops being retried."""
    db.execute(
        "UPDATE messages SET attempts = attempts + 1, error = ?, "
        "status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE status END WHERE id = ?",
        [error[:500], max_attempts, message_id],
    )
