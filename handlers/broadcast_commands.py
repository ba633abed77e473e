"""Village-head broadcasts by SMS: UNDANG → YA/BATAL, and UNDANG TES (a preview to the kepala
alone). The answers and REKAP are handlers.rsvp; the fan-out that sends a confirmed broadcast
is handlers.fanout.

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
# Every invitation ends with how to answer it (handlers.rsvp counts the answers).
ANSWER_HINT = " Balas HADIR atau TIDAK."
TEST_WORDS = ("tes", "test")  # UNDANG TES <isi>: the preview goes to the kepala alone
# "Lurah" unless the contact's name starts with one of these (see README).
TITLES = {"kepala lingkungan": "Kepala Lingkungan", "kaling": "Kepala Lingkungan",
          "pala": "Kepala Lingkungan"}

TEXTS = {
    "refused": "Maaf, undangan hanya bisa dikirim oleh kepala kelurahan yang terdaftar. "
               "Hubungi kantor kelurahan bila ini keliru.",
    "usage": "Untuk mengundang, kirim UNDANG lalu isi undangannya, mis. UNDANG Musrenbang "
             "Senin 1/12 jam 09.00 di kantor lurah.",
    "test_usage": "Untuk mencoba, kirim UNDANG TES lalu isi undangannya. Hanya Anda yang "
                  "menerimanya.",
    "test_sent": "Tes: pesan di atas hanya dikirim ke Anda ({segments} SMS). Untuk mengundang "
                 "{count} warga, kirim UNDANG lalu isinya tanpa kata TES.",
    "preview": "\"{preview}\" ({segments} SMS). Balas YA untuk kirim ke {count} warga, "
               "BATAL untuk batal.",
    "no_recipients": "Belum ada warga terdaftar (yang tidak berhenti) di Kel. {kelurahan}. "
                     "Undangan tidak dibuat.",
    "cap": "Batas {cap} undangan per hari sudah tercapai. Silakan coba lagi besok.",
    "sent": "Undangan {code} dikirim ke {count} warga Kel. {kelurahan}. Untuk melihat jawaban "
            "HADIR/TIDAK, balas REKAP {code}.",
    "nothing_pending": "Tidak ada undangan yang menunggu konfirmasi. Kirim UNDANG lalu isi "
                       "undangannya dulu.",
    "expired": "Konfirmasi lewat 30 menit, undangan dibatalkan. Kirim UNDANG lalu isinya lagi "
               "bila perlu.",
    "canceled": "Undangan dibatalkan, tidak ada yang dikirim.",
    "answer_hint": "Untuk menjawab undangan rapat, balas HADIR atau TIDAK.",
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
    """What residents read: the text as written, after the sender's role and kelurahan, and
    how to answer it."""
    return f"[{title_for(contact)} {contact['kelurahan']}] {written.strip()}{ANSWER_HINT}"


def test_text(written: str) -> str | None:
    """The invitation inside "UNDANG TES <isi>" ("" when empty), or None when not a test."""
    first, _, rest = written.partition(" ")
    return rest.strip() if first.lower().strip(":.,") in TEST_WORDS else None


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


def actor(ctx: Inbound) -> str:
    return f"sms:{ctx.contact['address']}"


def refuse(ctx: Inbound, key: str, reason: str, texts: dict | None = None) -> None:
    """A polite no (from `texts`, this module's table by default), and a security event."""
    audit.record(ctx.db, actor(ctx), "security", ctx.parsed.command, reason=reason,
                 role=ctx.contact.get("role"), kelurahan=ctx.contact.get("kelurahan"),
                 message_id=ctx.message["id"])
    ctx.reply(replies.fit_sms_segment((texts or TEXTS)[key]))


def handle_invite(ctx: Inbound) -> None:
    """UNDANG/RAPAT <isi> from a kepala: a draft and a preview; YA within 30 minutes sends."""
    contact, now = ctx.contact, ctx.received
    if not is_kepala(contact):
        refuse(ctx, "refused", "not a kepala")
        return
    written = (ctx.parsed.args.get("text") or "").strip()
    if not written:
        ctx.reply(text("usage"))
        return
    trial = test_text(written)
    if trial is not None:
        preview_to_kepala(ctx, trial)
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


def preview_to_kepala(ctx: Inbound, written: str) -> None:
    """UNDANG TES <isi>: the invitation exactly as residents would read it, to the kepala
    alone; nothing is drafted, counted against the cap or sent to anyone else."""
    if not written:
        ctx.reply(text("test_usage"))
        return
    body = compose(ctx.contact, written)
    count = broadcasts.count_recipients(ctx.db, {"kelurahan": [ctx.contact["kelurahan"]]},
                                        ctx.contact["id"])
    ctx.reply(body)  # the invitation itself, as long as it is (the segments say so)
    ctx.reply(text("test_sent", segments=replies.segments(body), count=count))


def handle_yes(ctx: Inbound) -> None:
    """YA: confirm the kepala's pending draft (once), then fan out after the commit."""
    contact, now = ctx.contact, ctx.received
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
        ctx.reply(text("sent", code=draft["code"], count=draft["recipients"],
                       kelurahan=draft["kelurahan"]))


def handle_cancel(ctx: Inbound) -> None:
    """BATAL: drop the pending draft; nothing is sent."""
    if broadcasts.cancel_drafts(ctx.db, ctx.contact["id"], ctx.received):
        ctx.reply(text("canceled"))
    else:
        ctx.reply(text("nothing_pending" if is_kepala(ctx.contact) else "answer_hint"))


HANDLERS = {"UNDANG": handle_invite, "YA": handle_yes, "BATAL": handle_cancel}
