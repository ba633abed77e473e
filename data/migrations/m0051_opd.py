"""The agency's answer: staff accounts bound to one OPD, which OPD may answer citizens
directly, and the answers (waiting for the planning office, or sent)."""

from data.db import execute_script

SCHEMA = """
ALTER TABLE staff_users ADD COLUMN opd TEXT;   -- role opd: one name from data/opd.tsv

-- Set by an admin per OPD: its answers go to citizens without the planning office's approval.
CREATE TABLE opd_settings (
    opd TEXT PRIMARY KEY,
    direct_answer INTEGER NOT NULL DEFAULT 0,
    updated_by TEXT,
    updated_at TEXT
);

-- An OPD's answer on a ticket or an usulan forwarded to it.
CREATE TABLE opd_answers (
    id INTEGER PRIMARY KEY,
    opd TEXT NOT NULL,
    aspiration_id INTEGER REFERENCES aspirations(id),
    usulan_id INTEGER REFERENCES usulan(id),
    body TEXT NOT NULL,
    state TEXT NOT NULL,        -- menunggu (for the planning office) | terkirim | dikembalikan
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_note TEXT,           -- why the planning office sent it back
    outbox_id INTEGER REFERENCES outbox(id),          -- the SMS to the ticket's sender
    broadcast_id INTEGER REFERENCES broadcasts(id),   -- the SMS to an usulan's supporters
    CHECK ((aspiration_id IS NULL) != (usulan_id IS NULL))
);
CREATE INDEX opd_answers_aspiration ON opd_answers (aspiration_id) WHERE aspiration_id IS NOT NULL;
CREATE INDEX opd_answers_usulan ON opd_answers (usulan_id) WHERE usulan_id IS NOT NULL;
CREATE INDEX opd_answers_state ON opd_answers (state, id);
-- Tickets forwarded to an OPD: its list and the overdue count.
CREATE INDEX aspirations_opd ON aspirations (opd, status) WHERE opd IS NOT NULL;
"""


def up(db):
    execute_script(db, SCHEMA)
