"""The agency's desk (role `opd`): the tickets and usulan forwarded to its OPD, and nothing
else (every lookup takes the OPD: another OPD's item is a 404, like a missing one; every other
staff route is a 404 too, gateway.auth.confine_opd). It answers (to the citizen once the
planning office approves, or at once when the admin allows it for this OPD) and sets
*selesai* with a note, within ASPIRASI_OPD_DEADLINE_DAYS working days of the forward.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from data import (
    aspiration_edits,
    clock,
    conversations,
    opd_items,
    reference,
    usulan,
    usulan_queries,
)
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox import actions, dashboard
from handlers import opd_answers, outcomes, queue

bp = Blueprint("opd_desk", __name__, url_prefix="/opd")
MAX_NOTE = 300


def due(stamp: str | None):
    """The last working day of the OPD's deadline for an item forwarded at `stamp`."""
    if not stamp:
        return None
    return dashboard.due_date(clock.to_wita(stamp).date(), reference.holidays(),
                              runtime.settings().opd_deadline_days)


def _mark(rows: list[dict]) -> list[dict]:
    today = clock.wita_today()
    for row in rows:
        row["due"] = due(row["forwarded_at"])
        row["overdue"] = bool(row["due"] and row["due"] < today and not row["answered"]
                              and row["status"] == "diteruskan")
    return rows


def _opd() -> str:
    return auth.scope_opd() or abort(404)


def _ticket(code: str) -> dict:
    return opd_items.ticket(runtime.db(), _opd(), code) or abort(404)


def _usulan(code: str) -> dict:
    return opd_items.usulan_item(runtime.db(), _opd(), usulan.id_of(code)) or abort(404)


@bp.route("/")
@auth.role_required("opd")
def index():
    db, opd = runtime.db(), _opd()
    return render_template("opd/index.html", opd=opd, tickets=_mark(opd_items.tickets(db, opd)),
                           proposals=_mark(opd_items.usulan_list(db, opd)),
                           days=runtime.settings().opd_deadline_days,
                           direct=opd_items.direct_allowed(db, opd))


@bp.route("/tiket/<code>")
@auth.role_required("opd")
def ticket(code):
    row, db = _ticket(code), runtime.db()
    return render_template("opd/item.html", item=row, kind="tiket", code=row["ticket"],
                           texts=conversations.content(db, row["id"]), due=due(row["forwarded_at"]),
                           answers=opd_items.answers(db, aspiration_id=row["id"]),
                           direct=opd_items.direct_allowed(db, _opd()))


@bp.route("/usulan/<code>")
@auth.role_required("opd")
def proposal(code):
    row, db = _usulan(code), runtime.db()
    return render_template("opd/item.html", item=row, kind="usulan", code=usulan.code(row["id"]),
                           texts=usulan_queries.members(db, row["id"]),
                           due=due(row["forwarded_at"]),
                           answers=opd_items.answers(db, usulan_id=row["id"]),
                           direct=opd_items.direct_allowed(db, _opd()))


def _back(kind: str, code: str):
    return redirect(url_for("opd_desk.ticket" if kind == "tiket" else "opd_desk.proposal",
                            code=code))


def _answer(kind: str, row: dict, code: str):
    db, opd, user = runtime.db(), _opd(), auth.current_user()
    body = " ".join((request.form.get("body") or "").split())[:MAX_NOTE]
    draft = {"opd": opd, "body": body, "aspiration_id": row["id"] if kind == "tiket" else None}
    room = opd_answers.fits(draft, row)
    if not body or room < 0:
        flash("Jawaban kosong." if not body else f"Jawaban terlalu panjang untuk satu SMS: "
              f"kurangi {-room} karakter.", "error")
        return _back(kind, code)
    direct = opd_items.direct_allowed(db, opd)
    sent = (None, None)
    with transaction(db):
        answer_id = opd_items.add_answer(
            db, opd, body, user["username"], "terkirim" if direct else "menunggu",
            aspiration_id=draft["aspiration_id"], usulan_id=None if kind == "tiket" else row["id"])
        if direct:
            sent = opd_answers.deliver(db, opd_items.answer(db, answer_id), row, user["username"])
        auth.record("opd_answer", code, opd=opd, direct=direct, length=len(body))
    wake(*sent)
    flash("Jawaban dikirim ke warga." if direct else
          "Jawaban disimpan dan menunggu persetujuan Bappeda sebelum dikirim ke warga.", "info")
    return _back(kind, code)


def wake(outbox_id: int | None, broadcast_id: int | None) -> None:
    url = runtime.settings().effective_redis_url
    if outbox_id:
        queue.try_wake(url, "outbound")
    if broadcast_id:
        queue.try_wake(url, "broadcast", broadcast_id)


@bp.route("/tiket/<code>/jawab", methods=["POST"])
@auth.role_required("opd")
def answer_ticket(code):
    row = _ticket(code)
    return _answer("tiket", row, row["ticket"])


@bp.route("/usulan/<code>/jawab", methods=["POST"])
@auth.role_required("opd")
def answer_proposal(code):
    row = _usulan(code)
    return _answer("usulan", row, usulan.code(row["id"]))


def _note() -> str | None:
    return " ".join((request.form.get("note") or "").split())[:MAX_NOTE] or None


@bp.route("/tiket/<code>/selesai", methods=["POST"])
@auth.role_required("opd")
def finish_ticket(code):
    row, db, opd, note = _ticket(code), runtime.db(), _opd(), _note()
    if row["status"] != "diteruskan" or not note:
        flash("Tulis catatan penyelesaian." if note is None else "Tiket ini sudah selesai.",
              "error")
        return _back("tiket", row["ticket"])
    actor = auth.current_user()["username"]
    with transaction(db):
        actions.apply_status(db, row, "selesai", actor, opd, None)
        aspiration_edits.add_note(db, row["id"], "note", f"Catatan {opd}: {note}", actor)
    actions.wake_sender()
    flash("Tiket dinyatakan selesai; warga menerima SMS.", "info")
    return _back("tiket", row["ticket"])


@bp.route("/usulan/<code>/selesai", methods=["POST"])
@auth.role_required("opd")
def finish_proposal(code):
    row, db, note = _usulan(code), runtime.db(), _note()
    if row["status"] != "diteruskan" or not note:
        flash("Tulis catatan penyelesaian." if note is None else "Usulan ini sudah selesai.",
              "error")
        return _back("usulan", usulan.code(row["id"]))
    with transaction(db):
        broadcast_id = outcomes.change_status(db, row, "selesai",
                                              auth.current_user()["username"], note=note)
        auth.record("usulan_status", usulan.code(row["id"]), old=row["status"], new="selesai",
                    opd=row["opd"], note=note, told=broadcast_id)
    wake(None, broadcast_id)
    flash("Usulan dinyatakan selesai; setiap pendukung menerima satu SMS.", "info")
    return _back("usulan", usulan.code(row["id"]))
