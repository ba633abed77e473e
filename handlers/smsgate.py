"""The relay phone's local API (SMS Gateway for Android, Local mode) and the `smsgate` transport.

API as documented in android-sms-gateway/docs-web: POST /message with textMessage, phoneNumbers,
id, withDeliveryReport, ttl (docs/getting-started/local-server.md,
docs/features/sending-messages.md); states Pending → Processed → Sent → Delivered | Failed
(docs/features/status-tracking.md); GET /message/{id}, 409 for an id it already has (the app's
swagger.json); GET/POST /webhooks (docs/features/webhooks.md); PATCH /settings
(docs/features/settings-management.md); POST /inbox/refresh (docs/features/reading-messages.md).

Our outbox id is the message id the phone keeps, so an attempt whose answer was lost is looked
up by that id before anything is sent again; the ttl bounds how long the phone may still send
a copy we could not confirm.
"""

from __future__ import annotations

import logging
import threading

import requests
from requests.auth import HTTPBasicAuth

from data import clock, outbox, relay_devices
from handlers.context import database
from handlers.settings import Settings
from handlers.transports import SendError, Sent

log = logging.getLogger(__name__)
NAME = "smsgate"  # the transport, and its bucket in handlers.ratelimit (smsgate:smsgate)
STATES = {"Pending": "queued", "Processed": "sending", "Sent": "sent", "Delivered": "delivered",
          "Failed": "failed"}
# Android SmsManager results the app reports in sms:failed that no retry can cure (the app's
# MessagesService; docs/faq/errors.md). Anything else (no service, radio off, generic
# failure, limit exceeded, TTL expired) is retried like a Twilio 5xx.
PERMANENT = ("RESULT_ERROR_FDN_CHECK_FAILURE", "RESULT_ERROR_SHORT_CODE_NOT_ALLOWED",
             "RESULT_ERROR_SHORT_CODE_NEVER_ALLOWED", "RESULT_ERROR_NULL_PDU",
             "Invalid number", "Invalid phone number")
GRACE_SECONDS = 60  # the phone starts its ttl when it stores the message, a little after us


class Client:
    """Basic-auth JSON calls to the phone; a requests session per thread."""

    def __init__(self, s: Settings):
        self.base = s.smsgate_url
        self.auth = HTTPBasicAuth(s.smsgate_username or "", s.smsgate_password or "")
        # On a LAN a connection takes milliseconds: a phone that does not answer is away.
        self.timeout = (min(3.0, s.send_timeout_seconds), s.send_timeout_seconds)
        self._local = threading.local()

    def call(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session.request(method, self.base + path, json=body, auth=self.auth,
                                timeout=self.timeout)

    def checked(self, method: str, path: str, body: dict | None = None):
        """The JSON answer of a call that must succeed; RelayError says why it did not."""
        try:
            response = self.call(method, path, body)
        except requests.RequestException as exc:
            raise RelayError(f"HP relay tidak bisa dihubungi: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise RelayError(f"HP relay menjawab {response.status_code}: "
                             f"{response.text[:200]}")
        return response.json() if response.content else None

    def refresh_inbox(self, since: str, until: str) -> None:
        """Ask the phone to post sms:received again for what it got between since and until."""
        self.checked("POST", "/inbox/refresh", {"since": since, "until": until,
                                                "triggerWebhooks": True})


class RelayError(RuntimeError):
    """A call to the phone that did not succeed (message in Bahasa Indonesia)."""


def unreachable(exc: Exception) -> bool:
    """True when the request cannot have reached the phone (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc)
        return any(word in text for word in ("NewConnectionError", "Connection refused",
                                             "No route to host", "Name or service not known"))
    return False


def failure(reason: str | None) -> SendError:
    """sms:failed's reason → a SendError with the retry/permanent rule applied."""
    reason = reason or "sms:failed tanpa alasan"
    code = reason.split(" ", 1)[0][:40] if reason.startswith("RESULT_") else "relay-failed"
    return SendError(code, reason, not any(p in reason for p in PERMANENT), transport=NAME)


def relay_id(row: dict) -> str:
    """The id the phone keeps: our outbox id; a later attempt after a definite failure gets
    the attempt number too (the phone refuses an id it already has)."""
    return str(row["id"]) if row["attempts"] <= 1 or not row["provider_sid"] else \
        f"{row['id']}-{row['attempts']}"


class SmsGateTransport:
    """Send one outbox row through the phone, or find out what became of an earlier try."""

    name = NAME

    def __init__(self, s: Settings, client: Client | None = None):
        self.settings = s
        self.client = client or Client(s)
        self.rate = s.smsgate_send_rate / 60  # per second, for handlers.ratelimit

    def sender_key(self, row: dict) -> str:
        return NAME

    def send(self, row: dict, status_callback: str | None = None) -> Sent:
        db = database(self.settings)
        sid = relay_id(row)
        outbox.hand_to_relay(db, row["id"], sid,
                             clock.later(self.settings.smsgate_ttl_seconds + GRACE_SECONDS))
        body = {"id": sid, "textMessage": {"text": row["body"]},
                "phoneNumbers": [row["to_address"]], "withDeliveryReport": True,
                "ttl": int(self.settings.smsgate_ttl_seconds)}
        try:
            response = self.client.call("POST", "/message", body)
            if response.status_code == 409:  # it has this id: ours (an answer got lost) or not
                state = self.lookup(sid, row)
                if state in (None, "Failed"):
                    raise self._certain(db, row, "relay-id-taken", "id sudah dipakai di HP", True)
                return Sent(sid, STATES[state], NAME)
            answer = response.json() if 200 <= response.status_code < 300 else None
        except (requests.RequestException, ValueError) as exc:
            raise self._lost(db, row, exc) from exc
        if response.status_code in (401, 403):
            raise self._certain(db, row, "relay-auth", "SMSGATE_USERNAME/PASSWORD ditolak HP",
                                True)
        if 400 <= response.status_code < 500:
            raise self._certain(db, row, "relay-rejected", response.text[:300], False)
        if not isinstance(answer, dict):  # 5xx, or a 2xx we cannot read: it may have it
            raise SendError(f"relay-{response.status_code}", response.text[:300], True,
                            uncertain=True, transport=NAME)
        device = answer.get("deviceId")
        if isinstance(device, str) and 0 < len(device) <= 128:
            relay_devices.seen(db, device, "api")  # it answered: it is alive
        return Sent(sid, STATES.get(answer.get("state"), "queued"), NAME)

    def lookup(self, sid: str, row: dict) -> str | None:
        """The phone's state of message `sid` if it is this row's text to this row's number."""
        response = self.client.call("GET", f"/message/{sid}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SendError(f"relay-{response.status_code}", response.text[:300], True,
                            uncertain=True, transport=NAME)
        found = response.json()
        text = (found.get("textMessage") or {}).get("text")
        numbers = [r.get("phoneNumber") for r in found.get("recipients") or []]
        if (text is not None and text != row["body"]) or (
                numbers and row["to_address"] not in numbers
                and row["to_address"].lstrip("+") not in numbers):
            return None  # another database's message under the same id
        return found.get("state") if found.get("state") in STATES else "Pending"

    def find_sent(self, row: dict) -> list[str]:
        """After an attempt with no answer: [its id] when the phone has it; [] when it does not
        (or failed it, or its ttl has passed), so it may be sent again. While the phone cannot
        be asked and its copy may still go out, the row waits (SendError with `wait`)."""
        db = database(self.settings)
        try:
            state = self.lookup(row["provider_sid"], row)
        except (requests.RequestException, ValueError) as exc:
            err = self._lost(db, row, exc, looking=True)
            if clock.utcnow() < row["relay_expires_at"]:
                err.wait = (clock.parse(row["relay_expires_at"]) - clock.now()).total_seconds()
                raise err from exc
            log.info("outbox %s: the phone's copy expired unconfirmed", row["id"])
            state = None
        row["_looked_up"] = True
        if state in (None, "Failed"):
            outbox.relay_gave_up(db, row["id"])
            row["relay_expires_at"] = None
            return []
        return [row["provider_sid"]]

    def _lost(self, db, row: dict, exc: Exception, looking: bool = False) -> SendError:
        """A request that raised: certain when it never connected, else the phone may have it."""
        if unreachable(exc):
            relay_devices.mark_unreachable(db)
            if not looking:
                return self._certain(db, row, "relay-unreachable",
                                     f"HP relay tidak bisa dihubungi: {type(exc).__name__}",
                                     True)
        return SendError("relay-timeout", f"{type(exc).__name__}: {exc}"[:300], True,
                         uncertain=True, transport=NAME)

    def _certain(self, db, row: dict, code: str, message: str, retryable: bool) -> SendError:
        """The phone did not take the message: it holds no copy, another path may send it."""
        outbox.relay_gave_up(db, row["id"])
        row["relay_expires_at"] = None
        return SendError(code, message, retryable, transport=NAME)
