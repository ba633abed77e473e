"""Audit log: every staff action and every refused command, for admins to review."""


def up(db):
    db.execute("""
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,        -- staff username, or 'sms:+62…' for a texter
            action TEXT NOT NULL,       -- login, login_failed, view_number, correct, status,
                                        -- reply, export, broadcast, security, ...
            target TEXT,                -- ticket, username, broadcast id, ...
            detail TEXT NOT NULL DEFAULT '{}'  -- JSON
        )""")
    db.execute("CREATE INDEX audit_at ON audit_log (at)")
    db.execute("CREATE INDEX audit_action ON audit_log (action, at)")
