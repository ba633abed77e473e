"""Ways out: the real Twilio REST client, or a console transport for offline demos."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from data.channels import WHATSAPP_PREFIX
from handlers.settings import Settings

log = logging.getLogger(__name__)

# Retry these (Twilio's docs and the conformance notes); everything else 4xx is permanent.
TRANSIENT_CODES = {20429, 63018, 20500, 20503, 30001, 30008}
OPT_OUT_CODES = {21610}


@dataclass
class SendError(Exception):
    """A send that did not produce a message sid."""

    code: str
    message: str
    retryable: bool
    uncertain: bool = False  # Twilio may have accepted it: look before sending again

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class Sent:
    sid: str
    status: str


class ConsoleTransport:
    """No Twilio credentials: log the message and call it sent, so the demo works offline."""

    name = "console"

    def send(self, row: dict, status_callback: str | None = None) -> Sent:
        log.warning("[console] to %s: %s", row["to_address"], row["body"])
        return Sent(sid=f"CONSOLE{row['id']:012d}", status="sent")

    def find_sent(self, row: dict) -> str | None:
        return None

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

    @property
    def client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:  # requests sessions are not shared between threads
            http = TwilioHttpClient(timeout=self.timeout)
            client = Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token,
                            http_client=http)
            client.api.base_url = self.settings.twilio_api_url
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

    def find_sent(self, row: dict) -> str | None:
        """After an uncertain attempt: did Twilio take it? Match recent messages to the number."""
        try:
            found = self.client.messages.list(to=row["to_address"], limit=50)
        except Exception as exc:
            raise classify(exc) from exc
        for message in found:
            if message.body == row["body"]:
                return message.sid
        return None


class RateLimiter:
    """At most `rate` sends per second per sender, across the sending threads of a process.

    One per process and rate (limiter_for), so every drain in the process shares it.
    """

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.lock = threading.Lock()
        self.next_at: dict[str, float] = {}

    def wait(self, sender: str) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at.get(sender, now))
            self.next_at[sender] = at + self.interval
        if at > now:
            time.sleep(at - now)


_limiters: dict[float, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(rate: float) -> RateLimiter:
    """The process's limiter for this rate (0 = no limit)."""
    with _limiters_lock:
        return _limiters.setdefault(rate, RateLimiter(rate))


def transport_for(settings: Settings):
    return TwilioTransport(settings) if settings.twilio_enabled else ConsoleTransport()
