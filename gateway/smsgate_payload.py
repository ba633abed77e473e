"""SMS Gateway for Android's webhooks → our records: the only code that knows its field names.

Every webhook is `{"deviceId", "event", "id", "webhookId", "payload"}` (docs-web
docs/features/webhooks.md, "Step 5: Receive the Payload"). `sms:received` becomes a
data.messages.InboundRecord like a Twilio SMS (channel sms, provider smsgate, the deviceId
kept); `sms:sent|delivered|failed` a RelayReport on the outbox row whose id we gave the phone;
`system:ping` the device's health (docs/features/health.md, "Device Health").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from data import clock
from data.addresses import parse_sender
from data.messages import RELAY_WINDOW, InboundRecord

PROVIDER = "smsgate"
RECEIVED = "sms:received"
PING = "system:ping"
# What `aspirasi smsgate register` subscribes to; other events are acknowledged and ignored.
EVENTS = (RECEIVED, "sms:sent", "sms:delivered", "sms:failed", PING)
REPORTS = {"sms:sent": "sent", "sms:delivered": "delivered", "sms:failed": "failed"}
# connection:transport and connection:cellular values (docs/features/health.md)
TRANSPORTS = {0: "none", 1: "unknown", 2: "cellular", 4: "wifi", 8: "ethernet"}
CELLULAR = {2: "2g", 3: "3g", 4: "4g", 5: "5g"}


class BadPayload(ValueError):
    """The body is not a webhook the app sends (the reason is shown to the caller)."""


@dataclass(frozen=True)
class Event:
    """One webhook delivery: which device, what happened, and the body as received."""

    device_id: str
    event: str
    event_id: str
    payload: dict
    raw: str


@dataclass(frozen=True)
class RelayReport:
    """The phone's word on a message we asked it to send (our id is its messageId)."""

    message_id: str
    state: str               # sent | delivered | failed
    reason: str | None       # sms:failed's reason, e.g. "RESULT_ERROR_NO_SERVICE (...)"
    recipient: str | None
    raw: str


def _text(value, name: str, limit: int = 128, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise BadPayload(f"{name} missing or malformed")
    return value


def parse_event(body: bytes) -> Event:
    """The raw body → an Event; BadPayload for anything that is not the documented JSON."""
    try:
        raw = body.decode("utf-8")
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadPayload("body is not UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise BadPayload("body is not a JSON object")
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise BadPayload("payload missing or not an object")
    return Event(device_id=_text(data.get("deviceId"), "deviceId"),
                 event=_text(data.get("event"), "event", 64),
                 event_id=_text(data.get("id"), "id"), payload=payload, raw=raw)


def content_key(address: str, text: str, received_at: str) -> str:
    """Our id for a relayed SMS: its messageId is derived from the content and not unique,
    and a retry may carry a new event id; sender, time and text together are the SMS."""
    digest = hashlib.sha256(f"{address}\n{received_at}\n{text}".encode()).hexdigest()
    return f"SG{digest[:40]}"


def inbound_record(event: Event) -> InboundRecord:
    """sms:received → the same record a Twilio SMS makes; receivedAt (phone time) in UTC."""
    p = event.payload
    # `sender` since the 2026-02 payload change; `phoneNumber` before it (still sent, deprecated)
    sender = _text(p.get("sender") or p.get("phoneNumber"), "sender")
    text = p.get("message")
    if not isinstance(text, str):
        raise BadPayload("message missing")
    try:
        received_at = clock.from_device(_text(p.get("receivedAt"), "receivedAt", 64))
    except (ValueError, OverflowError):
        raise BadPayload("receivedAt is not an ISO 8601 time") from None
    _, address = parse_sender(sender)
    recipient = p.get("recipient")
    return InboundRecord(
        provider=PROVIDER, external_id=content_key(address, text, received_at), channel="sms",
        sender=sender, address=address, raw=event.raw, text=text,
        recipient=recipient if isinstance(recipient, str) and len(recipient) <= 64 else None,
        received_at=received_at, relay_device=event.device_id,
        content_window=RELAY_WINDOW.total_seconds())


def relay_report(event: Event) -> RelayReport:
    """sms:sent / sms:delivered / sms:failed → a report on the outbox row with that id."""
    p = event.payload
    reason = p.get("reason")
    recipient = p.get("recipient") or p.get("phoneNumber")
    return RelayReport(
        message_id=_text(p.get("messageId"), "messageId", 64), state=REPORTS[event.event],
        reason=str(reason)[:300] if reason is not None else None,
        recipient=recipient if isinstance(recipient, str) else None, raw=event.raw)


def device_health(event: Event) -> dict:
    """system:ping's health checks → battery, charging, network and the app's own verdict."""
    health = event.payload.get("health")
    checks = health.get("checks") if isinstance(health, dict) else None
    if not isinstance(checks, dict):
        return {}

    def value(name):
        check = checks.get(name)
        observed = check.get("observedValue") if isinstance(check, dict) else None
        if isinstance(observed, int | float) and -1e6 < observed < 1e6:  # not NaN, not huge
            return int(observed)
        return None

    transport, cellular = value("connection:transport"), value("connection:cellular")
    network = TRANSPORTS.get(transport) if transport is not None else None
    if network == "cellular" and cellular in CELLULAR:
        network = f"cellular-{CELLULAR[cellular]}"
    status = health.get("status")
    return {"battery": value("battery:level"), "charging": value("battery:charging"),
            "network": network, "health": status if status in ("pass", "warn", "fail") else None}
