"""Twilio webhooks: verify, capture in SQLite, wake the worker, answer fast with empty TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Request, Response, abort, request

from data import messages
from gateway import twilio_payload
from gateway.runtime import db, settings
from gateway.signature import is_valid, signed_url
from handlers import outbound, queue
from handlers.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

MAX_BODY = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


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
    try:
        record = twilio_payload.inbound_record(
            list(req.form.items(multi=True)), req.headers.get("I-Twilio-Idempotency-Token"))
    except twilio_payload.BadPayload as exc:
        return bad_request(str(exc))
    message_id, created = messages.capture(db(), record)
    if created:
        queue.try_wake(s.effective_redis_url, "inbound")
    else:
        log.info("duplicate MessageSid %s (message %s): already captured",
                 record.external_id, message_id)
    return twiml()


@bp.post("/twilio/status")
def status():
    """Status callback: move the outbox row forward; 21610 opts the recipient out."""
    req, _ = checked()
    try:
        report = twilio_payload.status_report(list(req.form.items(multi=True)))
    except twilio_payload.BadPayload as exc:
        return bad_request(str(exc))
    if report is None:
        return twiml()
    row = outbound.apply_status(db(), report.sid, report.state, report.error_code, report.raw,
                                report.to)
    if row is None:
        log.info("status %s for unknown message sid %s", report.state, report.sid)
    return twiml()
