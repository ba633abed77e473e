"""`aspirasi smsgate …`: set up the relay phone on the office LAN, and see how it is."""

from __future__ import annotations

import click

from gateway.commands.core import settings_or_exit
from gateway.smsgate_payload import EVENTS

# The phone replaces a webhook registered again under the same id (the app's swagger.json,
# POST /webhooks), so these ids keep `register` from ever adding a second copy.
WEBHOOK_IDS = {event: "aspirasi-" + event.replace(":", "-") for event in EVENTS}


def relay_client():
    s = settings_or_exit()
    if not s.relay_sends:
        raise click.ClickException("SMSGATE_URL belum diatur (alamat API lokal HP relay)")
    from handlers.smsgate import Client

    return s, Client(s)


def ping_seconds(s) -> int:
    """Ping often enough that one lost ping never looks like silence: a third of the window,
    at most every 5 minutes, at least every minute."""
    return int(max(60, min(300, s.smsgate_silence_minutes * 60 / 3)))


@click.group("smsgate")
def smsgate():
    """The SMS relay phone (SMS Gateway for Android, Local mode)."""


@smsgate.command("register")
@click.option("--webhook-url", default=None,
              help="URL the phone posts to (default: ASPIRASI_PUBLIC_URL/webhooks/smsgate).")
def register(webhook_url):
    """Register our webhook on the phone for its five events (again: no change) and set the
    signing key, the ping interval and webhooks without internet."""
    from handlers.smsgate import RelayError

    s, client = relay_client()
    if not webhook_url:
        if not s.public_url:
            raise click.UsageError("beri --webhook-url (alamat gateway yang bisa dicapai HP), "
                                   "mis. https://192.168.1.10:5000/webhooks/smsgate")
        webhook_url = s.public_url + "/webhooks/smsgate"
    try:
        existing = client.checked("GET", "/webhooks") or []
        for event in EVENTS:
            if any(w.get("url") == webhook_url and w.get("event") == event for w in existing):
                click.echo(f"{event:14} sudah terdaftar")
                continue
            client.checked("POST", "/webhooks", {"id": WEBHOOK_IDS[event], "url": webhook_url,
                                                 "event": event})
            click.echo(f"{event:14} didaftarkan -> {webhook_url}")
        others = [w for w in existing if w.get("url") != webhook_url]
        for hook in others:
            click.echo(f"catatan: webhook lain di HP: {hook.get('event')} -> {hook.get('url')}")
        seconds = ping_seconds(s)
        client.checked("PATCH", "/settings", {
            "webhooks": {"internet_required": False, "signing_key": s.smsgate_signing_key},
            "ping": {"interval_seconds": seconds}})
    except RelayError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"pengaturan HP: kunci tanda tangan = SMSGATE_SIGNING_KEY, ping tiap {seconds} s, "
               "webhook tanpa internet")


@smsgate.command("status")
def status():
    """Each relay phone heard from: last seen (WITA), state, battery, network."""
    from data import clock, relay_devices
    from data.db import open_db

    s = settings_or_exit()
    heard_after = clock.later(-s.smsgate_silence_minutes * 60)
    rows = relay_devices.states(open_db(s.db_path), heard_after)
    if not rows:
        click.echo("belum ada kabar dari HP relay")
    for row in rows:
        battery = f"{row['battery']}%" if row["battery"] is not None else "-"
        click.echo(f"{row['device_id']}  {row['state']:6}  terakhir "
                   f"{clock.to_wita(row['last_seen_at']):%d/%m/%Y %H:%M} "
                   f"WITA  baterai {battery}  jaringan {row['network'] or '-'}")


COMMANDS = [smsgate]
