"""Daftar hadir: who a meeting call reached and what each answered (HADIR/TIDAK, when)."""

from __future__ import annotations

import json

# HADIR first (they sign at the door), then those who did not answer, then TIDAK.
ORDER = "CASE r.answer WHEN 'HADIR' THEN 0 WHEN 'TIDAK' THEN 2 ELSE 1 END"


def reaches(call: dict, kelurahan: str) -> bool:
    """Is this call a kelurahan's own (its kepala's, or addressed to that kelurahan)?"""
    target = call["target"]
    if isinstance(target, str):
        target = json.loads(target or "{}")
    return call["kelurahan"] == kelurahan or kelurahan in (target.get("kelurahan") or [])


def invitations(db, kelurahan: str | None = None, limit: int = 100) -> list[dict]:
    """Sent meeting calls, newest first (for a kelurahan: its own, see reaches), with their
    answer counts."""
    rows = list(db.query(
        "SELECT b.id, b.code, b.text, b.kelurahan, b.target, b.recipients, b.confirmed_at, "
        "b.created_by, (SELECT count(*) FROM broadcast_responses r WHERE r.broadcast_id = b.id "
        "AND r.answer = 'HADIR') AS hadir, (SELECT count(*) FROM broadcast_responses r WHERE "
        "r.broadcast_id = b.id AND r.answer = 'TIDAK') AS tidak FROM broadcasts b WHERE "
        "b.asks_rsvp = 1 AND b.state IN ('confirmed', 'sending', 'done') "
        "ORDER BY b.id DESC LIMIT ?", [limit if kelurahan is None else limit * 20]))
    if kelurahan is not None:
        rows = [r for r in rows if reaches(r, kelurahan)][:limit]
    return rows


def recipients(db, broadcast_id: int) -> list[dict]:
    """Every contact the call was sent to (not a row canceled because they had opted out),
    with their name, number and answer."""
    return list(db.query(
        "SELECT c.id AS contact_id, c.name, c.address, c.kelurahan, r.answer, r.answered_at "
        "FROM (SELECT DISTINCT contact_id FROM outbox WHERE broadcast_id = ? AND kind = "
        "'broadcast' AND status != 'canceled' AND contact_id IS NOT NULL) o "
        "JOIN contacts c ON c.id = o.contact_id LEFT JOIN broadcast_responses r ON "
        "r.broadcast_id = ? AND r.contact_id = c.id "
        f"ORDER BY {ORDER}, c.name IS NULL, lower(c.name), c.address",
        [broadcast_id, broadcast_id]))


def counts(rows: list[dict]) -> dict[str, int]:
    hadir = sum(r["answer"] == "HADIR" for r in rows)
    tidak = sum(r["answer"] == "TIDAK" for r in rows)
    return {"HADIR": hadir, "TIDAK": tidak, "belum": len(rows) - hadir - tidak,
            "total": len(rows)}
