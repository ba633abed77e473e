"""Twilio's payloads → our records: the only code that knows Twilio's form field names.

An inbound SMS/WhatsApp webhook becomes one data.messages.InboundRecord (the raw form kept
verbatim, repeated keys included); a status callback becomes a StatusReport.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from data.addresses import parse_sender
from data.messages import InboundRecord

PROVIDER = "twilio"
MAX_MEDIA = 10  # Twilio's own limit per message
SID = re.compile(r"^[A-Za-z0-9_\-]{2,64}$")
STATUSES = {"queued", "sending", "sent", "delivered", "undelivered", "failed", "read",
            "accepted", "scheduled", "canceled", "partially_delivered", "receiving", "received"}


class BadPayload(ValueError):
    """The form is not a Twilio message we can store (the reason is shown to the caller)."""


def _first(items: list[tuple[str, str]]) -> dict:
    first: dict = {}
    for key, value in items:
        first.setdefault(key, value)
    return first


def media_from(fields: dict) -> tuple[dict, ...]:
    """MediaUrlN/MediaContentTypeN for N < NumMedia, tolerating missing fields."""
    try:
        count = max(0, min(int(fields.get("NumMedia") or 0), MAX_MEDIA))
    except ValueError:
        count = 0
    media = []
    for n in range(count):
        url = fields.get(f"MediaUrl{n}")
        if url:
            media.append({"url": url, "content_type": fields.get(f"MediaContentType{n}") or ""})
    return tuple(media)


def inbound_record(items: list[tuple[str, str]],
                   idempotency_token: str | None = None) -> InboundRecord:
    """The messaging webhook's form → a record; BadPayload when MessageSid or From is unusable."""
    fields = _first(items)
    sid, sender = fields.get("MessageSid", ""), fields.get("From", "")
    if not sid or not sender:
        raise BadPayload("missing MessageSid or From")
    if not SID.match(sid) or len(sender) > 128 or "\x00" in sender:
        raise BadPayload("malformed MessageSid or From")
    channel, address = parse_sender(sender)
    return InboundRecord(
        provider=PROVIDER, external_id=sid, channel=channel, sender=sender, address=address,
        raw=json.dumps(items, ensure_ascii=False), text=fields.get("Body") or "",
        recipient=fields.get("To"), media=media_from(fields),
        latitude=fields.get("Latitude"), longitude=fields.get("Longitude"),
        location_address=fields.get("Address"), location_label=fields.get("Label"),
        profile_name=fields.get("ProfileName"), wa_id=fields.get("WaId"),
        button_text=fields.get("ButtonText"), num_segments=fields.get("NumSegments"),
        account_sid=fields.get("AccountSid"), idempotency_token=idempotency_token)


@dataclass(frozen=True)
class StatusReport:
    """A delivery report: which message, its new state, the error code, who it was for."""

    sid: str
    state: str
    error_code: str | None
    to: str | None
    raw: str


def status_report(items: list[tuple[str, str]]) -> StatusReport | None:
    """A status callback's form → a report; None for an empty callback (ignored, as courier
    does); BadPayload when the sid or the status is not one Twilio sends."""
    fields = _first(items)
    sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
    state = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").strip().lower()
    if not sid and not state:
        return None
    if not SID.match(sid) or state not in STATUSES:
        raise BadPayload("missing or unknown MessageSid/MessageStatus")
    code = (fields.get("ErrorCode") or "").strip()[:10] or None
    return StatusReport(sid=sid, state=state, error_code=code, to=fields.get("To"),
                        raw=json.dumps(items, ensure_ascii=False))
