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
    channels,
    contacts,
    conversations,
    inbox_queries,
    outbox,
    reference,
)
from data.aspirations import KINDS
from data.db import transaction
from gateway import auth, runtime
from gateway.inbox import texts, workflow
from handlers import queue
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
}


def _load(ticket: str) -> dict:
    """The aspiration in the user's scope, or 404 (other kelurahan look like missing tickets)."""
    row = inbox_queries.aspiration(runtime.db(), ticket, auth.scope_kelurahan())
    if row is None:
        abort(404)
    return row


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
    links = conversations.links_for(db, [i["id"] for i in items if i["direction"] == "in"])
    for item in items:
        if item["direction"] == "in":
            item["links"] = _media(item.get("media"))
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
    return render_template(
        "inbox/detail.html", row=row, items=items, keywords=keywords, show_number=show_number,
        can_see_numbers=auth.can_see_numbers(), history=inbox_queries.history(db, row["id"]),
        next_statuses=workflow.next_statuses(row["status"], user["role"]),
        opds=reference.opd_list(), kelurahan_list=places.all_kelurahan(),
        categories=CATEGORY_LABELS, reply_text=_pending_reply(row["ticket"]),
        link_labels=LINK_LABELS, unread=unread, kinds=KINDS)


@bp.route("/inbox/<ticket>/pengiriman.json")
@auth.login_required
def delivery(ticket):
    """Delivery status of the messages to this sender, for the page to follow callbacks live."""
    row = _load(ticket)
    rows = inbox_queries.delivery(runtime.db(), row["contact_id"], scope=auth.scope_kelurahan())
    return jsonify({str(r["id"]): {"status": r["status"], "error_code": r["error_code"]}
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


def _queue_to_citizen(db, row: dict, dedupe_key: str, kind: str, body: str) -> int | None:
    """Put a message to the ticket's sender in the outbox (same transaction as the action)."""
    contact = contacts.get(db, row["contact_id"]) if row["contact_id"] else None
    if not contact:
        return None
    channel = channels.for_contact(contact)
    outbox_id, _ = outbox.add(db, dedupe_key, kind, channel,
                              channels.channel_address(channel, contact["address"]), body,
                              contact_id=contact["id"], aspiration_id=row["id"])
    return outbox_id


def _wake() -> None:
    queue.try_wake(runtime.settings().effective_redis_url, "outbound")


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
    if auth.scope_kelurahan() and kelurahan != auth.scope_kelurahan():
        return redirect(url_for("inbox.index"))  # moved out of this office's kelurahan
    return _back(row)


@bp.route("/inbox/<ticket>/status", methods=["POST"])
@auth.login_required
def change_status(ticket):
    row = _load(ticket)
    db = runtime.db()
    user = auth.current_user()
    new_status = request.form.get("status") or ""
    opd = request.form.get("opd") or None
    reason = " ".join((request.form.get("reason") or "").split())[:300] or None
    problem = workflow.check(row["status"], new_status, user["role"], opd, reason,
                             reference.opd_list())
    if problem:
        flash(problem, "error")
        return _back(row)
    question = row["kind"] == "pertanyaan"  # answered with "Balas ke warga", not a status SMS
    with transaction(db):
        change_id = aspiration_edits.change_status(db, row, new_status, user["username"], opd, reason)
        body = texts.status_text(new_status, row["ticket"], opd=opd, reason=reason)
        outbox_id = None if question else _queue_to_citizen(
            db, row, f"status:{row['id']}:{change_id}", "status", body)
        if outbox_id:
            aspiration_edits.link_outbox(db, "status_changes", change_id, outbox_id)
        auth.record("status", row["ticket"], old=row["status"], new=new_status, opd=opd,
                    reason=reason)
    _wake()
    flash(f"Status diubah ke {new_status}; " + (
        "pertanyaan: tidak ada SMS status (jawab lewat Balas ke warga)." if question
        else "SMS ke warga masuk antrean."), "info")
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
        outbox_id = _queue_to_citizen(db, row, f"staff-reply:{note_id}", "reply", body)
        if outbox_id:
            aspiration_edits.link_outbox(db, "notes", note_id, outbox_id)
        auth.record("reply", row["ticket"], segments=parts, length=len(body))
    _wake()
    flash("Balasan masuk antrean kirim.", "info")
    return _back(row)
