"""What an OPD sees and writes: the tickets and usulan forwarded to it (only those: every read
here takes the OPD), its answers, and whether it may answer citizens directly.

Forwarded: a ticket whose status became `diteruskan` with this OPD (it stays visible once
`selesai`), an usulan `diteruskan` (or later `selesai`) with this OPD.
"""

from __future__ import annotations

from data.clock import utcnow

VISIBLE = ("diteruskan", "selesai")
ANSWER_STATES = ("menunggu", "terkirim", "dikembalikan")
# When the ticket was forwarded: the OPD's deadline counts from here.
TICKET_FORWARDED = ("(SELECT max(at) FROM status_changes s WHERE s.aspiration_id = a.id AND "
                    "s.new_status = 'diteruskan')")
ANSWERED = ("EXISTS (SELECT 1 FROM opd_answers o WHERE o.{key} = {alias}.id AND o.opd = "
            "{alias}.opd AND o.state != 'dikembalikan')")


def tickets(db, opd: str, limit: int = 500) -> list[dict]:
    marks = ",".join("?" for _ in VISIBLE)
    return list(db.query(
        f"SELECT a.id, a.ticket, a.text, a.kelurahan, a.kecamatan, a.category, a.status, "
        f"a.created_at, {TICKET_FORWARDED} AS forwarded_at, "
        f"{ANSWERED.format(key='aspiration_id', alias='a')} AS answered FROM aspirations a "
        f"WHERE a.opd = ? AND a.status IN ({marks}) AND a.kind = 'aspirasi' "
        f"ORDER BY a.status != 'diteruskan', forwarded_at LIMIT ?", [opd, *VISIBLE, limit]))


def usulan_list(db, opd: str, limit: int = 500) -> list[dict]:
    marks = ",".join("?" for _ in VISIBLE)
    return list(db.query(
        f"SELECT u.*, {ANSWERED.format(key='usulan_id', alias='u')} AS answered FROM usulan u "
        f"WHERE u.opd = ? AND u.status IN ({marks}) ORDER BY u.status != 'diteruskan', "
        f"u.forwarded_at LIMIT ?", [opd, *VISIBLE, limit]))


def ticket(db, opd: str, code: str) -> dict | None:
    """The ticket if it was forwarded to this OPD; None for anything else (a 404)."""
    marks = ",".join("?" for _ in VISIBLE)
    rows = list(db.query(
        f"SELECT a.*, {TICKET_FORWARDED} AS forwarded_at FROM aspirations a WHERE a.ticket = ? "
        f"AND a.opd = ? AND a.status IN ({marks}) AND a.kind = 'aspirasi'",
        [(code or "").upper(), opd, *VISIBLE]))
    return rows[0] if rows else None


def usulan_item(db, opd: str, usulan_id: int | None) -> dict | None:
    marks = ",".join("?" for _ in VISIBLE)
    rows = list(db.query(f"SELECT * FROM usulan WHERE id = ? AND opd = ? AND status IN "
                         f"({marks})", [usulan_id, opd, *VISIBLE])) if usulan_id else []
    return rows[0] if rows else None


def add_answer(db, opd: str, body: str, author: str, state: str,
               aspiration_id: int | None = None, usulan_id: int | None = None) -> int:
    if state not in ANSWER_STATES:
        raise ValueError(state)
    return db.execute(
        "INSERT INTO opd_answers (opd, aspiration_id, usulan_id, body, state, author, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [opd, aspiration_id, usulan_id, body, state, author, utcnow()]).lastrowid


def answer(db, answer_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM opd_answers WHERE id = ?", [answer_id]))
    return rows[0] if rows else None


def answers(db, aspiration_id: int | None = None, usulan_id: int | None = None) -> list[dict]:
    key, value = ("aspiration_id", aspiration_id) if aspiration_id else ("usulan_id", usulan_id)
    return list(db.query(f"SELECT * FROM opd_answers WHERE {key} = ? ORDER BY id", [value]))


def waiting(db, limit: int = 200) -> list[dict]:
    """Answers waiting for the planning office, oldest first, with what they answer."""
    return list(db.query(
        "SELECT o.*, a.ticket, u.title AS usulan_title FROM opd_answers o "
        "LEFT JOIN aspirations a ON a.id = o.aspiration_id LEFT JOIN usulan u ON "
        "u.id = o.usulan_id WHERE o.state = 'menunggu' ORDER BY o.id LIMIT ?", [limit]))


def review(db, answer_id: int, state: str, reviewer: str, note: str | None = None) -> bool:
    """menunggu → terkirim | dikembalikan, once (a second click changes nothing)."""
    return db.execute(
        "UPDATE opd_answers SET state = ?, reviewed_by = ?, reviewed_at = ?, review_note = ? "
        "WHERE id = ? AND state = 'menunggu'",
        [state, reviewer, utcnow(), note, answer_id]).rowcount == 1


def link_sent(db, answer_id: int, outbox_id: int | None = None,
              broadcast_id: int | None = None) -> None:
    db.execute("UPDATE opd_answers SET outbox_id = coalesce(?, outbox_id), broadcast_id = "
               "coalesce(?, broadcast_id) WHERE id = ?", [outbox_id, broadcast_id, answer_id])


def direct_allowed(db, opd: str) -> bool:
    row = db.execute("SELECT direct_answer FROM opd_settings WHERE opd = ?", [opd]).fetchone()
    return bool(row and row[0])


def direct_map(db) -> dict[str, bool]:
    return {r[0]: bool(r[1]) for r in db.execute("SELECT opd, direct_answer FROM opd_settings")}


def set_direct(db, opd: str, allowed: bool, actor: str) -> None:
    db.execute("INSERT INTO opd_settings (opd, direct_answer, updated_by, updated_at) VALUES "
               "(?, ?, ?, ?) ON CONFLICT (opd) DO UPDATE SET direct_answer = "
               "excluded.direct_answer, updated_by = excluded.updated_by, updated_at = "
               "excluded.updated_at", [opd, int(allowed), actor, utcnow()])


def overdue(db, before: str, scope: str | None = None) -> list[dict]:
    """Forwarded items still `diteruskan`, unanswered, forwarded before `before` (the
    deadline cutoff): tickets and usulan together, oldest first."""
    place = " AND a.kelurahan = ?" if scope else ""
    rows = list(db.query(
        f"SELECT 'tiket' AS item, a.ticket AS code, a.opd, a.kelurahan, a.text AS title, "
        f"{TICKET_FORWARDED} AS forwarded_at FROM aspirations a WHERE a.opd IS NOT NULL AND "
        f"a.status = 'diteruskan' AND a.kind = 'aspirasi' AND NOT "
        f"{ANSWERED.format(key='aspiration_id', alias='a')}{place}", [scope] if scope else []))
    place = " AND u.kelurahan = ?" if scope else ""
    rows += list(db.query(
        f"SELECT 'usulan' AS item, u.id AS code, u.opd, u.kelurahan, u.title, u.forwarded_at "
        f"FROM usulan u WHERE u.opd IS NOT NULL AND u.status = 'diteruskan' AND NOT "
        f"{ANSWERED.format(key='usulan_id', alias='u')}{place}", [scope] if scope else []))
    return sorted((r for r in rows if r["forwarded_at"] and r["forwarded_at"] < before),
                  key=lambda r: r["forwarded_at"])
