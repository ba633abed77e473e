"""Bulk actions on selected tickets: status, category or assignment in one go. A preview comes
first (each ticket, what changes, the exact SMS where one is sent, what is skipped and why);
every change is audited on its own, and status SMS wait in the outbox like single changes."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for

from data import aspiration_edits, aspirations, inbox_queries, reference, staff_accounts
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox import actions, workflow
from gateway.inbox.status import read_change
from handlers import grouping
from handlers.replies import CATEGORY_LABELS

bp = Blueprint("bulk", __name__)
MAX_ROWS = 500
ACTIONS = {"status": "Ubah status", "category": "Ubah kategori", "assign": "Tugaskan"}


def plan(db, rows: list[dict], form, user: dict) -> list[dict]:
    """For each ticket: what would change, the SMS it sends, or why it is skipped."""
    action, out = form.get("aksi"), []
    staff = {u["username"]: u for u in staff_accounts.all_users(db) if u["active"]}
    for row in rows:
        item = {"row": row, "change": None, "sms": None, "skip": None}
        if action == "status":
            new_status, opd, reason, problem = read_change(form, row, user["role"])
            item.update(skip=problem, change=f"{row['status']} → {new_status}",
                        sms=None if problem else actions.status_sms(row, new_status, opd,
                                                                     reason))
        elif action == "category":
            value = form.get("category")
            item.update(skip="kategori tidak dikenal" if value not in CATEGORY_LABELS else
                        "sudah kategori itu" if row["category"] == value else None,
                        change=f"{row['category']} → {value}")
        elif action == "assign":
            name = form.get("petugas") or ""
            user_row = staff.get(name)
            fits = user_row and (user_row["role"] != "kelurahan"
                                 or user_row["kelurahan"] == row["kelurahan"])
            item.update(skip=None if fits else "petugas tidak berhak atas tiket ini",
                        change=f"{row.get('assignee') or '-'} → {name}")
        else:
            item["skip"] = "pilih tindakan"
        out.append(item)
    return out


def apply(db, items: list[dict], form, actor: str, batch: str) -> int:
    done = 0
    for item in items:
        if item["skip"]:
            continue
        row = item["row"]
        if form.get("aksi") == "status":
            new_status, opd, reason, _ = read_change(form, row, auth.current_user()["role"])
            actions.apply_status(db, row, new_status, actor, opd, reason, batch=batch)
        elif form.get("aksi") == "category":
            aspiration_edits.correct(db, row, "category", form["category"], actor)
            auth.record("correct", row["ticket"], field="category", old=row["category"],
                        new=form["category"], batch=batch)
            # another category: another usulan, as a correction on the ticket page
            grouping.sync(db, runtime.settings(), aspirations.get(db, row["id"]))
        else:
            actions.assign(db, row, form.get("petugas"))
        done += 1
    return done


@bp.route("/inbox/massal", methods=["POST"])
@auth.login_required
def bulk():
    form, db, user = request.form, runtime.db(), auth.current_user()
    tickets = form.getlist("tiket")
    if not tickets:
        flash("Pilih dulu tiket yang akan diubah (centang di daftar).", "error")
        return redirect(url_for("inbox.index"))
    if len(tickets) > MAX_ROWS:
        flash(f"Paling banyak {MAX_ROWS} tiket sekali ubah.", "error")
        return redirect(url_for("inbox.index"))
    rows = inbox_queries.by_tickets(db, tickets, auth.scope_kelurahan())
    items = plan(db, rows, form, user)
    if form.get("langkah") != "kirim":
        return render_template("inbox/bulk.html", items=items, form=form, actions=ACTIONS,
                               ok=sum(1 for i in items if not i["skip"]),
                               next_label=workflow.fields_for(form.get("status") or ""),
                               config_opds=reference.opd_list)
    batch = secrets.token_hex(6)
    with transaction(db):
        done = apply(db, items, form, user["username"], batch)
    actions.wake_sender()
    flash(f"{ACTIONS.get(form.get('aksi'), 'Perubahan')}: {done} tiket diubah"
          + (f", {len(items) - done} dilewati" if len(items) > done else "") + ".", "info")
    if form.get("aksi") == "status" and done:
        return redirect(url_for("bulk.batch", batch=batch))
    return redirect(url_for("inbox.index"))


@bp.route("/inbox/massal/<batch>")
@auth.login_required
def batch(batch):
    """After a bulk status change: its tickets and "Batalkan semua" while the SMS wait."""
    changes = inbox_queries.batch_changes(runtime.db(), batch[:20])
    return render_template("inbox/bulk_done.html", batch=batch, changes=changes,
                           seconds=runtime.settings().undo_seconds)


@bp.route("/inbox/massal/<batch>/batal", methods=["POST"])
@auth.login_required
def undo_batch(batch):
    db, scope = runtime.db(), auth.scope_kelurahan()
    undone, late = 0, 0
    with transaction(db):
        for change in inbox_queries.batch_changes(db, batch[:20]):
            row = inbox_queries.aspiration(db, change["ticket"], scope)
            full = aspiration_edits.status_change(db, change["id"])
            if row and not actions.undo(db, full, row, auth.current_user()["username"]):
                undone += 1
            else:
                late += 1
    flash(f"{undone} perubahan dibatalkan" + (f"; {late} sudah terkirim atau berubah lagi"
                                              if late else "") + ".", "info")
    return redirect(url_for("inbox.index"))
