"""An OPD's answer reaches citizens: on a ticket, one SMS to its sender (the priority lane,
like a staff reply); on an usulan, one SMS to each supporter (handlers.outcomes, the bulk lane).
Sent once the planning office approves it, or at once when the admin allows that OPD to answer
directly. The answer must fit the one segment whole: it is refused, never cut.
"""

from __future__ import annotations

from data import opd_items, outbox, usulan
from handlers import outcomes, replies


def sms_for(answer: dict, item: dict) -> tuple[str, str, dict]:
    """(template key, the SMS text, its values) of an answer on a ticket or an usulan."""
    if answer.get("aspiration_id"):
        key, values = "opd_answer_ticket", {"ticket": item["ticket"]}
    else:
        key, values = "opd_answer_usulan", {"code": usulan.code(item["id"])}
    values.update(opd=answer["opd"], answer=" ".join(answer["body"].split()))
    return key, replies.render(key, **values), values


def fits(answer: dict, item: dict) -> int:
    """Characters still free in the SMS for this answer (negative: too long)."""
    key, _, values = sms_for(answer, item)
    whole = replies.to_gsm7(replies.TEXTS[key].format(**values))
    return replies.SEGMENT - (replies.gsm7_length(whole) or 0)


def deliver(db, answer: dict, item: dict, actor: str) -> tuple[int | None, int | None]:
    """Queue the answer's SMS (inside the caller's transaction). Returns (outbox id, broadcast
    id); wake the outbox or the broadcast after commit."""
    _, body, _ = sms_for(answer, item)
    if answer.get("usulan_id"):
        broadcast_id = outcomes.notify(db, item, f"jawaban:{answer['id']}", body, actor)
        opd_items.link_sent(db, answer["id"], broadcast_id=broadcast_id)
        return None, broadcast_id
    outbox_id = outbox.to_sender(db, item, f"opd-answer:{answer['id']}", "reply", body)
    opd_items.link_sent(db, answer["id"], outbox_id=outbox_id)
    return outbox_id, None
