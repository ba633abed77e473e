"""DUKUNG <kode> and CEK U-0123: citizens support a proposal by its usulan code, or by the
ticket code of any need in it, and hear how many citizens support it.

A sender counts once per usulan (data.usulan.add_supporter: a primary key, so a replayed or
concurrent second DUKUNG adds nothing); the second DUKUNG is acknowledged as already counted.
"""

from __future__ import annotations

from data import aspirations, conversations, usulan
from handlers import replies
from handlers.context import Inbound


def find(db, code: str) -> tuple[dict | None, dict | None]:
    """(usulan, ticket) a typed code names: an usulan code, or a ticket and its usulan.
    "U2345" is a ticket when such a ticket exists, else usulan 2345."""
    if not code.startswith(usulan.PREFIX):
        ticket = aspirations.by_ticket(db, code)
        if ticket is not None:
            return usulan.of_aspiration(db, ticket["id"]), ticket
    usulan_id = usulan.id_of(code)
    return (usulan.resolve(db, usulan_id) if usulan_id else None), None


def values(row: dict) -> dict:
    return {"code": usulan.code(row["id"]), "title": row["title"], "count": row["supporters"]}


def handle_support(ctx: Inbound) -> None:
    """DUKUNG <kode>: count the sender once; say how many support it now."""
    code = (ctx.parsed.args.get("code") or "").upper()
    if not code:
        ctx.reply(replies.render("support_usage"))
        return
    row, ticket = find(ctx.db, code)
    if row is None:
        if ticket is not None:
            ctx.reply(replies.render("support_waiting", ticket=ticket["ticket"]))
        else:
            ctx.reply(replies.render("support_unknown", given=code[:12]))
        return
    if row["status"] not in usulan.OPEN:
        ctx.reply(replies.render("support_closed", state=replies.usulan_state(row),
                                 **values(row)))
        return
    added = usulan.add_supporter(ctx.db, row["id"], ctx.contact["id"], ctx.message["id"],
                                 "dukung")
    if added:
        usulan.recount(ctx.db, row["id"])
        row = usulan.get(ctx.db, row["id"])
    conversations.link(ctx.db, ctx.message, ctx.contact["id"], ticket["id"] if ticket else None,
                       "support", f"{usulan.code(row['id'])}" + ("" if added else " (sudah)"))
    ctx.reply(replies.render("support_added" if added else "support_again", **values(row)))


def check_reply(row: dict) -> str:
    """CEK U-0123: the usulan's status in plain words and its supporters."""
    return replies.render("usulan_check", state=replies.usulan_state(row), **values(row))


HANDLERS = {"DUKUNG": handle_support}
