"""The loop and flood guard: when an automatic reply must not go out, though the message is kept.

- At most ASPIRASI_AUTO_REPLY_PER_HOUR automatic replies (acks, answers to commands) per
  number in the hour before the message arrived; staff replies and status messages are not
  counted and never held.
- Two robots talking: a text that answers our last automatic reply within
  ASPIRASI_ROBOT_REPLY_SECONDS of its sending and reads like a machine wrote it (a phrase of
  data/auto_reply_markers.tsv, or our own reply echoed back) gets no answer.
A held reply is logged, and written to the audit log once an hour per number.
(Short codes and sender names are never answered at all: handlers.inbound.)
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from data import audit, clock, outbox, reference
from data.addresses import mask_number

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
ECHO = 24  # this many first characters of our reply, found in their text, is an echo


@functools.cache
def markers() -> tuple[str, ...]:
    return reference.auto_reply_markers()


def looks_automatic(text: str, our_reply: str | None) -> bool:
    words = " ".join((text or "").lower().split())
    if any(marker in words for marker in markers()):
        return True
    echo = " ".join((our_reply or "").lower().split())[:ECHO]
    return len(echo) == ECHO and echo in words


def hold_reason(db, s, message: dict, contact: dict) -> str | None:
    """'flood' or 'robot' when no automatic reply may go to this sender now, else None."""
    arrived = clock.parse(message["received_at"])
    if outbox.auto_replies_since(db, contact["id"], clock.iso(arrived - HOUR)) \
            >= s.auto_reply_per_hour:
        return "flood"
    if s.robot_reply_seconds:
        last = outbox.last_auto_reply(db, contact["id"])
        if last and last["sent_at"]:
            gap = (arrived - clock.parse(last["sent_at"])).total_seconds()
            text = message["body"] or message.get("button_text") or ""
            if 0 <= gap <= s.robot_reply_seconds and looks_automatic(text, last["body"]):
                return "robot"
    return None


def apply(ctx) -> None:
    """Drop the context's automatic replies when the guard holds them (handlers.inbound)."""
    if not ctx.replies:
        return
    reason = hold_reason(ctx.db, ctx.settings, ctx.message, ctx.contact)
    if reason is None:
        return
    target = mask_number(ctx.contact["address"])
    log.info("auto-reply to %s held (%s), message %s", target, reason, ctx.message["id"])
    since = clock.iso(clock.parse(ctx.message["received_at"]) - HOUR)
    if not audit.exists_since(ctx.db, "auto_reply_held", target, since):
        audit.record(ctx.db, "sistem", "auto_reply_held", target, reason=reason,
                     message_id=ctx.message["id"], per_hour=ctx.settings.auto_reply_per_hour)
    ctx.replies.clear()
