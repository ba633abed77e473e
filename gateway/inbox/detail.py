"""One ticket: the whole conversation, the parser's decision, corrections, status, notes, reply."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from data import (
    aspiration_edits,
    aspirations,
    conversations,
    desk,
    inbox_queries,
    media,
    reference,
    usulan,
)
from data.aspirations import KINDS
from data.clock import later, utcnow
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox import actions, workflow
from gateway.inbox.actions import load as _load
from gateway.inbox.actions import queue_to_citizen, wake_sender
from gateway.inbox.labels import DELIVERY_LABELS
from handlers import grouping
from handlers.replies import CATEGORY_LABELS, segments
from parsers import places

bp = Blueprint("detail", __name__)
MAX_REPLY = 600
# What each inbound message was to a ticket (data.conversations link kinds), for staff.
LINK_LABELS = {
    "need": "pesan awal tiket", "question": "pertanyaan", "part": "bagian tiket",
    "answer": "jawaban untuk tiket", "followup": "pesan susulan tiket",
    "check": "cek status tiket", "closing": "penutup (terima kasih/ok), tanpa tiket baru",
    "rsvp": "jawaban undangan rapat", "smalltalk": "sapaan, tanpa tiket",
    "support": "DUKUNG: dukungan untuk usulan",
}


def _media(raw: str) -> list[dict]:
    """Media links that are plain http(s) URLs; anything else (javascript:, data:) is dropped."""
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return []
    return [m for m in items if isinstance(m, dict) and isinstance(m.get("url"), str)
            and m["url"].lower().startswith(("https://", "http://"))]


def _location(message: dict) -> dict | None:
    try:
        lat, lon = float(message.get("latitude")), float(message.get("longitude"))
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"lat": lat, "lon": lon,
            "osm": f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/"
                   f"{lat:.6f}/{lon:.6f}"}


@bp.route("/inbox/<ticket>")
@auth.login_required
def show(ticket):
    row = _load(ticket)
    db = runtime.db()
    show_number = request.args.get("nomor") == "1" and auth.can_see_numbers()
    if show_number:
        with transaction(db):
            auth.record("view_number", row["ticket"])
    items = inbox_queries.conversation(db, row["address"], row["contact_id"],
                                       scope=auth.scope_kelurahan())
    inbound_ids = [i["id"] for i in items if i["direction"] == "in"]
    links = conversations.links_for(db, inbound_ids)
    stored = media.for_messages(db, inbound_ids)
    for item in items:
        if item["direction"] == "in":
            item["links"] = _media(item.get("media"))
            item["stored"] = stored.get(item["id"], [])
            item["location"] = _location(item)
            item["link"] = links.get(item["id"])
    unread = conversations.unread(db, row["id"])
    if unread:  # opening the ticket reads its follow-ups (the inbox badge goes away)
        with transaction(db):
            conversations.mark_read(db, row["id"], auth.current_user()["username"])
    try:
        keywords = json.loads(row["keywords"] or "[]")
    except ValueError:
        keywords = []
    user = auth.current_user()
    history = inbox_queries.history(db, row["id"])
    next_statuses = workflow.next_statuses(row["status"], user["role"])
    chosen = workflow.suggested(next_statuses)
    pending = _pending_reply(row["ticket"])
    return render_template(
        "inbox/detail.html", row=row, items=items, keywords=keywords, show_number=show_number,
        can_see_numbers=auth.can_see_numbers(), history=history,
        next_statuses=next_statuses, suggested=chosen,
        preview=actions.status_sms(row, chosen, None, None) if chosen else None,
        undoable=_undoable(history), opds=reference.opd_list(),
        kelurahan_list=places.all_kelurahan(), categories=CATEGORY_LABELS,
        reply_text=pending or _canned(db, row), confirm_long=bool(pending),
        link_labels=LINK_LABELS,
        unread=unread, kinds=KINDS, staff=actions.assignable(db, row),
        canned=desk.canned_replies(db), proposal=usulan.of_aspiration(db, row["id"]))


def _undoable(history: list[dict]) -> dict | None:
    """The latest status change while its SMS still waits in the outbox (or, for a question,
    within the undo window): the page offers "Batalkan"."""
    changes = [h for h in history if h["type"] == "status"]
    if not changes:
        return None
    last = changes[-1]
    if last["undo_of"] or last["undone"]:
        return None
    if last["outbox_id"]:
        return last if last["delivery"] == "queued" and last["send_at"] > utcnow() else None
    return last if last["at"] > later(-runtime.settings().undo_seconds) else None


def _canned(db, row: dict) -> str:
    """?templat=<id>: a canned reply with {tiket} and {kelurahan} filled in (works without JS)."""
    try:
        reply_id = int(request.args.get("templat") or 0)
    except ValueError:
        return ""
    found = desk.canned_reply(db, reply_id) if reply_id else None
    return desk.fill(found["body"], row) if found else ""


@bp.route("/inbox/<ticket>/pengiriman.json")
@auth.login_required
def delivery(ticket):
    """Delivery status of the messages to this sender, for the page to follow callbacks live."""
    row = _load(ticket)
    rows = inbox_queries.delivery(runtime.db(), row["contact_id"], scope=auth.scope_kelurahan())
    return jsonify({str(r["id"]): {"status": r["status"], "error_code": r["error_code"],
                                   "label": DELIVERY_LABELS.get(r["status"], r["status"])}
                    for r in rows})


def _pending_reply(ticket: str) -> str:
    """A long reply waiting for confirmation: kept in the session, never in the URL."""
    pending = session.get("pending_reply") or {}
    if pending.get("ticket") != ticket:
        return ""
    session.pop("pending_reply", None)
    return pending.get("body", "")[:MAX_REPLY]


def _back(row):
    return redirect(url_for("detail.show", ticket=row["ticket"]))


@bp.route("/inbox/<ticket>/koreksi", methods=["POST"])
@auth.login_required
def correct(ticket):
    row = _load(ticket)
    db = runtime.db()
    actor = auth.current_user()["username"]
    category = request.form.get("category") or row["category"]
    if category not in CATEGORY_LABELS:
        abort(400, description="Kategori tidak dikenal.")
    kind = request.form.get("kind") or row["kind"]
    if kind not in KINDS:
        abort(400, description="Jenis tidak dikenal.")
    typed = (request.form.get("kelurahan") or "").strip()
    kelurahan = places.resolve_kelurahan(typed) if typed else row["kelurahan"]
    if typed and kelurahan is None:
        flash(f"Kelurahan {typed!r} tidak dikenal.", "error")
        return _back(row)
    with transaction(db):
        for field, value in (("category", category), ("kelurahan", kelurahan), ("kind", kind)):
            kecamatan = places.kecamatan_of(value) if field == "kelurahan" else None
            if aspiration_edits.correct(db, row, field, value, actor, kecamatan=kecamatan):
                auth.record("correct", row["ticket"], field=field, old=row[field], new=value)
                label = {"category": "Kategori", "kelurahan": "Kelurahan", "kind": "Jenis"}
                flash(f"{label[field]} dikoreksi: {row[field] or '-'} → {value}.", "info")
        # another place, category or kind: another usulan (or none, for a question)
        grouping.sync(db, runtime.settings(), aspirations.get(db, row["id"]))
    if auth.scope_kelurahan() and kelurahan != auth.scope_kelurahan():
        return redirect(url_for("inbox.index"))  # moved out of this office's kelurahan
    return _back(row)


@bp.route("/inbox/<ticket>/catatan", methods=["POST"])
@auth.login_required
def note(ticket):
    row = _load(ticket)
    body = (request.form.get("body") or "").strip()[:2000]
    if not body:
        flash("Catatan kosong.", "error")
        return _back(row)
    db = runtime.db()
    with transaction(db):
        aspiration_edits.add_note(db, row["id"], "note", body, auth.current_user()["username"])
        auth.record("note", row["ticket"], length=len(body))
    flash("Catatan internal disimpan (tidak dikirim ke warga).", "info")
    return _back(row)


@bp.route("/inbox/<ticket>/balas", methods=["POST"])
@auth.login_required
def reply(ticket):
    row = _load(ticket)
    body = (request.form.get("body") or "").strip()[:MAX_REPLY]
    if not body:
        flash("Balasan kosong.", "error")
        return _back(row)
    parts = segments(body)
    if parts > 1 and request.form.get("confirm_long") != "1":
        flash(f"Balasan ini {parts} segmen SMS (biaya {parts}x). Centang konfirmasi lalu kirim "
              "lagi, atau persingkat.", "warning")
        session["pending_reply"] = {"ticket": row["ticket"], "body": body}
        return _back(row)
    db = runtime.db()
    with transaction(db):
        note_id = aspiration_edits.add_note(db, row["id"], "reply", body, auth.current_user()["username"])
        outbox_id = queue_to_citizen(db, row, f"staff-reply:{note_id}", "reply", body)
        if outbox_id:
            aspiration_edits.link_outbox(db, "notes", note_id, outbox_id)
        auth.record("reply", row["ticket"], segments=parts, length=len(body))
    wake_sender()
    flash("Balasan masuk antrean kirim.", "info")
    return _back(row)
