"""Twilio webhooks: verify, capture in SQLite, wake the worker, answer fast with empty TwiML."""

from __future__ import annotations

import json
import logging
import re

from flask import Blueprint, Request, Response, abort, request

from data import contacts, messages, outbox
from data.db import open_db
from gateway.config import Settings
from gateway.runtime import db, settings
from gateway.signature import is_valid, signed_url
from handlers import queue
from handlers.addresses import WHATSAPP_PREFIX, parse_sender

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

MAX_BODY = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
_SID = re.compile(r"^[A-Za-z0-9_\-]{2,64}$")
_STATUSES = {"queued", "sending", "sent", "delivered", "undelivered", "failed", "read",
             "accepted", "scheduled", "canceled", "partially_delivered", "receiving", "received"}


def check_signature(req: Request, s: Settings) -> None:
    """403 unless X-Twilio-Signature matches; a validator error is a 403 too, never a 500."""
    token = s.twilio_auth_token
    if not token:
        return
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        abort(Response("missing X-Twilio-Signature\n", 403, mimetype="text/plain"))
    url = signed_url(req.environ, s.public_url, req.scheme, req.host)
    is_json = req.mimetype == "application/json"
    body = req.get_data(as_text=True) if is_json else None
    if not is_valid(token, url, None if is_json else req.form, body, is_json, signature):
        log.warning("rejected webhook with a bad signature for %s", url.split("?")[0])
        abort(Response("invalid X-Twilio-Signature\n", 403, mimetype="text/plain"))


def checked() -> tuple[Request, Settings]:
    """Size limit and signature, common to both webhooks (the request proxy resolved once)."""
    req = request._get_current_object()  # the hot path: one proxy lookup, not thirty
    req.max_content_length = MAX_BODY
    if req.content_length is not None and req.content_length > MAX_BODY:
        abort(Response("body over 64 KB\n", 413, mimetype="text/plain"))
    s = settings()
    check_signature(req, s)
    return req, s


def bad_request(reason: str):
    return Response(reason + "\n", 400, mimetype="text/plain")


def twiml() -> Response:
    return Response(EMPTY_TWIML, 200, mimetype="text/xml")


@bp.post("/twilio")
def inbound():
    """Messaging webhook for SMS and WhatsApp (channel from the whatsapp: prefix on From)."""
    req, s = checked()
    form = req.form
    sid, sender = form.get("MessageSid", ""), form.get("From", "")
    if not sid or not sender:
        return bad_request("missing MessageSid or From")
    if not _SID.match(sid) or len(sender) > 128 or "\x00" in sender:
        return bad_request("malformed MessageSid or From")
    channel, address = parse_sender(sender)
    message_id, created = messages.capture(
        open_db(s.db_path, durable=s.db_sync == "full"), list(form.items(multi=True)), channel,
        address,
        idempotency_token=req.headers.get("I-Twilio-Idempotency-Token"))
    if created:
        queue.try_wake(s.effective_redis_url, "inbound")
    else:
        log.info("duplicate MessageSid %s (message %s): already captured", sid, message_id)
    return twiml()


@bp.post("/twilio/status")
def status():
    """Status callback: move the outbox row forward; 21610 opts the recipient out."""
    req, s = checked()
    form = req.form
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    state = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid and not state:
        return twiml()  # an empty callback is ignored, as courier does
    if not _SID.match(sid) or state not in _STATUSES:
        return bad_request("missing or unknown MessageSid/MessageStatus")
    code = (form.get("ErrorCode") or "").strip()[:10] or None
    database = db()
    row = outbox.apply_status(database, sid, state, code,
                              json.dumps(list(form.items(multi=True)), ensure_ascii=False))
    if row is None:
        log.info("status %s for unknown message sid %s", state, sid)
    if code == "21610":
        to = (form.get("To") or (row or {}).get("to_address") or "").removeprefix(WHATSAPP_PREFIX)
        if to:
            contacts.opt_out_address(database, parse_sender(to)[1], "21610")
    return twiml()
