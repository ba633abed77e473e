"""Per message: the relay phone or Twilio (data.channels.sms_route decides), never both.

handlers.outbound asks `via(row)` which transport an attempt goes through, then waits for that
transport's turn (handlers.ratelimit) and sends. The phone is chosen while it is usable. A
request that could not reach it (no connection, a refused password) leaves no copy there, so
under `auto` the same attempt goes on by Twilio: once, and the row is then Twilio's. A request
whose answer was lost leaves a copy the phone may still send until its ttl ends: until then
the row is looked up at the phone and waits; only after that may Twilio take it. An attempt
that Twilio may have taken stays with Twilio.
"""

from __future__ import annotations

import logging

from data import channels, clock, outbox, relay_devices
from handlers import ratelimit
from handlers.context import database
from handlers.settings import Settings
from handlers.smsgate import SmsGateTransport
from handlers.transports import SendError, Sent

log = logging.getLogger(__name__)


class RoutedTransport:
    """Twilio (or the console) and, when configured, the phone; each row goes one way."""

    name = "route"  # never stored: via(row) is what sends, and Sent says which way it went

    def __init__(self, s: Settings, other, relay: SmsGateTransport | None = None):
        self.settings = s
        self.other = other
        self.relay = relay or (SmsGateTransport(s) if s.relay_sends else None)
        self.fallback = PhoneThenTwilio(self.relay, other, s) if self.relay else None
        # claim sizes follow the slowest sender a row may wait for (handlers.outbound.drain)
        rates = [r for r in (other.rate, self.relay.rate if self.relay else 0) if r]
        self.rate = min(rates) if rates else 0.0

    def via(self, row: dict):
        """The transport of this attempt of this row (again after a lookup: it may change)."""
        if row["uncertain"] and row["relay_expires_at"] and not row.get("_looked_up") \
                and self.relay:
            return self.relay  # its copy may be on the phone: ask the phone first
        if self._route(row) == "twilio":
            return self.other
        return self.fallback if self.may_fall_back(row) else self.relay

    def _route(self, row: dict) -> str:
        s = self.settings
        if (row["uncertain"] and not row["relay_expires_at"] and not row.get("_looked_up")
                and s.twilio_enabled):
            return "twilio"  # Twilio may have the last attempt: only Twilio may send it
        heard_after = clock.later(-s.smsgate_silence_minutes * 60)
        usable = self.relay is not None and relay_devices.usable(database(s), heard_after)
        return channels.sms_route(row["channel"], row["route"], s.sms_route,
                                  self.relay is not None, s.twilio_enabled, usable)

    def may_fall_back(self, row: dict) -> bool:
        s = self.settings
        return s.sms_route == "auto" and s.twilio_enabled and row["channel"] == "sms"

    # A plain transport's face, for callers that do not ask via() (they get the phone's
    # neighbour, Twilio): outbound always asks.
    def sender_key(self, row: dict) -> str:
        return self.via(row).sender_key(row)

    def find_sent(self, row: dict) -> list[str]:
        return self.via(row).find_sent(row)

    def send(self, row: dict, status_callback: str | None = None) -> Sent:
        return self.via(row).send(row, status_callback)


class PhoneThenTwilio:
    """The phone; if it could not take the message at all, Twilio at once (under `auto`)."""

    def __init__(self, relay: SmsGateTransport, other, s: Settings):
        self.relay, self.other, self.settings = relay, other, s
        self.name, self.rate = relay.name, relay.rate

    def sender_key(self, row: dict) -> str:
        return self.relay.sender_key(row)

    def find_sent(self, row: dict) -> list[str]:
        return self.relay.find_sent(row)

    def send(self, row: dict, status_callback: str | None = None) -> Sent:
        try:
            return self.relay.send(row, status_callback)
        except SendError as err:
            if err.uncertain or not err.retryable:
                raise
            log.warning("outbox %s: phone failed (%s), sending by Twilio", row["id"], err.code)
        other = self.other
        ratelimit.wait_turn(self.settings.effective_redis_url, other.name,
                            other.sender_key(row), other.rate,
                            bulk=outbox.lane_of(row) == "bulk")
        try:
            sent = other.send(row, status_callback)
        except SendError as err:
            err.transport = err.transport or other.name
            raise
        sent.transport = sent.transport or other.name
        return sent
