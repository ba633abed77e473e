"""Broadcasts (village-head SMS calls and staff web sends) and the HADIR/TIDAK answers."""

SCHEMA = """
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,                   -- 'sms' (a kepala's UNDANG) | 'web' (staff)
    created_by TEXT NOT NULL,               -- 'sms:+62…' or the staff username
    sender_contact_id INTEGER REFERENCES contacts(id),  -- the kepala, for SMS broadcasts
    kelurahan TEXT,                         -- the kepala's kelurahan (HADIR/TIDAK, REKAP)
    text TEXT NOT NULL,                     -- as written
    body TEXT NOT NULL,                     -- what recipients read ('[Lurah X] ' + text)
    target TEXT NOT NULL DEFAULT '{}',      -- JSON {kelurahan: [], kecamatan: [], role: [], all}
    state TEXT NOT NULL DEFAULT 'draft',    -- draft | confirmed | sending | done
                                            -- | canceled | expired
    token TEXT UNIQUE,                      -- one-time confirm token (web form), NULL once used
    recipients INTEGER NOT NULL DEFAULT 0,  -- estimated at draft, exact once planned
    segments INTEGER NOT NULL DEFAULT 1,
    scheduled_at TEXT,                      -- send when due (NULL: at once)
    expires_at TEXT,                        -- a draft not confirmed by then expires
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    started_at TEXT,
    planned_at TEXT,                        -- every recipient has its outbox row
    finished_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX broadcasts_state ON broadcasts (state, scheduled_at);
CREATE INDEX broadcasts_sender ON broadcasts (sender_contact_id, state, confirmed_at);
CREATE INDEX broadcasts_kelurahan ON broadcasts (kelurahan, confirmed_at);

CREATE TABLE broadcast_responses (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    answer TEXT NOT NULL,                   -- HADIR | TIDAK (the last answer wins)
    message_id INTEGER,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, contact_id)
);
CREATE INDEX contacts_role ON contacts (role, opted_out);
CREATE INDEX contacts_kecamatan ON contacts (kecamatan, opted_out);
"""


def up(db):
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
