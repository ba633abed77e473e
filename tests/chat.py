"""A citizen's side of a conversation, through the real path: signed webhook → SQLite → RQ
worker → outbox → the Twilio stub. Each `say` returns the replies that one message got."""

from __future__ import annotations

import secrets

from tests.conftest import SMS_FROM, WHATSAPP_FROM

PATH = "/webhooks/twilio"
CITIZEN = "+6281234567890"


def form(body: str = "", sender: str = CITIZEN, whatsapp: bool = False,
         media: tuple[tuple[str, str], ...] = (), location: tuple[str, str] | None = None,
         label: str | None = None) -> dict:
    """The form Twilio posts for one SMS or one WhatsApp part (text, media or a pin)."""
    sid = ("MM" if media else "SM") + secrets.token_hex(16)
    fields = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender, "To": SMS_FROM,
              "Body": body, "NumMedia": str(len(media))}
    for n, (url, content_type) in enumerate(media):
        fields[f"MediaUrl{n}"], fields[f"MediaContentType{n}"] = url, content_type
    if location:
        fields["Latitude"], fields["Longitude"] = location
        if label:
            fields["Label"] = label
    if whatsapp:
        fields.update(From=f"whatsapp:{sender}", To=WHATSAPP_FROM, WaId=sender.lstrip("+"),
                      ProfileName="Om Yan")
    return fields


PHOTO = (("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg"),)
VOICE = (("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM2/Media/ME2", "audio/ogg"),)
PIN = ("1.4406", "125.1217")


class Chat:
    """One or more senders talking to the gateway; every message goes the whole way."""

    def __init__(self, signed_post, run_worker, db):
        self.post, self.run, self.db = signed_post, run_worker, db

    def send(self, body: str = "", sender: str = CITIZEN, **extra) -> str:
        """Post one message without running the worker (parts of one burst); its MessageSid."""
        fields = form(body, sender, **extra)
        assert self.post(PATH, fields).status_code == 200
        return fields["MessageSid"]

    def say(self, body: str = "", sender: str = CITIZEN, **extra) -> list[str]:
        """Send one message, let the worker process and send; the replies it got."""
        sid = self.send(body, sender, **extra)
        self.run()
        return self.replies_of(sid)

    def run_pending(self) -> None:
        """Process what was captured (the real inbound job) without waiting for sends: a held
        burst ack stays in the outbox."""
        from handlers.inbound import drain_inbound

        drain_inbound()

    def replies_of(self, sid: str) -> list[str]:
        return [r["body"] for r in self.db.query(
            "SELECT o.body FROM outbox o JOIN messages m ON o.dedupe_key LIKE "
            "'reply:' || m.id || ':%' WHERE m.provider_sid = ? ORDER BY o.id", [sid])]

    def tickets(self, kind: str = "aspirasi") -> list[dict]:
        return list(self.db.query("SELECT * FROM aspirations WHERE kind = ? ORDER BY id", [kind]))

    def ticket(self, code: str) -> dict:
        return next(self.db.query("SELECT * FROM aspirations WHERE ticket = ?", [code]))

    def link(self, sid: str) -> dict | None:
        rows = list(self.db.query(
            "SELECT l.* FROM message_links l JOIN messages m ON m.id = l.message_id "
            "WHERE m.provider_sid = ?", [sid]))
        return rows[0] if rows else None

    def last_sid(self) -> str:
        return self.db.execute("SELECT provider_sid FROM messages ORDER BY id DESC LIMIT 1"
                               ).fetchone()[0]
