"""Reads behind the staff pages: filtered lists, facet counts, conversations, export rows.

Every function takes `scope`: the kelurahan a `kelurahan` account is confined to (None for
admin and staf). It is applied here, in the query layer, so no route can forget it.
"""

from __future__ import annotations

import re

FACETS = ("category", "kecamatan", "kelurahan", "status", "channel")
_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str | None) -> str | None:
    """User text → an FTS5 query of quoted words: quotes, `*`, AND( or NEAR cannot inject."""
    words = _WORD.findall(text or "")[:12]
    return " ".join(f'"{word}"' for word in words) or None


def where(filters: dict, scope: str | None) -> tuple[str, list]:
    """WHERE clause for the filters (columns, created_from/created_to UTC, q) and the scope."""
    clauses, params = [], []
    if scope is not None:
        clauses.append("a.kelurahan = ?")
        params.append(scope)
    for column in FACETS:
        value = filters.get(column)
        if value == "-":  # the facet's "(kosong)" entry
            clauses.append(f"a.{column} IS NULL")
        elif value:
            clauses.append(f"a.{column} = ?")
            params.append(value)
    if filters.get("created_from"):
        clauses.append("a.created_at >= ?")
        params.append(filters["created_from"])
    if filters.get("created_to"):
        clauses.append("a.created_at < ?")
        params.append(filters["created_to"])
    match = fts_query(filters.get("q"))
    if match:
        clauses.append("a.id IN (SELECT rowid FROM aspirations_fts WHERE aspirations_fts MATCH ?)")
        params.append(match)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def page(db, filters: dict, scope: str | None, limit: int = 50, offset: int = 0) -> list[dict]:
    """One page of aspirations, newest first, with the sender's address."""
    sql, params = where(filters, scope)
    return list(db.query(
        "SELECT a.id, a.ticket, a.created_at, a.channel, a.kelurahan, a.kecamatan, a.category, "
        "a.status, substr(a.text, 1, 300) AS text, c.address FROM aspirations a "
        f"LEFT JOIN contacts c ON c.id = a.contact_id {sql} "
        "ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?", [*params, limit, offset]))


def facets(db, filters: dict, scope: str | None) -> tuple[int, dict[str, list[tuple]]]:
    """(total, {facet: [(value, count), ...]}) for the filtered set, in one grouped pass.

    The five facet columns have few distinct combinations (kelurahan fixes kecamatan), so one
    GROUP BY over a covering index replaces a COUNT per facet value.
    """
    sql, params = where(filters, scope)
    rows = db.execute(
        "SELECT a.category, a.kelurahan, a.kecamatan, a.status, a.channel, count(*) "
        f"FROM aspirations a {sql} GROUP BY 1, 2, 3, 4, 5", params).fetchall()
    counts: dict[str, dict] = {name: {} for name in FACETS}
    total = 0
    positions = {"category": 0, "kelurahan": 1, "kecamatan": 2, "status": 3, "channel": 4}
    for row in rows:
        total += row[5]
        for name, index in positions.items():
            counts[name][row[index]] = counts[name].get(row[index], 0) + row[5]
    ordered = {name: sorted(values.items(), key=lambda kv: (-kv[1], kv[0] or ""))
               for name, values in counts.items()}
    return total, ordered


def aspiration(db, ticket: str, scope: str | None) -> dict | None:
    """The aspiration with its contact, or None when it does not exist or is out of scope."""
    sql, params = ("AND a.kelurahan = ?", [scope]) if scope is not None else ("", [])
    rows = list(db.query(
        "SELECT a.*, c.address, c.name AS contact_name, c.channel AS contact_channel, "
        "c.opted_out FROM aspirations a LEFT JOIN contacts c ON c.id = a.contact_id "
        f"WHERE a.ticket = ? {sql}", [(ticket or "").upper()[:12], *params]))
    return rows[0] if rows else None


def conversation(db, address: str | None, contact_id: int | None, limit: int = 200) -> list[dict]:
    """Inbound messages from the address and outbound rows to the contact, in time order."""
    items = []
    if address:
        for row in db.query(
                "SELECT id, channel, body, media, profile_name, latitude, longitude, "
                "location_address, location_label, received_at FROM messages "
                "WHERE address = ? ORDER BY id DESC LIMIT ?", [address, limit]):
            items.append({"direction": "in", "at": row["received_at"], **row})
    if contact_id is not None:
        for row in db.query(
                "SELECT id, kind, channel, body, status, error_code, created_at, aspiration_id "
                "FROM outbox WHERE contact_id = ? ORDER BY id DESC LIMIT ?", [contact_id, limit]):
            items.append({"direction": "out", "at": row["created_at"], **row})
    return sorted(items, key=lambda item: (item["at"], item["direction"] == "out"))


def history(db, aspiration_id: int) -> list[dict]:
    """Corrections, status changes and notes/replies for one aspiration, oldest first."""
    rows = [dict(r, type="correction") for r in db.query(
        "SELECT * FROM corrections WHERE aspiration_id = ?", [aspiration_id])]
    rows += [dict(r, type="status") for r in db.query(
        "SELECT s.*, o.status AS delivery FROM status_changes s "
        "LEFT JOIN outbox o ON o.id = s.outbox_id WHERE s.aspiration_id = ?", [aspiration_id])]
    rows += [dict(r, type=r["kind"]) for r in db.query(
        "SELECT n.*, o.status AS delivery FROM notes n LEFT JOIN outbox o ON o.id = n.outbox_id "
        "WHERE n.aspiration_id = ?", [aspiration_id])]
    return sorted(rows, key=lambda r: (r["at"], r["id"]))


def export_rows(db, filters: dict, scope: str | None, batch: int = 1000):
    """Every filtered aspiration (newest first) with the sender's inbound message count."""
    sql, params = where(filters, scope)
    cursor = db.execute(
        "SELECT a.ticket, a.created_at, a.kelurahan, a.kecamatan, a.category, a.text, a.status, "
        "a.opd, c.address, (SELECT count(*) FROM messages m WHERE m.address = c.address) "
        f"FROM aspirations a LEFT JOIN contacts c ON c.id = a.contact_id {sql} "
        "ORDER BY a.created_at DESC, a.id DESC", params)
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            return
        yield from rows


def contacts_page(db, search: str | None, limit: int = 50, offset: int = 0) -> list[dict]:
    """Contacts for the admin page, matched on number, name or kelurahan."""
    sql, params = "", []
    if search:
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql = ("WHERE address LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' "
               "OR kelurahan LIKE ? ESCAPE '\\'")
        params = [like, like, like]
    return list(db.query(
        f"SELECT * FROM contacts {sql} ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset]))


def _scoped(scope: str | None, extra: str = "") -> tuple[str, list]:
    clauses = [c for c in ("kelurahan = ?" if scope is not None else "", extra) if c]
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", [scope] if scope else []


def counts_by_place(db, scope: str | None) -> list[tuple]:
    """(kecamatan, kelurahan, category, count) rows for the dashboard's cross table."""
    sql, params = _scoped(scope)
    return db.execute(
        f"SELECT kecamatan, kelurahan, category, count(*) FROM aspirations {sql} "
        "GROUP BY category, kelurahan, kecamatan", params).fetchall()


def counts_by_status(db, scope: str | None) -> dict[str, int]:
    sql, params = _scoped(scope)
    return {r[0]: r[1] for r in db.execute(
        f"SELECT status, count(*) FROM aspirations {sql} GROUP BY status", params).fetchall()}


def counts_by_day(db, scope: str | None, since_utc: str) -> dict[str, int]:
    """Aspirations per WITA calendar day since a UTC instant."""
    sql, params = _scoped(scope, "created_at >= ?")
    return {r[0]: r[1] for r in db.execute(
        f"SELECT date(created_at, '+8 hours'), count(*) FROM aspirations {sql} GROUP BY 1",
        [*params, since_utc]).fetchall()}


def overdue(db, scope: str | None, before_utc: str, limit: int = 20) -> tuple[int, list[dict]]:
    """Status `baru` received before the cutoff: (how many, the oldest few)."""
    sql, params = _scoped(scope, "status = 'baru' AND created_at < ?")
    count = db.execute(f"SELECT count(*) FROM aspirations {sql}", [*params, before_utc])
    rows = db.query(
        f"SELECT ticket, created_at, kelurahan, category, substr(text, 1, 200) AS text "
        f"FROM aspirations {sql} ORDER BY created_at LIMIT ?", [*params, before_utc, limit])
    return count.fetchone()[0], list(rows)


def update_contact(db, row: dict, role: str, kelurahan: str | None,
                   kecamatan: str | None) -> dict:
    """Set a contact's role and kelurahan; returns {field: [old, new]} for what changed."""
    changes = {field: [row[field], value] for field, value in
               (("role", role), ("kelurahan", kelurahan), ("kecamatan", kecamatan))
               if row[field] != value}
    if changes:
        db.execute("UPDATE contacts SET role = ?, kelurahan = ?, kecamatan = ? WHERE id = ?",
                   [role, kelurahan, kecamatan, row["id"]])
    return changes
