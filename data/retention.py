"""Retention (UU PDP 27/2022): after ASPIRASI_RETENTION_DAYS, closed tickets keep what staff
need (text, category, place, status, history) and lose what identifies the sender.

Older than the cutoff:
- a closed ticket (selesai/ditolak, no change since): its inbound message loses the raw
  payload, media links, profile name, WhatsApp id and account fields, and its sender and
  address are masked; the ticket is unlinked from the contact;
- any other inbound message (commands, greetings) not belonging to an open ticket: the same;
- outbox rows that are final and not for an open ticket: the recipient number is masked;
- delivery reports (status_events): deleted, they only repeat numbers;
- contacts that were only ticket senders (no name, no kelurahan, warga, not opted out,
  nothing linked any more): their number is replaced, so nobody can be found by it.
Work is done in batches of BATCH rows per transaction.
"""

from __future__ import annotations

from datetime import timedelta

from data import clock
from data.addresses import mask_number
from data.db import transaction

BATCH = 500
CLOSED = ("selesai", "ditolak")
SCRUB = ("raw = '[]', media = '[]', profile_name = NULL, wa_id = NULL, account_sid = NULL, "
         "idempotency_token = NULL, sender = mask_number(sender), address = mask_number(address)")


def cutoff(days: int, now=None) -> str:
    return clock.iso(clock.now(now) - timedelta(days=days))


def _batches(db, select: str, params: list, apply) -> int:
    """Run apply(ids) on batches of ids from `select` until none is left."""
    total = 0
    while True:
        with transaction(db):
            ids = [r[0] for r in db.execute(select + f" LIMIT {BATCH}", params).fetchall()]
            if not ids:
                return total
            apply(ids, ",".join("?" for _ in ids))
        total += len(ids)


def run(db, days: int, now=None) -> dict[str, int]:
    """Remove or mask what is older than `days`. Returns counts per kind (all 0: nothing)."""
    before, stamp = cutoff(days, now), clock.iso(clock.now(now))
    db.conn.create_function("mask_number", 1, mask_number, deterministic=True)
    closed = ",".join(f"'{status}'" for status in CLOSED)

    def tickets(ids, marks):
        db.execute(f"UPDATE messages SET {SCRUB}, redacted_at = ? WHERE id IN (SELECT message_id "
                   f"FROM aspirations WHERE id IN ({marks}))", [stamp, *ids])
        db.execute(f"UPDATE outbox SET to_address = mask_number(to_address) WHERE aspiration_id "
                   f"IN ({marks})", ids)
        db.execute(f"UPDATE aspirations SET contact_id = NULL, redacted_at = ? WHERE id IN "
                   f"({marks})", [stamp, *ids])

    counts = {"tickets": _batches(
        db, f"SELECT id FROM aspirations WHERE redacted_at IS NULL AND status IN ({closed}) "
            "AND updated_at < ?", [before], tickets)}
    counts["messages"] = _batches(
        db, "SELECT m.id FROM messages m WHERE m.redacted_at IS NULL AND m.received_at < ? AND "
            "m.status != 'captured' AND NOT EXISTS (SELECT 1 FROM aspirations a WHERE "
            f"a.message_id = m.id AND a.status NOT IN ({closed}))", [before],
        lambda ids, marks: db.execute(f"UPDATE messages SET {SCRUB}, redacted_at = ? WHERE id "
                                      f"IN ({marks})", [stamp, *ids]))
    counts["outbox"] = _batches(
        db, "SELECT o.id FROM outbox o WHERE o.created_at < ? AND o.status NOT IN ('queued', "
            "'sending') AND o.to_address NOT LIKE '%****%' AND NOT EXISTS (SELECT 1 FROM "
            f"aspirations a WHERE a.id = o.aspiration_id AND a.status NOT IN ({closed}))",
        [before], lambda ids, marks: db.execute(
            f"UPDATE outbox SET to_address = mask_number(to_address) WHERE id IN ({marks})", ids))
    counts["status_events"] = _batches(
        db, "SELECT id FROM status_events WHERE received_at < ?", [before],
        lambda ids, marks: db.execute(f"DELETE FROM status_events WHERE id IN ({marks})", ids))
    counts["contacts"] = _batches(
        db, "SELECT c.id FROM contacts c WHERE c.last_seen < ? AND c.name IS NULL AND "
            "c.kelurahan IS NULL AND c.role = 'warga' AND c.opted_out = 0 AND c.address NOT "
            "LIKE 'dihapus:%' AND NOT EXISTS (SELECT 1 FROM aspirations a WHERE a.contact_id = "
            "c.id)", [before],
        lambda ids, marks: db.execute(
            "UPDATE contacts SET address = 'dihapus:' || id, whatsapp_last_inbound_at = NULL "
            f"WHERE id IN ({marks})", ids))
    return counts
