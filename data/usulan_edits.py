"""Staff decisions on usulan: confirm the grouping, split needs off, merge two usulan, the
SIPD-style fields, the status. The caller audits each one in the same transaction."""

from __future__ import annotations

from data import usulan
from data.clock import utcnow

FIELDS = ("title", "location", "volume", "unit", "cost", "opd", "priority", "cycle")
STATUS_PATH = {
    # terbuka → kecamatan (the kelurahan forum accepted it) → diteruskan (to an OPD) → selesai;
    # a need an OPD can simply do may be forwarded from terbuka; ditolak from any open status.
    "terbuka": ("kecamatan", "diteruskan", "ditolak"),
    "kecamatan": ("diteruskan", "ditolak"),
    "diteruskan": ("selesai", "ditolak"),
}


def confirm(db, usulan_id: int, actor: str) -> int:
    """Staff agree every need in it belongs there; returns how many were unconfirmed."""
    changed = db.execute("UPDATE usulan_members SET confirmed = 1 WHERE usulan_id = ? AND "
                         "confirmed = 0", [usulan_id]).rowcount
    usulan.update(db, usulan_id, confirmed_by=actor, confirmed_at=utcnow())
    usulan.recount(db, usulan_id)
    return changed


def split(db, row: dict, aspiration_ids: list[int], terms_of) -> dict | None:
    """The chosen needs leave `row` and form a new usulan together (confirmed: staff decided,
    so grouping never moves them back); terms_of(aspiration) gives the new one's signature.
    None when nothing would be left on either side."""
    members = [r["id"] for r in db.query(
        "SELECT aspiration_id AS id FROM usulan_members WHERE usulan_id = ? ORDER BY "
        "aspiration_id", [row["id"]])]
    chosen = set(aspiration_ids)
    moving = [a for a in members if a in chosen]
    if not moving or len(moving) == len(members):
        return None
    first = db["aspirations"].get(moving[0])
    new = usulan.create(db, first, row["cycle"], terms_of(first))
    for aspiration_id in moving:
        db.execute("UPDATE usulan_members SET usulan_id = ?, how = ?, confirmed = 1 WHERE "
                   "aspiration_id = ?", [new["id"], "pendiri" if aspiration_id == moving[0]
                                         else "staf", aspiration_id])
    db.execute("UPDATE usulan_members SET confirmed = 1 WHERE usulan_id = ?", [row["id"]])
    usulan.rebuild_supporters(db, row["id"])
    usulan.rebuild_supporters(db, new["id"])
    return usulan.get(db, new["id"])


def merge(db, source: dict, target: dict) -> None:
    """`source` joins `target`: its needs and supporters (DUKUNG too) move; its code then
    points to the target (a citizen's DUKUNG U-… still counts)."""
    db.execute("UPDATE usulan_members SET usulan_id = ?, how = CASE how WHEN 'pendiri' THEN "
               "'staf' ELSE how END, confirmed = 1 WHERE usulan_id = ?",
               [target["id"], source["id"]])
    db.execute("INSERT INTO usulan_supporters (usulan_id, contact_id, via, message_id, at) "
               "SELECT ?, contact_id, via, message_id, at FROM usulan_supporters WHERE "
               "usulan_id = ? ON CONFLICT DO NOTHING", [target["id"], source["id"]])
    db.execute("DELETE FROM usulan_supporters WHERE usulan_id = ?", [source["id"]])
    usulan.update(db, source["id"], status="digabung", merged_into=target["id"])
    usulan.recount(db, source["id"])
    usulan.rebuild_supporters(db, target["id"])


def save_fields(db, usulan_id: int, values: dict) -> dict:
    """Write the checked fields; returns {field: (old, new)} for what changed."""
    row = usulan.get(db, usulan_id)
    changed = {k: (row[k], v) for k, v in values.items() if k in FIELDS and row[k] != v}
    if changed:
        usulan.update(db, usulan_id, **{k: new for k, (_, new) in changed.items()})
    return changed


def next_statuses(status: str) -> tuple[str, ...]:
    return STATUS_PATH.get(status, ())


def set_status(db, row: dict, status: str, opd: str | None = None,
               note: str | None = None) -> None:
    """Move an usulan on (the caller checked next_statuses); forwarding starts the OPD's
    clock."""
    fields: dict = {"status": status}
    if status == "diteruskan":
        fields.update(opd=opd, forwarded_at=utcnow())
    if note:
        fields["note"] = note
    usulan.update(db, row["id"], **fields)
