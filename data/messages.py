"""Raw inbound messages: captured first, processed later, replayable from here."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
from dataclasses import dataclass
from datetime import timedelta

from data import capture_writer
from data.clock import iso, parse, utcnow
from data.db import BUSY_TIMEOUT, Busy, gate, host_lock, transaction
from data.group_commit import GroupCommit
from data.outbox import reply_key

# A process's webhook threads share transactions (and fsyncs) rather than queue in SQLite's
# busy handler, which sleeps 1, 2, 5, 10... ms between tries. One group per database file: a
# process with two databases (tests, tools) must never write a message into the wrong one.
_groups: dict[str, GroupCommit] = {}
_lock = threading.Lock()
_writers: dict[str, capture_writer.Client] = {}
# A relay phone's ids say nothing (content-derived, and a retry may bring a new event id):
# the same sender and text received this close together is one message.
RELAY_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class InboundRecord:
    """One inbound message from any channel, normalised at the channel's edge (gateway/).

    data/ stores what it is given; it knows no provider's field names. `raw` is the payload
    exactly as received (JSON text), so every later step can be replayed from it.
    """

    provider: str                   # who delivered it: 'twilio', 'smsgate' (a relay phone)
    external_id: str                # the provider's message id: the idempotency key
    channel: str                    # 'sms' | 'whatsapp'
    sender: str                     # the sender as the provider wrote it
    address: str                    # the sender as a contact address (+E164 or a BSUID)
    raw: str                        # the payload verbatim, JSON
    text: str = ""
    recipient: str | None = None    # our number / sender id it was sent to
    media: tuple[dict, ...] = ()    # ({"url", "content_type"}, ...)
    latitude: str | None = None
    longitude: str | None = None
    location_address: str | None = None
    location_label: str | None = None
    profile_name: str | None = None
    wa_id: str | None = None
    button_text: str | None = None  # a WhatsApp quick-reply button's text
    num_segments: str | None = None
    account_sid: str | None = None
    idempotency_token: str | None = None
    received_at: str | None = None  # stored UTC stamp; None: now
    relay_device: str | None = None  # the relay phone it came through (its deviceId)
    content_window: float | None = None  # seconds: also one message with the same sender and
    #                                      text that close in time (relays; RELAY_WINDOW)

    def row(self) -> dict:
        """The `messages` row for this record (status and attempts take their defaults)."""
        return {
            "provider": self.provider, "provider_sid": self.external_id,
            "channel": self.channel, "sender": self.sender, "address": self.address,
            "recipient": self.recipient, "body": self.text, "num_media": len(self.media),
            "media": json.dumps(list(self.media)), "profile_name": self.profile_name,
            "wa_id": self.wa_id, "latitude": self.latitude, "longitude": self.longitude,
            "location_address": self.location_address, "location_label": self.location_label,
            "button_text": self.button_text, "num_segments": self.num_segments,
            "account_sid": self.account_sid, "idempotency_token": self.idempotency_token,
            "raw": self.raw, "received_at": self.received_at or utcnow(),
            "relay_device": self.relay_device,
        }

    def to_dict(self) -> dict:
        """For the spool and the capture writer: every field (as JSON takes it), received_at
        fixed now (decisions use arrival time)."""
        data = {name: getattr(self, name) for name in RECORD_FIELDS}
        data["received_at"] = self.received_at or utcnow()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> InboundRecord:
        values = {k: v for k, v in data.items() if k in RECORD_FIELDS}
        values["media"] = tuple(values.get("media") or ())
        return cls(**values)


RECORD_FIELDS = frozenset(f.name for f in dataclasses.fields(InboundRecord))


def _group_for(db) -> GroupCommit:
    group = _groups.get(db.path)
    return group if group is not None else _groups.setdefault(db.path, GroupCommit())


def insert(db, record: InboundRecord) -> tuple[int, bool]:
    """The INSERT itself, in the caller's transaction (the spool import uses it directly).

    A record with a content window (a relay's: its ids say nothing) is also known when the
    same sender sent the same text to the same provider that close in time.
    """
    row = record.row()
    if record.content_window:
        twin = same_text(db, record.provider, record.address, record.text, row["received_at"],
                         timedelta(seconds=record.content_window))
        if twin is not None:
            return twin, False
    cursor = db.conn.execute(
        f"INSERT INTO messages ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)}) "
        "ON CONFLICT (provider, provider_sid) DO NOTHING", list(row.values()))
    if cursor.rowcount == 1:
        return cursor.lastrowid, True
    existing = db.conn.execute(
        "SELECT id FROM messages WHERE provider = ? AND provider_sid = ?",
        [record.provider, record.external_id]).fetchone()
    return existing[0], False


def capture(db, record: InboundRecord, timeout: float | None = None) -> tuple[int, bool]:
    """Insert the raw message unless it is known (see insert). Returns (id, created).

    Through the host's capture writer when one runs (data.capture_writer: one commit for what
    every web process sent meanwhile), else written here. With timeout: raise data.db.Busy
    rather than wait much longer than that for the write lock (the webhook then spools the
    message; see data.db.WriteGate).
    """
    writer = _writers.get(db.path) or _writers.setdefault(db.path,
                                                          capture_writer.Client(db.path))
    if db.path != ":memory:" and writer.available():
        try:
            return writer.capture(record.to_dict(), BUSY_TIMEOUT if timeout is None else timeout)
        except capture_writer.WriterGone as gone:
            message_id, created = capture_here(db, record, timeout)
            return message_id, created or gone.sent  # it may have stored it: wake anyway
    return capture_here(db, record, timeout)


def capture_here(db, record: InboundRecord, timeout: float | None = None) -> tuple[int, bool]:
    """capture() in this process: a group commit with its other threads (durable), or one
    autocommit INSERT, taking turns with other processes through data.db.HostLock."""
    def write(database):
        return insert(database, record)

    bounded = gate(db.path) if timeout is not None else None
    if getattr(db, "durable", False):  # one fsync for every capture waiting on it
        return _group_for(db).run(db, write, timeout, bounded)
    if not _lock.acquire(timeout=-1 if timeout is None else timeout):
        raise Busy("waited too long for this process's capture lock")
    # one statement is its own transaction (no BEGIN/COMMIT round trip); a look for a twin
    # and the insert share one, so no twin slips in between
    atomic = bool(record.content_window)
    try:
        with host_lock(db.path).held():
            if bounded is None:
                with transaction(db) if atomic else contextlib.nullcontext():
                    return write(db)
            with bounded.bounded(db, timeout, atomic=atomic):
                return write(db)
    finally:
        _lock.release()


def same_text(db, provider: str, address: str, text: str, received_at: str,
              window: timedelta) -> int | None:
    """The first message from this sender with this text received within `window` of
    `received_at` (either side: a replay may come before or after the original)."""
    moment = parse(received_at)
    found = db.conn.execute(
        "SELECT id FROM messages WHERE address = ? AND provider = ? AND body = ? AND "
        "received_at BETWEEN ? AND ? ORDER BY id LIMIT 1",
        [address, provider, text, iso(moment - window), iso(moment + window)]).fetchone()
    return found[0] if found else None


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


def outcome(db, provider_sid: str | None = None, message_id: int | None = None) -> dict | None:
    """What became of a message: its status, its ticket and what it was to it (a part, an
    answer, a follow-up…), and its reply's delivery (or how long it is held for the burst)."""
    where, key = ("m.id = ?", message_id) if message_id is not None else (
        "m.provider_sid = ?", provider_sid)
    rows = list(db.query(
        "SELECT m.id, m.status, a.ticket, a.category, a.kelurahan, a.kind, l.kind AS link, "
        "l.detail FROM messages m LEFT JOIN message_links l ON l.message_id = m.id "
        "LEFT JOIN aspirations a ON a.id = coalesce(l.aspiration_id, (SELECT id FROM "
        f"aspirations WHERE message_id = m.id)) WHERE {where}", [key]))
    if not rows:
        return None
    row = rows[0]
    ack = db.execute("SELECT body, status, next_attempt_at, transport FROM outbox WHERE "
                     "dedupe_key = ?", [reply_key(row["id"], 0)]).fetchone()
    row["reply"], row["sent"], row["held_until"], row["transport"] = ack if ack else (
        None, None, None, None)
    return row
