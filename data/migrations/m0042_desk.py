"""The staff desk: assignment, undoable status changes, bulk batches, the formal proposal
(Usulan Musrenbang) of a ticket, and canned replies."""

from data.db import execute_script

SCHEMA = """
-- Who works on a ticket ("Tiket saya"); history in assignments.
ALTER TABLE aspirations ADD COLUMN assigned_to INTEGER REFERENCES staff_users(id);
CREATE INDEX aspirations_assigned ON aspirations (assigned_to, created_at)
    WHERE assigned_to IS NOT NULL;
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    aspiration_id INTEGER NOT NULL REFERENCES aspirations(id),
    old_user TEXT,                          -- usernames, as the history shows them
    new_user TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX assignments_aspiration ON assignments (aspiration_id, id);

-- A status change can be undone while its SMS still waits in the outbox: the undo is a row
-- of its own (undo_of) that puts back the status, OPD and reason it replaced.
ALTER TABLE status_changes ADD COLUMN undo_of INTEGER REFERENCES status_changes(id);
ALTER TABLE status_changes ADD COLUMN prev_opd TEXT;
ALTER TABLE status_changes ADD COLUMN prev_reason TEXT;
ALTER TABLE status_changes ADD COLUMN batch TEXT;      -- one bulk action
CREATE INDEX status_changes_batch ON status_changes (batch) WHERE batch IS NOT NULL;

-- The formal proposal staff write for the Musrenbang table (sheet "Usulan Musrenbang").
-- One per ticket today; grouping several tickets into one usulan can add a link table.
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    aspiration_id INTEGER NOT NULL UNIQUE REFERENCES aspirations(id),
    title TEXT,                             -- judul usulan
    location TEXT,                          -- lokasi (jalan, RT/RW, patokan)
    volume REAL,
    unit TEXT,                              -- satuan: m, unit, paket…
    cost INTEGER,                           -- perkiraan biaya, rupiah
    opd TEXT,                               -- OPD pelaksana
    priority INTEGER,                       -- prioritas: 1 = paling mendesak
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Replies staff reuse; {tiket} and {kelurahan} are filled in per ticket.
CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def up(db):
    execute_script(db, SCHEMA)
