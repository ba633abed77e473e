"""Which usulan a need belongs to: the open usulan of the same kelurahan, category and
Musrenbang cycle whose founding need is most similar (parsers.similar), else a new one.

Called whenever a need gets or changes what grouping looks at: a new ticket
(handlers.tickets), the kelurahan answered later or a description added (handlers.conversation,
handlers.bursts), a staff correction (gateway). Staff decisions are never undone here: a need
staff confirmed or moved stays where staff put it while its kelurahan and category hold.
"""

from __future__ import annotations

from typing import NamedTuple

import parsers
from data import clock, usulan
from data.db import transaction
from parsers import similar

BACKFILL_BATCH = 500  # needs from before usulan existed, grouped per reconciler round


class Placement(NamedTuple):
    """Where a need ended up, for what its sender reads."""

    usulan_id: int
    code: str
    joined: bool       # it joined an usulan someone else's need founded
    counted: bool      # this need made its sender a supporter (not counted before)
    supporters: int


def cycle_of(s, stamp: str | None) -> int:
    """The Musrenbang cycle a need counts for: ASPIRASI_CYCLE, else its year in Bitung."""
    if s is not None and s.musrenbang_cycle:
        return s.musrenbang_cycle
    return clock.to_wita(stamp).year if stamp else clock.wita_today().year


def best_match(db, row: dict, terms: frozenset, cycle: int,
               exclude: int | None = None) -> tuple[int, float] | None:
    """(usulan id, score) of the most similar open usulan in the need's bucket, if similar
    enough; ties go to the older usulan."""
    found = None
    for usulan_id, encoded in usulan.candidates(db, row["kelurahan"], row["category"], cycle):
        if usulan_id == exclude:
            continue
        value = similar.score(terms, similar.decode(encoded))
        if value >= similar.THRESHOLD and (found is None or value > found[1]):
            found = (usulan_id, value)
    return found


def sync(db, s, row: dict, parsed=None) -> Placement | None:
    """Put the need where it belongs now; None when it belongs nowhere (a question, or no
    kelurahan yet). Safe to call again: a need already in place stays."""
    current = usulan.membership(db, row["id"])
    if row["kind"] != "aspirasi" or not row["kelurahan"]:
        if current:
            usulan.leave(db, row["id"])
        return None
    terms = signature(row, parsed)
    fits = current is not None and (current["u_kelurahan"], current["u_category"]) == (
        row["kelurahan"], row["category"])
    if current is not None and _own(db, current):
        return _replace_own(db, s, row, current, terms)
    if fits:
        return placement(db, row)
    if current is not None:
        usulan.leave(db, row["id"])
    return _place(db, s, row, terms)


def signature(row: dict, parsed=None) -> frozenset:
    """What the need asks for (parsers.similar), read from its text as it stands."""
    if parsed is None or parsed.text != row["text"]:
        parsed = parsers.parse(row["text"])
    return similar.signature(parsed, (row["kelurahan"], row["kecamatan"]))


def terms_of(row: dict) -> str:
    """The stored form of a need's signature (a staff split founds a new usulan with it)."""
    return similar.encode(signature(row))


def _own(db, current: dict) -> bool:
    """An usulan only this need makes up (no one joined, staff did nothing, no DUKUNG): the need
    may take it along when its words, place or category change."""
    return (current["how"] == "pendiri" and current["u_members"] == 1
            and current["u_status"] == "terbuka" and not current["confirmed"]
            and not usulan.has_dukung(db, current["usulan_id"]))


def _replace_own(db, s, row: dict, current: dict, terms: frozenset) -> Placement:
    encoded = similar.encode(terms)
    if (current["u_kelurahan"], current["u_category"], current["u_terms"]) == (
            row["kelurahan"], row["category"], encoded):
        return placement(db, row)
    match = best_match(db, row, terms, current["u_cycle"], exclude=current["usulan_id"])
    if match is None:
        usulan.update(db, current["usulan_id"], kelurahan=row["kelurahan"],
                      kecamatan=row["kecamatan"], category=row["category"], terms=encoded,
                      title=usulan.title_of(row["text"]))
        return placement(db, row)
    usulan.add_member(db, match[0], row, "mirip", round(match[1], 3))
    usulan.update(db, current["usulan_id"], status="digabung", merged_into=match[0])
    usulan.recount(db, current["usulan_id"])
    usulan.rebuild_supporters(db, current["usulan_id"])
    return placement(db, row)


def _place(db, s, row: dict, terms: frozenset) -> Placement:
    cycle = cycle_of(s, row["created_at"])
    match = best_match(db, row, terms, cycle)
    if match is None:
        usulan.create(db, row, cycle, similar.encode(terms))
    else:
        usulan.add_member(db, match[0], row, "mirip", round(match[1], 3))
    return placement(db, row)


def placement(db, row: dict) -> Placement | None:
    """Where the need is now, and whether it counted its sender."""
    current = usulan.membership(db, row["id"])
    if current is None:
        return None
    supporter = usulan.supporter(db, current["usulan_id"], row["contact_id"]) \
        if row.get("contact_id") else None
    counted = supporter is not None and supporter["message_id"] == row["message_id"]
    return Placement(current["usulan_id"], usulan.code(current["usulan_id"]),
                     current["how"] != "pendiri", counted, current["u_supporters"])


def backfill(db, conn, s) -> int:
    """Reconciler hook: group the next batch of needs stored before usulan existed (one
    transaction; a crash repeats the batch, which sync makes harmless). Returns how many."""
    with transaction(db):
        rows, last = usulan.backfill_batch(db, BACKFILL_BATCH)
        if last is None:
            return 0
        for row in rows:
            sync(db, s, row)
            usulan.adopt_proposal(db, row["id"])
        usulan.backfill_done_until(db, last)
    return len(rows)
