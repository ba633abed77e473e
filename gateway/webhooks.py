"""Twilio webhooks: verify, capture in SQLite (or the spool), wake the worker, answer 200 fast.

Served below Flask by `TwilioLane` (create_app installs it in front of the app): a webhook
needs no cookie session, no CSRF or role hook, no routing table and no response object, and
Flask's share of a request was a third of the webhook's cost. What it does need is all here:
the body read once and bounded (64 KB, chunked or not: 413 beyond), decoded leniently (invalid
UTF-8 becomes U+FFFD instead of emptying the whole form, so bad input loses only the bad
bytes), parsed once, its signature computed once, one INSERT (group-committed, data.messages)
and a wake-up for the worker; everything else is the worker's. When SQLite cannot take the
write within ASPIRASI_CAPTURE_TIMEOUT_SECONDS the request goes to the spool (data.spool,
fsynced) and is still answered 200.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote

from werkzeug.wsgi import get_host

from data import messages, spool
from data.db import Busy, gate
from gateway import twilio_payload
from gateway.runtime import capture_db
from gateway.signature import is_valid, signed_url
from handlers import outbound, queue
from handlers.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
INBOUND, STATUS = "/webhooks/twilio", "/webhooks/twilio/status"


class Answer(Exception):
    """A webhook's early answer (400, 403, 413): a status and a one-line plain-text reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def read_body(environ: dict) -> bytes:
    """The raw body, at most MAX_BODY bytes (413 beyond), with or without Content-Length."""
    length = environ.get("CONTENT_LENGTH", "")
    if length:
        try:
            size = int(length)
        except ValueError:
            raise Answer(400, "bad Content-Length") from None
        if size > MAX_BODY:
            raise Answer(413, "body over 64 KB")
        return environ["wsgi.input"].read(size) if size > 0 else b""
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: nothing can be read safely
    data = environ["wsgi.input"].read(MAX_BODY + 1)  # chunked: read to the end, bounded
    if len(data) > MAX_BODY:
        raise Answer(413, "body over 64 KB")
    return data


def mimetype(environ: dict) -> str:
    return environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()


def form_items(kind: str, body: bytes) -> list[tuple[str, str]]:
    """The form's (key, value) pairs in order, repeated keys kept; undecodable bytes → U+FFFD."""
    if kind != "application/x-www-form-urlencoded":
        return []
    return parse_form(body.decode("utf-8", "replace"))


def parse_form(text: str) -> list[tuple[str, str]]:
    """What `parse_qsl(text, keep_blank_values=True, errors="replace")` returns, in a third of
    its time: a part with no '+' or '%' is taken as it is (most of Twilio's twenty fields)."""
    items = []
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "+" in name or "%" in name:
            name = unquote(name.replace("+", " "), errors="replace")
        if "+" in value or "%" in value:
            value = unquote(value.replace("+", " "), errors="replace")
        items.append((name, value))
    return items


def check_signature(environ: dict, s: Settings, items, body: bytes, kind: str) -> None:
    """403 unless X-Twilio-Signature matches; a validator error is a 403 too, never a 500."""
    token = s.twilio_auth_token
    if not token:
        return
    signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
    if not signature:
        raise Answer(403, "missing X-Twilio-Signature")
    url = signed_url(environ, s.public_url, environ.get("wsgi.url_scheme", "http"),
                     get_host(environ))  # werkzeug's request.host: Host, default port dropped
    is_json = kind == "application/json"
    text = body.decode("utf-8", "replace") if is_json else None
    if not is_valid(token, url, None if is_json else items, text, is_json, signature):
        log.warning("rejected webhook with a bad signature for %s", url.split("?")[0])
        raise Answer(403, "invalid X-Twilio-Signature")


def checked(environ: dict, s: Settings) -> list[tuple[str, str]]:
    """Size limit, form and signature, common to both webhooks."""
    body = read_body(environ)
    kind = mimetype(environ)
    items = form_items(kind, body)
    check_signature(environ, s, items, body, kind)
    return items


def spooled(s: Settings, kind: str, data: dict, what: str) -> None:
    """SQLite did not take it in time: the spool has it (fsynced); Twilio gets its 200."""
    spool.append(s.effective_spool_dir, kind, data)
    log.warning("SQLite busy: %s written to the spool", what)


def inbound(environ: dict, s: Settings) -> None:
    """Messaging webhook for SMS and WhatsApp (channel from the whatsapp: prefix on From)."""
    items = checked(environ, s)
    try:
        record = twilio_payload.inbound_record(items,
                                               environ.get("HTTP_I_TWILIO_IDEMPOTENCY_TOKEN"))
    except twilio_payload.BadPayload as exc:
        raise Answer(400, str(exc)) from None
    try:
        message_id, created = messages.capture(capture_db(s), record, s.capture_timeout_seconds)
    except Busy:
        return spooled(s, "inbound", record.to_dict(), f"message {record.external_id}")
    if created:
        queue.try_wake(s.effective_redis_url, "inbound")
    else:
        log.info("duplicate MessageSid %s (message %s): already captured",
                 record.external_id, message_id)


def status(environ: dict, s: Settings) -> None:
    """Status callback: move the outbox row forward; 21610 opts the recipient out."""
    items = checked(environ, s)
    try:
        report = twilio_payload.status_report(items)
    except twilio_payload.BadPayload as exc:
        raise Answer(400, str(exc)) from None
    if report is None:
        return
    db = capture_db(s)
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


ROUTES = {INBOUND: inbound, STATUS: status}
TWIML = [EMPTY_TWIML.encode()]
TWIML_HEADERS = [("Content-Type", "text/xml; charset=utf-8"),
                 ("Content-Length", str(len(TWIML[0])))]
STATUS_LINES = {400: "400 BAD REQUEST", 403: "403 FORBIDDEN", 413: "413 REQUEST ENTITY TOO LARGE",
                405: "405 METHOD NOT ALLOWED", 500: "500 INTERNAL SERVER ERROR"}


def plain(start_response, status: int, reason: str, extra: list | None = None) -> list[bytes]:
    body = (reason + "\n").encode()
    start_response(STATUS_LINES[status], [("Content-Type", "text/plain; charset=utf-8"),
                                          ("Content-Length", str(len(body))), *(extra or [])])
    return [body]


class TwilioLane:
    """WSGI middleware: Twilio's two webhook paths are answered here, anything else goes on
    to the Flask app (which is where GET, HEAD and the rest of /webhooks/ go too, but for
    the two paths here, which answer 405). Behind a proxy, ASPIRASI_PUBLIC_URL names the URL
    Twilio signs."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings

    def __call__(self, environ, start_response):
        handler = ROUTES.get(environ.get("PATH_INFO", ""))
        if handler is None:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return plain(start_response, 405, "POST only", [("Allow", "POST")])
        try:
            handler(environ, self.settings)
        except Answer as answer:
            return plain(start_response, answer.status, str(answer))
        except Exception:  # as Flask would: logged, and a 500 (Twilio's fallback URL, if set)
            log.exception("webhook %s failed", environ.get("PATH_INFO"))
            return plain(start_response, 500, "internal error")
        start_response("200 OK", TWIML_HEADERS)
        return TWIML
