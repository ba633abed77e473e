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
                  reason: str | None = None) -> int:
    """Record a status change and update the aspiration; returns the change id."""
    now = utcnow()
    cursor = db.execute(
        "INSERT INTO status_changes (aspiration_id, old_status, new_status, opd, reason, actor, "
        "at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [aspiration["id"], aspiration["status"], new_status, opd, reason, actor, now])
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
