"""The planning office's side of OPD answers: approve an answer (then it goes to the citizen,
or to every supporter of an usulan) or send it back with a note; and, for admins, which OPD
may answer citizens directly. Every decision is audited; a second click changes nothing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from data import aspirations, opd_items, reference, usulan
from data.db import transaction
from gateway import auth, runtime
from gateway.opd_desk import wake
from handlers import opd_answers

bp = Blueprint("opd_review", __name__, url_prefix="/jawaban-opd")


@bp.route("/")
@auth.role_required("admin", "staf")
def index():
    return render_template("opd/review.html", rows=opd_items.waiting(runtime.db()))


def _item(db, answer: dict) -> dict:
    if answer["aspiration_id"]:
        return aspirations.get(db, answer["aspiration_id"])
    return usulan.get(db, answer["usulan_id"])


def _code(answer: dict, item: dict) -> str:
    return item["ticket"] if answer["aspiration_id"] else usulan.code(item["id"])


@bp.route("/<int:answer_id>/<decision>", methods=["POST"])
@auth.role_required("admin", "staf")
def review(answer_id: int, decision: str):
    if decision not in ("setujui", "kembalikan"):
        abort(404)
    db, actor = runtime.db(), auth.current_user()["username"]
    answer = opd_items.answer(db, answer_id) or abort(404)
    item = _item(db, answer)
    note = " ".join((request.form.get("note") or "").split())[:300] or None
    if decision == "kembalikan" and not note:
        flash("Tulis alasan mengembalikan jawaban ke OPD.", "error")
        return redirect(url_for("opd_review.index"))
    sent = (None, None)
    with transaction(db):
        state = "terkirim" if decision == "setujui" else "dikembalikan"
        done = opd_items.review(db, answer_id, state, actor, note)
        if done and state == "terkirim":
            sent = opd_answers.deliver(db, opd_items.answer(db, answer_id), item, actor)
        if done:
            auth.record("opd_answer_review", _code(answer, item), opd=answer["opd"],
                        state=state, note=note)
    wake(*sent)
    flash(("Jawaban disetujui dan dikirim ke warga." if decision == "setujui" else
           "Jawaban dikembalikan ke OPD.") if done else "Jawaban ini sudah diperiksa.",
          "info" if done else "warning")
    return redirect(url_for("opd_review.index"))


@bp.route("/pengaturan", methods=["GET", "POST"])
@auth.role_required("admin")
def settings():
    db = runtime.db()
    if request.method == "POST":
        opd = request.form.get("opd") or ""
        if opd not in reference.opd_list():
            abort(400, description="OPD tidak dikenal.")
        allowed = request.form.get("langsung") == "1"
        with transaction(db):
            opd_items.set_direct(db, opd, allowed, auth.current_user()["username"])
            auth.record("opd_direct", opd, direct=allowed)
        flash(f"{opd}: jawaban {'langsung ke warga' if allowed else 'lewat persetujuan'}.",
              "info")
        return redirect(url_for("opd_review.settings"))
    return render_template("opd/settings.html", opds=reference.opd_list(),
                           direct=opd_items.direct_map(db),
                           days=runtime.settings().opd_deadline_days)
