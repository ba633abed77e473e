"""A local stub of Twilio's Messages REST API on loopback, for the real `twilio` client.

It records every request and answers from a script: tests push behaviours ("500", "429",
"21211", "21610", "63016", "hang", "hang_after_create", "create_late", "nosid", or a raw (status, body) pair) and the stub
answers them in order, then "ok" (201 with a Message JSON, like Twilio).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ERRORS = {
    "500": (500, "This is not JSON"),
    "503": (503, json.dumps({"code": 20503, "message": "Service unavailable", "status": 503})),
    "429": (429, json.dumps({"code": 20429, "message": "Too Many Requests", "status": 429})),
    "63018": (429, json.dumps({"code": 63018, "message": "Rate limit exceeded", "status": 429})),
    "21211": (400, json.dumps({"code": 21211, "message": "Invalid 'To' Phone Number",
                               "more_info": "https://www.twilio.com/docs/errors/21211",
                               "status": 400})),
    "21610": (400, json.dumps({"code": 21610, "message": "Attempt to send to unsubscribed "
                               "recipient", "status": 400})),
    "21614": (400, json.dumps({"code": 21614, "message": "'To' number is not a valid mobile "
                               "number", "status": 400})),
    "63016": (400, json.dumps({"code": 63016, "message": "Failed to send freeform message "
                               "because you are outside the allowed window.", "status": 400})),
    "nosid": (200, "{ }"),
}


class TwilioStub:
    """Start with .start(); .url is the base URL to put in TWILIO_API_URL."""

    def __init__(self, hang_seconds: float = 5.0):
        self.requests: list[dict] = []
        self.messages: list[dict] = []
        self.connections = 0  # TCP connections accepted (keep-alive: one per sending thread)
        self.script: deque = deque()
        self.default = "ok"
        self.hang_seconds = hang_seconds
        self.late_seconds = 1.5  # "create_late": the message exists only after this long
        # Media served like Twilio's: path → (content type, bytes); basic auth required, then a
        # redirect to a storage URL without auth (as Twilio redirects to S3).
        self.media: dict[str, tuple[str, bytes]] = {}
        self.offline = False  # True: every connection is dropped (the network to Twilio cut)
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TwilioStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.messages.clear()
            self.connections = 0
            self.script.clear()
            self.media.clear()
            self.offline = False
            self.default = "ok"
            self.release.clear()

    def push(self, *behaviours) -> None:
        """Queue behaviours for the next create requests, in order."""
        with self.lock:
            self.script.extend(behaviours)

    def add_media(self, name: str, content_type: str, body: bytes) -> str:
        """Serve a media item; returns its Twilio-style URL."""
        path = f"/2010-04-01/Accounts/AC{'1' * 32}/Messages/MM{name}/Media/ME{name}"
        with self.lock:
            self.media[path] = (content_type, body)
        return self.url + path

    def creates(self) -> list[dict]:
        """The Messages.create requests received (form fields, first value of each)."""
        return [r["form"] for r in self.requests if r["method"] == "POST"]

    def sent_to(self, to: str) -> list[dict]:
        return [m for m in self.messages if m["to"] == to]

    def _next(self) -> str | tuple:
        with self.lock:
            return self.script.popleft() if self.script else self.default

    def _create(self, form: dict, account: str, status: str = "queued") -> dict:
        sid = "SM" + secrets.token_hex(16)
        message = {
            "sid": sid, "account_sid": account, "to": form.get("To"),
            "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"), "status": status, "num_segments": "1",
            "direction": "outbound-api", "api_version": "2010-04-01", "error_code": None,
            "error_message": None, "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        }
        with self.lock:
            self.messages.append(message)
        return message

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with stub.lock:
                    stub.connections += 1

            def _answer(self, status: int, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _account(self) -> str:
                parts = urlsplit(self.path).path.split("/")
                return parts[3] if len(parts) > 3 else ""

            def _record(self, form_pairs: list) -> dict:
                auth = self.headers.get("Authorization", "")
                user = ""
                if auth.startswith("Basic "):
                    user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
                record = {"method": self.command, "path": self.path, "auth_user": user,
                          "form": {k: v[0] for k, v in form_pairs},
                          "multi": form_pairs, "at": time.monotonic()}
                with stub.lock:
                    stub.requests.append(record)
                return record

            def _media(self, path: str) -> bool:
                """Twilio media: 401 without basic auth, else 307 to /s3 (served without auth)."""
                stored = path.removeprefix("/s3")
                if stored not in stub.media:
                    return False
                record = self._record([])
                if not path.startswith("/s3"):
                    if not record["auth_user"]:
                        self._answer(401, json.dumps({"code": 20003, "status": 401}))
                        return True
                    self.send_response(307)
                    self.send_header("Location", "/s3" + stored)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return True
                kind, body = stub.media[stored]
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return True

            def do_GET(self):  # noqa: N802 - http.server's naming
                if stub.offline:
                    self.close_connection = True
                    return
                if self._media(urlsplit(self.path).path):
                    return
                query = parse_qs(urlsplit(self.path).query)
                self._record(list(query.items()))
                to = (query.get("To") or [None])[0]
                with stub.lock:
                    found = [m for m in stub.messages if to is None or m["to"] == to]
                page = {"messages": list(reversed(found)), "next_page_uri": None, "page": 0,
                        "page_size": 50, "uri": self.path, "first_page_uri": self.path,
                        "previous_page_uri": None, "start": 0, "end": len(found)}
                self._answer(200, json.dumps(page))

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                pairs = list(parse_qs(raw, keep_blank_values=True).items())
                record = self._record(pairs)
                behaviour = stub._next()
                if isinstance(behaviour, tuple):
                    self._answer(*behaviour)
                elif behaviour in ERRORS:
                    self._answer(*ERRORS[behaviour])
                elif behaviour == "create_late":  # slow to take it: the client gives up first
                    stub.release.wait(stub.late_seconds)
                    stub._create(record["form"], self._account())
                    stub.release.wait(stub.hang_seconds)  # and never answers in time
                    self.close_connection = True
                elif behaviour in ("hang", "hang_after_create"):
                    if behaviour == "hang_after_create":
                        stub._create(record["form"], self._account())
                    stub.release.wait(stub.hang_seconds)
                    self.close_connection = True
                else:
                    message = stub._create(record["form"], self._account())
                    self._answer(201, json.dumps(message))

        return Handler
