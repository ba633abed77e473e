"""Retention (UU PDP 27/2022): when a closed ticket's personal data was removed or masked."""

from data.db import execute_script

SCHEMA = """
ALTER TABLE aspirations ADD COLUMN redacted_at TEXT;
ALTER TABLE messages ADD COLUMN redacted_at TEXT;
CREATE INDEX aspirations_closed ON aspirations (status, updated_at) WHERE redacted_at IS NULL;
CREATE INDEX messages_received ON messages (received_at) WHERE redacted_at IS NULL;
"""


def up(db):
    execute_script(db, SCHEMA)
