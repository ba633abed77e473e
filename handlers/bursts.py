"""One burst, one ticket: text, photos, voice notes and a location pin from the same sender
within ASPIRASI_BURST_MINUTES of a ticket join it, and the citizen gets one ack for all of it.
A text joins when it adds detail (no category of its own: "sdh 3 bulan", "di lorong 3",
"tolong segera"); a text that names a need of its own, or another place, is a new ticket.

WhatsApp sends one webhook per part. A part that arrives while the ticket's ack still waits in
the outbox rewrites that ack (handlers.tickets.revise_ack); once the ack has gone, parts join
quietly, except the description we asked for, which is confirmed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import parsers
from data import aspiration_edits, aspirations, clock, conversations
from handlers import grouping, replies, tickets
from handlers.context import Inbound

CHANNEL_LABELS = {"sms": "SMS", "whatsapp": "WhatsApp"}
# The parser's confidence from which a text in a burst is a complete need of its own (two or
# more strong keywords: "lampu jalan mati"); below it ("anak2 sekolah lewat situ") it is detail.
OWN_NEED_CONFIDENCE = 0.9


def citizen(ctx: Inbound) -> str:
    """Who a change by the sender is recorded as (never their number: staff pages show it)."""
    return f"warga ({CHANNEL_LABELS.get(ctx.message['channel'], ctx.message['channel'])})"


def open_burst(ctx: Inbound) -> dict | None:
    """The sender's aspiration created within the burst window before this message."""
    since = clock.iso(ctx.received - timedelta(minutes=ctx.settings.burst_minutes))
    return aspirations.latest_for_contact(ctx.db, ctx.contact["id"], since, ("aspirasi",))


def described(ctx: Inbound, row: dict) -> bool:
    return any(tickets.message_text(m).strip() for m in conversations.content(ctx.db, row["id"]))


def join_media(ctx: Inbound) -> bool:
    """A photo, voice note or location (no text) joins the open burst; else a new ticket."""
    row = open_burst(ctx)
    if row is None:
        return False
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], row["id"], "part",
                       replies.describe(tickets.attachments(ctx.message)))
    if not described(ctx, row):  # the placeholder names everything that came: "(2 foto)"
        carried: dict[str, int] = {}
        for message in conversations.content(ctx.db, row["id"]):
            for word, n in tickets.attachments(message).items():
                carried[word] = carried.get(word, 0) + n
        ctx.db.table("aspirations").update(row["id"], {"text": f"({replies.describe(carried)})"})
    ctx.aspiration = aspirations.get(ctx.db, row["id"])
    tickets.revise_ack(ctx, ctx.aspiration)  # silent when the ack has already gone
    return True


def target(ctx: Inbound, pending: dict | None) -> dict | None:
    """The ticket a text may belong to: the one whose description we asked for (within the
    question's time), else the open burst."""
    if pending and "keterangan" in pending["asks"]:
        row = aspirations.get(ctx.db, pending["aspiration_id"])
        if row is not None and not described(ctx, row):
            return row
    return open_burst(ctx)


def another_need(parsed, row: dict) -> bool:
    """A text with another category, or naming another place, is a second need, not more
    detail on this one ("lainnya" on either side is no evidence of a different need)."""
    if parsed.category not in ("lainnya", row["category"]) and row["category"] != "lainnya" \
            and not parsed.needs_review:  # a guessed category is no evidence either
        return True
    for field in ("kelurahan", "kecamatan"):
        if getattr(parsed, field) and row[field] and getattr(parsed, field) != row[field]:
            return True
    return False


def own_need(parsed, row: dict) -> bool:
    """After a described ticket, words that add detail (when, where, how bad, a plea) join it;
    a text that is strong evidence of a need by itself ("lampu jalan mati") is its own need."""
    return (parsed.category != "lainnya" and row["category"] != "lainnya"
            and parsed.confidence >= OWN_NEED_CONFIDENCE)


def join_text(ctx: Inbound, pending: dict | None) -> bool:
    """A text that adds to the open burst (or describes the photo we asked about)."""
    row = target(ctx, pending)
    text = tickets.message_text(ctx.message).strip()
    if row is None or text == row["text"]:
        return False  # a resend keeps its ticket and gets its ack again (handle_aspiration)
    had_text = described(ctx, row)
    if had_text and (another_need(ctx.parsed, row) or own_need(ctx.parsed, row)):
        return False
    combined = f"{row['text']}\n{text}" if had_text and text not in row["text"] else text
    merged = parsers.parse(combined)
    if aspirations.staff_corrected(ctx.db, row["id"], "category"):
        merged = replace(merged, category=row["category"])
    aspirations.update_content(ctx.db, row["id"], combined, merged)
    placed = not row["kelurahan"] and merged.kelurahan
    if placed:
        aspiration_edits.correct(ctx.db, row, "kelurahan", merged.kelurahan, citizen(ctx),
                                 kecamatan=merged.kecamatan)
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], row["id"], "part",
                       "keterangan" if not had_text else None)
    ctx.aspiration = row = aspirations.get(ctx.db, row["id"])
    grouping.sync(ctx.db, ctx.settings, row, merged)  # its words or place changed
    if tickets.revise_ack(ctx, row):
        return True
    if not had_text or placed:  # it answers what the ack asked: say where it went
        confirm(ctx, row, pending, "answer_place" if had_text else "answer_description")
    return True


def confirm(ctx: Inbound, row: dict, pending: dict | None, key: str) -> None:
    """The description (or the kelurahan) we asked for arrived after the ack had gone."""
    _, asks, options = tickets.ack_for(ctx, row)
    values = {"ticket": row["ticket"], "category": replies.category_label(row["category"])}
    offer = tickets.choices_reply("answer_choices", options, ticket=row["ticket"])
    if row["kelurahan"]:
        ctx.reply(replies.render(key, place=f", Kel. {row['kelurahan']}",
                                 kelurahan=row["kelurahan"], **values))
    else:
        ctx.reply(offer or replies.render("answer_description_ask_place", **values))
    still = [a for a in asks if a != "keterangan"]
    if pending and pending["aspiration_id"] == row["id"]:
        conversations.settle(ctx.db, ctx.contact["id"], still, options)
    else:
        tickets.remember(ctx, row, still, options)
