"""POST /webhooks/smsgate: the relay phone on the office LAN (SMS Gateway for Android).

Verify (HMAC, timestamp) → normalise at the edge → capture in SQLite, or the spool when SQLite
is slow (one SMS once, however often the phone retries) → wake the worker → 2xx fast. The
phone retries anything else with backoff for about two days (docs-web
docs/features/webhooks.md, "Retry Policy"), so bad input gets a clear 4xx and nothing here
answers 5xx for it; a delivery report that finds SQLite busy gets a 503 and comes again.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, jsonify, request

from data import messages, relay_devices, spool
from data.db import Busy, gate
from gateway import smsgate_payload as payload
from gateway.runtime import capture_db, settings
from gateway.smsgate_signature import problem
from gateway.webhooks import Answer, read_body
from handlers import queue, relay

log = logging.getLogger(__name__)
bp = Blueprint("smsgate", __name__, url_prefix="/webhooks")
# A device's last-seen time is written at most this often per process, except by a ping
# (which carries health): a burst of SMS costs no extra fsync each.
TOUCH_EVERY = 15.0
_touched: dict[tuple[str, str], float] = {}


def plain(text: str, status: int) -> Response:
    return Response(text + "\n", status, mimetype="text/plain")


def touch(database, s, event: payload.Event, health: dict | None = None) -> None:
    """The device spoke; skipped (not failed) while SQLite is busy: the next webhook says it."""
    key = (database.path, event.device_id)
    now = time.monotonic()
    if health is None and now - _touched.get(key, float("-inf")) < TOUCH_EVERY:
        return
    try:
        with gate(database.path).bounded(database, s.capture_timeout_seconds, atomic=False):
            relay_devices.seen(database, event.device_id, event.event, health=health)
    except Busy:
        return
    _touched[key] = now


def received(event: payload.Event, s):
    record = payload.inbound_record(event)
    database = capture_db()
    try:
        message_id, created = messages.capture(database, record, s.capture_timeout_seconds)
    except Busy:
        spool.append(s.effective_spool_dir, "inbound", record.to_dict())
        log.warning("SQLite busy: relay message from %s written to the spool", event.device_id)
        return jsonify(status="spooled")
    if created:
        queue.try_wake(s.effective_redis_url, "inbound")
    else:
        log.info("relay delivered message %s again (event %s)", message_id, event.event_id)
    touch(database, s, event)
    return jsonify(status="captured" if created else "duplicate", message=message_id)


def report(event: payload.Event, s):
    database = capture_db()
    try:
        with gate(database.path).bounded(database, s.capture_timeout_seconds):
            found, requeued = relay.apply_report(database, s, payload.relay_report(event))
    except Busy:
        return plain("SQLite sibuk, kirim lagi nanti", 503)  # the phone retries with backoff
    if requeued:
        queue.try_wake(s.effective_redis_url, "outbound")
    touch(database, s, event)
    return jsonify(status="recorded" if found else "unknown")


def ping(event: payload.Event, s):
    touch(capture_db(), s, event, payload.device_health(event))
    return jsonify(status="ok")


def ignored(event: payload.Event, s):
    touch(capture_db(), s, event)
    return jsonify(status="ignored")


HANDLERS = {payload.RECEIVED: received, payload.PING: ping,
            **{name: report for name in payload.REPORTS}}


@bp.post("/smsgate")
def webhook():
    s = settings()
    if not s.relay_receives:
        return plain("relay SMSGate tidak aktif (SMSGATE_SIGNING_KEY kosong)", 404)
    req = request._get_current_object()
    try:
        body = read_body(req.environ)  # 413 over 64 KB, with or without Content-Length
    except Answer as answer:
        return plain(str(answer), answer.status)
    reason = problem(s.smsgate_signing_key, body, req.headers.get("X-Timestamp"),
                     req.headers.get("X-Signature"), time.time())
    if reason:
        log.warning("refused a relay webhook: %s", reason)
        return plain(reason, 401)
    try:
        event = payload.parse_event(body)
        return HANDLERS.get(event.event, ignored)(event, s)
    except payload.BadPayload as exc:
        return plain(str(exc), 400)
