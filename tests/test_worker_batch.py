"""A batch of captured messages in the worker: one that fails leaves the others processed and
itself untouched (retried later); tickets it makes enter the search index."""

from __future__ import annotations

from handlers import inbound
from parsers import search
from tests.test_pipeline import PATH, sms


def captured(db) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM messages ORDER BY id")]


def test_a_failing_message_leaves_the_rest_of_the_batch_processed(signed_post, db, settings):
    texts = ["jln rusak dkt pasar girian", "tabung gas meledak di dapur umum madidir",
             "lampu jalan mati di aertembaga"]
    for n, text in enumerate(texts):
        assert signed_post(PATH, sms(text, f"+62812555000{n}")).status_code == 200
    # a real refusal by SQLite, in the middle of the second message's work
    db.execute("CREATE TRIGGER refuse_meledak BEFORE INSERT ON aspirations "
               "WHEN new.text LIKE '%meledak%' BEGIN SELECT RAISE(ABORT, 'ditolak'); END")
    ids = captured(db)

    assert inbound.process_batch(db, settings, ids) == 2

    rows = {r["id"]: r for r in db.query("SELECT id, status, attempts, error FROM messages")}
    assert [rows[i]["status"] for i in ids] == ["processed", "captured", "processed"]
    assert rows[ids[1]]["attempts"] == 1 and "ditolak" in rows[ids[1]]["error"]
    assert db.execute("SELECT count(*) FROM aspirations").fetchone()[0] == 2
    # nothing of the failed message's own work stayed: no contact, no reply, no link
    senders = [r[0] for r in db.execute("SELECT address FROM contacts ORDER BY address")]
    assert senders == ["+628125550000", "+628125550002"]
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM message_links WHERE message_id = ?",
                      [ids[1]]).fetchone()[0] == 0

    db.execute("DROP TRIGGER refuse_meledak")  # the next attempt goes through
    assert inbound.process_batch(db, settings, ids) == 1
    assert db.execute("SELECT count(*) FROM aspirations").fetchone()[0] == 3


def test_the_workers_tickets_are_in_the_search_index(signed_post, db, settings):
    for n, text in enumerate(["banjer di lorong pasar girian", "jln rusak dkt sekolah"]):
        signed_post(PATH, sms(text, f"+62812555100{n}"))
    inbound.process_batch(db, settings, captured(db))
    tickets = {r["ticket"]: r["id"] for r in db.query("SELECT id, ticket FROM aspirations")}
    assert len(tickets) == 2
    for ticket, row_id in tickets.items():
        assert db.execute("SELECT rowid FROM aspirations_fts WHERE aspirations_fts MATCH ?",
                          [search.fts_expression(ticket)]).fetchall() == [(row_id,)]
    banjir = db.execute("SELECT a.text FROM aspirations_fts f JOIN aspirations a ON a.id = "
                        "f.rowid WHERE aspirations_fts MATCH ?",
                        [search.fts_expression("banjir")]).fetchall()
    assert banjir == [("banjer di lorong pasar girian",)]


def test_a_second_create_for_a_message_returns_the_first_row(signed_post, db):
    import parsers
    from data import aspirations, contacts, messages

    signed_post(PATH, sms("jln rusak dkt pasar girian", "+628125552000"))
    message = messages.get(db, captured(db)[0])
    contact = contacts.touch(db, message["address"], message["channel"])
    first = aspirations.create(db, message, contact["id"], parsers.parse(message["body"]))
    again = aspirations.create(db, message, contact["id"], parsers.parse("lampu mati"), "lain")
    assert again == first and first["status"] == "baru" and first["text"] == message["body"]
    assert db.execute("SELECT count(*) FROM aspirations_fts WHERE aspirations_fts MATCH ?",
                      [search.fts_expression(first["ticket"])]).fetchone()[0] == 1
