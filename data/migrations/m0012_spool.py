"""The spool: how far the worker has imported each spool file (one per day)."""


def up(db):
    db.execute("""
        CREATE TABLE spool_progress (
            file TEXT PRIMARY KEY,              -- file name inside the spool folder
            offset INTEGER NOT NULL DEFAULT 0,  -- bytes imported (whole lines only)
            lines INTEGER NOT NULL DEFAULT 0,
            bad INTEGER NOT NULL DEFAULT 0,     -- lines that could not be read (logged)
            updated_at TEXT NOT NULL
        )""")
