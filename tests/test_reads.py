"""data.reads: the worker's plain SELECTs give the rows sqlite-utils' query() gives."""

from data import reads


def test_rows_match_query_with_duplicate_column_names(db):
    db.execute("CREATE TABLE t_a (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("CREATE TABLE t_b (id INTEGER PRIMARY KEY, a_id INTEGER, name TEXT)")
    db.execute("INSERT INTO t_a VALUES (1, 'Girian'), (2, 'Madidir')")
    db.execute("INSERT INTO t_b VALUES (7, 1, 'jalan'), (8, 2, 'lampu')")
    sql = "SELECT a.*, b.* FROM t_a a JOIN t_b b ON b.a_id = a.id WHERE a.id >= ? ORDER BY a.id"
    expected = list(db.query(sql, [1]))
    assert reads.rows(db, sql, [1]) == expected
    assert expected[0]["id_2"] == 7  # the second "id" renamed, not lost
    assert reads.first(db, sql, [2]) == expected[1]


def test_first_is_none_without_rows(db):
    assert reads.first(db, "SELECT * FROM contacts WHERE address = ?", ["+6281200000000"]) is None
    assert reads.rows(db, "SELECT * FROM contacts WHERE id = ?", [1]) == []


def test_touch_gives_the_contact_as_it_stands_after_the_upsert(db):
    from data import contacts

    first = contacts.touch(db, "+6281200000001", "whatsapp", "2026-11-30T01:00:00.000000Z")
    assert first == contacts.by_address(db, "+6281200000001")
    assert first["whatsapp_last_inbound_at"] == "2026-11-30T01:00:00.000000Z"
    older = contacts.touch(db, "+6281200000001", "sms", "2026-11-29T01:00:00.000000Z")
    assert older["id"] == first["id"] and older["channel"] == "sms"
    assert older["last_seen"] == "2026-11-30T01:00:00.000000Z"  # never moves back
    assert older["whatsapp_last_inbound_at"] == "2026-11-30T01:00:00.000000Z"
    assert older == contacts.get(db, first["id"])
