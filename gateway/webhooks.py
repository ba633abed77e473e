"""Twilio webhooks: verify, capture in SQLite (or the spool), wake the worker, answer 200 fast.

The body is read here, bounded (64 KB, chunked or not: 413 beyond) and decoded leniently
(invalid UTF-8 becomes U+FFFD instead of emptying the whole form), so bad input loses only the
bad bytes. When SQLite cannot take the write within ASPIRASI_CAPTURE_TIMEOUT_SECONDS the
request goes to the spool (data.spool, fsynced) and is still answered 200.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from flask import Blueprint, Request, Response, abort, request
from werkzeug.datastructures import MultiDict

from data import messages, spool
from data.db import Busy, gate
from gateway import twilio_payload
from gateway.runtime import capture_db, settings
from gateway.signature import is_valid, signed_url
from handlers import outbound, queue
from handlers.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

MAX_BODY = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def too_large():
    abort(Response("body over 64 KB\n", 413, mimetype="text/plain"))


def read_body(req: Request) -> bytes:
    """The raw body, at most MAX_BODY bytes (413 beyond), with or without Content-Length."""
    length = req.content_length
    if length is not None:
        if length > MAX_BODY:
            too_large()
        return req.get_data(cache=True)
    if not req.environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: werkzeug would read nothing either
    data = req.environ["wsgi.input"].read(MAX_BODY + 1)  # chunked: werkzeug truncates silently
    if len(data) > MAX_BODY:
        too_large()
    return data


def form_items(req: Request, body: bytes) -> list[tuple[str, str]]:
    """The form's (key, value) pairs in order, repeated keys kept; undecodable bytes → U+FFFD."""
    if req.mimetype != "application/x-www-form-urlencoded":
        return []
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace")


def check_signature(req: Request, s: Settings, items, body: bytes) -> None:
    """403 unless X-Twilio-Signature matches; a validator error is a 403 too, never a 500."""
    token = s.twilio_auth_token
    if not token:
        return
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        abort(Response("missing X-Twilio-Signature\n", 403, mimetype="text/plain"))
    url = signed_url(req.environ, s.public_url, req.scheme, req.host)
    is_json = req.mimetype == "application/json"
    text = body.decode("utf-8", "replace") if is_json else None
    if not is_valid(token, url, None if is_json else MultiDict(items), text, is_json, signature):
        log.warning("rejected webhook with a bad signature for %s", url.split("?")[0])
        abort(Response("invalid X-Twilio-Signature\n", 403, mimetype="text/plain"))


def checked() -> tuple[Request, Settings, list[tuple[str, str]]]:
    """Size limit, form and signature, common to both webhooks (the proxy resolved once)."""
    req = request._get_current_object()  # the hot path: one proxy lookup, not thirty
    body = read_body(req)
    items = form_items(req, body)
    s = settings()
    check_signature(req, s, items, body)
    return req, s, items


def bad_request(reason: str):
    return Response(reason + "\n", 400, mimetype="text/plain")


def twiml() -> Response:
    return Response(EMPTY_TWIML, 200, mimetype="text/xml")


def spooled(s: Settings, kind: str, data: dict, what: str) -> Response:
    """SQLite did not take it in time: the spool has it (fsynced); Twilio gets its 200."""
    spool.append(s.effective_spool_dir, kind, data)
    log.warning("SQLite busy: %s written to the spool", what)
    return twiml()


@bp.post("/twilio")
def inbound():
    """Messaging webhook for SMS and WhatsApp (channel from the whatsapp: prefix on From)."""
    req, s, items = checked()
    try:
        record = twilio_payload.inbound_record(items, req.headers.get("I-Twilio-Idempotency-Token"))
    except twilio_payload.BadPayload as exc:
        return bad_request(str(exc))
    try:
        message_id, created = messages.capture(capture_db(), record, s.capture_timeout_seconds)
    except Busy:
        return spooled(s, "inbound", record.to_dict(), f"message {record.external_id}")
    if created:
        queue.try_wake(s.effective_redis_url, "inbound")
    else:
        log.info("duplicate MessageSid %s (message %s): already captured",
                 record.external_id, message_id)
    return twiml()


@bp.post("/twilio/status")
def status():
    """Status callback: move the outbox row forward; 21610 opts the recipient out."""
    _, s, items = checked()
    try:
        report = twilio_payload.status_report(items)
    except twilio_payload.BadPayload as exc:
        return bad_request(str(exc))
    if report is None:
        return twiml()
    db = capture_db()
    try:
        with gate(db.path).bounded(db, s.capture_timeout_seconds):
            row = outbound.apply_status(db, report.sid, report.state, report.error_code,
                                        report.raw, report.to)
    except Busy:
        data = {"sid": report.sid, "state": report.state, "error_code": report.error_code,
                "raw": report.raw, "to": report.to}
        return spooled(s, "status", data, f"status {report.state} of {report.sid}")
    if row is None:
        log.info("status %s for unknown message sid %s", report.state, report.sid)
    return twiml()
