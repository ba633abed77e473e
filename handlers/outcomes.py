"""Staff move an usulan on; its supporters hear the outcome that matters to them.

When an usulan is accepted into the kecamatan list or finished, every supporter gets one SMS:
a broadcast whose audience is the usulan's supporters (data.broadcasts.recipient_where), so it
goes through the outbox on the bulk lane in slices, under the send rate with room left for
acks, opt-outs left out at planning and checked again at sending. usulan_outcomes holds one
row per usulan and outcome: a second click, a replayed request or a status set twice never
sends a second round.
"""

from __future__ import annotations

from data import broadcasts, usulan, usulan_edits
from handlers import replies

TOLD = {"kecamatan": "outcome_kecamatan", "selesai": "outcome_selesai"}
ORIGIN = "usulan"


def outcome_text(row: dict, status: str) -> str:
    return replies.render(TOLD[status], code=usulan.code(row["id"]), title=row["title"],
                          kelurahan=row["kelurahan"], opd=row.get("opd") or "dinas terkait")


def change_status(db, row: dict, status: str, actor: str, opd: str | None = None,
                  note: str | None = None) -> int | None:
    """Record the status (the caller checked it); returns the broadcast that tells the
    supporters, if this status is one they hear about and nobody told them yet. Wake it after
    commit (handlers.queue "broadcast"); the reconciler starts it otherwise."""
    usulan_edits.set_status(db, row, status, opd, note)
    if status not in TOLD:
        return None
    row = usulan.get(db, row["id"])  # the OPD it went to, for "selesai oleh …"
    return notify(db, row, status, outcome_text(row, status), actor)


def notify(db, row: dict, outcome: str, body: str, actor: str) -> int | None:
    """One SMS to each supporter of `row` about `outcome`, at most once ever."""
    if not usulan.claim_outcome(db, row["id"], outcome):
        return None
    target = {"usulan": [row["id"]]}
    draft = broadcasts.create(
        db, origin=ORIGIN, created_by=actor, text=f"{usulan.code(row['id'])}: {outcome}",
        body=body, target=target, recipients=broadcasts.count_recipients(db, target),
        segments=replies.segments(body), asks_rsvp=False)
    broadcasts.confirm(db, draft["id"])
    usulan.outcome_sent(db, row["id"], outcome, draft["id"])
    return draft["id"]
