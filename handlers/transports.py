"""Ways out: the real Twilio REST client, or a console transport for offline demos (and, when a
relay phone is configured, handlers.sms_route choosing between it and these per message)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from data import clock
from data.channels import WHATSAPP_PREFIX
from handlers.settings import Settings
from handlers.twilio_http import LeanHttpClient

log = logging.getLogger(__name__)

# Retry these (Twilio's docs and the conformance notes); everything else 4xx is permanent.
TRANSIENT_CODES = {20429, 63018, 20500, 20503, 30001, 30008}
OPT_OUT_CODES = {21610}
# A failure the recipient causes, not us: requeueing cannot help (21610 opted out; 63016 was
# already re-sent by SMS), and they do not make /healthz degraded.
RECIPIENT_CODES = ("21211", "21610", "21614", "63016")
LOOKUP_SKEW = timedelta(minutes=2)  # clocks of Twilio and this server may differ a little


@dataclass
class SendError(Exception):
    """A send that did not produce a message sid."""

    code: str
    message: str
    retryable: bool
    uncertain: bool = False  # Twilio may have accepted it: look before sending again
    transport: str | None = None  # which way it failed, when a router chose
    wait: float = 0.0  # try again no sooner than this (seconds), whatever the backoff says

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class Sent:
    sid: str
    status: str
    transport: str | None = None  # which way it left, when a router chose


class ConsoleTransport:
    """No Twilio credentials: log the message and call it sent, so the demo works offline."""

    name = "console"

    def __init__(self, settings: Settings | None = None):
        self.rate = settings.send_rate if settings else 0.0

    def send(self, row: dict, status_callback: str | None = None) -> Sent:
        log.warning("[console] to %s: %s", row["to_address"], row["body"])
        return Sent(sid=f"CONSOLE{row['id']:012d}", status="sent")

    def find_sent(self, row: dict) -> list[str]:
        return []

    def sender_key(self, row: dict) -> str:
        return "console"


def classify(exc: Exception) -> SendError:
    """Map what the twilio client raised to retry or not."""
    if isinstance(exc, (TwilioRestException, TwilioServiceException)):
        code = int(getattr(exc, "code", 0) or 0)
        status = int(getattr(exc, "status", 0) or 0)
        retryable = status == 429 or status >= 500 or code in TRANSIENT_CODES
        return SendError(str(code or status), str(getattr(exc, "msg", exc))[:300], retryable,
                         uncertain=status >= 500)
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.ConnectionError) \
            and not isinstance(exc, requests.exceptions.ReadTimeout):
        return SendError("network", str(exc)[:300], True)
    if isinstance(exc, requests.exceptions.RequestException | TwilioException | OSError):
        return SendError("timeout", str(exc)[:300], True, uncertain=True)
    raise exc


class TwilioTransport:
    """The real twilio client; `TWILIO_API_URL` points it at a stub in tests."""

    name = "twilio"

    def __init__(self, settings: Settings):
        self.settings = settings
        self._local = threading.local()
        self.timeout = settings.send_timeout_seconds
        self.rate = settings.send_rate  # per sender number (ASPIRASI_SEND_RATE)

    @property
    def client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:  # one per thread: HTTP connections are not shared between threads
            url = self.settings.twilio_api_url
            # A proxy in the environment: twilio's own requests-based client, which reads it
            # on every request; else the lean one (handlers.twilio_http), kept alive.
            http = TwilioHttpClient(timeout=self.timeout) if requests.utils.get_environ_proxies(
                url) else LeanHttpClient(timeout=self.timeout)
            client = Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token,
                            http_client=http)
            client.api.base_url = url
            self._local.client = client
        return client

    def sender_for(self, row: dict) -> dict:
        s = self.settings
        if row["to_address"].startswith(WHATSAPP_PREFIX):
            if not s.twilio_whatsapp_from:
                raise SendError("no-sender", "TWILIO_WHATSAPP_FROM belum diatur", False)
            return {"from_": s.twilio_whatsapp_from}
        if not s.twilio_sms_from:
            raise SendError("no-sender", "TWILIO_SMS_FROM belum diatur", False)
        if s.twilio_sms_from.startswith("MG"):
            return {"messaging_service_sid": s.twilio_sms_from}
        return {"from_": s.twilio_sms_from}

    def sender_key(self, row: dict) -> str:
        """The number (or WhatsApp sender) this row goes out from: what the rate limits."""
        try:
            return next(iter(self.sender_for(row).values()))
        except SendError:
            return "none"

    def send(self, row: dict, status_callback: str | None = None) -> Sent:
        params = self.sender_for(row)
        if status_callback:
            params["status_callback"] = status_callback
        try:
            message = self.client.messages.create(to=row["to_address"], body=row["body"],
                                                  **params)
        except Exception as exc:
            raise classify(exc) from exc
        if not message.sid:
            raise SendError("no-sid", "Twilio menjawab 2xx tanpa sid", True, uncertain=True)
        return Sent(sid=message.sid, status=message.status or "queued")

    def find_sent(self, row: dict) -> list[str]:
        """After an uncertain attempt: the messages Twilio holds to this number with this body
        since the row was made, oldest first (outbound.send_row takes one no row carries)."""
        try:
            found = self.client.messages.list(to=row["to_address"], limit=50)
        except Exception as exc:
            raise classify(exc) from exc
        since = clock.parse(row["created_at"]) - LOOKUP_SKEW
        matches = [m for m in found if m.body == row["body"]
                   and (m.date_created is None or m.date_created >= since)]
        return [m.sid for m in reversed(matches)]  # Twilio lists newest first


def transport_for(settings: Settings):
    base = TwilioTransport(settings) if settings.twilio_enabled else ConsoleTransport(settings)
    if not (settings.relay_sends or settings.relay_receives):
        return base
    from handlers.sms_route import RoutedTransport  # it builds on this module

    return RoutedTransport(settings, base)


def for_row(transport, row: dict):
    """The transport this attempt of this row goes through: a router picks one per row
    (handlers.sms_route); any other transport is its own."""
    via = getattr(transport, "via", None)
    return via(row) if via else transport
