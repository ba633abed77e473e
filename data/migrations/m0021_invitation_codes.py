"""Meeting calls: a short code per broadcast (REKAP <kode>) and whether it asks for HADIR/TIDAK."""

import secrets

from data.aspirations import TICKET_ALPHABET
from data.db import execute_script

SCHEMA = """
ALTER TABLE broadcasts ADD COLUMN code TEXT;
-- 1: an invitation (its text ends with "Balas HADIR atau TIDAK"); answers are counted.
ALTER TABLE broadcasts ADD COLUMN asks_rsvp INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX broadcasts_code ON broadcasts (code) WHERE code IS NOT NULL;
CREATE INDEX outbox_contact_broadcast ON outbox (contact_id, broadcast_id)
    WHERE broadcast_id IS NOT NULL;
"""


def up(db):
    execute_script(db, SCHEMA)
    taken: set[str] = set()
    for (broadcast_id,) in db.execute("SELECT id FROM broadcasts ORDER BY id").fetchall():
        code = _fresh(taken)
        db.execute("UPDATE broadcasts SET code = ? WHERE id = ?", [code, broadcast_id])


def _fresh(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(4))
        if code not in taken:
            taken.add(code)
            return code
