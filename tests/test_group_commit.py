"""Group commit: many threads capturing at once share transactions, and nothing is lost."""

from __future__ import annotations

import threading

from data import messages
from data.db import connect
from gateway.twilio_payload import inbound_record


def test_concurrent_captures_all_land_once(settings, db):
    sids = [f"SM{n:032x}" for n in range(200)]
    errors = []

    def post(sid_list):
        own = connect(settings.db_path, durable=True)  # each thread has its own connection
        try:
            for sid in sid_list:
                items = [("MessageSid", sid), ("From", "+6281234567890"), ("Body", sid)]
                messages.capture(own, inbound_record(items))
                messages.capture(own, inbound_record(items))  # a Twilio retry
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(sids[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = db.execute("SELECT provider_sid, body FROM messages ORDER BY provider_sid").fetchall()
    assert [r[0] for r in rows] == sorted(sids)
    assert all(sid == body for sid, body in rows)


def test_a_failed_batch_raises_for_its_callers_and_later_ones_work(settings, db):
    from data.group_commit import GroupCommit

    group = GroupCommit()

    def boom(database):
        raise ValueError("disk on fire")

    try:
        group.run(db, boom)
    except ValueError as exc:
        assert "disk on fire" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("the error was swallowed")
    assert group.run(db, lambda database: database.execute("SELECT 41 + 1").fetchone()[0]) == 42
    assert not group.leading and group.waiting == []
