"""What the usulan pages and the Musrenbang lists read: ranked lists, members, supporters.

The rank (one place): staff priority first (1 most urgent … 5; not set counts as 3), then
more supporters, then the older usulan (it has waited longer), then its number.
"""

from __future__ import annotations

from data.usulan import id_of
from parsers.search import fts_expression

RANK = "coalesce(u.priority, 3), u.supporters DESC, u.created_at, u.id"
DEFAULT_PRIORITY = 3
# Which usulan each list shows. The kelurahan forum ranks every live proposal of its
# kelurahan; the kecamatan forum those its kelurahan forums accepted.
LISTS = {
    "kelurahan": ("terbuka", "kecamatan", "diteruskan", "selesai"),
    "kecamatan": ("kecamatan", "diteruskan", "selesai"),
}
# The founding need's full text (the first member when staff moved the founder away).
FIRST_TEXT = ("(SELECT a.text FROM usulan_members m JOIN aspirations a ON a.id = m.aspiration_id"
              " WHERE m.usulan_id = u.id ORDER BY m.how != 'pendiri', a.id LIMIT 1)")
COLUMNS = ("u.id, u.cycle, u.kelurahan, u.kecamatan, u.category, u.title, u.location, u.volume, "
           "u.unit, u.cost, u.opd, u.priority, u.status, u.supporters, u.members, "
           "u.unconfirmed, u.created_at, u.forwarded_at, u.note")


def _where(filters: dict, scope: str | None) -> tuple[str, list]:
    clauses, params = ["u.status != 'digabung'"], []
    for key in ("cycle", "kelurahan", "kecamatan", "category", "status", "opd"):
        if filters.get(key) not in (None, ""):
            clauses.append(f"u.{key} = ?")
            params.append(filters[key])
    if filters.get("statuses"):
        clauses.append(f"u.status IN ({','.join('?' for _ in filters['statuses'])})")
        params.extend(filters["statuses"])
    if filters.get("unconfirmed"):
        clauses.append("u.unconfirmed > 0")
    if filters.get("q"):
        clauses.append(_search(filters["q"], params))
    if scope is not None:
        clauses.append("u.kelurahan = ?")
        params.append(scope)
    return " AND ".join(clauses), params


def _search(q: str, params: list) -> str:
    """The title as typed, any need in it by the inbox's spelling-proof search (every spelling
    the parser knows: "jalan" finds "jln"), or the usulan's own code ("U-0002", "u2")."""
    parts = ["u.title LIKE ? ESCAPE '\\'"]
    params.append("%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    match = fts_expression(q)
    if match:
        parts.append("u.id IN (SELECT m.usulan_id FROM usulan_members m WHERE m.aspiration_id IN "
                     "(SELECT rowid FROM aspirations_fts WHERE aspirations_fts MATCH ?))")
        params.append(match)
    code = id_of(q) if len(q.split()) == 1 else None
    if code is not None:
        parts.append("u.id = ?")
        params.append(code)
    return "(" + " OR ".join(parts) + ")"


def ranked(db, filters: dict, scope: str | None = None, limit: int | None = 100,
           offset: int = 0, full_text: bool = False) -> list[dict]:
    """Usulan matching the filters in rank order (with the first need's text for print)."""
    where, params = _where(filters, scope)
    extra = f", {FIRST_TEXT} AS first_text" if full_text else ""
    paging = " LIMIT ? OFFSET ?" if limit is not None else ""
    rows = list(db.query(
        f"SELECT {COLUMNS}{extra} FROM usulan u WHERE {where} ORDER BY {RANK}{paging}",
        [*params, *((limit, offset) if limit is not None else ())]))
    for n, row in enumerate(rows, offset + 1):
        row["rank"] = n
    return rows


def count(db, filters: dict, scope: str | None = None) -> int:
    where, params = _where(filters, scope)
    return db.execute(f"SELECT count(*) FROM usulan u WHERE {where}", params).fetchone()[0]


def cycles(db) -> list[int]:
    return [r[0] for r in db.execute("SELECT DISTINCT cycle FROM usulan ORDER BY cycle DESC")]


def members(db, usulan_id: int) -> list[dict]:
    """The tickets in an usulan with their senders (addresses: the caller masks them)."""
    return list(db.query(
        "SELECT a.id, a.ticket, a.text, a.status, a.created_at, a.channel, c.address, c.name, "
        "m.how, m.score, m.confirmed, m.joined_at FROM usulan_members m "
        "JOIN aspirations a ON a.id = m.aspiration_id LEFT JOIN contacts c ON c.id = a.contact_id "
        "WHERE m.usulan_id = ? ORDER BY a.id", [usulan_id]))


def supporters(db, usulan_id: int, limit: int = 500) -> list[dict]:
    return list(db.query(
        "SELECT s.via, s.at, c.address, c.name FROM usulan_supporters s "
        "JOIN contacts c ON c.id = s.contact_id WHERE s.usulan_id = ? ORDER BY s.at LIMIT ?",
        [usulan_id, limit]))


def history(db, code: str, limit: int = 100) -> list[dict]:
    """What staff did to this usulan (the audit log, newest first)."""
    return list(db.query("SELECT at, actor, action, detail FROM audit_log WHERE target = ? "
                         "ORDER BY id DESC LIMIT ?", [code, limit]))


def export_rows(db, filters: dict, scope: str | None = None) -> list[dict]:
    """The ranked proposals for the XLSX sheet "Usulan Musrenbang"."""
    return ranked(db, filters, scope, limit=None, full_text=True)
