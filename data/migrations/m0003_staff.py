"""Staff inbox: accounts, login throttling, corrections, notes, status history, search, indexes."""

from data.db import execute_script

SCHEMA = """
CREATE TABLE staff_users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,            -- werkzeug generate_password_hash (scrypt)
    role TEXT NOT NULL,                     -- admin | staf | kelurahan
    kelurahan TEXT,                         -- official name; required for role kelurahan
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_login_at TEXT
);

-- One row per username being throttled: survives restarts and is shared by every process.
CREATE TABLE login_attempts (
    username TEXT PRIMARY KEY COLLATE NOCASE,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure_at TEXT,
    locked_until TEXT
);

CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    aspiration_id INTEGER NOT NULL REFERENCES aspirations(id),
    field TEXT NOT NULL,                    -- category | kelurahan
    old_value TEXT,
    new_value TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX corrections_aspiration ON corrections (aspiration_id, id);

CREATE TABLE status_changes (
    id INTEGER PRIMARY KEY,
    aspiration_id INTEGER NOT NULL REFERENCES aspirations(id),
    old_status TEXT NOT NULL,
    new_status TEXT NOT NULL,
    opd TEXT,
    reason TEXT,
    outbox_id INTEGER REFERENCES outbox(id),
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX status_changes_aspiration ON status_changes (aspiration_id, id);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    aspiration_id INTEGER NOT NULL REFERENCES aspirations(id),
    kind TEXT NOT NULL,                     -- note (internal, never sent) | reply (to citizen)
    body TEXT NOT NULL,
    outbox_id INTEGER REFERENCES outbox(id),
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX notes_aspiration ON notes (aspiration_id, id);

-- The inbox filters: each index ends in created_at so a filtered page is read newest first.
CREATE INDEX aspirations_category ON aspirations (category, created_at);
CREATE INDEX aspirations_kelurahan ON aspirations (kelurahan, created_at);
CREATE INDEX aspirations_kecamatan ON aspirations (kecamatan, created_at);
CREATE INDEX aspirations_status ON aspirations (status, created_at);
CREATE INDEX aspirations_channel ON aspirations (channel, created_at);
-- Covering index for the facet counts: one pass groups every facet at once.
CREATE INDEX aspirations_facets ON aspirations (category, kelurahan, kecamatan, status, channel);
"""


def up(db):
    execute_script(db, SCHEMA)
    # Diacritics and case fold ("jalan" finds "Jalán"); triggers keep the index in sync.
    db["aspirations"].enable_fts(
        ["text", "ticket", "kelurahan"], tokenize="unicode61 remove_diacritics 2",
        create_triggers=True)
