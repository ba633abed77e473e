"""The SMS relay phone (SMS Gateway for Android): its devices, the route of each outbound row,
the device a message came through, and a number for staff who want alerts by SMS."""

from data.db import execute_script

SCHEMA = """
ALTER TABLE messages ADD COLUMN relay_device TEXT;   -- the phone's deviceId (provider smsgate)

-- Which way a row should leave: 'smsgate' | 'twilio'; NULL follows ASPIRASI_SMS_ROUTE.
-- A reply to a message gets that message's provider (data.outbox.add).
ALTER TABLE outbox ADD COLUMN route TEXT;
-- Set while the phone may still send this row (our request reached it, or may have): until
-- then nothing else may send it. NULL: the phone has no live copy.
ALTER TABLE outbox ADD COLUMN relay_expires_at TEXT;

ALTER TABLE staff_users ADD COLUMN phone TEXT;       -- +E164: relay alerts by SMS/WhatsApp

CREATE TABLE relay_devices (
    device_id TEXT PRIMARY KEY,             -- the app's deviceId
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,             -- any webhook, or an answer to our request
    last_event TEXT,
    battery INTEGER,                        -- percent, from system:ping
    charging INTEGER,                       -- the app's battery:charging flags
    network TEXT,                           -- wifi | cellular-4g | ... from system:ping
    health TEXT,                            -- the app's own pass | warn | fail
    unreachable_at TEXT,                    -- our request could not connect (cleared by news)
    state TEXT NOT NULL DEFAULT 'ok',       -- ok | silent (staff were told)
    silent_since TEXT,                      -- last heard before it went silent
    replay_from TEXT                        -- back from silence: replay its inbox from here
);
"""


def up(db):
    execute_script(db, SCHEMA)
