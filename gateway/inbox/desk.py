"""Teamwork on a ticket: assign it, fill its formal proposal (Usulan Musrenbang), and the
canned replies admins keep for everyone."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from data import desk
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox import actions
from handlers.replies import fit_sms_segment

bp = Blueprint("desk", __name__)
MAX_CANNED = 600
LIMITS = {"title": 200, "location": 200, "unit": 30, "opd": 120}


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


def _number(text: str | None, name: str, integer: bool = False, low: float = 0,
            high: float = 1e13):
    """A number typed the Indonesian way ("1.500.000", "12,5") or None; ValueError names it."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    if integer:
        text = text.replace(".", "").replace(",", "")
    elif "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise ValueError(f"{name} harus angka, bukan {text!r}.") from None
    if not low <= value <= high:
        raise ValueError(f"{name} di luar batas.")
    return value


@bp.route("/inbox/<ticket>/usulan", methods=["POST"])
@auth.login_required
def proposal(ticket):
    """The Usulan Musrenbang fields of this ticket (exported on their own sheet)."""
    row = actions.load(ticket)
    if row["kind"] != "aspirasi":
        abort(400, description="Pertanyaan tidak punya usulan Musrenbang.")
    form = request.form
    values = {k: " ".join((form.get(k) or "").split())[:n] or None for k, n in LIMITS.items()}
    try:
        values["volume"] = _number(form.get("volume"), "Volume")
        values["cost"] = _number(form.get("cost"), "Perkiraan biaya", integer=True)
        values["priority"] = _number(form.get("priority"), "Prioritas", integer=True, low=1,
                                     high=999)
    except ValueError as exc:
        flash(f"Usulan tidak disimpan: {exc}", "error")
        return _back(row)
    db = runtime.db()
    with transaction(db):
        desk.save_proposal(db, row["id"], values, auth.current_user()["username"])
        auth.record("proposal", row["ticket"], **{k: v for k, v in values.items() if v})
    flash("Usulan Musrenbang disimpan.", "info")
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
