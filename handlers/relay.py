"""The relay phone's reports and health: what it says about our messages, and its silences.

apply_report: sms:sent and sms:delivered move the outbox row on (never back); sms:failed
follows the same retry/permanent rules as a failed send. watch (a reconciler hook): a phone not
heard for SMSGATE_SILENCE_MINUTES makes staff be told once (the banner on the staff pages, and
an SMS/WhatsApp by Twilio to admins with a number); heard again, one "back" notice, and the
phone is asked to post again what it received meanwhile (dedup keeps that safe).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from data import channels, clock, contacts, messages, outbox, relay_devices, staff_accounts
from data.db import transaction
from handlers import outbound, queue, replies
from handlers.smsgate import NAME, Client, RelayError, failure

log = logging.getLogger(__name__)
TEXTS = {
    "silent": "Aspirasi: HP relay SMS {device} tidak terdengar sejak {time} WITA. {effect} "
              "Periksa daya, WiFi dan aplikasi SMS Gateway.",
    "back": "Aspirasi: HP relay SMS {device} aktif lagi sejak {time} WITA. SMS yang masuk "
            "selama HP diam diminta ulang dari HP.",
}
EFFECTS = {True: "SMS keluar lewat Twilio dulu.", False: "SMS keluar menunggu HP kembali."}
REPLAY_RETRY_SECONDS = 30  # a phone that is back but not answering yet is asked again
# The phone filters by its own clock, which may run ahead of ours: the replay reaches past now.
REPLAY_AHEAD_SECONDS = 3600
_replay_tried: dict[str, float] = {}


def probe(db, s) -> dict[str, str]:
    """/healthz (handlers.health.RELAY_PROBES): each phone by its deviceId, "ok" or
    "silent since <UTC time>"."""
    if not s.relay_receives:
        return {}
    heard_after = clock.later(-s.smsgate_silence_minutes * 60)
    return {d["device_id"]: "ok" if d["state"] == "ok" else
            f"silent since {clock.rfc3339(d['silent_since'])}"
            for d in relay_devices.states(db, heard_after)}


def apply_report(db, s, report) -> tuple[bool, bool]:
    """The phone's word on one of our messages. Returns (row found, row queued again)."""
    if report.state != "failed":
        return outbox.apply_status(db, report.message_id, report.state, None,
                                   report.raw) is not None, False
    err = failure(report.reason)
    with transaction(db):
        outbox.note_event(db, report.message_id, "failed", err.code, report.raw)
        row = outbox.by_provider_sid(db, report.message_id)
        if row is None or row["status"] != "sent":
            return row is not None, False  # unknown, or delivered already (one part failed)
        outbox.relay_gave_up(db, row["id"])
        if err.retryable and row["attempts"] < s.max_send_attempts:
            return True, outbox.mark_retry(db, row["id"], outbound.backoff(s, row["attempts"]),
                                           err.code, err.message, expect="sent")
        outbox.mark_failed(db, row["id"], err.code, err.message, NAME, expect="sent")
    log.warning("outbox %s failed at the phone: %s", row["id"], err)
    return True, False


def watch(db, conn, s, now=None) -> int:
    """Reconciler hook: silences and returns, each told once; pending replays. Returns the
    notices queued."""
    if not s.relay_receives:
        return 0
    heard_after = clock.iso(clock.now(now) - timedelta(minutes=s.smsgate_silence_minutes))
    if not relay_devices.need_attention(db, heard_after):
        return 0  # the usual case, every few seconds: no write lock taken
    told = 0
    with transaction(db):
        for device in relay_devices.went_silent(db, heard_after):
            log.warning("relay phone %s is silent since %s", device["device_id"],
                        device["silent_since"])
            told += notify_admins(db, s, "silent", device, device["silent_since"])
        for device in relay_devices.came_back(db, messages.RELAY_WINDOW.total_seconds()):
            log.warning("relay phone %s is back", device["device_id"])
            told += notify_admins(db, s, "back", device, device["last_seen_at"])
    for device in relay_devices.pending_replays(db):
        replay(db, s, device)
    if told:
        queue.wake(conn, "outbound")
    return told


def notify_admins(db, s, kind: str, device: dict, at: str) -> int:
    """One SMS/WhatsApp per admin with a number, by Twilio (the path that is not the phone)."""
    if not s.twilio_enabled:
        log.warning("no Twilio: relay %s notice shown on the staff pages only", kind)
        return 0
    text = replies.fit_sms_segment(
        TEXTS[kind], device=device["device_id"][-6:],
        time=f"{replies.short_date(at)} {clock.to_wita(at):%H.%M}",
        effect=EFFECTS[s.sms_route == "auto"])
    queued = 0
    for admin in staff_accounts.admins_with_phone(db):
        contact = contacts.by_address(db, admin["phone"]) or {}
        channel = channels.for_contact(contact)
        key = f"relay:{kind}:{device['device_id']}:{device['silent_since']}:{admin['id']}"
        queued += outbox.add(db, key, "alert", channel,
                             channels.channel_address(channel, admin["phone"]), text,
                             contact_id=contact.get("id"), route="twilio")[1]
    return queued


def replay(db, s, device: dict) -> bool:
    """Ask the phone to post again what it received since it went quiet (until now)."""
    if not s.relay_sends:
        relay_devices.replay_done(db, device["device_id"], device["replay_from"])
        return False
    key = f"{db.path}:{device['device_id']}"
    if time.monotonic() - _replay_tried.get(key, float("-inf")) < REPLAY_RETRY_SECONDS:
        return False
    _replay_tried[key] = time.monotonic()
    try:
        Client(s).refresh_inbox(clock.rfc3339(device["replay_from"]),
                                clock.rfc3339(clock.later(REPLAY_AHEAD_SECONDS)))
    except RelayError as exc:
        log.warning("relay %s: replay not requested yet: %s", device["device_id"], exc)
        return False
    relay_devices.replay_done(db, device["device_id"], device["replay_from"])
    _replay_tried.pop(key, None)
    return True
