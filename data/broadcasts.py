"""Broadcasts: drafts, the confirm state machine, recipient planning into the outbox, answers.

State machine: draft → confirmed → sending → done, or draft → canceled | expired. Every move
is a conditional UPDATE, so a double click or a replayed job moves a broadcast at most once.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime

from data import channels
from data.aspirations import TICKET_ALPHABET
from data.clock import iso, wita_day_start
from data.clock import now as now_utc
from data.contacts import ROLES
from data.db import transaction

PLAN_BATCH = 5000
LIVE = ("confirmed", "sending", "done")
CODE_LENGTH = 4  # tickets have 5: a kepala's REKAP code never reads as a ticket


def recipient_where(target: dict, exclude_contact_id: int | None = None,
                    window: str | None = None) -> tuple[str, list]:
    """SQL condition on contacts `c` for a target; opted-out contacts never match, nor
    addresses we may not send to (data.addresses.can_send, on the channel we would use)."""
    clauses = ["c.opted_out = 0", "can_send(outbound_channel(c.channel, "
               "c.whatsapp_last_inbound_at, ?), c.address)"]
    params: list = [window or channels.window_start()]
    places = []
    for column in ("kelurahan", "kecamatan"):
        values = [v for v in target.get(column) or [] if v]
        if values:
            places.append(f"c.{column} IN ({','.join('?' for _ in values)})")
            params.extend(values)
    supported = [int(v) for v in target.get("usulan") or []]
    if supported:  # an usulan's outcome: its supporters (data.usulan)
        places.append("c.id IN (SELECT contact_id FROM usulan_supporters WHERE usulan_id IN "
                      f"({','.join('?' for _ in supported)}))")
        params.extend(supported)
    if places:
        clauses.append("(" + " OR ".join(places) + ")")
    elif not target.get("all"):
        clauses.append("0")  # no place and not 'everyone': nobody, never everybody by mistake
    roles = [r for r in target.get("role") or [] if r in ROLES]
    if roles:
        clauses.append(f"c.role IN ({','.join('?' for _ in roles)})")
        params.extend(roles)
    if exclude_contact_id is not None:
        clauses.append("c.id != ?")
        params.append(exclude_contact_id)
    return " AND ".join(clauses), params


def count_recipients(db, target: dict, exclude_contact_id: int | None = None) -> int:
    where, params = recipient_where(target, exclude_contact_id)
    return db.execute(f"SELECT count(*) FROM contacts c WHERE {where}", params).fetchone()[0]


def create(db, *, origin: str, created_by: str, text: str, body: str, target: dict,
           recipients: int, segments: int, sender_contact_id: int | None = None,
           kelurahan: str | None = None, token: str | None = None,
           expires_at: str | None = None, scheduled_at: str | None = None,
           now: datetime | None = None, asks_rsvp: bool = True) -> dict:
    """A draft with a fresh short code (REKAP <kode>); asks_rsvp: HADIR/TIDAK answers count."""
    stamp = iso(now_utc(now))
    for _ in range(50):
        code = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            cursor = db.execute(
                "INSERT INTO broadcasts (origin, created_by, sender_contact_id, kelurahan, text, "
                "body, target, recipients, segments, token, expires_at, scheduled_at, code, "
                "asks_rsvp, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [origin, created_by, sender_contact_id, kelurahan, text, body,
                 json.dumps(target, ensure_ascii=False), recipients, segments, token,
                 expires_at, scheduled_at, code, int(asks_rsvp), stamp, stamp])
            return get(db, cursor.lastrowid)
        except sqlite3.IntegrityError as exc:
            if "code" not in str(exc):
                raise
    raise RuntimeError("could not allocate a broadcast code")  # pragma: no cover


def get(db, broadcast_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM broadcasts WHERE id = ?", [broadcast_id]))
    if not rows:
        return None
    row = rows[0]
    row["target"] = json.loads(row["target"] or "{}")
    return row


def by_token(db, token: str) -> dict | None:
    row = db.execute("SELECT id FROM broadcasts WHERE token = ?", [token]).fetchone()
    return get(db, row[0]) if row else None


def recent(db, limit: int = 50) -> list[dict]:
    return list(db.query("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", [limit]))


def pending_draft(db, contact_id: int) -> dict | None:
    """The kepala's newest broadcast if it still waits for YA (or expired waiting for it)."""
    row = db.execute(
        "SELECT id, state FROM broadcasts WHERE sender_contact_id = ? ORDER BY id DESC LIMIT 1",
        [contact_id]).fetchone()
    return get(db, row[0]) if row and row[1] in ("draft", "expired") else None


def move(db, broadcast_id: int, frm: tuple[str, ...], to: str,
         now: datetime | None = None, **stamps) -> bool:
    """Conditional state change; True only for the one caller that made it."""
    stamp = iso(now_utc(now))
    sets = ["state = ?", "updated_at = ?"] + [f"{k} = coalesce({k}, ?)" for k in stamps]
    values = [to, stamp] + [stamp if v is True else v for v in stamps.values()]
    marks = ",".join("?" for _ in frm)
    cursor = db.execute(
        f"UPDATE broadcasts SET {', '.join(sets)} WHERE id = ? AND state IN ({marks})",
        [*values, broadcast_id, *frm])
    return cursor.rowcount == 1


def confirm(db, broadcast_id: int, now: datetime | None = None) -> bool:
    """draft → confirmed, once; the token is spent with it."""
    ok = move(db, broadcast_id, ("draft",), "confirmed", now, confirmed_at=True)
    if ok:
        db.execute("UPDATE broadcasts SET token = NULL WHERE id = ?", [broadcast_id])
    return ok


def cancel(db, broadcast_id: int, now: datetime | None = None) -> bool:
    """A draft, or a confirmed broadcast that has not started, → canceled (token spent)."""
    ok = move(db, broadcast_id, ("draft", "confirmed"), "canceled", now)
    if ok:
        db.execute("UPDATE broadcasts SET token = NULL WHERE id = ?", [broadcast_id])
    return ok


def cancel_drafts(db, contact_id: int, now: datetime | None = None) -> int:
    stamp = iso(now_utc(now))
    return db.execute(
        "UPDATE broadcasts SET state = 'canceled', token = NULL, updated_at = ? "
        "WHERE sender_contact_id = ? AND state = 'draft'", [stamp, contact_id]).rowcount


def expire_drafts(db, now: datetime | None = None) -> int:
    stamp = iso(now_utc(now))
    return db.execute(
        "UPDATE broadcasts SET state = 'expired', token = NULL, updated_at = ? "
        "WHERE state = 'draft' AND expires_at IS NOT NULL AND expires_at < ?",
        [stamp, stamp]).rowcount


def sent_today(db, contact_id: int, now: datetime | None = None) -> int:
    """Broadcasts a kepala confirmed since midnight WITA (the daily cap counts these)."""
    return db.execute(
        "SELECT count(*) FROM broadcasts WHERE sender_contact_id = ? AND state IN "
        "('confirmed', 'sending', 'done') AND confirmed_at >= ?",
        [contact_id, wita_day_start(now)]).fetchone()[0]


def due(db, now: datetime | None = None) -> list[int]:
    """Confirmed broadcasts whose time has come, and sendings whose planning did not finish."""
    stamp = iso(now_utc(now))
    return [r[0] for r in db.execute(
        "SELECT id FROM broadcasts WHERE (state = 'confirmed' AND coalesce(scheduled_at, '') "
        "<= ?) OR (state = 'sending' AND planned_at IS NULL) ORDER BY id", [stamp]).fetchall()]


def plan(db, broadcast_id: int, batch: int = PLAN_BATCH, now: datetime | None = None) -> int:
    """One outbox row per recipient (dedupe key bc:<id>:<contact>), INSERT … SELECT per batch.

    Safe to run again after a crash: existing rows are kept, missing ones added. Channel:
    data.channels' rule, applied in SQL (no 63016 round trip outside WhatsApp's window).
    """
    b = get(db, broadcast_id)
    if b is None or b["planned_at"]:
        return 0
    moment = now_utc(now)
    stamp, window = iso(moment), channels.window_start(moment)
    where, params = recipient_where(b["target"], b["sender_contact_id"], window)
    channel = "outbound_channel(c.channel, c.whatsapp_last_inbound_at, ?)"
    last = 0
    while True:
        with transaction(db):
            row = db.execute(
                f"SELECT max(id), count(*) FROM (SELECT c.id FROM contacts c WHERE {where} "
                f"AND c.id > ? ORDER BY c.id LIMIT ?)", [*params, last, batch]).fetchone()
            if not row[1]:
                break
            db.execute(
                "INSERT INTO outbox (dedupe_key, kind, contact_id, broadcast_id, channel, "
                "to_address, body, next_attempt_at, created_at, updated_at) "
                "SELECT 'bc:' || ? || ':' || id, 'broadcast', id, ?, ch, "
                "channel_address(ch, address), ?, ?, ?, ? "
                f"FROM (SELECT c.id, c.address, {channel} AS ch FROM contacts c WHERE {where} "
                "AND c.id > ? AND c.id <= ?) WHERE 1 ON CONFLICT (dedupe_key) DO NOTHING",
                [broadcast_id, broadcast_id, b["body"], stamp, stamp, stamp, window,
                 *params, last, row[0]])
            last = row[0]
    with transaction(db):
        total = db.execute("SELECT count(*) FROM outbox WHERE broadcast_id = ? AND kind = "
                           "'broadcast' AND dedupe_key NOT LIKE '%:sms'",
                           [broadcast_id]).fetchone()[0]
        db.execute("UPDATE broadcasts SET planned_at = ?, recipients = ?, updated_at = ? "
                   "WHERE id = ? AND planned_at IS NULL", [stamp, total, stamp, broadcast_id])
    return total


def cancel_if_opted_out(db, row: dict) -> bool:
    """At send time: a recipient who said STOP after planning gets nothing (row → canceled)."""
    if not row.get("broadcast_id") or not row.get("contact_id"):
        return False
    if not db.execute("SELECT opted_out FROM contacts WHERE id = ?",
                      [row["contact_id"]]).fetchone()[0]:
        return False  # the common case: a read, no write lock
    return db.execute(
        "UPDATE outbox SET status = 'canceled', error_code = 'opted-out', error_message = "
        "'penerima berhenti berlangganan', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
        "WHERE id = ? AND status = 'sending' AND EXISTS (SELECT 1 FROM contacts "
        "WHERE id = outbox.contact_id AND opted_out = 1)", [row["id"]]).rowcount == 1


def progress(db, broadcast_id: int) -> dict[str, int]:
    """Outbox rows of a broadcast by status (status callbacks move them on)."""
    counts = {r[0]: r[1] for r in db.execute(
        "SELECT status, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY status",
        [broadcast_id]).fetchall()}
    counts["total"] = sum(counts.values())
    return counts


def finish_if_done(db, broadcast_id: int, now: datetime | None = None) -> bool:
    """sending → done once planned and no row of it waits to be sent."""
    busy = db.execute("SELECT count(*) FROM outbox WHERE broadcast_id = ? AND status IN "
                      "('queued', 'sending')", [broadcast_id]).fetchone()[0]
    b = get(db, broadcast_id)
    if busy or b is None or not b["planned_at"]:
        return False
    return move(db, broadcast_id, ("sending",), "done", now, finished_at=True)


def unfinished(db) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT id FROM broadcasts WHERE state = 'sending' AND planned_at IS NOT NULL")]


def latest_call_for(db, contact: dict, since: str) -> dict | None:
    """The newest invitation (asks_rsvp) this contact was sent since `since`.

    Only a recipient counts: an answer from someone the call never reached (a neighbour, a
    contact registered after it went out, an opt-out skipped at send time) is not counted.
    """
    row = db.execute(
        "SELECT b.id FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id "
        "WHERE o.contact_id = ? AND o.broadcast_id IS NOT NULL AND o.status != 'canceled' "
        "AND b.asks_rsvp = 1 AND b.confirmed_at >= ? ORDER BY b.id DESC LIMIT 1",
        [contact["id"], since]).fetchone()
    return get(db, row[0]) if row else None


def answer_of(db, broadcast_id: int, contact_id: int) -> str | None:
    """This recipient's current answer (HADIR/TIDAK), if any."""
    row = db.execute("SELECT answer FROM broadcast_responses WHERE broadcast_id = ? AND "
                     "contact_id = ?", [broadcast_id, contact_id]).fetchone()
    return row[0] if row else None


def was_last_sent(db, contact_id: int, broadcast_id: int) -> bool:
    """Is this call the last thing we sent the contact (no ack or reply since)?"""
    row = db.execute("SELECT broadcast_id FROM outbox WHERE contact_id = ? ORDER BY id DESC "
                     "LIMIT 1", [contact_id]).fetchone()
    return row is not None and row[0] == broadcast_id


def sent_by(db, contact_id: int, code: str | None = None, limit: int = 3) -> list[dict]:
    """A kepala's sent invitations, newest first; with `code`, only that one."""
    sql, params = "", [contact_id]
    if code:
        sql, params = "AND code = ?", [contact_id, code.upper()[:12]]
    return list(db.query(
        "SELECT * FROM broadcasts WHERE sender_contact_id = ? AND state IN "
        f"('confirmed', 'sending', 'done') {sql} ORDER BY id DESC LIMIT ?", [*params, limit]))


def record_response(db, broadcast_id: int, contact_id: int, answer: str,
                    message_id: int | None, when: str) -> None:
    """One answer per resident and broadcast; a later one replaces it."""
    db.execute(
        "INSERT INTO broadcast_responses (broadcast_id, contact_id, answer, message_id, "
        "answered_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (broadcast_id, contact_id) DO UPDATE "
        "SET answer = excluded.answer, message_id = excluded.message_id, "
        "answered_at = excluded.answered_at WHERE excluded.answered_at >= answered_at",
        [broadcast_id, contact_id, answer, message_id, when])


def tally(db, broadcast_id: int) -> dict[str, int]:
    counts = {r[0]: r[1] for r in db.execute(
        "SELECT answer, count(*) FROM broadcast_responses WHERE broadcast_id = ? "
        "GROUP BY answer", [broadcast_id]).fetchall()}
    return {"HADIR": counts.get("HADIR", 0), "TIDAK": counts.get("TIDAK", 0)}
