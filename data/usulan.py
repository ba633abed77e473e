"""Usulan rows: one proposal for the Musrenbang gathering similar needs (its members) and the
distinct senders behind it (its supporters). Which need joins which usulan is decided in
handlers.grouping; staff actions (confirm, split, merge, status) are data.usulan_edits.
"""

from __future__ import annotations

from data import reads
from data.clock import utcnow
from parsers.commands import usulan_code

PREFIX = "U-"
# Open: a similar need or a DUKUNG still joins it. Closed: selesai, ditolak; digabung points on.
OPEN = ("terbuka", "kecamatan", "diteruskan")
STATUSES = (*OPEN, "selesai", "ditolak", "digabung")
TITLE_MAX = 120


def code(usulan_id: int) -> str:
    return f"{PREFIX}{usulan_id:04d}"


def id_of(text: str | None) -> int | None:
    """The id in an usulan code ("U-0123", "u123": parsers.commands.usulan_code), else None."""
    found = usulan_code(text or "")
    return int(found[len(PREFIX):]) if found else None


def title_of(text: str) -> str:
    """The first line of a need, as the usulan's title until staff write a better one."""
    line = " ".join((text or "").strip().splitlines()[0].split()) if (text or "").strip() else ""
    return line if len(line) <= TITLE_MAX else line[:TITLE_MAX - 1].rstrip() + "…"


def get(db, usulan_id: int) -> dict | None:
    return reads.first(db, "SELECT * FROM usulan WHERE id = ?", [usulan_id])


def resolve(db, usulan_id: int) -> dict | None:
    """The usulan, or the one it was merged into (a code a citizen was given stays valid)."""
    row = get(db, usulan_id)
    for _ in range(20):
        if row is None or row["status"] != "digabung" or not row["merged_into"]:
            return row
        row = get(db, row["merged_into"])
    return row


def create(db, aspiration: dict, cycle: int, terms: str) -> dict:
    """A new usulan founded by one need (its sender the first supporter)."""
    now = utcnow()
    usulan_id = db.execute(
        "INSERT INTO usulan (cycle, kelurahan, kecamatan, category, terms, title, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [cycle, aspiration["kelurahan"], aspiration["kecamatan"], aspiration["category"], terms,
         title_of(aspiration["text"]), now, now]).lastrowid
    add_member(db, usulan_id, aspiration, "pendiri", None)
    return get(db, usulan_id)


def candidates(db, kelurahan: str, category: str, cycle: int) -> list[tuple]:
    """(id, terms) of the open usulan a need of this bucket may join."""
    marks = ",".join("?" for _ in OPEN)
    return db.execute(
        f"SELECT id, terms FROM usulan WHERE kelurahan = ? AND category = ? AND cycle = ? "
        f"AND status IN ({marks})", [kelurahan, category, cycle, *OPEN]).fetchall()


def membership(db, aspiration_id: int) -> dict | None:
    """The need's membership with its usulan's fields (u_*), or None."""
    return reads.first(
        db, "SELECT m.*, u.kelurahan AS u_kelurahan, u.category AS u_category, u.status AS "
        "u_status, u.members AS u_members, u.supporters AS u_supporters, u.cycle AS u_cycle, "
        "u.terms AS u_terms FROM usulan_members m JOIN usulan u ON u.id = m.usulan_id "
        "WHERE m.aspiration_id = ?", [aspiration_id])


def add_member(db, usulan_id: int, aspiration: dict, how: str, score: float | None,
               confirmed: bool = False) -> None:
    """The need joins (or moves to) this usulan; its sender becomes a supporter."""
    db.execute(
        "INSERT INTO usulan_members (aspiration_id, usulan_id, how, score, confirmed, joined_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (aspiration_id) DO UPDATE SET "
        "usulan_id = excluded.usulan_id, how = excluded.how, score = excluded.score, "
        "confirmed = excluded.confirmed, joined_at = excluded.joined_at",
        [aspiration["id"], usulan_id, how, score, int(confirmed), utcnow()])
    if aspiration.get("contact_id"):
        add_supporter(db, usulan_id, aspiration["contact_id"], aspiration["message_id"], "pesan")
    recount(db, usulan_id)


def add_supporter(db, usulan_id: int, contact_id: int, message_id: int | None,
                  via: str) -> bool:
    """Count a sender once per usulan (a primary key, so concurrent replays add one row).
    True when this call added them."""
    return db.execute(
        "INSERT INTO usulan_supporters (usulan_id, contact_id, via, message_id, at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [usulan_id, contact_id, via, message_id, utcnow()]).rowcount == 1


def supporter(db, usulan_id: int, contact_id: int) -> dict | None:
    return reads.first(db, "SELECT * FROM usulan_supporters WHERE usulan_id = ? AND "
                       "contact_id = ?", [usulan_id, contact_id])


def supported_by(db, contact_id: int, limit: int) -> list[dict]:
    """The live usulan this contact supports, newest support first (for a bare CEK from
    someone who supported by DUKUNG and has no ticket of their own)."""
    return list(db.query(
        "SELECT u.id, u.supporters, u.status FROM usulan_supporters s JOIN usulan u ON "
        "u.id = s.usulan_id WHERE s.contact_id = ? AND u.status NOT IN ('digabung', 'ditolak') "
        "ORDER BY s.at DESC LIMIT ?", [contact_id, limit]))


def recount(db, usulan_id: int) -> None:
    """The counts the lists sort by, from the rows (after every change of members/supporters)."""
    db.execute(
        "UPDATE usulan SET supporters = (SELECT count(*) FROM usulan_supporters WHERE "
        "usulan_id = usulan.id), members = (SELECT count(*) FROM usulan_members WHERE "
        "usulan_id = usulan.id), unconfirmed = (SELECT count(*) FROM usulan_members WHERE "
        "usulan_id = usulan.id AND confirmed = 0 AND how != 'pendiri'), updated_at = ? "
        "WHERE id = ?", [utcnow(), usulan_id])


def rebuild_supporters(db, usulan_id: int) -> None:
    """Supporters by message follow the members (after a split or a merge); DUKUNG stays."""
    db.execute("DELETE FROM usulan_supporters WHERE usulan_id = ? AND via = 'pesan'",
               [usulan_id])
    db.execute(
        "INSERT INTO usulan_supporters (usulan_id, contact_id, via, message_id, at) "
        "SELECT ?, a.contact_id, 'pesan', min(a.message_id), min(m.joined_at) "
        "FROM usulan_members m JOIN aspirations a ON a.id = m.aspiration_id "
        "WHERE m.usulan_id = ? AND a.contact_id IS NOT NULL GROUP BY a.contact_id "
        "ON CONFLICT DO NOTHING", [usulan_id, usulan_id])
    recount(db, usulan_id)


def leave(db, aspiration_id: int) -> int | None:
    """The need leaves its usulan (a question now, or moved); returns the usulan it left."""
    row = db.execute("SELECT usulan_id FROM usulan_members WHERE aspiration_id = ?",
                     [aspiration_id]).fetchone()
    if row is None:
        return None
    db.execute("DELETE FROM usulan_members WHERE aspiration_id = ?", [aspiration_id])
    rebuild_supporters(db, row[0])
    return row[0]


def update(db, usulan_id: int, **fields) -> None:
    fields["updated_at"] = utcnow()
    db.table("usulan").update(usulan_id, fields)


def has_dukung(db, usulan_id: int) -> bool:
    return db.execute("SELECT 1 FROM usulan_supporters WHERE usulan_id = ? AND via = 'dukung' "
                      "LIMIT 1", [usulan_id]).fetchone() is not None


def of_aspiration(db, aspiration_id: int) -> dict | None:
    """The usulan a ticket belongs to (CEK, DUKUNG by ticket code)."""
    row = db.execute("SELECT usulan_id FROM usulan_members WHERE aspiration_id = ?",
                     [aspiration_id]).fetchone()
    return resolve(db, row[0]) if row else None


def claim_outcome(db, usulan_id: int, outcome: str) -> bool:
    """True for the one caller that may tell the supporters about this outcome."""
    return db.execute("INSERT INTO usulan_outcomes (usulan_id, outcome, at) VALUES (?, ?, ?) "
                      "ON CONFLICT DO NOTHING", [usulan_id, outcome, utcnow()]).rowcount == 1


def outcome_sent(db, usulan_id: int, outcome: str, broadcast_id: int) -> None:
    db.execute("UPDATE usulan_outcomes SET broadcast_id = ? WHERE usulan_id = ? AND outcome = ?",
               [broadcast_id, usulan_id, outcome])


def outcomes(db, usulan_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM usulan_outcomes WHERE usulan_id = ? ORDER BY at",
                         [usulan_id]))


def backfill_batch(db, limit: int) -> tuple[list[dict], int | None]:
    """Needs stored before usulan existed, next in line (and the last id looked at); ([],
    None) once every one was seen."""
    row = db.execute("SELECT next_id, until_id FROM usulan_backfill WHERE id = 1").fetchone()
    if row is None or row[0] > row[1]:
        return [], None
    last = min(row[0] + limit - 1, row[1])
    rows = list(db.query("SELECT * FROM aspirations WHERE id BETWEEN ? AND ? AND kind = "
                         "'aspirasi' AND kelurahan IS NOT NULL ORDER BY id", [row[0], last]))
    return rows, last


def backfill_done_until(db, last_id: int) -> None:
    db.execute("UPDATE usulan_backfill SET next_id = ? WHERE id = 1", [last_id + 1])


def adopt_proposal(db, aspiration_id: int) -> None:
    """Fields staff wrote on a ticket before usulan existed (table proposals) move to its
    usulan where the usulan has none yet (the title always: staff wrote it)."""
    db.execute(
        "UPDATE usulan SET title = coalesce(p.title, usulan.title), location = "
        "coalesce(usulan.location, p.location), volume = coalesce(usulan.volume, p.volume), "
        "unit = coalesce(usulan.unit, p.unit), cost = coalesce(usulan.cost, p.cost), opd = "
        "coalesce(usulan.opd, p.opd), priority = coalesce(usulan.priority, min(max(p.priority, "
        "1), 5)) FROM proposals p JOIN usulan_members m ON m.aspiration_id = p.aspiration_id "
        "WHERE usulan.id = m.usulan_id AND p.aspiration_id = ?", [aspiration_id])
