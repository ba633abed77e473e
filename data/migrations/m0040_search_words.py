"""Spelling-proof search: the parser's normalised, stemmed words indexed beside the raw text.

`aspirations.words` holds parsers.search.index_words(text) ("jln rusak" → "jalan rusak"); the
FTS5 index covers text, ticket, kelurahan and words. Its triggers fire only when one of those
columns changes, so a status change or an assignment does not rewrite the index.
"""

from data.db import execute_script
from parsers.search import index_words

SCHEMA = """
DROP TRIGGER IF EXISTS aspirations_ai;
DROP TRIGGER IF EXISTS aspirations_ad;
DROP TRIGGER IF EXISTS aspirations_au;
DROP TABLE IF EXISTS aspirations_fts;
ALTER TABLE aspirations ADD COLUMN words TEXT NOT NULL DEFAULT '';
"""
# Created after the backfill: an external-content index must never be told to delete a row
# it was not given (that corrupts it), so it is filled once, by 'rebuild', at the end.
INDEX = """
CREATE VIRTUAL TABLE aspirations_fts USING fts5(
    text, ticket, kelurahan, words,
    tokenize = 'unicode61 remove_diacritics 2', content = 'aspirations', content_rowid = 'id'
);
CREATE TRIGGER aspirations_fts_insert AFTER INSERT ON aspirations BEGIN
  INSERT INTO aspirations_fts (rowid, text, ticket, kelurahan, words)
  VALUES (new.id, new.text, new.ticket, new.kelurahan, new.words);
END;
CREATE TRIGGER aspirations_fts_delete AFTER DELETE ON aspirations BEGIN
  INSERT INTO aspirations_fts (aspirations_fts, rowid, text, ticket, kelurahan, words)
  VALUES ('delete', old.id, old.text, old.ticket, old.kelurahan, old.words);
END;
CREATE TRIGGER aspirations_fts_update AFTER UPDATE OF text, ticket, kelurahan, words
ON aspirations BEGIN
  INSERT INTO aspirations_fts (aspirations_fts, rowid, text, ticket, kelurahan, words)
  VALUES ('delete', old.id, old.text, old.ticket, old.kelurahan, old.words);
  INSERT INTO aspirations_fts (rowid, text, ticket, kelurahan, words)
  VALUES (new.id, new.text, new.ticket, new.kelurahan, new.words);
END;
"""


def up(db):
    execute_script(db, SCHEMA)
    rows = db.execute("SELECT id, text FROM aspirations").fetchall()
    db.conn.executemany("UPDATE aspirations SET words = ? WHERE id = ?",
                        [(index_words(text), row_id) for row_id, text in rows])
    execute_script(db, INDEX)
    db.execute("INSERT INTO aspirations_fts (aspirations_fts) VALUES ('rebuild')")
