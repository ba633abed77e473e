"""Process captured messages: parse, update the contact, the conversation step
(handlers.conversation), else a command or a new aspiration (handlers.tickets); queue replies.

Idempotent: a message is processed inside one savepoint together with its replies, keyed by
the message id, so a replayed job finds it processed and a crash leaves it captured.
"""

from __future__ import annotations

import logging

import parsers
from data import channels, contacts, media, messages, outbox
from data.addresses import is_reachable
from data.db import transaction
from handlers import commands, conversation, flood_guard, queue, support, tickets
from handlers.context import Inbound, database, settings

log = logging.getLogger(__name__)
BATCH = 200

HANDLERS = {
    "ASPIRASI": tickets.handle_aspiration,
    "CEK": tickets.handle_check,
    "BANTUAN": tickets.handle_help,
    **commands.HANDLERS,
    **support.HANDLERS,
}


def process(db, s, message: dict) -> Inbound | None:
    """Handle one message inside the caller's transaction; returns the context (replies, hooks).

    Short codes and sender names (operator promos) are stored and marked processed, but make
    no contact, no ticket and no reply: nobody can be reached there (None).
    """
    if not is_reachable(message["address"]):
        messages.mark_processed(db, message["id"])
        return None
    contact = contacts.touch(db, message["address"], message["channel"], message["received_at"])
    parsed = parsers.parse(tickets.message_text(message))
    ctx = Inbound(db=db, settings=s, message=message, contact=contact, parsed=parsed)
    if not conversation.handle(ctx):  # an answer, a follow-up, a closing, a burst part...
        HANDLERS.get(parsed.command, tickets.handle_aspiration)(ctx)
    flood_guard.apply(ctx)
    channel = channels.for_contact(contact)
    to = channels.channel_address(channel, message["address"])
    aspiration_id = ctx.aspiration["id"] if ctx.aspiration else None
    for n, text in enumerate(ctx.replies):
        outbox.add(db, outbox.reply_key(message["id"], n), "ack" if n == 0 else "reply", channel, to,
                   text, contact_id=contact["id"], aspiration_id=aspiration_id,
                   not_before=ctx.hold_until if n == 0 else None)
    if message.get("num_media") and media.add_for_message(db, message, s.media_max_count):
        ctx.after_commit.append(lambda: queue.try_wake(s.effective_redis_url, "media"))
    messages.mark_processed(db, message["id"])
    return ctx


def process_batch(db, s, ids: list[int]) -> int:
    """Process captured messages in one transaction. Returns replies queued.

    One bad message must not block the others, yet a savepoint per message is dear: SQLite's
    full-text index writes a segment of its own at every savepoint (a ticket's INSERT cost
    ~0.2 ms instead of ~0.05). So the batch runs without them, and only when a message fails
    is it rolled back and run again with one savepoint each (nothing leaves before the commit).
    """
    if db.conn.in_transaction:  # inside a caller's transaction: a rollback is not ours to do
        queued, hooks = _run(db, s, ids, guarded=True)
    else:
        try:
            queued, hooks = _run(db, s, ids, guarded=False)
        except Exception:  # noqa: BLE001 - the guarded run logs it and marks the message
            log.info("a message of batch %s..%s failed; running it again message by message",
                     ids[:1], ids[-1:])
            queued, hooks = _run(db, s, ids, guarded=True)
    if queued:  # acks first: the sender's job is queued before any media download
        queue.try_wake(s.effective_redis_url, "outbound")
    for hook in hooks:
        hook()
    return queued


def _run(db, s, ids: list[int], guarded: bool) -> tuple[int, list]:
    """(replies queued, hooks to run after the commit); guarded: a savepoint per message."""
    queued = 0
    hooks: list = []
    with transaction(db):
        for message in messages.get_many(db, ids):
            if message["status"] != "captured":
                continue  # replayed job: already done
            if guarded:
                try:
                    with db.atomic():
                        ctx = process(db, s, message)
                except Exception as exc:
                    log.exception("processing message %s failed", message["id"])
                    messages.mark_failed(db, message["id"], f"{type(exc).__name__}: {exc}")
                    continue
            else:
                ctx = process(db, s, message)
            if ctx is None:
                continue
            queued += len(ctx.replies)
            hooks.extend(ctx.after_commit)
    return queued, hooks


def drain_inbound() -> int:
    """RQ job: process every captured message, in batches, then wake the sender once per batch."""
    s = settings()
    db = database(s)
    conn = queue.connect(s.effective_redis_url)
    queue.woken(conn, "inbound")
    last = {"id": 0}

    def take():
        ids = messages.pending_ids(db, BATCH, after_id=last["id"])
        last["id"] = ids[-1] if ids else last["id"]
        return ids

    def work(ids):
        if process_batch(db, s, ids):
            queue.try_wake(s.effective_redis_url, "outbound")

    return queue.drain(take, work, yield_to=queue.others_waiting(conn))
