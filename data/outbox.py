"""The outbox: every outbound message waits here until a transport confirms it, never twice."""

from __future__ import annotations

import sqlite3

from data import channels, contacts
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
    return f"{AUTO_REPLY_PREFIX}{message_id}:{n}"


# Automatic replies (acks, answers to commands) are the rows keyed by reply_key; staff
# replies and status messages are keyed otherwise.
AUTO_REPLY_PREFIX = "reply:"
# The pattern written into the SQL, not bound: SQLite prepares a statement again on every run
# when a LIKE's pattern is a parameter (its LIKE optimisation depends on the value), which
# made each of the flood guard's two lookups cost ~40 µs instead of ~10.
_AUTOMATIC = f"dedupe_key LIKE '{AUTO_REPLY_PREFIX}%'"


def auto_replies_since(db, contact_id: int, since: str) -> int:
    """Automatic replies queued for a contact since a stamp (the flood guard counts these)."""
    return db.conn.execute(
        f"SELECT count(*) FROM outbox WHERE contact_id = ? AND {_AUTOMATIC} AND "
        "created_at >= ?", [contact_id, since]).fetchone()[0]


def last_auto_reply(db, contact_id: int) -> dict | None:
    row = db.conn.execute(
        f"SELECT id, body, sent_at FROM outbox WHERE contact_id = ? AND {_AUTOMATIC} "
        "ORDER BY id DESC LIMIT 1", [contact_id]).fetchone()
    return {"id": row[0], "body": row[1], "sent_at": row[2]} if row else None


def replied_message(dedupe_key: str) -> int | None:
    """The inbound message a reply key answers (the inverse of reply_key), else None."""
    parts = dedupe_key.removeprefix(AUTO_REPLY_PREFIX).split(":")
    return int(parts[0]) if dedupe_key.startswith(AUTO_REPLY_PREFIX) and len(parts) > 1 \
        and parts[0].isdigit() else None


def add(db, dedupe_key: str, kind: str, channel: str, to_address: str, body: str,
        contact_id: int | None = None, aspiration_id: int | None = None,
        broadcast_id: int | None = None, not_before: str | None = None,
        route: str | None = None) -> tuple[int, bool]:
    """Put one outbound message in the outbox; the dedupe key makes a replay add nothing new.

    not_before: hold it until then (an ack waiting for the rest of a WhatsApp burst).
    route: the provider it should leave by; a reply goes back the way its message came (the
    message's provider), anything else follows ASPIRASI_SMS_ROUTE (None).
    Returns (outbox id, added). Waking the sender is the caller's business (handlers.queue).
    """
    now = utcnow()
    cursor = db.execute(
        "INSERT INTO outbox (dedupe_key, kind, contact_id, aspiration_id, broadcast_id, channel, "
        "to_address, body, next_attempt_at, created_at, updated_at, route) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "coalesce(?, (SELECT provider FROM messages WHERE id = ?))) "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        [dedupe_key, kind, contact_id, aspiration_id, broadcast_id, channel, to_address, body,
         max(not_before or now, now), now, now, route, replied_message(dedupe_key)],
    )
    if cursor.rowcount == 1:
        return cursor.lastrowid, True
    row = db.execute("SELECT id FROM outbox WHERE dedupe_key = ?", [dedupe_key]).fetchone()
    return row[0], False


def to_sender(db, ticket: dict, dedupe_key: str, kind: str, body: str,
              not_before: str | None = None) -> int | None:
    """One message to a ticket's sender, on the channel that reaches them now
    (data.channels); None when the sender is gone (retention). not_before: as add()."""
    contact = contacts.get(db, ticket["contact_id"]) if ticket.get("contact_id") else None
    if contact is None:
        return None
    channel = channels.for_contact(contact)
    outbox_id, _ = add(db, dedupe_key, kind, channel,
                       channels.channel_address(channel, contact["address"]), body,
                       contact_id=contact["id"], aspiration_id=ticket["id"],
                       not_before=not_before)
    return outbox_id


def revise(db, dedupe_key: str, body: str, not_before: str | None = None) -> bool:
    """Rewrite a message no sender has tried yet (a burst's one ack) and when it may go (None:
    now). False once it is on its way: then it is sent as it was, never twice."""
    now = utcnow()
    return db.execute(
        "UPDATE outbox SET body = ?, next_attempt_at = ?, updated_at = ? "
        "WHERE dedupe_key = ? AND status = 'queued' AND attempts = 0",
        [body, max(not_before or now, now), now, dedupe_key]).rowcount == 1


def cancel_held(db, outbox_id: int) -> bool:
    """Cancel a message no sender has claimed yet (a status SMS in its undo window). False once
    it is on its way: then it goes, and the change it announced stands."""
    return db.execute(
        "UPDATE outbox SET status = 'canceled', error_message = 'dibatalkan petugas', "
        "updated_at = ? WHERE id = ? AND status = 'queued' AND attempts = 0",
        [utcnow(), outbox_id]).rowcount == 1


def get(db, outbox_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM outbox WHERE id = ?", [outbox_id]))
    return rows[0] if rows else None


def lane_of(row: dict) -> str:
    """'bulk' for broadcast rows, 'priority' for acks, replies and staff messages."""
    return "bulk" if row.get("broadcast_id") is not None else "priority"


def claim_due(db, limit: int = 100, broadcast_id: int | None = None) -> list[dict]:
    """Move due rows from queued to sending in one write; only the claimer may send them.

    Without broadcast_id: the priority lane (acks, replies, staff messages), never a
    broadcast row; with it: that broadcast's rows only.
    """
    now = utcnow()
    where = "status = 'queued' AND next_attempt_at <= ?"
    params: list = [now]
    if broadcast_id is not None:
        where += " AND broadcast_id = ?"
        params.append(broadcast_id)
    else:
        where += " AND broadcast_id IS NULL"
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
    """Due rows of the priority lane."""
    return db.execute(
        "SELECT count(*) FROM outbox WHERE status = 'queued' AND broadcast_id IS NULL AND "
        "next_attempt_at <= ?", [utcnow()]).fetchone()[0]


def due_broadcasts(db) -> list[int]:
    """Broadcasts with a row due now (first sends, retries after backoff, requeued rows)."""
    return [r[0] for r in db.execute(
        "SELECT DISTINCT broadcast_id FROM outbox WHERE status = 'queued' AND broadcast_id IS "
        "NOT NULL AND next_attempt_at <= ? ORDER BY broadcast_id", [utcnow()]).fetchall()]


def has_due(db, broadcast_id: int) -> bool:
    return db.execute(
        "SELECT 1 FROM outbox WHERE status = 'queued' AND broadcast_id = ? AND "
        "next_attempt_at <= ? LIMIT 1", [broadcast_id, utcnow()]).fetchone() is not None


def mark_sent(db, outbox_id: int, transport: str, provider_sid: str | None,
              status: str = "sent") -> None:
    now = utcnow()
    db.execute(
        "UPDATE outbox SET status = ?, transport = ?, provider_sid = ?, sent_at = ?, "
        "updated_at = ?, error_code = NULL, error_message = NULL WHERE id = ? "
        "AND status = 'sending'",
        [status, transport, provider_sid, now, now, outbox_id],
    )


def mark_sent_many(db, sends: list[tuple[int, str, str | None, str]]) -> None:
    """Record several sends (outbox id, transport, provider sid, status) in one transaction,
    then apply the delivery reports that arrived before their send was recorded: a provider
    may call back faster than we write, and apply_status keeps those in status_events."""
    if not sends:
        return
    with transaction(db):
        for outbox_id, transport, sid, status in sends:
            mark_sent(db, outbox_id, transport, sid, status)
        sids = [sid for _, _, sid, _ in sends if sid]
        if not sids:
            return
        early = db.execute(
            f"SELECT provider_sid, status, error_code FROM status_events WHERE provider_sid IN "
            f"({','.join('?' for _ in sids)}) ORDER BY id", sids).fetchall()
        for sid, status, error_code in early:
            row = db.execute("SELECT id, status FROM outbox WHERE provider_sid = ?",
                             [sid]).fetchone()
            if row:
                move_on(db, row[0], row[1], status, error_code)


def mark_retry(db, outbox_id: int, delay: float, code: str | None, message: str,
               expect: str = "sending") -> bool:
    """Back to the queue after `delay` seconds (from `expect`: a relay's failure report finds
    the row already sent). True when the row moved."""
    return db.execute(
        "UPDATE outbox SET status = 'queued', next_attempt_at = ?, error_code = ?, "
        "error_message = ?, updated_at = ? WHERE id = ? AND status = ?",
        [later(delay), code, message[:500], utcnow(), outbox_id, expect],
    ).rowcount == 1


def mark_failed(db, outbox_id: int, code: str | None, message: str,
                transport: str | None = None, expect: str = "sending") -> bool:
    return db.execute(
        "UPDATE outbox SET status = 'failed', error_code = ?, error_message = ?, "
        "transport = coalesce(?, transport), updated_at = ? WHERE id = ? AND status = ?",
        [code, message[:500], transport, utcnow(), outbox_id, expect],
    ).rowcount == 1


def set_uncertain(db, outbox_id: int, uncertain: bool) -> None:
    """Whether the last attempt may have reached the provider (look it up before resending)."""
    db.execute("UPDATE outbox SET uncertain = ? WHERE id = ?", [int(uncertain), outbox_id])


def adopt_sent(db, outbox_id: int, transport: str, candidates: list[str]) -> str | None:
    """After an uncertain attempt: take the first provider message no other row carries.

    `candidates` are the provider's messages that match this row (same recipient and body,
    oldest first). Two identical replies to one number both uncertain match the same two
    messages: each row takes a different one, so neither is sent a third time.
    """
    for sid in candidates:
        try:
            with transaction(db):
                if db.execute("SELECT 1 FROM outbox WHERE provider_sid = ? AND id != ?",
                              [sid, outbox_id]).fetchone():
                    continue
                mark_sent(db, outbox_id, transport, sid)
                return sid
        except sqlite3.IntegrityError:
            continue  # another process took it between our look and our write
    return None


def hand_to_relay(db, outbox_id: int, sid: str, expires_at: str) -> None:
    """Before asking the phone: the id it will know the row by, and until when it may send it.

    Written first, so a crash mid-request leaves a row that is looked up, never sent blind.
    """
    db.execute("UPDATE outbox SET provider_sid = ?, relay_expires_at = ?, transport = 'smsgate', "
               "updated_at = ? WHERE id = ? AND status = 'sending'",
               [sid, expires_at, utcnow(), outbox_id])


def relay_gave_up(db, outbox_id: int) -> None:
    """The phone holds no live copy (it failed it, never had it, or its ttl passed)."""
    db.execute("UPDATE outbox SET relay_expires_at = NULL WHERE id = ?", [outbox_id])


def by_provider_sid(db, provider_sid: str) -> dict | None:
    rows = list(db.query("SELECT * FROM outbox WHERE provider_sid = ?", [provider_sid]))
    return rows[0] if rows else None


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
    """Record a status callback; never move a row back to an earlier status. One that comes
    before its send is recorded waits in status_events for mark_sent_many."""
    with transaction(db):
        note_event(db, provider_sid, status, error_code, raw)
        row = by_provider_sid(db, provider_sid)
        if row is None:
            return None
        if move_on(db, row["id"], row["status"], status, error_code):
            row.update(status=status, error_code=error_code or row["error_code"])
        return row


def move_on(db, outbox_id: int, current: str, status: str, error_code: str | None) -> bool:
    """A delivery report's status, if it moves the row forward (moves_forward)."""
    if not moves_forward(current, status):
        return False
    db.execute("UPDATE outbox SET status = ?, error_code = coalesce(?, error_code), "
               "updated_at = ? WHERE id = ?", [status, error_code, utcnow(), outbox_id])
    return True


def moves_forward(current: str, reported: str) -> bool:
    """A report may only move a row on: never back, and never out of a final status, except
    delivered → read (a late `read` must not hide an `undelivered` or `failed`)."""
    if current in FINAL:
        return current == "delivered" and reported == "read"
    return STATUS_RANK.get(reported, -1) >= STATUS_RANK.get(current, -1)


def note_event(db, provider_sid: str, status: str, error_code: str | None, raw: str) -> None:
    """Keep a provider's delivery report (the first of each status per message)."""
    db.execute(
        "INSERT INTO status_events (provider_sid, status, error_code, raw, received_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [provider_sid, status, error_code, raw, utcnow()],
    )


def counts_by_status(db) -> dict[str, int]:
    return {r[0]: r[1] for r in db.execute(
        "SELECT status, count(*) FROM outbox GROUP BY status").fetchall()}
