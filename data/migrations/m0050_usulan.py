"""Usulan: similar needs of one kelurahan and category gathered into one proposal for the
Musrenbang, its members (the tickets), its supporters (distinct senders: by a similar message
or by DUKUNG), and what its supporters were told (each outcome once)."""

from data.db import execute_script

SCHEMA = """
CREATE TABLE usulan (
    id INTEGER PRIMARY KEY,                 -- the code citizens type: U-0123
    cycle INTEGER NOT NULL,                 -- the Musrenbang cycle (year tag)
    kelurahan TEXT NOT NULL,
    kecamatan TEXT,
    category TEXT NOT NULL,
    terms TEXT NOT NULL DEFAULT '',         -- signature of the founding need (parsers.similar)
    title TEXT NOT NULL,                    -- judul usulan: the first need's words until staff
                                            -- write one
    location TEXT,                          -- lokasi (jalan, RT/RW, patokan)
    volume REAL,
    unit TEXT,                              -- satuan: m, unit, paket...
    cost INTEGER,                           -- perkiraan biaya, rupiah
    opd TEXT,                               -- OPD pelaksana (forwarded to it: status diteruskan)
    priority INTEGER,                       -- prioritas staf: 1 paling mendesak .. 5; NULL = 3
    status TEXT NOT NULL DEFAULT 'terbuka', -- terbuka | kecamatan | diteruskan | selesai
                                            -- | ditolak | digabung
    merged_into INTEGER REFERENCES usulan(id),
    note TEXT,                              -- why rejected, or the note it was finished with
    supporters INTEGER NOT NULL DEFAULT 0,  -- distinct senders, kept by data.usulan.recount
    members INTEGER NOT NULL DEFAULT 0,     -- tickets in it
    unconfirmed INTEGER NOT NULL DEFAULT 0, -- tickets the machine put there, not yet confirmed
    confirmed_by TEXT,
    confirmed_at TEXT,
    forwarded_at TEXT,                      -- the OPD's deadline counts from here
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Finding the usulan a new need may join: the bucket's rows and their terms from the index.
CREATE INDEX usulan_match ON usulan (kelurahan, category, cycle, status, terms);
CREATE INDEX usulan_kecamatan ON usulan (cycle, kecamatan, status);
CREATE INDEX usulan_opd ON usulan (opd, status) WHERE opd IS NOT NULL;

-- One usulan per ticket (a need); questions are never members.
CREATE TABLE usulan_members (
    aspiration_id INTEGER PRIMARY KEY REFERENCES aspirations(id),
    usulan_id INTEGER NOT NULL REFERENCES usulan(id),
    how TEXT NOT NULL,                      -- pendiri (its first need) | mirip (joined as a
                                            -- similar need) | staf (put there by staff)
    score REAL,                             -- similarity when it joined by itself
    confirmed INTEGER NOT NULL DEFAULT 0,   -- staff confirmed it belongs here
    joined_at TEXT NOT NULL
);
CREATE INDEX usulan_members_usulan ON usulan_members (usulan_id, confirmed);

-- Distinct supporters: a second message or a second DUKUNG from the same sender adds nothing.
CREATE TABLE usulan_supporters (
    usulan_id INTEGER NOT NULL REFERENCES usulan(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    via TEXT NOT NULL,                      -- pesan (a need of theirs is a member) | dukung
    message_id INTEGER REFERENCES messages(id),
    at TEXT NOT NULL,
    PRIMARY KEY (usulan_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX usulan_supporters_contact ON usulan_supporters (contact_id);

-- What supporters were told, once per usulan and outcome (the SMS go out as a broadcast).
CREATE TABLE usulan_outcomes (
    usulan_id INTEGER NOT NULL REFERENCES usulan(id),
    outcome TEXT NOT NULL,                  -- kecamatan | selesai | jawaban:<answer id>
    broadcast_id INTEGER REFERENCES broadcasts(id),
    at TEXT NOT NULL,
    PRIMARY KEY (usulan_id, outcome)
);

CREATE INDEX audit_target ON audit_log (target, id);
"""


def up(db):
    execute_script(db, SCHEMA)
