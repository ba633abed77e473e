"""Teamwork on a ticket: assign it, fill its formal proposal (Usulan Musrenbang), and the
canned replies admins keep for everyone."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from data import desk, reference, usulan, usulan_edits
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox import actions
from gateway.usulan_forms import read_fields
from handlers.replies import fit_sms_segment

bp = Blueprint("desk", __name__)
MAX_CANNED = 600


def _back(row):
    return redirect(url_for("detail.show", ticket=row["ticket"]))


@bp.route("/inbox/<ticket>/tugaskan", methods=["POST"])
@auth.login_required
def assign(ticket):
    row = actions.load(ticket)
    db = runtime.db()
    username = (request.form.get("petugas") or "").strip() or None
    if username == "__saya__":
        username = auth.current_user()["username"]
    with transaction(db):
        changed = actions.assign(db, row, username)
    flash((f"Tiket ditugaskan ke {username}." if username else "Penugasan dilepas.")
          if changed else "Tidak ada perubahan.", "info")
    return _back(row)


@bp.route("/inbox/<ticket>/usulan", methods=["POST"])
@auth.login_required
def proposal(ticket):
    """The Usulan Musrenbang fields from the ticket page: they belong to the ticket's usulan
    (every ticket in it shares them; exported on the sheet "Usulan Musrenbang")."""
    row = actions.load(ticket)
    proposal = usulan.of_aspiration(runtime.db(), row["id"])
    if row["kind"] != "aspirasi" or proposal is None:
        abort(400, description="Tiket ini belum masuk usulan Musrenbang.")
    form = {**request.form}
    form["title"] = form.get("title") or proposal["title"]  # blank keeps the current title
    form["cycle"] = form.get("cycle") or str(proposal["cycle"])
    values, problem = read_fields(form, reference.opd_list())
    if problem:
        flash(f"Usulan tidak disimpan: {problem}", "error")
        return _back(row)
    db = runtime.db()
    with transaction(db):
        changed = usulan_edits.save_fields(db, proposal["id"], values)
        if changed:
            auth.record("usulan_fields", usulan.code(proposal["id"]), ticket=row["ticket"],
                        changes={k: list(v) for k, v in changed.items()})
    flash(f"Usulan Musrenbang {usulan.code(proposal['id'])} disimpan.", "info")
    return _back(row)


@bp.route("/admin/balasan", methods=["GET", "POST"])
@auth.role_required("admin")
def canned():
    """Canned replies: Bahasa Indonesia, {tiket} and {kelurahan} filled in per ticket."""
    db = runtime.db()
    if request.method == "POST":
        form = request.form
        title = " ".join((form.get("title") or "").split())[:80]
        body = (form.get("body") or "").strip()[:MAX_CANNED]
        try:
            reply_id = int(form.get("id") or 0) or None
        except ValueError:
            reply_id = None
        unknown = desk.unknown_placeholders(body)
        if not title or not body:
            flash("Judul dan isi templat wajib diisi.", "error")
        elif unknown:
            flash("Isian tidak dikenal: " + ", ".join("{" + u + "}" for u in unknown)
                  + ". Yang bisa dipakai: {tiket}, {kelurahan}.", "error")
        else:
            with transaction(db):
                desk.save_canned(db, reply_id, title, body, auth.current_user()["username"],
                                 active=form.get("active", "1") == "1")
                auth.record("canned", title)
            flash(f"Templat \"{title}\" disimpan.", "info")
        return redirect(url_for("desk.canned"))
    rows = desk.canned_replies(db, include_inactive=True)
    sample = {"ticket": "A7K2Q", "kelurahan": "Girian Bawah"}
    for row in rows:
        row["example"] = desk.fill(row["body"], sample)
        row["one_segment"] = fit_sms_segment(row["example"]) == row["example"]
    return render_template("admin/canned.html", rows=rows)
