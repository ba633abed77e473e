"""Contact commands from SMS: DAFTAR, BERHENTI, MULAI, plus the broadcast and RSVP commands."""

from __future__ import annotations

from data import contacts
from handlers import broadcast_commands, replies, rsvp
from handlers.context import Inbound
from parsers import places


def handle_register(ctx: Inbound) -> None:
    """DAFTAR <nama> <kelurahan>: confirm both, or suggest the closest kelurahan names."""
    args = ctx.parsed.args
    name = (args.get("name") or "").strip()[:60]
    kelurahan = args.get("kelurahan")
    if not name and not kelurahan and not args.get("kelurahan_text"):
        ctx.reply(replies.render("register_usage"))
        return
    if not kelurahan:
        given = (args.get("kelurahan_text") or name)[:30]
        suggestions = (args.get("suggestions") or places.suggest_kelurahan(given, 2))[:2]
        example_name = name[:15] if name and args.get("kelurahan_text") else "Yohanis"
        if not suggestions:  # never "Maksud Anda: -?"
            ctx.reply(replies.render("register_unknown_plain", given=given))
            return
        ctx.reply(replies.render("register_unknown", given=given,
                                 suggestions=" atau ".join(suggestions),
                                 example=f"{example_name} {suggestions[0]}"))
        return
    if ctx.contact.get("role") == "kepala" and ctx.contact.get("kelurahan") != kelurahan:
        # A kepala's kelurahan decides who their broadcasts reach: only an admin moves it.
        broadcast_commands.refuse(ctx, "kepala_bound", "DAFTAR would move a kepala's kelurahan")
        return
    contacts.register(ctx.db, ctx.contact["id"], name or None, kelurahan,
                      places.kecamatan_of(kelurahan))
    ctx.reply(replies.render("registered", name=name or "warga", kelurahan=kelurahan))


def handle_stop(ctx: Inbound) -> None:
    """BERHENTI: one confirmation, then silence."""
    if contacts.set_opt_out(ctx.db, ctx.contact["id"], True, "sms"):
        ctx.reply(replies.render("opted_out"))


def handle_start(ctx: Inbound) -> None:
    contacts.set_opt_out(ctx.db, ctx.contact["id"], False, "sms")
    ctx.reply(replies.render("opted_in"))


HANDLERS = {
    "DAFTAR": handle_register,
    "BERHENTI": handle_stop,
    "MULAI": handle_start,
    **broadcast_commands.HANDLERS,
    **rsvp.HANDLERS,
}
