"""Safe status changes: the next sensible step pre-selected (never a closing one), only the
fields a status needs, the exact SMS previewed, and "Batalkan" while the SMS still waits."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for

from data import aspiration_edits, reference
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox import actions, workflow
from handlers.replies import segments

bp = Blueprint("status", __name__)


def read_change(form, row: dict, role: str) -> tuple[str, str | None, str | None, str | None]:
    """(status, opd, reason, problem) from a form; OPD and reason only where the status needs
    them, so a stray value is never stored or sent."""
    new_status = form.get("status") or ""
    needs = workflow.fields_for(new_status)
    opd = (form.get("opd") or None) if "opd" in needs else None
    reason = " ".join((form.get("reason") or "").split())[:300] or None
    reason = reason if "reason" in needs else None
    if not new_status:
        return new_status, opd, reason, "Pilih status baru."
    problem = workflow.check(row["status"], new_status, role, opd, reason, reference.opd_list())
    return new_status, opd, reason, problem


@bp.route("/inbox/<ticket>/status/pratinjau.json")
@auth.login_required
def preview(ticket):
    """The exact SMS for a status the form shows, and which fields that status needs."""
    row = actions.load(ticket)
    new_status, opd, reason, problem = read_change(request.args, row,
                                                  auth.current_user()["role"])
    text = None
    if new_status in workflow.next_statuses(row["status"], auth.current_user()["role"]):
        text = actions.status_sms(row, new_status, opd, reason)
    return jsonify({"status": new_status, "fields": workflow.fields_for(new_status),
                    "text": text, "segments": segments(text) if text else 0,
                    "closing": new_status in workflow.CLOSING, "problem": problem})


@bp.route("/inbox/<ticket>/status", methods=["POST"])
@auth.login_required
def change(ticket):
    row = actions.load(ticket)
    db = runtime.db()
    user = auth.current_user()
    new_status, opd, reason, problem = read_change(request.form, row, user["role"])
    back = redirect(url_for("detail.show", ticket=row["ticket"]))
    if problem:
        flash(problem, "error")
        return back
    with transaction(db):
        actions.apply_status(db, row, new_status, user["username"], opd, reason)
    actions.wake_sender()
    seconds = runtime.settings().undo_seconds
    if row["kind"] == "pertanyaan":
        flash(f"Status diubah ke {new_status}; pertanyaan: tidak ada SMS status (jawab lewat "
              "Balas ke warga).", "info")
    else:
        flash(f"Status diubah ke {new_status}. SMS ke warga menunggu {seconds:g} detik; "
              "tekan Batalkan bila keliru.", "info")
    return back


@bp.route("/inbox/<ticket>/status/<int:change_id>/batal", methods=["POST"])
@auth.login_required
def undo(ticket, change_id):
    """Undo a change whose SMS has not left: the SMS is canceled, the old status is back."""
    row = actions.load(ticket)
    db = runtime.db()
    with transaction(db):
        change = aspiration_edits.status_change(db, change_id)
        problem = actions.undo(db, change, row, auth.current_user()["username"])
    if problem:
        flash(problem, "error")
    else:
        flash(f"Perubahan dibatalkan: status kembali {change['old_status']}, SMS tidak "
              "dikirim.", "info")
    return redirect(url_for("detail.show", ticket=row["ticket"]))
