"""`aspirasi simulate`: post a correctly signed Twilio webhook and show what came of it."""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

import click

from gateway.commands.core import settings_or_exit


def build_form(sender: str, text: str, whatsapp: bool, to: str) -> dict:
    sid = "SM" + secrets.token_hex(16)
    form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32,
            "From": sender, "To": to, "Body": text, "NumMedia": "0", "NumSegments": "1",
            "ApiVersion": "2010-04-01"}
    if whatsapp:
        form["From"] = f"whatsapp:{sender}"
        form["To"] = f"whatsapp:{to}"
        form["WaId"] = sender.lstrip("+")
        form["ProfileName"] = "Simulasi"
    return form


def post(url: str, form: dict, auth_token: str | None) -> int:
    data = urllib.parse.urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if auth_token:
        from twilio.request_validator import RequestValidator

        headers["X-Twilio-Signature"] = RequestValidator(auth_token).compute_signature(url, form)
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_for_result(db_path: str, sid: str, timeout: float) -> dict | None:
    """Read the outcome from the gateway's SQLite file (simulate runs beside the gateway)."""
    from data import messages
    from data.db import open_db

    db = open_db(db_path)
    deadline = time.monotonic() + timeout
    row = None
    while time.monotonic() < deadline:
        row = messages.outcome(db, sid)
        if row and row["status"] != "captured" and row["sent"] not in (
                None, "queued", "sending"):
            return row
        time.sleep(0.1)
    return row


@click.command("simulate")
@click.option("--from", "sender", required=True, help="Sender number, e.g. +6281234567890")
@click.option("--whatsapp", is_flag=True, help="Send as a WhatsApp message.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="Base URL of the running gateway.")
@click.option("--to", default="+15005550006", show_default=True, help="The gateway's number.")
@click.option("--timeout", default=20.0, show_default=True)
@click.argument("text")
def simulate(sender, whatsapp, url, to, timeout, text):
    """Post a signed Twilio webhook with TEXT from a number; print ticket, category and reply."""
    s = settings_or_exit()
    from data.addresses import InvalidNumber, normalize_number

    try:
        sender = normalize_number(sender)
    except InvalidNumber as exc:
        raise click.BadParameter(str(exc), param_hint="--from") from None
    endpoint = url.rstrip("/") + "/webhooks/twilio"
    form = build_form(sender, text, whatsapp, to)
    try:
        code = post(endpoint, form, s.twilio_auth_token)
    except (urllib.error.URLError, OSError) as exc:
        raise click.ClickException(f"gateway tidak bisa dihubungi di {endpoint}: {exc}") from None
    click.echo(f"POST {endpoint} -> {code} ({form['MessageSid']})")
    if code != 200:
        raise click.ClickException(f"gateway menjawab {code}")
    row = wait_for_result(s.db_path, form["MessageSid"], timeout)
    if row is None or row["status"] == "captured":
        raise click.ClickException(
            f"pesan diterima tetapi belum diproses dalam {timeout:.0f} s: apakah worker jalan?")
    click.echo(f"Tiket     : {row['ticket'] or '-'}")
    click.echo(f"Kategori  : {row['category'] or '-'}")
    click.echo(f"Kelurahan : {row['kelurahan'] or '-'}")
    click.echo(f"Balasan   : {row['reply'] or '-'} [{row['sent'] or '-'}]")


COMMANDS = [simulate]
