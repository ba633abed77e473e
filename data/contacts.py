"""Contacts: one row per person (E.164 address), whatever channel they used last."""

from __future__ import annotations

from data import reads
from data.clock import utcnow

# warga: a resident (the default); kepala: a village head, bound to one kelurahan, the only one
# whose UNDANG reaches residents; staf: office staff who text in.
ROLES = ("warga", "kepala", "staf")


def check_role(role: str, kelurahan: str | None) -> None:
    """Raise ValueError (in Bahasa Indonesia) unless the role is known and a kepala has a
    kelurahan: the kelurahan decides who a kepala's broadcasts reach."""
    if role not in ROLES:
        raise ValueError(f"peran {role[:20]!r} tidak dikenal ({', '.join(ROLES)})")
    if role == "kepala" and not kelurahan:
        raise ValueError("kepala harus terikat pada satu kelurahan")


def is_kepala(contact: dict) -> bool:
    """A village head who may broadcast: the role, and the kelurahan it is bound to."""
    return contact.get("role") == "kepala" and bool(contact.get("kelurahan"))


def touch(db, address: str, channel: str, when: str | None = None) -> dict:
    """Create the contact on first message, else update channel and last seen."""
    when = when or utcnow()
    whatsapp_at = when if channel == "whatsapp" else None
    # RETURNING: the row as it stands after the upsert, without a second lookup
    return reads.first(
        db,
        "INSERT INTO contacts (address, channel, first_seen, last_seen, whatsapp_last_inbound_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET channel = excluded.channel, "
        "last_seen = max(last_seen, excluded.last_seen), whatsapp_last_inbound_at = "
        "coalesce(excluded.whatsapp_last_inbound_at, whatsapp_last_inbound_at) RETURNING *",
        [address, channel, when, when, whatsapp_at],
    )


def by_address(db, address: str) -> dict | None:
    return reads.first(db, "SELECT * FROM contacts WHERE address = ?", [address])


def get(db, contact_id: int) -> dict | None:
    return reads.first(db, "SELECT * FROM contacts WHERE id = ?", [contact_id])


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
    return set_opt_out(db, ensure(db, address)["id"], True, source)


def register(db, contact_id: int, name: str, kelurahan: str, kecamatan: str | None) -> None:
    db.execute(
        "UPDATE contacts SET name = ?, kelurahan = ?, kecamatan = ? WHERE id = ?",
        [name, kelurahan, kecamatan, contact_id],
    )


def upsert_many(db, rows: list[dict], when: str | None = None) -> dict:
    """Create or update contacts (address, name, kelurahan, kecamatan, role) in one statement.

    A blank field (None) keeps what the contact has; a new contact is a warga by default.

    Never touches opted_out: a contact who said STOP stays opted out whatever a file says.
    Returns {created, updated, opted_out: [addresses kept opted out]}.
    """
    when = when or utcnow()
    addresses = [r["address"] for r in rows]
    before = existing(db, addresses)
    db.conn.executemany(
        "INSERT INTO contacts (address, name, kelurahan, kecamatan, role, first_seen, last_seen) "
        "VALUES (?, ?, ?, ?, coalesce(?, 'warga'), ?, ?) ON CONFLICT (address) DO UPDATE SET "
        "name = coalesce(excluded.name, name), kelurahan = coalesce(excluded.kelurahan, "
        "kelurahan), kecamatan = coalesce(excluded.kecamatan, kecamatan), "
        "role = coalesce(?, role)",
        [(r["address"], r.get("name"), r.get("kelurahan"), r.get("kecamatan"), r.get("role"),
          when, when, r.get("role")) for r in rows])
    opted = [a for a, flag in before.items() if flag]
    return {"created": len(rows) - len(before), "updated": len(before), "opted_out": opted}


def existing(db, addresses: list[str]) -> dict[str, int]:
    """{address: opted_out} for the addresses already known (chunked under SQLite's limit)."""
    found = {}
    for start in range(0, len(addresses), 500):
        chunk = addresses[start:start + 500]
        marks = ",".join("?" for _ in chunk)
        for address, flag in db.execute(
                f"SELECT address, opted_out FROM contacts WHERE address IN ({marks})", chunk):
            found[address] = flag
    return found


def ensure(db, address: str) -> dict:
    """The contact for an address, created (never seen yet) when unknown."""
    now = utcnow()
    db.execute("INSERT OR IGNORE INTO contacts (address, first_seen, last_seen) VALUES (?, ?, ?)",
               [address, now, now])
    return by_address(db, address)


def set_role(db, contact_id: int, role: str, kelurahan: str | None,
             kecamatan: str | None) -> None:
    """Admins only (CLI, admin pages): a kepala is bound to exactly one kelurahan."""
    check_role(role, kelurahan)
    db.execute("UPDATE contacts SET role = ?, kelurahan = coalesce(?, kelurahan), "
               "kecamatan = coalesce(?, kecamatan) WHERE id = ?",
               [role, kelurahan, kecamatan, contact_id])


def listing(db, kelurahan: str | None = None, role: str | None = None,
            limit: int = 1000) -> list[dict]:
    clauses, params = [], []
    if kelurahan:
        clauses.append("kelurahan = ?")
        params.append(kelurahan)
    if role:
        clauses.append("role = ?")
        params.append(role)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return list(db.query(f"SELECT * FROM contacts {where} ORDER BY id LIMIT ?", [*params, limit]))
