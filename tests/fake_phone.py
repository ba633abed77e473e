"""A fake relay phone: SMS Gateway for Android in Local mode, on loopback, for the tests.

Written from the documented API and payloads (android-sms-gateway/docs-web), not from our code:
- POST /message: `{"textMessage": {"text"}, "phoneNumbers", "id", "withDeliveryReport",
  "ttl"}` → 202 with the message state; 409 for an id it already has; basic auth
  (docs/getting-started/local-server.md, docs/features/sending-messages.md, the app's
  swagger.json: POST /messages, GET /messages/{id}, smsgateway.MessageState).
- states Pending → Processed → Sent → Delivered | Failed; a message whose ttl passed before it
  was sent fails ("TTL expired") (docs/features/status-tracking.md).
- webhooks `{"deviceId", "event", "id", "webhookId", "payload"}` signed with X-Signature = hex
  HMAC-SHA256(signing key, raw body + X-Timestamp) (docs/features/webhooks.md, "Step 5" and
  "Payload Signing"); sms:received carries messageId, message, sender, phoneNumber (deprecated
  twin, docs/blog 2026-02-17), recipient, simNumber, receivedAt in the phone's own offset;
  one sms:delivered per part (docs/faq/webhooks.md); system:ping carries `health`
  (docs/features/health.md, "Device Health").
- GET/POST /webhooks, DELETE /webhooks/{id}: one webhook per event, same id replaces
  (docs/features/webhooks.md, swagger POST /webhooks); PATCH /settings
  (docs/features/settings-management.md); POST /inbox/refresh with since/until and
  triggerWebhooks re-posts sms:received (docs/features/reading-messages.md, swagger
  smsgateway.InboxRefreshRequest).

The signature is computed here from the docs, independently of gateway/smsgate_signature.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WITA = timezone(timedelta(hours=8))
DEVICE_ID = "ffffffffceb0b1db0000018e937c815b"
USERNAME, PASSWORD = "sms", "fake-phone-password"
SIGNING_KEY = "fake-phone-signing-key"
NUMBER = "+6281340000001"  # the SIM in the phone


def nanoid() -> str:
    return secrets.token_urlsafe(16)[:21]


def signature(key: str, body: bytes, stamp: str) -> str:
    """X-Signature as the docs define it: hex HMAC-SHA256(key, raw body + X-Timestamp)."""
    return hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()


def local_time(moment: datetime | None = None) -> str:
    """'2026-11-30T15:46:11.000+08:00': how the phone in Bitung writes a time."""
    return (moment or datetime.now(UTC)).astimezone(WITA).isoformat(timespec="milliseconds")


class FakePhone:
    """Start with .start(); .url goes in SMSGATE_URL. Everything it saw is kept in lists."""

    def __init__(self):
        self.lock = threading.Lock()
        self.server = None
        self.port = 0
        self.reset()

    # --- life cycle ---------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.messages: dict[str, dict] = {}   # what we were asked to send, by id
            self.sent: list[dict] = []            # SMS that really left the phone
            self.inbox: list[dict] = []           # SMS the phone received
            self.webhooks: dict[str, dict] = {}
            self.settings: dict = {"webhooks": {"internet_required": True},
                                   "ping": {"interval_seconds": None}}
            self.signing_key = SIGNING_KEY
            self.refreshes: list[dict] = []
            self.posted: list[tuple[str, int]] = []  # (event, our answer's status)
            self.requests: list[tuple[str, str]] = []
            self.mode = "ok"        # ok | hang (takes it, answers too late) | 500
            self.hang_seconds = 3.0
            self.fail_next: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakePhone:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def offline(self) -> None:
        """The phone leaves the LAN: connections are refused."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def online(self) -> None:
        """Back on the same address."""
        if self.server is None:
            self.start()

    def stop(self) -> None:
        self.offline()

    # --- what the phone does on its own -------------------------------------------------
    def receive_sms(self, sender: str, text: str, at: datetime | None = None,
                    deliver: bool = True) -> list[int]:
        """An SMS reaches the SIM: into the inbox, then sms:received to every webhook
        (deliver=False: the webhook is lost, as when the gateway was unreachable too long)."""
        at = at or datetime.now(UTC)
        item = {"messageId": hashlib.sha1(f"{sender}{text}".encode()).hexdigest()[:8],
                "message": text, "sender": sender, "receivedAt": local_time(at), "at": at}
        with self.lock:
            self.inbox.append(item)
        return self.post_received(item) if deliver else []

    def post_received(self, item: dict) -> list[int]:
        """(Again) post one inbox SMS; every delivery gets a new event id, as the app does."""
        return self.post("sms:received", {
            "messageId": item["messageId"], "message": item["message"],
            "sender": item["sender"], "recipient": NUMBER, "phoneNumber": item["sender"],
            "simNumber": 1, "receivedAt": item["receivedAt"]})

    def ping(self, battery: int = 94) -> list[int]:
        checks = {
            "battery:level": {"description": "Battery level in percent",
                              "observedUnit": "percent", "observedValue": battery,
                              "status": "pass" if battery >= 25 else "warn"},
            "battery:charging": {"description": "Is the phone charging?",
                                 "observedUnit": "flags", "observedValue": 4, "status": "pass"},
            "connection:status": {"description": "Internet connection status",
                                  "observedUnit": "boolean", "observedValue": 0,
                                  "status": "fail"},
            "connection:transport": {"description": "Network transport type",
                                     "observedUnit": "flags", "observedValue": 4,
                                     "status": "pass"},
            "connection:cellular": {"description": "Cellular network type",
                                    "observedUnit": "index", "observedValue": 0,
                                    "status": "pass"},
        }
        return self.post("system:ping", {"health": {"checks": checks, "releaseId": 1,
                                                    "status": "fail", "version": "1.0.0"}})

    def time_passes(self, seconds: float) -> None:
        """The phone's clock moves on: every stored message's ttl comes `seconds` sooner
        (a test must not depend on how fast the machine ran the steps before)."""
        with self.lock:
            for message in self.messages.values():
                if message["validUntil"]:
                    message["validUntil"] -= timedelta(seconds=seconds)

    def process(self) -> None:
        """Send every pending message (or fail it: ttl passed, or `fail_next`), with webhooks."""
        with self.lock:
            pending = [m for m in self.messages.values() if m["state"] == "Pending"]
        for message in pending:
            number = message["phoneNumbers"][0]
            base = {"messageId": message["id"], "sender": NUMBER, "recipient": number,
                    "phoneNumber": number, "simNumber": 1}
            reason = "TTL expired" if message["validUntil"] and \
                datetime.now(UTC) > message["validUntil"] else self.fail_next
            if reason:
                self.fail_next = None
                self._state(message, "Failed", reason)
                self.post("sms:failed", {**base, "failedAt": local_time(), "reason": reason})
                continue
            self._state(message, "Sent")
            with self.lock:
                self.sent.append({"id": message["id"], "to": number, "text": message["text"]})
            parts = 1 if len(message["text"]) <= 160 else -(-len(message["text"]) // 153)
            self.post("sms:sent", {**base, "partsCount": parts, "sentAt": local_time()})
            if message["withDeliveryReport"]:
                self._state(message, "Delivered")
                for _ in range(parts):  # one sms:delivered per part
                    self.post("sms:delivered", {**base, "deliveredAt": local_time()})

    def _state(self, message: dict, state: str, error: str | None = None) -> None:
        with self.lock:
            message["state"] = state
            message["error"] = error
            message["states"][state] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- webhooks out ---------------------------------------------------------------------
    def post(self, event: str, payload: dict, url: str | None = None,
             timestamp: str | None = None) -> list[int]:
        """POST one signed event to each webhook registered for it (or to `url`)."""
        with self.lock:
            targets = [(url, "direct")] if url else [
                (w["url"], w["id"]) for w in self.webhooks.values() if w["event"] == event]
        statuses = []
        for target, webhook_id in targets:
            body = json.dumps({"deviceId": DEVICE_ID, "event": event, "id": nanoid(),
                               "payload": payload, "webhookId": webhook_id},
                              separators=(",", ":")).encode()
            statuses.append(self.deliver(target, body, timestamp))
            with self.lock:
                self.posted.append((event, statuses[-1]))
        return statuses

    def deliver(self, url: str, body: bytes, timestamp: str | None = None) -> int:
        stamp = timestamp or str(int(time.time()))
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Timestamp": stamp,
            "X-Signature": signature(self.signing_key, body, stamp)})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def subscribe(self, url: str) -> None:
        """What `aspirasi smsgate register` leaves on the phone: the five events to url."""
        for event in ("sms:received", "sms:sent", "sms:delivered", "sms:failed", "system:ping"):
            self.webhooks[event] = {"id": event, "deviceId": DEVICE_ID, "url": url,
                                    "event": event, "source": "Local"}

    # --- the local API --------------------------------------------------------------------
    def state_json(self, message: dict, content: bool) -> dict:
        body = {"id": message["id"], "deviceId": DEVICE_ID, "state": message["state"],
                "isHashed": False, "isEncrypted": False,
                "recipients": [{"phoneNumber": n, "state": message["state"],
                                "error": message["error"]} for n in message["phoneNumbers"]],
                "states": dict(message["states"])}
        if content:
            body["textMessage"] = {"text": message["text"]}
        return body

    def api(self, method: str, path: str, body) -> tuple[int, object]:
        route = path.split("?")[0].rstrip("/")
        if method == "POST" and route in ("/message", "/messages"):
            return self.api_send(body)
        if method == "GET" and route.startswith(("/message/", "/messages/")):
            message = self.messages.get(route.rsplit("/", 1)[1])
            return (200, self.state_json(message, True)) if message else (404, None)
        if route in ("/webhooks", "/webhook"):
            if method == "GET":
                return 200, list(self.webhooks.values())
            if method == "POST":
                hook = {"id": body.get("id") or nanoid(), "deviceId": DEVICE_ID,
                        "url": body["url"], "event": body["event"], "source": "Local"}
                self.webhooks[hook["id"]] = hook
                return 201, hook
        if method == "DELETE" and route.startswith("/webhooks/"):
            self.webhooks.pop(route.rsplit("/", 1)[1], None)
            return 204, None
        if method == "PATCH" and route == "/settings":
            for section, values in body.items():
                self.settings.setdefault(section, {}).update(values)
            self.signing_key = self.settings["webhooks"].pop("signing_key", None) or \
                self.signing_key  # write-only
            return 200, self.settings
        if method == "POST" and route == "/inbox/refresh":
            return self.api_refresh(body)
        if method == "GET" and route == "/health":
            return 200, {"status": "pass", "version": "1.0.0", "releaseId": 1, "checks": {}}
        return 404, {"message": "Not Found"}

    def api_send(self, body: dict) -> tuple[int, object]:
        text = (body.get("textMessage") or {}).get("text") or body.get("message")
        if not text or not body.get("phoneNumbers"):
            return 400, {"message": "text and phoneNumbers are required"}
        if self.mode == "500":
            return 500, {"message": "internal error"}
        with self.lock:
            message_id = body.get("id") or nanoid()
            if message_id in self.messages:
                return 409, {"message": "Message with the same ID already exists"}
            ttl = body.get("ttl")
            message = self.messages[message_id] = {
                "id": message_id, "text": text, "phoneNumbers": list(body["phoneNumbers"]),
                "withDeliveryReport": body.get("withDeliveryReport", True), "state": "Pending",
                "ttl": ttl, "asked_at": time.monotonic(),
                "error": None, "validUntil": datetime.now(UTC) + timedelta(seconds=ttl)
                if ttl else None, "states": {}}
        self._state(message, "Pending")
        if self.mode == "hang":
            time.sleep(self.hang_seconds)  # stored, but the answer comes too late
        return 202, self.state_json(message, False)

    def api_refresh(self, body: dict) -> tuple[int, object]:
        try:
            since = datetime.fromisoformat(body["since"].replace("Z", "+00:00"))
            until = datetime.fromisoformat(body["until"].replace("Z", "+00:00"))
        except (KeyError, ValueError, AttributeError):
            return 400, {"message": "since and until are required"}
        if since > until:
            return 400, {"message": "since must be before until"}
        self.refreshes.append(body)
        if body.get("triggerWebhooks"):
            for item in [i for i in self.inbox if since <= i["at"] <= until]:
                self.post_received(item)
        return 202, None

    def _handler(self):
        phone = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                phone.requests.append((method, self.path))
                expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
                if self.path != "/health" and self.headers.get("Authorization") != expected:
                    return self._answer(401, {"message": "Unauthorized"})
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    return self._answer(400, {"message": "Invalid request body"})
                self._answer(*phone.api(method, self.path, body))

            def _answer(self, status: int, body) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PATCH(self):
                self._serve("PATCH")

            def do_DELETE(self):
                self._serve("DELETE")

        return Handler
