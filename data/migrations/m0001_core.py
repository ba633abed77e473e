"""Core tables: raw inbound messages, contacts, aspirations, outbox."""

from data.db import execute_script

SCHEMA = """
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,                 -- 'twilio'
    provider_sid TEXT NOT NULL,             -- MessageSid: the idempotency key end to end
    channel TEXT NOT NULL,                  -- 'sms' | 'whatsapp'
    sender TEXT NOT NULL,                   -- From, as received
    address TEXT,                           -- normalised sender (+E164, or a WhatsApp BSUID)
    recipient TEXT,                         -- To
    body TEXT NOT NULL DEFAULT '',
    num_media INTEGER NOT NULL DEFAULT 0,
    media TEXT NOT NULL DEFAULT '[]',       -- JSON [{url, content_type}]
    profile_name TEXT,
    wa_id TEXT,
    latitude TEXT, longitude TEXT, location_address TEXT, location_label TEXT,
    button_text TEXT,
    num_segments TEXT,
    account_sid TEXT,
    idempotency_token TEXT,                 -- I-Twilio-Idempotency-Token header
    raw TEXT NOT NULL,                      -- JSON [[key, value], ...] exactly as posted
    received_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'captured',  -- captured | processed | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    processed_at TEXT,
    error TEXT,
    UNIQUE (provider, provider_sid)
);
CREATE INDEX messages_pending ON messages (status, id);
CREATE INDEX messages_address ON messages (address, id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,           -- +E164 (or whatsapp BSUID)
    name TEXT,
    kelurahan TEXT,
    kecamatan TEXT,
    role TEXT NOT NULL DEFAULT 'warga',     -- warga | kepala | staf
    channel TEXT,                           -- channel last used
    whatsapp_last_inbound_at TEXT,          -- opens WhatsApp's 24-hour window
    opted_out INTEGER NOT NULL DEFAULT 0,
    opted_out_at TEXT,
    opt_out_source TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX contacts_kelurahan ON contacts (kelurahan, opted_out);

CREATE TABLE aspirations (
    id INTEGER PRIMARY KEY,
    ticket TEXT NOT NULL UNIQUE,
    message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id),
    contact_id INTEGER REFERENCES contacts(id),
    channel TEXT NOT NULL,
    text TEXT NOT NULL,
    category TEXT NOT NULL,
    kelurahan TEXT,
    kecamatan TEXT,
    confidence REAL NOT NULL DEFAULT 0,
    keywords TEXT NOT NULL DEFAULT '[]',    -- JSON list: the words that decided the category
    status TEXT NOT NULL DEFAULT 'baru',    -- baru | diverifikasi | diteruskan | selesai | ditolak
    opd TEXT,
    reject_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX aspirations_created ON aspirations (created_at);
CREATE INDEX aspirations_contact ON aspirations (contact_id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,        -- 'ack:<message id>', 'bc:<broadcast>:<contact>', ...
    kind TEXT NOT NULL,                     -- ack | reply | status | broadcast | staff
    contact_id INTEGER REFERENCES contacts(id),
    aspiration_id INTEGER REFERENCES aspirations(id),
    broadcast_id INTEGER,
    channel TEXT NOT NULL,                  -- sms | whatsapp
    to_address TEXT NOT NULL,               -- +E164 or whatsapp:+E164
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',  -- queued | sending | sent | delivered | read
                                            -- | undelivered | failed | canceled
    transport TEXT,                         -- twilio | console
    provider_sid TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,
    uncertain INTEGER NOT NULL DEFAULT 0,   -- the last attempt may have reached Twilio
    error_code TEXT,
    error_message TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE UNIQUE INDEX outbox_provider_sid ON outbox (provider_sid) WHERE provider_sid IS NOT NULL;
CREATE INDEX outbox_contact ON outbox (contact_id, id);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status);

CREATE TABLE status_events (
    id INTEGER PRIMARY KEY,
    provider_sid TEXT NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    raw TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (provider_sid, status)
);
"""


def up(db):
    execute_script(db, SCHEMA)
