"""The conversation step: before a message becomes a new aspiration, does it continue an
exchange we already have with this sender?

In order (the first rule that fits decides; see README "Percakapan"):
1. it names one of the sender's own ticket codes → a follow-up on that ticket;
2. it answers the question we asked (which kelurahan? → a name or a numbered choice);
3. it answers an open meeting call the sender received (handlers.rsvp);
4. it is a closing (thanks, ok, amin, emoji) → no ticket, one courteous reply a day;
5. it is a greeting or an opener ("mau lapor") → guidance, no ticket;
6. it asks about a recent ticket ("kapan dikerjakan?") → a follow-up on it;
7. it is a general question → an item of kind *pertanyaan* for staff;
8. it adds to the open burst or describes the photo we asked about (handlers.bursts).
Otherwise handlers.tickets makes a new aspiration. The words are data/conversation.tsv, read by
parsers.conversation; this module adds the sender's state.
"""

from __future__ import annotations

from datetime import timedelta

from data import aspiration_edits, aspirations, broadcasts, clock, conversations
from data.aspirations import TICKET_ALPHABET
from data.contacts import is_kepala
from handlers import bursts, grouping, replies, rsvp, tickets
from handlers.context import Inbound
from parsers import choices, places
from parsers import conversation as rules

ANSWER_MAX_LEFTOVER = 2  # "dkt pasar girian bawah" answers; "lampu jalan mati di ..." is a need
SUGGEST_MAX_WORDS = 3    # a short unknown name gets "Maksud Anda 1 ... 2 ...?"
QUESTION_MAX_OTHER_WORDS = 2  # "kapan musrenbang di ...?" asks; more content words: a need


def handle(ctx: Inbound) -> bool:
    """True when the message belonged to an earlier exchange and has been handled."""
    parsed = ctx.parsed
    if parsed.command == "YA":  # a resident's "ya": not a kepala confirming a draft
        if is_kepala(ctx.contact) or broadcasts.pending_draft(ctx.db, ctx.contact["id"]):
            return False
    elif parsed.command != "ASPIRASI" or parsed.explicit:
        return False
    if not tickets.message_text(ctx.message).strip():
        return bursts.join_media(ctx)  # a photo, voice note or location
    cues = rules.read(parsed)
    pending = conversations.pending(ctx.db, ctx.contact["id"], clock.iso(ctx.received))
    return (own_ticket(ctx, cues) or answer(ctx, cues, pending) or rsvp.natural(ctx, cues)
            or closing(ctx, cues) or opener(ctx, cues) or followup(ctx, cues)
            or question(ctx, cues) or bursts.join_text(ctx, pending))


def attach(ctx: Inbound, row: dict) -> None:
    """A follow-up: on the ticket, unread for staff, answered with the ticket's status."""
    ctx.aspiration = row
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], row["id"], "followup",
                       unread=True)
    ctx.reply(replies.status_reply("followup", row, aspirations.status_since(ctx.db, row)))


def own_ticket(ctx: Inbound, cues) -> bool:
    """ "Tiket Z5TV6 kapan dikerjakan?": a code of the sender's own (never someone else's)."""
    codes = [c for c in cues.codes if set(c) <= set(TICKET_ALPHABET)]
    row = aspirations.owned(ctx.db, ctx.contact["id"], codes) if codes else None
    if row is None:
        return False
    attach(ctx, row)
    return True


def answer(ctx: Inbound, cues, pending: dict | None) -> bool:
    """The kelurahan we asked for: by number, by any spelling the parser knows, or a place that
    fits several (then numbered choices again). A need-like text is not an answer."""
    if pending is None or "kelurahan" not in pending["asks"]:
        return False
    row = aspirations.get(ctx.db, pending["aspiration_id"])
    if row is None or row["kelurahan"]:
        return False
    options = pending["options"]
    if len(options) == 1 and cues.agree:  # "Maksud Anda Kel. Girian Bawah?" "iya betul"
        set_place(ctx, row, options[0], pending)
        return True
    if cues.closing or cues.followup or cues.asks:
        return False
    text = tickets.message_text(ctx.message)
    picked = choices.choice(text, options)
    if picked is None and "keterangan" in pending["asks"] and cues.leftover:
        return False  # words about the photo: its description (handlers.bursts), place and all
    if picked is None and cues.leftover <= ANSWER_MAX_LEFTOVER:
        picked = ctx.parsed.kelurahan or choices.kelurahan_in(text)
    if picked:
        set_place(ctx, row, picked, pending)
        return True
    if cues.leftover > ANSWER_MAX_LEFTOVER:
        return False
    options = choices.place_choices(text)
    if not options and cues.words <= SUGGEST_MAX_WORDS and not cues.question and \
            not choices.is_wide(text):
        options = places.suggest_kelurahan(text, 3)
    offer = tickets.choices_reply("answer_choices", options, ticket=row["ticket"]) or (
        replies.render("answer_suggest", kelurahan=options[0], ticket=row["ticket"])
        if len(options) == 1 else None)
    if not offer:
        return False
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], row["id"], "answer",
                       "pilihan: " + ", ".join(options))
    conversations.settle(ctx.db, ctx.contact["id"], pending["asks"], options)
    ctx.aspiration = row
    ctx.reply(offer)
    return True


def set_place(ctx: Inbound, row: dict, kelurahan: str, pending: dict) -> None:
    """Recorded like a correction, by the citizen; confirmed with the ticket and how to check."""
    aspiration_edits.correct(ctx.db, row, "kelurahan", kelurahan, bursts.citizen(ctx),
                             kecamatan=places.kecamatan_of(kelurahan))
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], row["id"], "answer",
                       f"kelurahan: {kelurahan}")
    conversations.settle(ctx.db, ctx.contact["id"],
                         [a for a in pending["asks"] if a != "kelurahan"])
    ctx.aspiration = row = aspirations.get(ctx.db, row["id"])
    grouping.sync(ctx.db, ctx.settings, row)  # now it has a place: its usulan
    ctx.reply(tickets.joined_reply(ctx.db, row, "answer_place_joined") or replies.render(
        "answer_place", ticket=row["ticket"], kelurahan=kelurahan))


def closing(ctx: Inbound, cues) -> bool:
    """Thanks, ok, amin, emoji: kept on the conversation; at most one short reply a day."""
    if not cues.closing:
        return False
    since = clock.iso(ctx.received - timedelta(days=ctx.settings.followup_days))
    recent = aspirations.latest_for_contact(ctx.db, ctx.contact["id"], since)
    answered = conversations.answered_closing_since(ctx.db, ctx.contact["id"],
                                                    clock.wita_day_start(ctx.received))
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], recent["id"] if recent else None,
                       "closing", None if answered else "dibalas")
    if not answered:
        ctx.reply(replies.render("closing" if recent else "closing_no_ticket"))
    return True


def opener(ctx: Inbound, cues) -> bool:
    """ "Selamat pagi pak, mau lapor": the need comes next; guidance, no ticket."""
    if not cues.intro:
        return False
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], None, "smalltalk")
    ctx.reply(replies.render("greeting"))
    return True


def followup(ctx: Inbound, cues) -> bool:
    """ "kapan dikerjakan?", "so ada kabar?" about the sender's recent ticket (not a new need
    of another category or kelurahan)."""
    if not cues.followup:
        return False
    since = clock.iso(ctx.received - timedelta(days=ctx.settings.followup_days))
    row = aspirations.latest_for_contact(ctx.db, ctx.contact["id"], since)
    if row is None or bursts.another_need(ctx.parsed, row):
        return False
    attach(ctx, row)
    return True


def question(ctx: Inbound, cues) -> bool:
    """A general question with no need in it becomes a *pertanyaan* staff answer. No need: the
    parser found none (or only a guess it flags for review), or besides the question words
    there are at most two others ("bagaimana cara kirim usulan?")."""
    if not cues.question or cues.words < 2:
        return False
    parsed = ctx.parsed
    if parsed.category != "lainnya" and not parsed.needs_review and \
            cues.leftover > QUESTION_MAX_OTHER_WORDS:
        return False  # "kapan jalan di girian bawah diperbaiki? so rusak parah": a need
    row = aspirations.create(ctx.db, ctx.message, ctx.contact["id"], ctx.parsed,
                             tickets.message_text(ctx.message), kind="pertanyaan")
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], row["id"], "question")
    ctx.aspiration = row
    ctx.reply(replies.render("question"))
    return True
