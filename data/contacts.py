"""Contacts: one row per person (E.164 address), whatever channel they used last."""

from __future__ import annotations

from data.db import utcnow


def touch(db, address: str, channel: str, when: str | None = None) -> dict:
    """Create the contact on first message, else update channel and last seen."""
    when = when or utcnow()
    whatsapp_at = when if channel == "whatsapp" else None
    db.execute(
        "INSERT INTO contacts (address, channel, first_seen, last_seen, whatsapp_last_inbound_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET channel = excluded.channel, "
        "last_seen = max(last_seen, excluded.last_seen), whatsapp_last_inbound_at = "
        "coalesce(excluded.whatsapp_last_inbound_at, whatsapp_last_inbound_at)",
        [address, channel, when, when, whatsapp_at],
    )
    return by_address(db, address)


def by_address(db, address: str) -> dict | None:
    rows = list(db.query("SELECT * FROM contacts WHERE address = ?", [address]))
    return rows[0] if rows else None


def get(db, contact_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM contacts WHERE id = ?", [contact_id]))
    return rows[0] if rows else None


def set_opt_out(db, contact_id: int, opted_out: bool, source: str) -> bool:
    """Returns True when the flag changed (so the caller confirms once, then stays silent)."""
    cursor = db.execute(
        "UPDATE contacts SET opted_out = ?, opted_out_at = ?, opt_out_source = ? "
        "WHERE id = ? AND opted_out != ?",
        [int(opted_out), utcnow() if opted_out else None, source, contact_id, int(opted_out)],
    )
    return cursor.rowcount == 1


def opt_out_address(db, address: str, source: str) -> bool:
    """Opt out by address (Twilio 21610 names the number, not our contact id)."""
    contact = by_address(db, address)
    if contact is None:
        now = utcnow()
        db.execute(
            "INSERT OR IGNORE INTO contacts (address, first_seen, last_seen) VALUES (?, ?, ?)",
            [address, now, now],
        )
        contact = by_address(db, address)
    return set_opt_out(db, contact["id"], True, source)


def register(db, contact_id: int, name: str, kelurahan: str, kecamatan: str | None) -> None:
    db.execute(
        "UPDATE contacts SET name = ?, kelurahan = ?, kecamatan = ? WHERE id = ?",
        [name, kelurahan, kecamatan, contact_id],
    )
