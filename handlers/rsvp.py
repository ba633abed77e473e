"""Answers to meeting calls: HADIR/TIDAK (typed or natural: "iya om sy datang", "nyanda bisa,
ada pigi melaut", "ok pak"), counted once per recipient (the last answer wins), and the kepala's
REKAP [kode].

Only a recipient of an invitation still open (confirmed within ANSWER_WINDOW) is counted: an
answer from anyone else is not.
"""

from __future__ import annotations

from datetime import timedelta

from data import broadcasts, clock, conversations
from data.contacts import is_kepala
from handlers import broadcast_commands, replies
from handlers.context import Inbound

ANSWER_WINDOW = timedelta(days=7)
NATURAL_MAX_WORDS = 12  # a longer text is a message, not an answer to a call
NATURAL_MAX_OTHER_WORDS = 2  # "nyanda bisa, ada pigi melaut": one word besides the answer
OTHER = {"HADIR": "TIDAK", "TIDAK": "HADIR"}
WORDS = {"HADIR": "HADIR", "TIDAK": "TIDAK hadir"}

TEXTS = {
    "answered": "Terima kasih, jawaban {answer} Anda untuk undangan {date} dicatat. Bila "
                "berubah, balas {other}.",
    "no_call": "Tidak ada undangan rapat untuk Anda dalam 7 hari terakhir.",
    "tally": "Rekap undangan {code} ({date}): HADIR {hadir}, TIDAK {tidak}, belum menjawab "
             "{rest} dari {count} warga.",
    "tally_none": "Anda belum mengirim undangan. Kirim UNDANG lalu isi undangannya untuk "
                  "mengundang warga.",
    "tally_unknown": "Undangan {code} tidak ditemukan. Undangan terakhir Anda: {recent}.",
    "tally_refused": "Maaf, REKAP hanya untuk kepala kelurahan.",
}


def text(key: str, **values) -> str:
    return replies.fit_sms_segment(TEXTS[key], **values)


def open_call(ctx: Inbound) -> dict | None:
    return broadcasts.latest_call_for(ctx.db, ctx.contact,
                                      clock.iso(ctx.received - ANSWER_WINDOW))


def record(ctx: Inbound, call: dict, answer: str) -> None:
    """Count the answer (replacing an earlier one) and confirm it in one segment."""
    broadcasts.record_response(ctx.db, call["id"], ctx.contact["id"], answer,
                               ctx.message["id"], clock.iso(ctx.received))
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], None, "rsvp",
                       f"{answer} ({call['code']})")
    ctx.reply(text("answered", answer=WORDS[answer], other=OTHER[answer],
                   date=replies.short_date(call["confirmed_at"])))


def handle_answer(ctx: Inbound) -> None:
    """HADIR/TIDAK typed as a command."""
    call = open_call(ctx)
    if call is None:
        ctx.reply(text("no_call"))
        return
    record(ctx, call, ctx.parsed.command)


def natural(ctx: Inbound, cues) -> bool:
    """A recipient of an open call answering in their own words. "ok"/"siap"/"iya" alone count
    as HADIR only while they have not answered and the call is the last thing we sent them
    (an "ok" after an ack is a thank-you)."""
    if cues.leftover > NATURAL_MAX_OTHER_WORDS or cues.words > NATURAL_MAX_WORDS:
        return False  # words of a need besides the answer: a message, not an RSVP
    if not cues.rsvp and not cues.agree:
        return False
    call = open_call(ctx)
    if call is None:
        return False
    answer = cues.rsvp
    if answer is None:  # "ok": to the call only if it is unanswered and the last thing we sent
        if broadcasts.answer_of(ctx.db, call["id"], ctx.contact["id"]) is not None or \
                not broadcasts.was_last_sent(ctx.db, ctx.contact["id"], call["id"]):
            return False
        answer = "HADIR"
    record(ctx, call, answer)
    return True


def handle_tally(ctx: Inbound) -> None:
    """REKAP: the latest invitation's HADIR/TIDAK count; REKAP <kode>: any of the kepala's."""
    if not is_kepala(ctx.contact):
        broadcast_commands.refuse(ctx, "tally_refused", "REKAP from a non-kepala", TEXTS)
        return
    code = (ctx.parsed.args.get("text") or "").split()[:1]
    found = broadcasts.sent_by(ctx.db, ctx.contact["id"], code[0] if code else None, 1)
    if not found:
        recent = broadcasts.sent_by(ctx.db, ctx.contact["id"], limit=3)
        if not recent:
            ctx.reply(text("tally_none"))
            return
        listed = ", ".join(f"{r['code']} ({replies.short_date(r['confirmed_at'])})" for r in recent)
        ctx.reply(text("tally_unknown", code=code[0].upper()[:12], recent=listed))
        return
    call = found[0]
    counts = broadcasts.tally(ctx.db, call["id"])
    rest = max(call["recipients"] - counts["HADIR"] - counts["TIDAK"], 0)
    ctx.reply(text("tally", code=call["code"], date=replies.short_date(call["confirmed_at"]),
                   hadir=counts["HADIR"], tidak=counts["TIDAK"], rest=rest,
                   count=call["recipients"]))


HANDLERS = {"HADIR": handle_answer, "TIDAK": handle_answer, "REKAP": handle_tally}
