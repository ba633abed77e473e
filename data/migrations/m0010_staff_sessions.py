"""Revocable sessions (a per-user version) and login throttling by (username, client address).

The old per-username lock let anyone lock any account with five wrong passwords; its table
goes. One row per (username, address), and one per address ('*') across every username.
"""

from data.db import execute_script

SCHEMA = """
ALTER TABLE staff_users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 1;
DROP TABLE IF EXISTS login_attempts;
CREATE TABLE login_throttle (
    username TEXT NOT NULL COLLATE NOCASE,  -- '*' counts every username from the address
    address TEXT NOT NULL,                  -- the client address (behind trusted proxies)
    known INTEGER NOT NULL DEFAULT 1,       -- 0: no such account (rows capped, oldest go)
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure_at TEXT NOT NULL,
    blocked_until TEXT,                     -- no password is checked before this
    PRIMARY KEY (username, address)
);
CREATE INDEX login_throttle_age ON login_throttle (last_failure_at);
CREATE INDEX login_throttle_unknown ON login_throttle (known, last_failure_at);
"""


def up(db):
    execute_script(db, SCHEMA)
