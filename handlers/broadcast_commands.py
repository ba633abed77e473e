"""Village-head broadcasts by SMS: UNDANG → YA/BATAL, HADIR/TIDAK, REKAP (the fan-out that
sends a confirmed broadcast is handlers.fanout).

A kepala reaches only the opted-in contacts of the kelurahan bound to their contact row (set by
an admin); the text they type never chooses the audience. Decisions take `now` so they are
testable without sleeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from data import audit, broadcasts, clock
from data.contacts import is_kepala
from handlers import queue, replies
from handlers.context import Inbound

CONFIRM_WINDOW = timedelta(minutes=30)
ANSWER_WINDOW = timedelta(days=7)
# "Lurah" unless the contact's name starts with one of these (see README).
TITLES = {"kepala lingkungan": "Kepala Lingkungan", "kaling": "Kepala Lingkungan",
          "pala": "Kepala Lingkungan"}

TEXTS = {
    "refused": "Maaf, undangan hanya bisa dikirim oleh kepala kelurahan yang terdaftar. "
               "Hubungi kantor kelurahan bila ini keliru.",
    "usage": "Format: UNDANG <isi>, mis. UNDANG Musrenbang Senin 1/12 jam 09.00 di kantor lurah.",
    "preview": "\"{preview}\" ({segments} SMS). Balas YA untuk kirim ke {count} warga, "
               "BATAL untuk batal.",
    "no_recipients": "Belum ada warga terdaftar (yang tidak berhenti) di Kel. {kelurahan}. "
                     "Undangan tidak dibuat.",
    "cap": "Batas {cap} undangan per hari sudah tercapai. Silakan coba lagi besok.",
    "sent": "Undangan dikirim ke {count} warga Kel. {kelurahan}. Balas REKAP untuk melihat "
            "jawaban HADIR/TIDAK.",
    "nothing_pending": "Tidak ada undangan yang menunggu konfirmasi. Kirim UNDANG <isi> dulu.",
    "expired": "Konfirmasi lewat 30 menit, undangan dibatalkan. Kirim UNDANG <isi> lagi "
               "bila perlu.",
    "canceled": "Undangan dibatalkan, tidak ada yang dikirim.",
    "answer_hint": "Untuk menjawab undangan rapat, balas HADIR atau TIDAK.",
    "answered": "Terima kasih, jawaban {answer} Anda dicatat. Balas HADIR atau TIDAK "
                "untuk mengubah.",
    "no_call": "Tidak ada undangan rapat untuk Anda dalam 7 hari terakhir.",
    "tally": "Rekap undangan {date}: HADIR {hadir}, TIDAK {tidak}, belum menjawab {rest} "
             "dari {count} warga.",
    "tally_none": "Anda belum mengirim undangan. Kirim UNDANG <isi> untuk mengundang warga.",
    "tally_refused": "Maaf, REKAP hanya untuk kepala kelurahan.",
    "kepala_bound": "Kelurahan kepala kelurahan hanya dapat diubah oleh admin. Hubungi "
                    "kantor kelurahan.",
}


# The value shortened when a reply is too long (the instruction around it must survive).
SHORTEN = {"preview": "preview"}


def text(key: str, **values) -> str:
    """A broadcast reply, GSM-7 and one segment (the values are cut, never the instruction)."""
    return replies.fit_sms_segment(TEXTS[key], shorten=SHORTEN.get(key), **values)


def title_for(contact: dict) -> str:
    name = (contact.get("name") or "").strip().lower()
    return next((t for k, t in TITLES.items() if name.startswith(k + " ") or name == k), "Lurah")


def compose(contact: dict, written: str) -> str:
    """What residents read: the text as written, after the sender's role and kelurahan."""
    return f"[{title_for(contact)} {contact['kelurahan']}] {written.strip()}"


def decide_confirm(draft: dict | None, contact: dict, sent_today: int, cap: int,
                   now: datetime) -> str:
    """YA: 'ok', or why not: 'none' | 'expired' | 'refused' | 'cap'."""
    if draft is None:
        return "none"
    if draft.get("state") == "expired" or (
            draft["expires_at"] and clock.iso(now) > draft["expires_at"]):
        return "expired"
    if not is_kepala(contact) or contact["kelurahan"] != draft["kelurahan"]:
        return "refused"  # the role or kelurahan changed since UNDANG
    return "cap" if sent_today >= cap else "ok"


def message_time(ctx: Inbound) -> datetime:
    """When the texter sent it: decisions use this, not the time a worker got to it."""
    stamp = ctx.message.get("received_at")
    return clock.parse(stamp) if stamp else clock.now()


def actor(ctx: Inbound) -> str:
    return f"sms:{ctx.contact['address']}"


def refuse(ctx: Inbound, key: str, reason: str) -> None:
    """A polite no, and a security event for admins."""
    audit.record(ctx.db, actor(ctx), "security", ctx.parsed.command, reason=reason,
                 role=ctx.contact.get("role"), kelurahan=ctx.contact.get("kelurahan"),
                 message_id=ctx.message["id"])
    ctx.reply(text(key))


def handle_invite(ctx: Inbound) -> None:
    """UNDANG/RAPAT <isi> from a kepala: a draft and a preview; YA within 30 minutes sends."""
    contact, now = ctx.contact, message_time(ctx)
    if not is_kepala(contact):
        refuse(ctx, "refused", "not a kepala")
        return
    written = (ctx.parsed.args.get("text") or "").strip()
    if not written:
        ctx.reply(text("usage"))
        return
    cap = ctx.settings.broadcast_daily_cap
    if broadcasts.sent_today(ctx.db, contact["id"], now) >= cap:
        ctx.reply(text("cap", cap=cap))
        return
    target = {"kelurahan": [contact["kelurahan"]]}
    count = broadcasts.count_recipients(ctx.db, target, contact["id"])
    if not count:
        ctx.reply(text("no_recipients", kelurahan=contact["kelurahan"]))
        return
    body = compose(contact, written)
    broadcasts.cancel_drafts(ctx.db, contact["id"], now)
    broadcasts.create(
        ctx.db, origin="sms", created_by=actor(ctx), text=written, body=body, target=target,
        recipients=count, segments=replies.segments(body), sender_contact_id=contact["id"],
        kelurahan=contact["kelurahan"], expires_at=clock.iso(now + CONFIRM_WINDOW), now=now)
    ctx.reply(text("preview", preview=written, segments=replies.segments(body), count=count))


def handle_yes(ctx: Inbound) -> None:
    """YA: confirm the kepala's pending draft (once), then fan out after the commit."""
    contact, now = ctx.contact, message_time(ctx)
    draft = broadcasts.pending_draft(ctx.db, contact["id"])
    if draft is None and not is_kepala(contact):
        ctx.reply(text("answer_hint"))
        return
    sent = broadcasts.sent_today(ctx.db, contact["id"], now)
    cap = ctx.settings.broadcast_daily_cap
    decision = decide_confirm(draft, contact, sent, cap, now)
    if decision == "refused":
        broadcasts.move(ctx.db, draft["id"], ("draft",), "canceled", now)
        refuse(ctx, "refused", "role or kelurahan changed before YA")
    elif decision == "expired":
        broadcasts.move(ctx.db, draft["id"], ("draft",), "expired", now)
        ctx.reply(text("expired"))
    elif decision == "cap":
        ctx.reply(text("cap", cap=cap))
    elif decision == "none":
        ctx.reply(text("nothing_pending"))
    elif broadcasts.confirm(ctx.db, draft["id"], now):
        audit.record(ctx.db, actor(ctx), "broadcast", str(draft["id"]), origin="sms",
                     kelurahan=draft["kelurahan"], recipients=draft["recipients"])
        url = ctx.settings.effective_redis_url
        ctx.after_commit.append(lambda: queue.try_wake(url, "broadcast", draft["id"]))
        ctx.reply(text("sent", count=draft["recipients"], kelurahan=draft["kelurahan"]))


def handle_cancel(ctx: Inbound) -> None:
    """BATAL: drop the pending draft; nothing is sent."""
    if broadcasts.cancel_drafts(ctx.db, ctx.contact["id"], message_time(ctx)):
        ctx.reply(text("canceled"))
    else:
        ctx.reply(text("nothing_pending" if is_kepala(ctx.contact) else "answer_hint"))


def handle_answer(ctx: Inbound) -> None:
    """HADIR/TIDAK to the latest call this resident received (7 days); the last answer wins."""
    now = message_time(ctx)
    call = broadcasts.latest_call_for(ctx.db, ctx.contact, clock.iso(now - ANSWER_WINDOW))
    if call is None:
        ctx.reply(text("no_call"))
        return
    answer = ctx.parsed.command
    broadcasts.record_response(ctx.db, call["id"], ctx.contact["id"], answer,
                               ctx.message["id"], clock.iso(now))
    ctx.reply(text("answered", answer=answer))


def handle_tally(ctx: Inbound) -> None:
    """REKAP: the HADIR/TIDAK count of the kepala's latest broadcast, in one segment."""
    if not is_kepala(ctx.contact):
        refuse(ctx, "tally_refused", "REKAP from a non-kepala")
        return
    call = broadcasts.latest_sent_by(ctx.db, ctx.contact["id"])
    if call is None:
        ctx.reply(text("tally_none"))
        return
    counts = broadcasts.tally(ctx.db, call["id"])
    local = clock.to_wita(call["confirmed_at"])
    rest = max(call["recipients"] - counts["HADIR"] - counts["TIDAK"], 0)
    ctx.reply(text("tally", date=local.strftime("%d/%m"), hadir=counts["HADIR"],
                   tidak=counts["TIDAK"], rest=rest, count=call["recipients"]))


HANDLERS = {"UNDANG": handle_invite, "YA": handle_yes, "BATAL": handle_cancel,
            "HADIR": handle_answer, "TIDAK": handle_answer, "REKAP": handle_tally}
