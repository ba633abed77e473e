"""Staff edits to an aspiration: corrections, status changes, notes and replies (with history)."""

from __future__ import annotations

from data.clock import utcnow


def correct(db, aspiration: dict, field: str, new_value: str | None, actor: str,
            kecamatan: str | None = None) -> bool:
    """Change category, kelurahan (kecamatan follows) or kind (aspirasi/pertanyaan), keeping
    who/when/from→to. Changed? The citizen answering "which kelurahan?" is recorded here too."""
    if field not in ("category", "kelurahan", "kind") or aspiration[field] == new_value:
        return False
    now = utcnow()
    db.execute(
        "INSERT INTO corrections (aspiration_id, field, old_value, new_value, actor, at) "
        "VALUES (?, ?, ?, ?, ?, ?)", [aspiration["id"], field, aspiration[field], new_value,
                                      actor, now])
    changes = {field: new_value, "updated_at": now}
    if field == "kelurahan":
        changes["kecamatan"] = kecamatan
    db.table("aspirations").update(aspiration["id"], changes)
    return True


def change_status(db, aspiration: dict, new_status: str, actor: str, opd: str | None = None,
                  reason: str | None = None, batch: str | None = None) -> int:
    """Record a status change and update the aspiration; returns the change id. The OPD and
    reason it replaces are kept, so an undo can put them back."""
    now = utcnow()
    cursor = db.execute(
        "INSERT INTO status_changes (aspiration_id, old_status, new_status, opd, reason, actor, "
        "at, prev_opd, prev_reason, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [aspiration["id"], aspiration["status"], new_status, opd, reason, actor, now,
         aspiration.get("opd"), aspiration.get("reject_reason"), batch])
    changes = {"status": new_status, "updated_at": now}
    if new_status == "diteruskan":
        changes["opd"] = opd
    if new_status == "ditolak":
        changes["reject_reason"] = reason
    db.table("aspirations").update(aspiration["id"], changes)
    return cursor.lastrowid


def link_outbox(db, table: str, row_id: int, outbox_id: int) -> None:
    """Remember which outbox row carried a status change or reply (its delivery shows up)."""
    if table not in ("status_changes", "notes"):
        raise ValueError(table)
    db.execute(f"UPDATE {table} SET outbox_id = ? WHERE id = ?", [outbox_id, row_id])


def add_note(db, aspiration_id: int, kind: str, body: str, actor: str) -> int:
    """An internal note (never sent) or the text of a reply to the citizen."""
    if kind not in ("note", "reply"):
        raise ValueError(kind)
    cursor = db.execute(
        "INSERT INTO notes (aspiration_id, kind, body, actor, at) VALUES (?, ?, ?, ?, ?)",
        [aspiration_id, kind, body, actor, utcnow()])
    return cursor.lastrowid


def status_change(db, change_id: int) -> dict | None:
    rows = list(db.query(
        "SELECT s.*, (SELECT 1 FROM status_changes u WHERE u.undo_of = s.id) AS undone, "
        "(SELECT max(id) FROM status_changes l WHERE l.aspiration_id = s.aspiration_id) AS latest "
        "FROM status_changes s WHERE s.id = ?", [change_id]))
    return rows[0] if rows else None


def undo_status(db, change: dict, actor: str) -> int:
    """Put back the status, OPD and reason a change replaced; the undo is a change of its own
    (undo_of), so the history and the inbox's cache key both see it. The caller has checked
    that the change is the ticket's latest and that its SMS never left."""
    now = utcnow()
    cursor = db.execute(
        "INSERT INTO status_changes (aspiration_id, old_status, new_status, opd, reason, actor, "
        "at, undo_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [change["aspiration_id"], change["new_status"], change["old_status"], change["prev_opd"],
         change["prev_reason"], actor, now, change["id"]])
    db.execute("UPDATE aspirations SET status = ?, opd = ?, reject_reason = ?, updated_at = ? "
               "WHERE id = ?", [change["old_status"], change["prev_opd"], change["prev_reason"],
                                now, change["aspiration_id"]])
    return cursor.lastrowid


def assign(db, aspiration: dict, user: dict | None, actor: str) -> bool:
    """Give the ticket to a staff member (None: to nobody); history in `assignments`."""
    new_id = user["id"] if user else None
    if aspiration.get("assigned_to") == new_id:
        return False
    db.execute("INSERT INTO assignments (aspiration_id, old_user, new_user, actor, at) "
               "VALUES (?, ?, ?, ?, ?)", [aspiration["id"], aspiration.get("assignee"),
                                          user["username"] if user else None, actor, utcnow()])
    db.execute("UPDATE aspirations SET assigned_to = ?, updated_at = ? WHERE id = ?",
               [new_id, utcnow(), aspiration["id"]])
    return True
