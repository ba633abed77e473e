"""`aspirasi simulate`: post a correctly signed Twilio (or relay phone) webhook and show what
came of it."""

from __future__ import annotations

import json
import mimetypes
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

import click

from gateway.commands.core import settings_or_exit


def build_form(sender: str, text: str, whatsapp: bool, to: str,
               media: tuple[tuple[str, str], ...] = (),
               location: tuple[str, str, str | None] | None = None) -> dict:
    """The form Twilio posts: media as MediaUrlN/MediaContentTypeN, a pin as Latitude/Longitude
    (+ Label), as WhatsApp sends them."""
    sid = ("MM" if media else "SM") + secrets.token_hex(16)
    form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32,
            "From": sender, "To": to, "Body": text, "NumMedia": str(len(media)),
            "NumSegments": "1", "ApiVersion": "2010-04-01"}
    for n, (url, content_type) in enumerate(media):
        form[f"MediaUrl{n}"] = url
        form[f"MediaContentType{n}"] = content_type
    if location:
        form["Latitude"], form["Longitude"] = location[0], location[1]
        if location[2]:
            form["Label"] = location[2]
    if whatsapp:
        form["From"] = f"whatsapp:{sender}"
        form["To"] = f"whatsapp:{to}"
        form["WaId"] = sender.lstrip("+")
        form["ProfileName"] = "Simulasi"
    return form


def media_items(urls: tuple[str, ...], types: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """--media URL [--media-type TYPE] pairs; a missing type is guessed from the URL's ending."""
    if len(types) > len(urls):
        raise click.BadParameter("lebih banyak --media-type daripada --media",
                                 param_hint="--media-type")
    items = []
    for n, url in enumerate(urls):
        if not url.lower().startswith(("http://", "https://")):
            raise click.BadParameter(f"{url!r} bukan URL http(s)", param_hint="--media")
        guessed = mimetypes.guess_type(url.split("?")[0])[0] or "image/jpeg"
        items.append((url, types[n] if n < len(types) else guessed))
    return tuple(items)


def read_location(value: str | None, label: str | None) -> tuple[str, str, str | None] | None:
    """--location LAT,LON → checked text values (Twilio sends them as text)."""
    if value is None:
        if label:
            raise click.BadParameter("--label perlu --location", param_hint="--label")
        return None
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("tulis LAT,LON, mis. 1.4406,125.1217",
                                 param_hint="--location") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise click.BadParameter("di luar rentang koordinat", param_hint="--location")
    return f"{lat:.6f}", f"{lon:.6f}", label


def relay_event(sender: str, text: str) -> bytes:
    """An sms:received webhook as the phone posts it (docs-web docs/features/webhooks.md),
    received now in Bitung's offset."""
    from data.clock import WITA

    received = datetime.now(WITA).isoformat(timespec="milliseconds")
    return json.dumps({
        "deviceId": "simulasi", "event": "sms:received", "id": secrets.token_urlsafe(15),
        "webhookId": "simulasi",
        "payload": {"messageId": secrets.token_hex(4), "message": text, "sender": sender,
                    "phoneNumber": sender, "recipient": None, "simNumber": 1,
                    "receivedAt": received}}).encode()


def post(url: str, form: dict, auth_token: str | None) -> int:
    data = urllib.parse.urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if auth_token:
        from twilio.request_validator import RequestValidator

        headers["X-Twilio-Signature"] = RequestValidator(auth_token).compute_signature(url, form)
    return send(urllib.request.Request(url, data=data, headers=headers, method="POST"))[0]


def post_relay(url: str, body: bytes, key: str) -> tuple[int, dict]:
    """POST a relay webhook signed as the phone signs it; (status, JSON answer)."""
    from gateway.smsgate_signature import sign

    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Timestamp": stamp,
               "X-Signature": sign(key, body, stamp)}
    code, answer = send(urllib.request.Request(url, data=body, headers=headers, method="POST"))
    try:
        return code, json.loads(answer or b"{}")
    except ValueError:
        return code, {}


def send(request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for_result(db_path: str, timeout: float, **key) -> dict | None:
    """Read the outcome from the gateway's SQLite file (simulate runs beside the gateway)."""
    from data import messages
    from data.clock import utcnow
    from data.db import open_db

    db = open_db(db_path)
    deadline = time.monotonic() + timeout
    row = None
    while time.monotonic() < deadline:
        row = messages.outcome(db, **key)
        if row and row["status"] != "captured" and (row["sent"] not in ("queued", "sending") or (
                row["sent"] == "queued" and row["held_until"] > utcnow())):
            return row  # sent, no reply at all, or held for the rest of a burst
        time.sleep(0.1)
    return row


@click.command("simulate")
@click.option("--from", "sender", required=True, help="Sender number, e.g. +6281234567890")
@click.option("--whatsapp", is_flag=True, help="Send as a WhatsApp message.")
@click.option("--media", "media", multiple=True, metavar="URL",
              help="Attach a media item (repeatable), as WhatsApp sends photos and voice notes.")
@click.option("--media-type", "media_types", multiple=True, metavar="TYPE",
              help="Content type of the matching --media (default: from the URL, else "
                   "image/jpeg), e.g. audio/ogg for a voice note.")
@click.option("--location", metavar="LAT,LON", help="Send a location pin, e.g. 1.4406,125.1217")
@click.option("--label", metavar="TEXT", help="The pin's name (with --location).")
@click.option("--smsgate", is_flag=True,
              help="Send as an SMS relayed by the office phone (needs SMSGATE_SIGNING_KEY).")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="Base URL of the running gateway.")
@click.option("--to", default="+15005550006", show_default=True, help="The gateway's number.")
@click.option("--timeout", default=20.0, show_default=True)
@click.argument("text", default="")
def simulate(sender, whatsapp, smsgate, media, media_types, location, label, url, to, timeout,
             text):
    """Post a signed Twilio (or, with --smsgate, relay phone) webhook with TEXT (and media or a
    location) from a number; print the ticket, what the message was to it, and the reply."""
    s = settings_or_exit()
    from data.addresses import InvalidNumber, normalize_number

    try:
        sender = normalize_number(sender)
    except InvalidNumber as exc:
        raise click.BadParameter(str(exc), param_hint="--from") from None
    items = media_items(media, media_types)
    pin = read_location(location, label)
    if not text and not items and not pin:
        raise click.UsageError("kirim TEXT, --media atau --location")
    if smsgate and (whatsapp or items or pin):
        raise click.UsageError("--smsgate hanya untuk SMS teks (tanpa --whatsapp/--media/"
                               "--location)")
    if smsgate and not s.relay_receives:
        raise click.ClickException("relay SMSGate tidak aktif: SMSGATE_SIGNING_KEY belum diatur")
    endpoint = url.rstrip("/") + ("/webhooks/smsgate" if smsgate else "/webhooks/twilio")
    try:
        if smsgate:
            code, answer = post_relay(endpoint, relay_event(sender, text), s.smsgate_signing_key)
            shown, key = answer.get("status", "-"), {"message_id": answer.get("message")}
        else:
            form = build_form(sender, text, whatsapp, to, items, pin)
            code = post(endpoint, form, s.twilio_auth_token)
            shown, key = form["MessageSid"], {"provider_sid": form["MessageSid"]}
    except (urllib.error.URLError, OSError) as exc:
        raise click.ClickException(f"gateway tidak bisa dihubungi di {endpoint}: {exc}") from None
    click.echo(f"POST {endpoint} -> {code} ({shown})")
    if code != 200:
        raise click.ClickException(f"gateway menjawab {code}")
    row = wait_for_result(s.db_path, timeout, **key)
    if row is None or row["status"] == "captured":
        raise click.ClickException(
            f"pesan diterima tetapi belum diproses dalam {timeout:.0f} s: apakah worker jalan?")
    click.echo(f"Tiket     : {row['ticket'] or '-'}"
               + (f" ({row['kind']})" if row["kind"] == "pertanyaan" else ""))
    click.echo(f"Kategori  : {row['category'] or '-'}")
    click.echo(f"Kelurahan : {row['kelurahan'] or '-'}")
    click.echo(f"Pesan ini : {LINK_WORDS.get(row['link'], row['link'] or '-')}"
               + (f" ({row['detail']})" if row["detail"] and row["detail"] != "dibalas" else ""))
    via = f" lewat {row['transport']}" if row.get("transport") else ""
    click.echo(f"Balasan   : {row['reply'] or '-'} [{delivery(row)}{via}]")


# What the message was to the conversation (data.conversations link kinds).
LINK_WORDS = {"need": "tiket baru", "question": "pertanyaan baru", "part": "bagian tiket",
              "answer": "jawaban", "followup": "pesan susulan", "check": "cek status",
              "closing": "penutup", "rsvp": "jawaban undangan", "smalltalk": "sapaan"}


def delivery(row: dict) -> str:
    """The reply's outbox status, or when a held burst ack will go."""
    if row["sent"] == "queued" and row["held_until"]:
        from data.clock import to_wita

        return f"menunggu bagian lain, dikirim {to_wita(row['held_until']):%H:%M:%S} WITA"
    return row["sent"] or "-"


COMMANDS = [simulate]
