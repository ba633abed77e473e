"""New tickets and what their sender reads: the ack (one per burst, rewritten while it waits),
the question it asks (which kelurahan? what is in the photo?), and CEK.
"""

from __future__ import annotations

import json
from datetime import timedelta

from data import aspirations, clock, conversations, outbox, usulan
from handlers import grouping, replies, support
from handlers.context import Inbound
from parsers import choices

RESEND_WINDOW = timedelta(minutes=10)
LIST_MAX = 8  # open tickets named in one CEK reply at most


def message_text(message: dict) -> str:
    """What the parser reads: the body, or the WhatsApp quick-reply text when there is none."""
    return message["body"] or message.get("button_text") or ""


def attachments(message: dict) -> dict[str, int]:
    """What a message carries besides text: {"foto": 2, "pesan suara": 1, "lokasi": 1}."""
    counts: dict[str, int] = {}
    try:
        media = json.loads(message.get("media") or "[]")
    except ValueError:
        media = []
    for item in media if isinstance(media, list) else []:
        word = replies.media_word(item.get("content_type") if isinstance(item, dict) else None)
        counts[word] = counts.get(word, 0) + 1
    if not media and message.get("num_media"):
        counts["lampiran"] = int(message["num_media"])
    if message.get("latitude"):
        counts["lokasi"] = 1
    return counts


def handle_aspiration(ctx: Inbound) -> None:
    """A need in free text, a photo, a voice note or a location: store it, ack with a ticket."""
    parsed, message = ctx.parsed, ctx.message
    text = message_text(message)
    carried = attachments(message)
    if not text.strip() and not carried:
        ctx.reply(replies.render("empty"))
        return
    if is_small_talk(parsed, carried):
        conversations.link(ctx.db, message, ctx.contact["id"], None, "smalltalk")
        ctx.reply(replies.render("greeting"))  # "P", "tes", "halo": no ticket for staff to close
        return
    since = clock.iso(ctx.received - RESEND_WINDOW)
    row = aspirations.recent_duplicate(ctx.db, ctx.contact["id"], text, since) if text.strip() \
        else None  # cheap phones resend when delivery looks slow: same ticket, not a new one
    if row is None:
        placeholder = f"({replies.describe(carried)})"
        row = aspirations.create(ctx.db, message, ctx.contact["id"], parsed,
                                 text if text.strip() else placeholder, place=registered_place(ctx))
        conversations.link(ctx.db, message, ctx.contact["id"], row["id"], "need")
        grouping.sync(ctx.db, ctx.settings, row, parsed)  # one usulan per need (or a new one)
    ctx.aspiration = row
    body, asks, options = ack_for(ctx, row, None if row["message_id"] != message["id"]
                                  else [message])  # a new ticket: this message is all of it
    ctx.reply(body)
    if not text.strip():  # a photo first: the description usually follows within seconds
        ctx.hold_until = clock.iso(ctx.received + timedelta(seconds=ctx.settings.burst_hold_seconds))
    remember(ctx, row, asks, options)


def is_small_talk(parsed, carried: dict) -> bool:
    """One or two words that name no need (and nothing attached): a greeting or a test."""
    return parsed.category == "lainnya" and not carried and len(parsed.normalized.split()) <= 2


def registered_place(ctx: Inbound) -> tuple[str, str | None] | None:
    """A text naming no kelurahan belongs to the sender's registered one (DAFTAR or import),
    unless it names a kecamatan the registered kelurahan is not in."""
    kelurahan = ctx.contact.get("kelurahan")
    if ctx.parsed.kelurahan or not kelurahan:
        return None
    if ctx.parsed.kecamatan and ctx.parsed.kecamatan != ctx.contact.get("kecamatan"):
        return None
    return kelurahan, ctx.contact.get("kecamatan")


def ack_for(ctx: Inbound, row: dict,
            content: list[dict] | None = None) -> tuple[str, list[str], list[str]]:
    """(the ack for the ticket as it stands, what it asks, the kelurahan it offers)."""
    if content is None:
        content = conversations.content(ctx.db, row["id"])
    carried: dict[str, int] = {}
    for message in content:
        for word, n in attachments(message).items():
            carried[word] = carried.get(word, 0) + n
    what = replies.describe(carried)
    values = {"ticket": row["ticket"], "category": replies.category_label(row["category"])}
    if not any(message_text(m).strip() for m in content):
        what = what[:1].upper() + what[1:]
        if row["kelurahan"]:
            return replies.render("ack_media_place", what=what, kelurahan=row["kelurahan"],
                                  **values), ["keterangan"], []
        return replies.render("ack_media", what=what, **values), ["keterangan", "kelurahan"], []
    values["received"] = f"diterima dengan {what}" if what else "diterima"
    if row["kelurahan"]:
        joined = joined_reply(ctx.db, row, "ack_joined", "ack_joined_again")
        if joined:
            return joined, [], []
        return replies.render("ack", place=f", Kel. {row['kelurahan']}", **values), [], []
    options = choices.place_choices(row["text"])
    offer = choices_reply("ack_choices", options, **values)
    if offer:
        return offer, ["kelurahan"], options
    return replies.render("ack_ask_place", **values), ["kelurahan"], []


def joined_reply(db, row: dict, key: str, again: str | None = None) -> str | None:
    """ "Usulan serupa sudah ada (U-0123), dukungan Anda dicatat: 21 warga ..." when the need
    joined an usulan another sender's need started; None otherwise."""
    placed = grouping.placement(db, row)
    if placed is None or not placed.joined:
        return None
    return replies.render(key if placed.counted or again is None else again, code=placed.code,
                          count=placed.supporters, ticket=row["ticket"],
                          kelurahan=row["kelurahan"])


def choices_reply(key: str, options: list[str], **values) -> str | None:
    """Numbered choices in one segment: whole names, else their shared first word factored out
    ("Kel. Girian yang mana? 1 Atas 2 Bawah ..."), then without naming the burst's parts; None
    when even that does not fit."""
    if len(options) < 2:
        return None
    whole = " ".join(f"{n} {name}" for n, name in enumerate(options, 1))
    common, labels = choices.factor(options)
    short = " ".join(f"{n} {label}" for n, label in enumerate(labels, 1))
    tries = [(key, {"choices": whole})]
    if common:
        tries.append((key + "_short", {"choices": short, "common": common}))
    for plain in (False, True):
        for name, extra in tries:
            if plain and values.get("received", "diterima") == "diterima":
                continue
            filled = {**values, **extra, **({"received": "diterima"} if plain else {})}
            if replies.fits_whole(name, **filled):
                return replies.render(name, **filled)
    return None


def remember(ctx: Inbound, row: dict, asks: list[str], options: list[str]) -> None:
    """Wait for the answer to what the ack asked, for ASPIRASI_QUESTION_HOURS."""
    if not asks:
        return
    expires = ctx.received + timedelta(hours=ctx.settings.question_hours)
    conversations.ask(ctx.db, ctx.contact["id"], row["id"], asks, options,
                      clock.iso(ctx.received), clock.iso(expires))


def revise_ack(ctx: Inbound, row: dict) -> bool:
    """A burst part arrived while the ticket's ack still waits: rewrite it to cover the burst
    (and ask what is still missing). False when the ack is already on its way."""
    body, asks, options = ack_for(ctx, row)
    described = "keterangan" not in asks
    not_before = None if described else clock.iso(
        ctx.received + timedelta(seconds=ctx.settings.burst_hold_seconds))
    if not outbox.revise(ctx.db, outbox.reply_key(row["message_id"], 0), body, not_before):
        return False
    remember(ctx, row, asks, options)
    if not asks:
        conversations.settle(ctx.db, ctx.contact["id"], [])
    return True


def handle_check(ctx: Inbound) -> None:
    """CEK <kode>: the ticket's status in plain words; CEK alone: the sender's open tickets."""
    ticket = (ctx.parsed.args.get("ticket") or "").upper()
    if not ticket:
        ctx.reply(open_tickets(ctx))
        return
    proposal, row = support.find(ctx.db, ticket)
    if row is None:
        if proposal is not None:  # CEK U-0123
            ctx.reply(support.check_reply(proposal))
            return
        if ticket.startswith(usulan.PREFIX):  # "U-0999": the usulan's own words, not a ticket's
            ctx.reply(replies.render("check_usulan_unknown", code=ticket[:12]))
            return
        ctx.reply(replies.render("check_unknown", ticket=ticket[:12]))
        return
    if row["contact_id"] == ctx.contact["id"]:
        ctx.aspiration = row
        conversations.link(ctx.db, ctx.message, ctx.contact["id"], row["id"], "check")
    counted = (usulan.code(proposal["id"]), proposal["supporters"]) if proposal else None
    ctx.reply(replies.status_reply("check", row, aspirations.status_since(ctx.db, row), counted))


def open_tickets(ctx: Inbound) -> str:
    """ "Tiket Anda yang masih diproses: H73XV menunggu, K3WJJ diteruskan. ..." (one segment)."""
    rows = aspirations.open_for_contact(ctx.db, ctx.contact["id"], LIST_MAX + 1)
    if not rows:
        return supported_usulan(ctx)
    names = [f"{r['ticket']} {replies.STATE_WORDS[r['status']]}" for r in rows]
    return _listed("check_list", "tickets", names, first=rows[0]["ticket"], more=True)


def supported_usulan(ctx: Inbound) -> str:
    """No ticket of their own: the usulan they support ("U-0001 3 warga"), else how to send one."""
    rows = usulan.supported_by(ctx.db, ctx.contact["id"], LIST_MAX)
    if not rows:
        return replies.render("check_none")
    names = [f"{usulan.code(r['id'])} {r['supporters']} warga" for r in rows]
    return _listed("check_supported", "proposals", names, first=usulan.code(rows[0]["id"]))


def _listed(key: str, field: str, names: list[str], more: bool = False, **values) -> str:
    """The reply naming as many of `names` as fit one segment whole (with "(+2 lagi)" for the
    rest when `more`); the first name always stays."""
    for shown in range(len(names), 0, -1):
        left = len(names) - shown
        listed = ", ".join(names[:shown]) + (f" (+{left} lagi)" if more and left else "")
        if replies.fits_whole(key, **{field: listed}, **values):
            break
    return replies.render(key, **{field: listed}, **values)


def handle_help(ctx: Inbound) -> None:
    ctx.reply(replies.render("help"))
