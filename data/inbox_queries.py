"""Reads behind the staff pages: filtered lists, facet counts, conversations, export rows.

Every function takes `scope`: the kelurahan a `kelurahan` account is confined to (None for
admin and staf). It is applied here, in the query layer, so no route can forget it.
"""

from __future__ import annotations

from parsers.search import fts_expression

FACETS = ("category", "kecamatan", "kelurahan", "status", "channel")
# Most selective first (69 kelurahan, 8 kecamatan, 4 categories, 5 statuses, 2 channels): only
# the first filter present may use its index; `+col` keeps SQLite (no ANALYZE stats) from
# walking half the table through the status index instead.
SELECTIVITY = ("kelurahan", "kecamatan", "category", "status", "channel")
_cache: dict = {}
CACHE_SIZE = 256


def fts_query(text: str | None) -> str | None:
    """What staff typed → an FTS5 expression over the raw text and the parser's normalised
    words (parsers.search): "jalan" also finds "jln" and "jalang"; only quoted tokens reach
    FTS5, so quotes, `*`, AND( or NEAR cannot inject syntax."""
    return fts_expression(text)


def where(filters: dict, scope: str | None, counting: bool = False) -> tuple[str, list]:
    """WHERE clause for the filters (columns, kind, created_from/created_to UTC, q, unread) and
    the scope. Every list is of one kind (aspirasi unless `kind` says pertanyaan).

    counting: for the grouped counts, whose covering index starts with kind; a page instead
    walks the (kind, created_at) index only when no more selective filter is present.
    """
    clauses, params = [], []
    if scope is not None:
        clauses.append("a.kelurahan = ?")
        params.append(scope)
    indexed = scope is not None
    kind_first = counting or not (indexed or any(filters.get(c) for c in SELECTIVITY))
    clauses.append("a.kind = ?" if kind_first else "+a.kind = ?")
    params.append(filters.get("kind") or "aspirasi")
    if filters.get("unread"):  # tickets with a follow-up staff have not opened yet
        clauses.append("a.id IN (SELECT aspiration_id FROM message_links WHERE unread = 1)")
    if filters.get("assigned_to"):  # "Tiket saya": open tickets assigned to this staff member
        clauses.append("a.assigned_to = ? AND +a.status IN ('baru', 'diverifikasi', "
                       "'diteruskan')")
        params.append(filters["assigned_to"])
        indexed = True
    for column in SELECTIVITY:
        value = filters.get(column)
        if not value:
            continue
        target = f"a.{column}" if not indexed else f"+a.{column}"
        indexed = True
        if value == "-":  # the facet's "(kosong)" entry
            clauses.append(f"{target} IS NULL")
        else:
            clauses.append(f"{target} = ?")
            params.append(value)
    if filters.get("created_from"):
        clauses.append("a.created_at >= ?")
        params.append(filters["created_from"])
    if filters.get("created_to"):
        clauses.append("a.created_at < ?")
        params.append(filters["created_to"])
    match = fts_query(filters.get("q"))
    if match:
        # `+a.id`: walk the created_at index newest first and test membership, rather than
        # sorting every match (6 ms instead of 25 ms at 100,000 rows for a common word).
        clauses.append("+a.id IN (SELECT rowid FROM aspirations_fts WHERE aspirations_fts MATCH ?)")
        params.append(match)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def cursor_of(db, aspiration_id: int | None) -> tuple[str, int] | None:
    """(created_at, id) of a row: the keyset position a page link points at."""
    if not aspiration_id:
        return None
    row = db.execute("SELECT created_at, id FROM aspirations WHERE id = ?",
                     [aspiration_id]).fetchone()
    return (row[0], row[1]) if row else None


def page(db, filters: dict, scope: str | None, limit: int = 50,
         before: tuple[str, int] | None = None,
         after: tuple[str, int] | None = None) -> tuple[list[dict], bool]:
    """One page of aspirations, newest first, with the sender; (rows, more beyond this page).

    Keyset paging: `before` = the (created_at, id) of the last row seen (older rows follow),
    `after` = of the first row seen (the newer page before it). Every page costs the same,
    however deep, unlike OFFSET."""
    sql, params = where(filters, scope)
    order = "DESC"
    if before:
        sql += (" AND " if sql else "WHERE ") + "(a.created_at, a.id) < (?, ?)"
        params = [*params, *before]
    elif after:
        sql += (" AND " if sql else "WHERE ") + "(a.created_at, a.id) > (?, ?)"
        params = [*params, *after]
        order = "ASC"
    rows = list(db.query(
        "SELECT a.id, a.ticket, a.created_at, a.channel, a.kelurahan, a.kecamatan, a.category, "
        "a.status, a.kind, substr(a.text, 1, 300) AS text, c.address, c.name AS contact_name, "
        "(SELECT username FROM staff_users u WHERE u.id = a.assigned_to) AS assignee, "
        "(SELECT count(*) FROM message_links l WHERE l.aspiration_id = a.id AND l.unread = 1) "
        "AS unread, (SELECT count(*) FROM message_links l WHERE l.aspiration_id = a.id "
        "AND l.kind = 'part') AS parts FROM aspirations a "
        f"LEFT JOIN contacts c ON c.id = a.contact_id {sql} "
        f"ORDER BY a.created_at {order}, a.id {order} LIMIT ?", [*params, limit + 1]))
    more = len(rows) > limit
    rows = rows[:limit]
    return (rows[::-1] if after else rows), more


def tabs(db, scope: str | None, user_id: int | None = None) -> dict[str, int]:
    """Counts for the inbox tabs: questions, tickets with unread follow-ups, and the user's
    own open tickets (all small)."""
    sql, params = ("AND a.kelurahan = ?", [scope]) if scope is not None else ("", [])
    questions = db.execute(f"SELECT count(*) FROM aspirations a WHERE a.kind = 'pertanyaan' "
                           f"{sql}", params).fetchone()[0]
    unread = db.execute(
        "SELECT count(DISTINCT l.aspiration_id) FROM message_links l JOIN aspirations a ON "
        f"a.id = l.aspiration_id WHERE l.unread = 1 {sql}", params).fetchone()[0]
    mine = db.execute(
        "SELECT count(*) FROM aspirations a WHERE a.assigned_to = ? AND +a.status IN "
        f"('baru', 'diverifikasi', 'diteruskan') {sql}", [user_id, *params]).fetchone()[0] \
        if user_id else 0
    return {"pertanyaan": questions, "susulan": unread, "saya": mine}


def version(db) -> tuple:
    """Changes whenever an aspiration is added, corrected or moves status (cache key)."""
    return db.execute(
        "SELECT (SELECT max(id) FROM aspirations), (SELECT max(id) FROM corrections), "
        "(SELECT max(id) FROM status_changes), "
        "(SELECT count(*) FROM message_links WHERE unread = 1)").fetchone()


def cached(db, name: str, compute, *key):
    """compute() once per data version: counts stay exact, repeated page views cost nothing."""
    path = db.execute("PRAGMA database_list").fetchone()[2]
    full_key = (path, name, version(db), *key)
    if full_key not in _cache:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        _cache[full_key] = compute()
    return _cache[full_key]


def combos(db, filters: dict, scope: str | None) -> list[tuple]:
    """(category, kelurahan, kecamatan, status, channel, count) for the filtered set.

    The five columns have few distinct combinations (kelurahan fixes kecamatan), so one
    GROUP BY over a covering index answers every facet, the total and the dashboard tables
    at once, instead of a COUNT per facet value. Cached per data version.
    """
    sql, params = where(filters, scope, counting=True)
    key = tuple(sorted((k, v) for k, v in filters.items() if v))
    return cached(db, "combos", lambda: db.execute(
        "SELECT a.category, a.kelurahan, a.kecamatan, a.status, a.channel, count(*) "
        f"FROM aspirations a {sql} GROUP BY 1, 2, 3, 4, 5", params).fetchall(), key, scope)


def facets(db, filters: dict, scope: str | None) -> tuple[int, dict[str, list[tuple]]]:
    """(total, {facet: [(value, count), ...]}) for the filtered set, biggest first (cached per
    data version like the grouped counts they come from)."""
    key = tuple(sorted((k, v) for k, v in filters.items() if v))
    return cached(db, "facets", lambda: _facets(combos(db, filters, scope)), key, scope)


def _facets(rows) -> tuple[int, dict[str, list[tuple]]]:
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
        "c.opted_out, (SELECT username FROM staff_users u WHERE u.id = a.assigned_to) "
        "AS assignee FROM aspirations a LEFT JOIN contacts c ON c.id = a.contact_id "
        f"WHERE a.ticket = ? {sql}", [(ticket or "").upper()[:12], *params]))
    return rows[0] if rows else None


def by_tickets(db, tickets: list[str], scope: str | None) -> list[dict]:
    """Several aspirations at once (a bulk action), in scope, in the order given."""
    wanted = list(dict.fromkeys(t.upper()[:12] for t in tickets if t))[:1000]
    if not wanted:
        return []
    sql, params = ("AND a.kelurahan = ?", [scope]) if scope is not None else ("", [])
    marks = ",".join("?" for _ in wanted)
    found = {r["ticket"]: r for r in db.query(
        "SELECT a.*, c.address, (SELECT username FROM staff_users u WHERE u.id = "
        "a.assigned_to) AS assignee FROM aspirations a LEFT JOIN contacts c ON "
        f"c.id = a.contact_id WHERE a.ticket IN ({marks}) {sql}", [*wanted, *params])}
    return [found[t] for t in wanted if t in found]


def batch_changes(db, batch: str) -> list[dict]:
    """The status changes of one bulk action, with their ticket codes."""
    return list(db.query(
        "SELECT s.id, a.ticket FROM status_changes s JOIN aspirations a ON "
        "a.id = s.aspiration_id WHERE s.batch = ? AND s.undo_of IS NULL", [batch]))


def _in_scope(match: str, scope: str | None) -> tuple[str, list]:
    """A scoped reader sees only rows tied (by `match`) to an aspiration `sa` of its kelurahan:
    a sender's messages about other kelurahan (their replies, rejection reasons) stay hidden."""
    if scope is None:
        return "", []
    return f" AND EXISTS (SELECT 1 FROM aspirations sa WHERE {match} AND sa.kelurahan = ?)", \
        [scope]


def conversation(db, address: str | None, contact_id: int | None, limit: int = 200,
                 scope: str | None = None) -> list[dict]:
    """Inbound messages from the address and outbound rows to the contact, in time order
    (for a scoped reader: only those of aspirations in its kelurahan)."""
    items = []
    if address:
        sql, params = _in_scope(  # the ticket's own message, or one linked to the ticket
            "(sa.message_id = m.id OR sa.id = (SELECT ml.aspiration_id FROM message_links ml "
            "WHERE ml.message_id = m.id))", scope)
        for row in db.query(
                "SELECT m.id, m.channel, m.body, m.media, m.profile_name, m.latitude, "
                "m.longitude, m.location_address, m.location_label, m.received_at FROM messages m "
                f"WHERE m.address = ?{sql} ORDER BY m.id DESC LIMIT ?", [address, *params, limit]):
            items.append({"direction": "in", "at": row["received_at"], **row})
    if contact_id is not None:
        sql, params = _in_scope("sa.id = o.aspiration_id", scope)
        for row in db.query(
                "SELECT o.id, o.kind, o.channel, o.body, o.status, o.error_code, o.created_at, "
                f"o.aspiration_id FROM outbox o WHERE o.contact_id = ?{sql} ORDER BY o.id DESC "
                "LIMIT ?", [contact_id, *params, limit]):
            items.append({"direction": "out", "at": row["created_at"], **row})
    return sorted(items, key=lambda item: (item["at"], item["direction"] == "out"))


def delivery(db, contact_id: int | None, limit: int = 200,
             scope: str | None = None) -> list[dict]:
    """Outbound rows to a contact with their delivery status (the page polls this)."""
    if contact_id is None:
        return []
    sql, params = _in_scope("sa.id = o.aspiration_id", scope)
    return list(db.query(f"SELECT o.id, o.status, o.error_code FROM outbox o WHERE "
                         f"o.contact_id = ?{sql} ORDER BY o.id DESC LIMIT ?",
                         [contact_id, *params, limit]))


def history(db, aspiration_id: int) -> list[dict]:
    """Corrections, status changes and notes/replies for one aspiration, oldest first."""
    rows = [dict(r, type="correction") for r in db.query(
        "SELECT * FROM corrections WHERE aspiration_id = ?", [aspiration_id])]
    rows += [dict(r, type="status") for r in db.query(
        "SELECT s.*, o.status AS delivery, o.next_attempt_at AS send_at, "
        "(SELECT 1 FROM status_changes u WHERE u.undo_of = s.id) AS undone "
        "FROM status_changes s "
        "LEFT JOIN outbox o ON o.id = s.outbox_id WHERE s.aspiration_id = ?", [aspiration_id])]
    rows += [dict(r, type="assign") for r in db.query(
        "SELECT * FROM assignments WHERE aspiration_id = ?", [aspiration_id])]
    rows += [dict(r, type=r["kind"]) for r in db.query(
        "SELECT n.*, o.status AS delivery FROM notes n LEFT JOIN outbox o ON o.id = n.outbox_id "
        "WHERE n.aspiration_id = ?", [aspiration_id])]
    return sorted(rows, key=lambda r: (r["at"], r["id"]))


# The columns export_rows yields, in order (gateway.inbox.export names them for people).
EXPORT_COLUMNS = ("ticket", "created_at", "kelurahan", "kecamatan", "category", "text", "status",
                  "opd", "address", "messages", "contact_name", "assignee", "usulan_id",
                  "supporters")


def export_rows(db, filters: dict, scope: str | None, batch: int = 1000):
    """Every filtered aspiration (newest first) as a tuple of EXPORT_COLUMNS: the sender's
    inbound message count, name, the assignee, and its usulan with that usulan's supporters.

    Aspirations only: questions (kind pertanyaan) never go into the Musrenbang table."""
    sql, params = where({**filters, "kind": "aspirasi"}, scope)
    cursor = db.execute(
        "SELECT a.ticket, a.created_at, a.kelurahan, a.kecamatan, a.category, a.text, a.status, "
        "a.opd, c.address, (SELECT count(*) FROM messages m WHERE m.address = c.address), "
        "c.name, (SELECT username FROM staff_users u WHERE u.id = a.assigned_to), "
        "um.usulan_id, (SELECT supporters FROM usulan WHERE usulan.id = um.usulan_id) "
        f"FROM aspirations a LEFT JOIN contacts c ON c.id = a.contact_id "
        f"LEFT JOIN usulan_members um ON um.aspiration_id = a.id {sql} "
        "ORDER BY a.created_at DESC, a.id DESC", params)
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            return
        yield from rows


def contacts_page(db, search: str | None, limit: int = 50,
                  before: int | None = None) -> list[dict]:
    """Contacts for the admin page, matched on number, name or kelurahan, newest first;
    `before` (a contact id) pages on by key: (last_seen, id) below that contact's."""
    clauses, params = [], []
    if search:
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(address LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' "
                       "OR kelurahan LIKE ? ESCAPE '\\')")
        params += [like, like, like]
    if before:
        clauses.append("(last_seen, id) < (SELECT last_seen, id FROM contacts WHERE id = ?)")
        params.append(before)
    sql = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return list(db.query(
        f"SELECT * FROM contacts {sql} ORDER BY last_seen DESC, id DESC LIMIT ?",
        [*params, limit]))


def contact_names(db, addresses: list[str]) -> dict[str, str]:
    """{address: name} for the contacts among these addresses that have a name."""
    wanted = list({a for a in addresses if a})[:500]
    if not wanted:
        return {}
    marks = ",".join("?" for _ in wanted)
    return {a: n for a, n in db.execute(
        f"SELECT address, name FROM contacts WHERE address IN ({marks}) AND name IS NOT NULL "
        "AND name != ''", wanted).fetchall()}


def _scoped(scope: str | None, extra: str = "") -> tuple[str, list]:
    """Dashboard conditions: aspirations only (never questions), within the scope."""
    clauses = [c for c in ("kelurahan = ?" if scope is not None else "", "kind = 'aspirasi'",
                           extra) if c]
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", [scope] if scope else []


def counts_between(db, scope: str | None, bounds: list[str]) -> list[int]:
    """Aspirations in each [bounds[i], bounds[i+1]) UTC range: one index range count each."""
    sql, params = _scoped(scope, "created_at >= ? AND created_at < ?")
    return [db.execute(f"SELECT count(*) FROM aspirations {sql}", [*params, low, high])
            .fetchone()[0] for low, high in zip(bounds, bounds[1:], strict=False)]


def overdue(db, scope: str | None, before_utc: str, limit: int = 20) -> tuple[int, list[dict]]:
    """Status `baru` received before the cutoff: (how many, the oldest few)."""
    sql, params = _scoped(scope, "status = 'baru' AND created_at < ?")
    count = db.execute(f"SELECT count(*) FROM aspirations {sql}", [*params, before_utc])
    rows = db.query(
        f"SELECT ticket, created_at, kelurahan, category, substr(text, 1, 200) AS text "
        f"FROM aspirations {sql} ORDER BY created_at LIMIT ?", [*params, before_utc, limit])
    return count.fetchone()[0], list(rows)

