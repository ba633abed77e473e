"""Send outbox rows through a transport, with retries that never send a message twice.

A row is claimed (queued → sending) in SQLite before the request, so two workers never send
it both. A transient failure puts it back with exponential backoff; a permanent one fails it.
An attempt whose outcome is unknown (a timeout, a 5xx, a worker killed mid-request) is looked
up at Twilio before it is tried again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from data import broadcasts, contacts, outbox
from handlers import queue
from handlers.addresses import WHATSAPP_PREFIX
from handlers.context import database, settings
from handlers.transports import OPT_OUT_CODES, RateLimiter, SendError, transport_for

log = logging.getLogger(__name__)
THREADS = 8
CLAIM = 100
MAX_DELAY = 600.0
STALE_SENDING_SECONDS = 120
# The sending threads of a process take turns writing here rather than in SQLite's busy
# handler, which sleeps 1, 2, 5, 10... ms between tries: with 16 threads they slept more
# than they sent.
WRITES = threading.Lock()


def backoff(settings, attempts: int) -> float:
    """2, 4, 8 … seconds with ±20% jitter, capped: Twilio asks for backoff on 429."""
    delay = min(settings.retry_base_seconds * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    return delay * random.uniform(0.8, 1.2)


def status_callback_url(settings) -> str | None:
    if settings.public_url and settings.twilio_enabled:
        return f"{settings.public_url}/webhooks/twilio/status"
    return None


def send_row(db, s, transport, row: dict, limiter: RateLimiter | None = None) -> str:
    """Send one claimed row and record the outcome. Returns the row's new status."""
    if broadcasts.cancel_if_opted_out(db, row):
        return "canceled"  # said STOP after the broadcast was planned
    try:
        if row["uncertain"]:
            sid = transport.find_sent(row)
            if sid and not db.execute("SELECT 1 FROM outbox WHERE provider_sid = ?",
                                      [sid]).fetchone():
                outbox.mark_sent(db, row["id"], transport.name, sid)
                return "sent"
        if limiter:
            limiter.wait(s.twilio_sms_from or s.twilio_whatsapp_from or "console")
        with WRITES:
            claimed = outbox.reconfirm_claim(db, row)
        if not claimed:
            return "claimed-elsewhere"  # recovered as stale while we waited: not ours now
        sent = transport.send(row, status_callback_url(s))
    except SendError as err:
        return record_failure(db, s, row, err, transport.name)
    status = sent.status if sent.status in ("sent", "delivered") else "sent"
    with WRITES:
        outbox.mark_sent(db, row["id"], transport.name, sent.sid, status)
    return status


def record_failure(db, s, row: dict, err: SendError, transport_name: str) -> str:
    db.execute("UPDATE outbox SET uncertain = ? WHERE id = ?", [int(err.uncertain), row["id"]])
    if err.retryable and row["attempts"] < s.max_send_attempts:
        outbox.mark_retry(db, row["id"], backoff(s, row["attempts"]), err.code, err.message)
        log.info("outbox %s: %s, retry %s", row["id"], err, row["attempts"])
        return "queued"
    outbox.mark_failed(db, row["id"], err.code, err.message, transport_name)
    log.warning("outbox %s failed: %s", row["id"], err)
    if err.code.isdigit() and int(err.code) in OPT_OUT_CODES:
        contacts.opt_out_address(db, row["to_address"].removeprefix(WHATSAPP_PREFIX), "21610")
    elif err.code == "63016" and s.twilio_sms_from and row["channel"] == "whatsapp":
        fallback_to_sms(db, row)
    return "failed"


def fallback_to_sms(db, row: dict) -> None:
    """Outside WhatsApp's 24-hour window: the same text by SMS, once."""
    outbox.enqueue(db, f"{row['dedupe_key']}:sms", row["kind"], "sms",
                   row["to_address"].removeprefix(WHATSAPP_PREFIX), row["body"],
                   contact_id=row["contact_id"], aspiration_id=row["aspiration_id"],
                   broadcast_id=row["broadcast_id"])


def recover_stale(db, older_than: float = STALE_SENDING_SECONDS) -> int:
    """Rows left in `sending` by a dead worker: queue them again, marked uncertain."""
    recovered = 0
    for row in outbox.stale_sending(db, older_than):
        # Only if nobody refreshed the claim since we looked (a live sender reconfirms it).
        recovered += db.execute(
            "UPDATE outbox SET uncertain = 1, status = 'queued', next_attempt_at = ?, "
            "updated_at = ? WHERE id = ? AND status = 'sending' AND claimed_at = ?",
            [outbox.later(0), outbox.later(0), row["id"], row["claimed_at"]]).rowcount
    return recovered


def drain(s, broadcast_id: int | None = None, threads: int = THREADS,
          linger: float = 0.0) -> int:
    """Send every due row (optionally of one broadcast) until none is due. Returns rows tried.

    With `linger`, look once more after that many seconds before returning (queue.WAKE_MEMO).
    """
    db = database(s)
    transport = transport_for(s)
    limiter = RateLimiter(s.send_rate)

    def in_order(rows):
        # One recipient's rows go out in id order (a STOP confirmation before the next ack).
        return [send_row(database(s), s, transport, row, limiter) for row in rows]

    claim = CLAIM if not s.send_rate else max(1, min(CLAIM, int(s.send_rate * 30)))
    total = 0
    lingered = not linger
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while True:
            rows = outbox.claim_due(db, claim, broadcast_id=broadcast_id)
            if not rows:
                if lingered:
                    return total
                time.sleep(linger)
                lingered = True
                continue
            lingered = not linger
            by_recipient: dict[str, list[dict]] = {}
            for row in rows:
                by_recipient.setdefault(row["to_address"], []).append(row)
            list(pool.map(in_order, by_recipient.values()))
            total += len(rows)


def drain_outbox() -> int:
    """RQ job: send everything due, then let the reconciler wake us for later retries."""
    s = settings()
    queue.woken(queue.connect(s.effective_redis_url), "outbound")
    return drain(s, linger=queue.DRAIN_LINGER)


def send_outbox(outbox_id: int) -> str:
    """RQ job: send one outbox row by id (idempotent: a row already claimed is left alone)."""
    s = settings()
    db = database(s)
    row = outbox.get(db, outbox_id)
    if row is None or row["status"] != "queued":
        return row["status"] if row else "missing"
    if not outbox.claim_one(db, outbox_id):
        return "claimed-elsewhere"
    return send_row(db, s, transport_for(s), outbox.get(db, outbox_id))
