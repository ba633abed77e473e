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

from data import broadcasts, contacts, messages, outbox
from data.addresses import parse_sender
from data.channels import WHATSAPP_PREFIX
from handlers import queue, ratelimit
from handlers.context import database, settings
from handlers.transports import OPT_OUT_CODES, SendError, for_row, transport_for

log = logging.getLogger(__name__)
THREADS = 8
CLAIM = 100
MARK_BATCH = 16  # sends recorded per transaction (Marks)
MAX_DELAY = 600.0
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


def send_row(db, s, transport, row: dict, marks: Marks | None = None,
             fresh_until: float = 0.0) -> str:
    """Send one claimed row and record the outcome. Returns the row's new status.

    marks: record the send with others (one write for several); fresh_until: before this
    time.monotonic() the claim is too young for anyone to have taken it back as stale
    (claim_window), so a priority row skips re-confirming it.
    """
    via = transport
    try:
        if row["uncertain"]:
            if marks:
                marks.flush()  # a send of ours not yet written must not look like its match
            via = for_row(transport, row)
            candidates = via.find_sent(row)
            with WRITES:
                if candidates and outbox.adopt_sent(db, row["id"], via.name, candidates):
                    return "sent"
        via = for_row(transport, row)  # after a lookup the way may be another
        ratelimit.wait_turn(s.effective_redis_url, via.name, via.sender_key(row), via.rate,
                            bulk=outbox.lane_of(row) == "bulk")
        if time.monotonic() >= fresh_until or outbox.lane_of(row) == "bulk":
            with WRITES:
                claimed = outbox.reconfirm_claim(db, row)
                # checked after the wait, just before the request: a STOP that arrived while
                # this row waited for its turn is honoured
                stopped = claimed and broadcasts.cancel_if_opted_out(db, row)
            if not claimed:
                return "claimed-elsewhere"  # recovered as stale while we waited: not ours now
            if stopped:
                return "canceled"  # said STOP after the broadcast was planned
        sent = via.send(row, status_callback_url(s))
    except SendError as err:
        return record_failure(db, s, row, err, err.transport or via.name)
    status = sent.status if sent.status in ("sent", "delivered") else "sent"
    mark = (row["id"], sent.transport or via.name, sent.sid, status)
    if marks:
        marks.add(mark)
    else:
        with WRITES:
            outbox.mark_sent_many(db, [mark])
    return status


class Marks:
    """Sends recorded MARK_BATCH at a time, in one transaction, by whichever sending thread
    fills the group (and by drain at the end of each claimed batch). Until then a sent row
    stays `sending`: if the process dies first, recover_stale marks it uncertain and its
    lookup at Twilio adopts the message, which is never sent again."""

    def __init__(self, s):
        self.s = s
        self.pending: list[tuple] = []
        self.lock = threading.Lock()

    def add(self, mark: tuple) -> None:
        with self.lock:
            self.pending.append(mark)
            full = len(self.pending) >= MARK_BATCH
        if full:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            marks, self.pending = self.pending, []
        if marks:
            with WRITES:
                outbox.mark_sent_many(database(self.s), marks)


def claim_window(s) -> float:
    """Seconds after a claim during which recover_stale cannot take the row back, even if
    the request then takes its whole timeout (half the margin, for safety)."""
    return max(0.0, (s.stale_sending_seconds - s.send_timeout_seconds) / 2)


def record_failure(db, s, row: dict, err: SendError, transport_name: str) -> str:
    outbox.set_uncertain(db, row["id"], err.uncertain)
    if err.retryable and row["attempts"] < s.max_send_attempts:
        delay = max(backoff(s, row["attempts"]), err.wait)
        if err.uncertain:
            # The request may still be on its way in at the provider: look it up only after
            # it had as long again as we gave it, or the lookup can miss it and we send twice.
            delay = max(delay, s.send_timeout_seconds)
        outbox.mark_retry(db, row["id"], delay, err.code, err.message)
        log.info("outbox %s: %s, retry %s", row["id"], err, row["attempts"])
        return "queued"
    outbox.mark_failed(db, row["id"], err.code, err.message, transport_name)
    log.warning("outbox %s failed: %s", row["id"], err)
    opted_out = opt_out_on(db, err.code, row["to_address"])
    if not opted_out and err.code == "63016" and s.twilio_sms_from and row["channel"] == "whatsapp":
        fallback_to_sms(db, row)
    return "failed"


def opt_out_on(db, code: str | None, to_address: str) -> bool:
    """Twilio 21610 (the recipient texted STOP to our number): opt them out of broadcasts.

    Called for a send's error and for a status callback's ErrorCode alike.
    """
    if not (code and code.isdigit() and int(code) in OPT_OUT_CODES and to_address):
        return False
    contacts.opt_out_address(db, parse_sender(to_address)[1], code)
    return True


def apply_status(db, provider_sid: str, state: str, code: str | None, raw: str,
                 to_address: str | None) -> dict | None:
    """A provider's delivery report: move the outbox row on; 21610 opts the recipient out."""
    row = outbox.apply_status(db, provider_sid, state, code, raw)
    opt_out_on(db, code, to_address or (row or {}).get("to_address") or "")
    return row


def fallback_to_sms(db, row: dict) -> None:
    """Outside WhatsApp's 24-hour window: the same text by SMS, once."""
    outbox.add(db, f"{row['dedupe_key']}:sms", row["kind"], "sms",
               row["to_address"].removeprefix(WHATSAPP_PREFIX), row["body"],
               contact_id=row["contact_id"], aspiration_id=row["aspiration_id"],
               broadcast_id=row["broadcast_id"])


def drain(s, broadcast_id: int | None = None, threads: int = THREADS,
          linger: float | None = 0.0, until: float | None = None, yield_to=None) -> int:
    """Send every due row until none is due: the priority lane (acks, replies, staff
    messages), or with broadcast_id that broadcast's rows. Returns rows tried.

    linger: see queue.drain (None: the process's default, for the woken outbound drain).
    until: a time.monotonic() after which no new rows are claimed (a broadcast's slice).
    """
    db = database(s)
    transport = transport_for(s)
    marks = Marks(s)
    claimed = {"fresh_until": 0.0}

    def in_order(rows):
        # One recipient's rows go out in id order (a STOP confirmation before the next ack).
        return [send_row(database(s), s, transport, row, marks, claimed["fresh_until"])
                for row in rows]

    def take():
        fresh_until = time.monotonic() + claim_window(s)
        rows = outbox.claim_due(db, claim, broadcast_id=broadcast_id)
        claimed["fresh_until"] = fresh_until
        return rows

    # Claim about what the rate lets out in a few seconds: a claimed row waiting for its turn
    # cannot be taken by anyone else.
    seconds = s.slice_seconds if broadcast_id is not None else 5.0
    claim = CLAIM if not transport.rate else max(1, min(CLAIM, int(transport.rate * seconds)))
    with ThreadPoolExecutor(max_workers=min(threads, claim)) as pool:
        def send(rows):
            by_recipient: dict[str, list[dict]] = {}
            for row in rows:
                by_recipient.setdefault(row["to_address"], []).append(row)
            try:
                list(pool.map(in_order, by_recipient.values()))
            finally:
                marks.flush()

        return queue.drain(take, send, linger, until, yield_to)


def drain_outbox() -> int:
    """RQ job (ingest lane): send every due ack, reply and staff message; broadcast rows are
    the bulk lane's (handlers.fanout). The reconciler wakes us for later retries."""
    s = settings()
    conn = queue.connect(s.effective_redis_url)
    queue.woken(conn, "outbound")
    tried = drain(s, linger=None, yield_to=queue.others_waiting(conn))
    if messages.count_pending(database(s)):  # captured while we lingered less than usual
        queue.try_wake(s.effective_redis_url, "inbound")
    return tried
