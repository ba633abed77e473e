"""Media items of inbound messages: which to download, what was stored, what staff may see.

Rows only; the download (HTTP, Pillow) is handlers.media's job. Files live under
<instance>/media/, named by the row id, never by anything a sender chose.
"""

from __future__ import annotations

import json

from data.clock import later, utcnow

# What may be kept: photos, voice notes, short videos, PDFs. Anything else is refused (and
# its original URL kept for staff to follow by hand).
ALLOWED_TYPES = {
    "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif",
    "audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/aac": "aac",
    "audio/amr": "amr", "audio/wav": "wav", "audio/webm": "weba",
    "video/mp4": "mp4", "video/3gpp": "3gp", "video/webm": "webm",
    "application/pdf": "pdf",
}


def base_type(content_type: str | None) -> str:
    """'audio/ogg; codecs=opus' → 'audio/ogg'."""
    return (content_type or "").split(";")[0].strip().lower()


def add_for_message(db, message: dict, max_count: int) -> int:
    """One pending row per media URL of a message (at most max_count; the rest are refused).
    A replayed message adds nothing. Returns how many rows wait for the downloader."""
    try:
        items = json.loads(message.get("media") or "[]")
    except ValueError:
        return 0
    now, waiting = utcnow(), 0
    for position, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str) or \
                not item["url"].lower().startswith(("https://", "http://")):
            continue  # javascript:, data: and the like are never fetched nor linked
        status, error = "pending", None
        if position >= max_count:
            status, error = "refused", f"lebih dari {max_count} lampiran dalam satu pesan"
        cursor = db.execute(
            "INSERT INTO media_items (message_id, position, url, declared_type, status, error, "
            "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (message_id, position) DO NOTHING",
            [message["id"], position, item["url"][:2000], (item.get("content_type") or "")[:100],
             status, error, now, now])
        waiting += cursor.rowcount if status == "pending" else 0
    return waiting


def claim_due(db, limit: int = 20) -> list[dict]:
    """Pending rows whose time has come (oldest first)."""
    return list(db.query(
        "SELECT * FROM media_items WHERE status = 'pending' AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id LIMIT ?", [utcnow(), limit]))


def count_due(db) -> int:
    return db.execute("SELECT count(*) FROM media_items WHERE status = 'pending' AND "
                      "next_attempt_at <= ?", [utcnow()]).fetchone()[0]


def mark_stored(db, media_id: int, content_type: str, path: str, thumb: str | None,
                size: int, sha256: str) -> None:
    now = utcnow()
    db.execute(
        "UPDATE media_items SET status = 'stored', content_type = ?, path = ?, thumb_path = ?, "
        "size = ?, sha256 = ?, stored_at = ?, error = NULL, attempts = attempts + 1 "
        "WHERE id = ?", [content_type, path, thumb, size, sha256, now, media_id])


def mark_refused(db, media_id: int, reason: str, content_type: str | None = None) -> None:
    """Not kept, never retried (a type outside the allow-list, too large)."""
    db.execute("UPDATE media_items SET status = 'refused', error = ?, "
               "content_type = coalesce(?, content_type), attempts = attempts + 1 WHERE id = ?",
               [reason[:300], content_type, media_id])


def mark_retry(db, media_id: int, error: str, delay: float, max_attempts: int) -> None:
    """A failed download waits `delay` seconds; after max_attempts it stops (status failed)."""
    db.execute(
        "UPDATE media_items SET attempts = attempts + 1, error = ?, next_attempt_at = ?, "
        "status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE status END WHERE id = ?",
        [error[:300], later(delay), max_attempts, media_id])


def for_messages(db, message_ids: list[int]) -> dict[int, list[dict]]:
    """{message id: its media rows in order} for the messages a page shows."""
    found: dict[int, list[dict]] = {}
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        marks = ",".join("?" for _ in chunk)
        for row in db.query(f"SELECT * FROM media_items WHERE message_id IN ({marks}) "
                            "ORDER BY message_id, position", chunk):
            found.setdefault(row["message_id"], []).append(row)
    return found


def kinds_for_tickets(db, aspiration_ids: list[int]) -> dict[int, list[str]]:
    """{aspiration id: content types of its media} (its first message and burst parts)."""
    if not aspiration_ids:
        return {}
    marks = ",".join("?" for _ in aspiration_ids)
    found: dict[int, list[str]] = {}
    for aspiration_id, declared, stored in db.execute(
            "SELECT l.aspiration_id, m.declared_type, m.content_type FROM message_links l "
            "JOIN media_items m ON m.message_id = l.message_id "
            f"WHERE l.aspiration_id IN ({marks}) AND l.kind IN ('need', 'question', 'part') "
            "ORDER BY m.id", aspiration_ids).fetchall():
        found.setdefault(aspiration_id, []).append(stored or declared or "")
    return found


def visible(db, media_id: int, address: str | None, scope: str | None) -> dict | None:
    """The media row when its message came from this ticket's sender and, for a kelurahan
    account, belongs to no ticket outside that kelurahan; else None (a 404 for the page)."""
    if not address:
        return None
    rows = list(db.query(
        "SELECT mi.*, (SELECT a.kelurahan FROM message_links l JOIN aspirations a "
        "ON a.id = l.aspiration_id WHERE l.message_id = mi.message_id) AS ticket_kelurahan, "
        "(SELECT a.kelurahan FROM aspirations a WHERE a.message_id = mi.message_id) "
        "AS own_kelurahan FROM media_items mi JOIN messages m ON m.id = mi.message_id "
        "WHERE mi.id = ? AND m.address = ?", [media_id, address]))
    if not rows:
        return None
    row = rows[0]
    if scope is not None and (row["ticket_kelurahan"] or row["own_kelurahan"]) != scope:
        return None
    return row


def mark_failed(db, media_id: int, error: str) -> None:
    """The provider said no for good (404, 403…): not retried; the URL stays for staff."""
    db.execute("UPDATE media_items SET status = 'failed', error = ?, attempts = attempts + 1 "
               "WHERE id = ?", [error[:300], media_id])
