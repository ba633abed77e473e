"""Conversations: questions beside aspirations, what each message was to a ticket, and the
question we asked a contact and wait for (handlers.conversation decides; data.conversations
stores)."""

from data.db import execute_script

SCHEMA = """
-- aspirasi: a need (counted in the dashboard, the export and the Musrenbang tallies);
-- pertanyaan: a general question staff answer (never counted as an aspiration).
ALTER TABLE aspirations ADD COLUMN kind TEXT NOT NULL DEFAULT 'aspirasi';
CREATE INDEX aspirations_kind ON aspirations (kind, created_at);
-- The dashboard's overdue count (kind, status 'baru', before a day) from the index alone.
CREATE INDEX aspirations_kind_status ON aspirations (kind, status, created_at);
-- The facet/dashboard covering index, now led by kind (every count is per kind).
DROP INDEX aspirations_facets;
CREATE INDEX aspirations_facets ON aspirations (kind, category, kelurahan, kecamatan, status,
                                                channel);

-- What an inbound message was to a ticket: one row per message that belongs somewhere.
CREATE TABLE message_links (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    contact_id INTEGER REFERENCES contacts(id),
    aspiration_id INTEGER REFERENCES aspirations(id),  -- NULL: no ticket (a closing, an RSVP)
    kind TEXT NOT NULL,          -- need | question | part | answer | followup | check
                                 -- | closing | rsvp | smalltalk
    detail TEXT,                 -- what it did, for staff: 'kelurahan: Girian Bawah', 'HADIR'
    unread INTEGER NOT NULL DEFAULT 0,   -- a follow-up staff have not opened yet
    read_by TEXT,
    read_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX message_links_aspiration ON message_links (aspiration_id, kind);
CREATE INDEX message_links_contact ON message_links (contact_id, kind, created_at);
CREATE INDEX message_links_unread ON message_links (aspiration_id) WHERE unread = 1;

-- The one question we wait for per contact (a newer question replaces it), until it expires.
CREATE TABLE pending_questions (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
    aspiration_id INTEGER NOT NULL REFERENCES aspirations(id),
    asks TEXT NOT NULL,                  -- space-separated: kelurahan, keterangan
    options TEXT NOT NULL DEFAULT '[]',  -- JSON: the kelurahan offered as numbered choices
    asked_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""


def up(db):
    execute_script(db, SCHEMA)
