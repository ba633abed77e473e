"""The outbox: every outbound message waits here until a transport confirms it, never twice."""

from __future__ import annotations

from data.clock import later, utcnow
from data.db import transaction

FINAL = ("delivered", "read", "undelivered", "failed", "canceled")
# Twilio's statuses in the order a message moves through them: a late callback never goes back.
STATUS_RANK = {
    "queued": 0, "accepted": 0, "scheduled": 0, "sending": 1, "sent": 2,
    "partially_delivered": 3, "delivered": 4, "read": 5,
    "undelivered": 4, "failed": 4, "canceled": 4,
}


def reply_key(message_id: int, n: int) -> str:
    """The dedupe key of the n-th reply to an inbound message (0 is the ack)."""
    return f"reply:{message_id}:{n}"


def add(db, dedupe_key: str, kind: str, channel: str, to_address: str, body: str,
        contact_id: int | None = None, aspiration_id: int | None = None,
        broadcast_id: int | None = None, not_before: str | None = None) -> tuple[int, bool]:
    """Put one outbound message in the outbox; the dedupe key makes a replay add nothing new.

    not_before: hold it until then (an ack waiting for the rest of a WhatsApp burst).
    Returns (outbox id, added). Waking the sender is the caller's business (handlers.queue).
    """
    now = utcnow()
    cursor = db.execute(
        "INSERT INTO outbox (dedupe_key, kind, contact_id, aspiration_id, broadcast_id, channel, "
        "to_address, body, next_attempt_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        [dedupe_key, kind, contact_id, aspiration_id, broadcast_id, channel, to_address, body,
         max(not_before or now, now), now, now],
    )
    if cursor.rowcount == 1:
        return cursor.lastrowid, True
    row = db.execute("SELECT id FROM outbox WHERE dedupe_key = ?", [dedupe_key]).fetchone()
    return row[0], False


def revise(db, dedupe_key: str, body: str, not_before: str | None = None) -> bool:
    """Rewrite a message no sender has tried yet (a burst's one ack) and when it may go (None:
    now). False once it is on its way: then it is sent as it was, never twice."""
    now = utcnow()
    return db.execute(
        "UPDATE outbox SET body = ?, next_attempt_at = ?, updated_at = ? "
        "WHERE dedupe_key = ? AND status = 'queued' AND attempts = 0",
        [body, max(not_before or now, now), now, dedupe_key]).rowcount == 1


def get(db, outbox_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM outbox WHERE id = ?", [outbox_id]))
    return rows[0] if rows else None


def claim_due(db, limit: int = 100, broadcast_id: int | None = None) -> list[dict]:
    """Move due rows from queued to sending in one write; only the claimer may send them."""
    now = utcnow()
    where = "status = 'queued' AND next_attempt_at <= ?"
    params: list = [now]
    if broadcast_id is not None:
        where += " AND broadcast_id = ?"
        params.append(broadcast_id)
    with transaction(db):
        ids = [r[0] for r in db.execute(
            f"SELECT id FROM outbox WHERE {where} ORDER BY next_attempt_at, id LIMIT ?",
            [*params, limit]).fetchall()]
        if not ids:
            return []
        marks = ",".join("?" for _ in ids)
        db.execute(
            f"UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1, "
            f"updated_at = ? WHERE id IN ({marks}) AND status = 'queued'",
            [now, now, *ids],
        )
        return list(db.query(f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY id", ids))


def reconfirm_claim(db, row: dict) -> bool:
    """Just before the request: still ours? Refresh the claim so it is not taken as stale."""
    now = utcnow()
    ok = db.execute(
        "UPDATE outbox SET claimed_at = ? WHERE id = ? AND status = 'sending' AND claimed_at = ?",
        [now, row["id"], row["claimed_at"]]).rowcount == 1
    if ok:
        row["claimed_at"] = now
    return ok


def count_due(db) -> int:
    return db.execute(
        "SELECT count(*) FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?", [utcnow()]
    ).fetchone()[0]


def mark_sent(db, outbox_id: int, transport: str, provider_sid: str | None,
              status: str = "sent") -> None:
    now = utcnow()
    db.execute(
        "UPDATE outbox SET status = ?, transport = ?, provider_sid = ?, sent_at = ?, "
        "updated_at = ?, error_code = NULL, error_message = NULL WHERE id = ? "
        "AND status = 'sending'",
        [status, transport, provider_sid, now, now, outbox_id],
    )


def mark_retry(db, outbox_id: int, delay: float, code: str | None, message: str) -> None:
    db.execute(
        "UPDATE outbox SET status = 'queued', next_attempt_at = ?, error_code = ?, "
        "error_message = ?, updated_at = ? WHERE id = ? AND status = 'sending'",
        [later(delay), code, message[:500], utcnow(), outbox_id],
    )


def mark_failed(db, outbox_id: int, code: str | None, message: str,
                transport: str | None = None) -> None:
    db.execute(
        "UPDATE outbox SET status = 'failed', error_code = ?, error_message = ?, "
        "transport = coalesce(?, transport), updated_at = ? WHERE id = ? AND status = 'sending'",
        [code, message[:500], transport, utcnow(), outbox_id],
    )


def set_uncertain(db, outbox_id: int, uncertain: bool) -> None:
    """Whether the last attempt may have reached the provider (look it up before resending)."""
    db.execute("UPDATE outbox SET uncertain = ? WHERE id = ?", [int(uncertain), outbox_id])


def sid_taken(db, provider_sid: str) -> bool:
    """True when another row already carries this provider sid (it cannot be ours too)."""
    return db.execute("SELECT 1 FROM outbox WHERE provider_sid = ?",
                      [provider_sid]).fetchone() is not None


def recover_stale(db, older_than_seconds: float) -> int:
    """Rows left in `sending` by a dead worker: queue them again, marked uncertain.

    Only a row whose claim nobody refreshed since we looked (a live sender reconfirms it).
    """
    cutoff, now = later(-older_than_seconds), utcnow()
    recovered = 0
    for row_id, claimed_at in db.execute(
            "SELECT id, claimed_at FROM outbox WHERE status = 'sending' AND claimed_at < ? "
            "ORDER BY id", [cutoff]).fetchall():
        recovered += db.execute(
            "UPDATE outbox SET uncertain = 1, status = 'queued', next_attempt_at = ?, "
            "updated_at = ? WHERE id = ? AND status = 'sending' AND claimed_at = ?",
            [now, now, row_id, claimed_at]).rowcount
    return recovered


def apply_status(db, provider_sid: str, status: str, error_code: str | None,
                 raw: str) -> dict | None:
    """Record a status callback; never move a row back to an earlier status."""
    now = utcnow()
    with transaction(db):
        db.execute(
            "INSERT INTO status_events (provider_sid, status, error_code, raw, received_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [provider_sid, status, error_code, raw, now],
        )
        rows = list(db.query("SELECT * FROM outbox WHERE provider_sid = ?", [provider_sid]))
        if not rows:
            return None
        row = rows[0]
        if STATUS_RANK.get(status, -1) >= STATUS_RANK.get(row["status"], -1) and (
                row["status"] not in FINAL or status in ("read",)):
            db.execute(
                "UPDATE outbox SET status = ?, error_code = coalesce(?, error_code), "
                "updated_at = ? WHERE id = ?", [status, error_code, now, row["id"]])
            row.update(status=status, error_code=error_code or row["error_code"])
        return row


def counts_by_status(db) -> dict[str, int]:
    return {r[0]: r[1] for r in db.execute(
        "SELECT status, count(*) FROM outbox GROUP BY status").fetchall()}
