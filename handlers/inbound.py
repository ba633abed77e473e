"""Process captured messages: parse, update the contact, store the aspiration, queue replies.

Idempotent: a message is processed inside one savepoint together with its replies, keyed by
the message id, so a replayed job finds it processed and a crash leaves it captured.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import parsers
from data import aspirations, channels, clock, contacts, messages, outbox
from data.addresses import is_reachable
from data.db import transaction
from handlers import commands, queue, replies
from handlers.context import Inbound, database, settings

log = logging.getLogger(__name__)
BATCH = 200
RESEND_WINDOW = timedelta(minutes=10)


def handle_aspiration(ctx: Inbound) -> None:
    """A need in free text (or with an explicit category keyword): store it, ack with a ticket."""
    parsed = ctx.parsed
    message = ctx.message
    text = message_text(message)
    if not text.strip() and not message["num_media"] and not message["latitude"]:
        ctx.reply(replies.render("empty"))
        return
    if is_small_talk(parsed, message):
        ctx.reply(replies.render("greeting"))  # "P", "tes", "halo": no ticket for staff to close
        return
    since = message_age_limit(message)
    row = aspirations.recent_duplicate(ctx.db, ctx.contact["id"], text, since) if text.strip() \
        else None  # cheap phones resend when delivery looks slow: same ticket, not a new one
    if row is None:
        row = aspirations.create(ctx.db, message, ctx.contact["id"], parsed, text,
                                 place=registered_place(ctx))
    ctx.aspiration = row
    values = {"ticket": row["ticket"], "category": replies.category_label(row["category"])}
    if not text.strip():
        ctx.reply(replies.render("media_only", **values))
    elif row["kelurahan"]:
        ctx.reply(replies.render("ack", place=f", Kel. {row['kelurahan']}", **values))
    else:
        ctx.reply(replies.render("ack_no_place", **values))


def message_age_limit(message: dict) -> str:
    """Start of the resend window: RESEND_WINDOW before the message arrived."""
    return clock.iso(clock.parse(message["received_at"]) - RESEND_WINDOW)


def is_small_talk(parsed, message: dict) -> bool:
    """One or two words that name no need (and nothing attached): a greeting or a test."""
    return (parsed.category == "lainnya" and not message["num_media"]
            and not message["latitude"] and len(parsed.normalized.split()) <= 2)


def registered_place(ctx: Inbound) -> tuple[str, str | None] | None:
    """A text naming no kelurahan belongs to the sender's registered one (DAFTAR or import),
    unless it names a kecamatan the registered kelurahan is not in."""
    kelurahan = ctx.contact.get("kelurahan")
    if ctx.parsed.kelurahan or not kelurahan:
        return None
    if ctx.parsed.kecamatan and ctx.parsed.kecamatan != ctx.contact.get("kecamatan"):
        return None
    return kelurahan, ctx.contact.get("kecamatan")


def handle_check(ctx: Inbound) -> None:
    """CEK <kode>: a citizen's own view of their ticket."""
    ticket = (ctx.parsed.args.get("ticket") or "").upper()
    if not ticket:
        ctx.reply(replies.render("check_missing"))
        return
    row = aspirations.by_ticket(ctx.db, ticket)
    if row is None:
        ctx.reply(replies.render("check_unknown", ticket=ticket[:12]))
        return
    detail = f" ke {row['opd']}" if row["status"] == "diteruskan" and row["opd"] else ""
    ctx.reply(replies.render(
        "check", ticket=row["ticket"], category=replies.category_label(row["category"]),
        status=row["status"], detail=detail, date=row["created_at"][:10]))


def handle_help(ctx: Inbound) -> None:
    ctx.reply(replies.render("help"))


HANDLERS = {
    "ASPIRASI": handle_aspiration,
    "CEK": handle_check,
    "BANTUAN": handle_help,
    **commands.HANDLERS,
}


def message_text(message: dict) -> str:
    """What the parser reads: the body, or the WhatsApp quick-reply text when there is none."""
    return message["body"] or message.get("button_text") or ""


def process(db, s, message: dict) -> Inbound:
    """Handle one message inside the caller's transaction; returns the context (replies, hooks)."""
    contact = contacts.touch(db, message["address"], message["channel"], message["received_at"])
    parsed = parsers.parse(message_text(message))
    ctx = Inbound(db=db, settings=s, message=message, contact=contact, parsed=parsed)
    HANDLERS.get(parsed.command, handle_aspiration)(ctx)
    if not is_reachable(message["address"]):
        ctx.replies.clear()  # operator promos from short codes and alphanumeric senders
    channel = channels.for_contact(contact)
    to = channels.channel_address(channel, message["address"])
    aspiration_id = ctx.aspiration["id"] if ctx.aspiration else None
    for n, text in enumerate(ctx.replies):
        outbox.add(db, outbox.reply_key(message["id"], n), "ack" if n == 0 else "reply", channel, to,
                   text, contact_id=contact["id"], aspiration_id=aspiration_id)
    messages.mark_processed(db, message["id"])
    return ctx


def process_batch(db, s, ids: list[int]) -> int:
    """Process captured messages in one transaction, one savepoint each. Returns replies queued."""
    queued = 0
    hooks = []
    with transaction(db):
        for message in messages.get_many(db, ids):
            if message["status"] != "captured":
                continue  # replayed job: already done
            try:
                with db.atomic():
                    ctx = process(db, s, message)
            except Exception as exc:  # one bad message must not block the others
                log.exception("processing message %s failed", message["id"])
                messages.mark_failed(db, message["id"], f"{type(exc).__name__}: {exc}")
                continue
            queued += len(ctx.replies)
            hooks.extend(ctx.after_commit)
    for hook in hooks:
        hook()
    return queued


def drain_inbound() -> int:
    """RQ job: process every captured message, in batches, then wake the sender once per batch."""
    s = settings()
    db = database(s)
    queue.woken(queue.connect(s.effective_redis_url), "inbound")
    last = {"id": 0}

    def take():
        ids = messages.pending_ids(db, BATCH, after_id=last["id"])
        last["id"] = ids[-1] if ids else last["id"]
        return ids

    def work(ids):
        if process_batch(db, s, ids):
            queue.try_wake(s.effective_redis_url, "outbound")

    return queue.drain(take, work)
