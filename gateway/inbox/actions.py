"""What one staff action on a ticket does, shared by the ticket page and bulk actions: load it in
scope, change its status (the SMS held in the outbox for the undo window), undo, assign."""

from __future__ import annotations

from flask import abort

from data import aspiration_edits, inbox_queries, outbox, staff_accounts
from data.clock import later
from gateway import auth, runtime
from gateway.inbox import texts
from handlers import queue


def load(ticket: str) -> dict:
    """The aspiration in the user's scope, or 404 (other kelurahan look like missing tickets)."""
    row = inbox_queries.aspiration(runtime.db(), ticket, auth.scope_kelurahan())
    if row is None:
        abort(404)
    return row


def queue_to_citizen(db, row: dict, dedupe_key: str, kind: str, body: str,
                     not_before: str | None = None) -> int | None:
    """Put a message to the ticket's sender in the outbox (same transaction as the action)."""
    return outbox.to_sender(db, row, dedupe_key, kind, body, not_before)


def wake_sender() -> None:
    queue.try_wake(runtime.settings().effective_redis_url, "outbound")


def status_sms(row: dict, new_status: str, opd: str | None, reason: str | None) -> str | None:
    """The exact SMS the citizen will get (None for a question: answered by a reply)."""
    if row["kind"] == "pertanyaan":
        return None
    return texts.status_text(new_status, row["ticket"], opd=opd, reason=reason)


def apply_status(db, row: dict, new_status: str, actor: str, opd: str | None,
                 reason: str | None, batch: str | None = None) -> int:
    """Record the change and queue its SMS, held ASPIRASI_UNDO_SECONDS for "Batalkan"."""
    change_id = aspiration_edits.change_status(db, row, new_status, actor, opd, reason, batch)
    body = status_sms(row, new_status, opd, reason)
    hold = later(runtime.settings().undo_seconds)
    outbox_id = body and queue_to_citizen(db, row, f"status:{row['id']}:{change_id}", "status",
                                          body, not_before=hold)
    if outbox_id:
        aspiration_edits.link_outbox(db, "status_changes", change_id, outbox_id)
    auth.record("status", row["ticket"], old=row["status"], new=new_status, opd=opd,
                reason=reason, batch=batch)
    return change_id


def undo_problem(db, change: dict | None, row: dict) -> str | None:
    """Why this change can no longer be undone (Bahasa Indonesia), or None."""
    if not change or change["aspiration_id"] != row["id"] or change["undo_of"]:
        return "Perubahan status tidak ditemukan."
    if change["undone"]:
        return "Perubahan ini sudah dibatalkan."
    if change["latest"] != change["id"]:
        return "Status sudah diubah lagi sesudahnya; perubahan ini tidak bisa dibatalkan."
    if change["outbox_id"] is None:
        return None if change["at"] > later(-runtime.settings().undo_seconds) else \
            "Waktu pembatalan sudah lewat."
    return None


def undo(db, change: dict, row: dict, actor: str) -> str | None:
    """Cancel the held SMS and put the old status back; a problem text when it is too late."""
    problem = undo_problem(db, change, row)
    if problem:
        return problem
    if change["outbox_id"] is not None and not outbox.cancel_held(db, change["outbox_id"]):
        return "SMS status sudah dikirim ke warga; perubahan tidak bisa dibatalkan."
    aspiration_edits.undo_status(db, change, actor)
    auth.record("status_undo", row["ticket"], old=change["new_status"],
                new=change["old_status"])
    return None


def assignable(db, row: dict) -> list[dict]:
    """Active staff who may work on this ticket (a kelurahan account: its own kelurahan only)."""
    return [u for u in staff_accounts.all_users(db) if u["active"] and (
        u["role"] != "kelurahan" or u["kelurahan"] == row["kelurahan"])]


def assign(db, row: dict, username: str | None) -> bool:
    """Assign to a staff member who may see the ticket; audited. False: nothing changed."""
    user = None
    if username:
        user = next((u for u in assignable(db, row) if u["username"] == username), None)
        if user is None:
            abort(400, description="Petugas tidak dikenal atau tidak berhak atas tiket ini.")
    changed = aspiration_edits.assign(db, row, user, auth.current_user()["username"])
    if changed:
        auth.record("assign", row["ticket"], old=row.get("assignee"),
                    new=user["username"] if user else None)
    return changed
