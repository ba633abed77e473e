"""Media kept locally: one row per photo/voice note/video/PDF of an inbound message.

The worker downloads each item into instance/media (handlers.media); the provider's URL is
kept as it came. Staff pages serve the stored copy, so no internet (and no Twilio login) is
needed to look at a photo.
"""

from data.db import execute_script

SCHEMA = """
CREATE TABLE media_items (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,              -- MediaUrl<N>
    url TEXT NOT NULL,                      -- the provider's original URL, kept
    declared_type TEXT,                     -- the content type the webhook announced
    content_type TEXT,                      -- what was downloaded (allow-listed)
    status TEXT NOT NULL DEFAULT 'pending', -- pending | stored | refused | failed
    path TEXT,                              -- under instance/media/
    thumb_path TEXT,                        -- a small JPEG for images
    size INTEGER,
    sha256 TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL,
    stored_at TEXT,
    UNIQUE (message_id, position)
);
CREATE INDEX media_items_due ON media_items (status, next_attempt_at);
"""


def up(db):
    execute_script(db, SCHEMA)
