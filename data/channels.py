"""Which channel reaches a contact, and which way an SMS leaves: one rule each.

The channel rule is used from Python and (as SQL functions) in SQL.

WhatsApp only when the contact's last message came by WhatsApp and arrived within the last 24
hours (Twilio's session window: outside it a free-form WhatsApp message fails with 63016);
otherwise SMS.
`data.db.connect` registers `outbound_channel()` and `channel_address()` on every connection,
so a broadcast planned by INSERT … SELECT applies exactly this code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from data import clock

WHATSAPP_PREFIX = "whatsapp:"
WHATSAPP_WINDOW = timedelta(hours=24)


def window_start(now: datetime | None = None) -> str:
    """The oldest inbound WhatsApp stamp that still keeps the session window open."""
    return clock.iso(clock.now(now) - WHATSAPP_WINDOW)


def outbound_channel(last_channel: str | None, whatsapp_last_inbound_at: str | None,
                     window_opened_after: str) -> str:
    """'whatsapp' inside the window the contact opened, else 'sms'."""
    if last_channel == "whatsapp" and (whatsapp_last_inbound_at or "") >= window_opened_after:
        return "whatsapp"
    return "sms"


def for_contact(contact: dict, now: datetime | None = None) -> str:
    """The channel for a message to this contact now."""
    return outbound_channel(contact.get("channel"), contact.get("whatsapp_last_inbound_at"),
                            window_start(now))


def channel_address(channel: str, address: str) -> str:
    """The `To` for the provider: WhatsApp needs the prefix, SMS the bare number."""
    return f"{WHATSAPP_PREFIX}{address}" if channel == "whatsapp" else address


def sms_route(channel: str, preferred: str | None, policy: str, relay_sends: bool,
              twilio_sends: bool, relay_usable: bool) -> str:
    """'smsgate' (the relay phone) or 'twilio' for one outbound message.

    WhatsApp is Twilio's. An SMS goes the way its row prefers (a reply: the way its message
    came), else the way ASPIRASI_SMS_ROUTE (`policy`) names; under 'auto' the phone is left
    for Twilio while it is not usable (silent, or it refused our last request). A path that is
    not configured is never chosen while the other one is.
    """
    if channel != "sms" or not relay_sends:
        return "twilio"
    if not twilio_sends:
        return "smsgate"
    choice = preferred if preferred in ("smsgate", "twilio") else (
        "twilio" if policy == "twilio" else "smsgate")
    if choice == "smsgate" and policy == "auto" and not relay_usable:
        return "twilio"
    return choice


def register_sql_functions(conn) -> None:
    """outbound_channel(channel, whatsapp_last_inbound_at, window_start) and
    channel_address(channel, address) in SQL, for INSERT … SELECT planning."""
    conn.create_function("outbound_channel", 3, outbound_channel, deterministic=True)
    conn.create_function("channel_address", 2, channel_address, deterministic=True)
