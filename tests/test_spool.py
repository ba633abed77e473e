"""The spool: what SQLite could not take in time is fsynced to a file a day and imported once."""

from __future__ import annotations

import json
import os
import sqlite3

from data import spool
from data.messages import InboundRecord
from gateway.twilio_payload import inbound_record
from handlers.spool import import_spool


def record(n: int) -> InboundRecord:
    return inbound_record([("MessageSid", f"SM{n:032x}"), ("From", "+6281234567890"),
                           ("Body", f"jalan rusak {n}")])


def test_an_entry_round_trips_with_its_arrival_time(tmp_path):
    original = record(1)
    name = spool.append(str(tmp_path), "inbound", original.to_dict())
    [(entry, end)] = spool.read_from(str(tmp_path), name, 0)
    again = InboundRecord.from_dict(entry["data"])
    assert again.external_id == original.external_id and again.raw == original.raw
    assert again.received_at and end == os.path.getsize(tmp_path / name)


def test_import_is_once_even_when_a_line_is_spooled_and_captured(db, settings):
    folder = settings.effective_spool_dir
    from data import messages

    messages.capture(db, record(1))  # the late write landed as well
    for n in (1, 2, 3):
        spool.append(folder, "inbound", record(n).to_dict())
    assert import_spool(db, settings) == 3
    assert import_spool(db, settings) == 0  # progress kept with the rows
    bodies = [r[0] for r in db.execute("SELECT body FROM messages ORDER BY body")]
    assert bodies == ["jalan rusak 1", "jalan rusak 2", "jalan rusak 3"]
    assert spool.pending(db, folder) == {}


def test_a_torn_line_is_skipped_counted_and_does_not_eat_the_next(db, settings):
    folder = settings.effective_spool_dir
    name = spool.append(folder, "inbound", record(1).to_dict())
    with open(os.path.join(folder, name), "ab") as handle:
        handle.write(b'{"kind": "inbound", "data": {"provider": "tw')  # power cut mid-write
    assert import_spool(db, settings) == 1
    assert spool.pending(db, folder)  # an unfinished line waits...
    spool.append(folder, "inbound", record(2).to_dict())  # ...until the next append ends it
    assert import_spool(db, settings) == 1
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 2
    assert spool.unreadable(db) == 1 and spool.pending(db, folder) == {}


def test_old_imported_files_are_deleted(db, settings):
    folder = settings.effective_spool_dir
    os.makedirs(folder)
    old = os.path.join(folder, "2000-01-01.jsonl")
    with open(old, "w") as handle:
        handle.write(json.dumps({"kind": "inbound", "data": record(5).to_dict()}) + "\n")
    assert import_spool(db, settings) == 1
    assert not os.path.exists(old) and spool.files(folder) == []


def test_the_worker_imports_the_spool_and_answers(monkeypatch, env, settings, db, run_worker,
                                                   twilio_stub):
    """A webhook during a lock spools; the worker's reconciler imports and acks it once."""
    monkeypatch.setenv("ASPIRASI_CAPTURE_TIMEOUT_SECONDS", "0.2")
    from gateway import create_app
    from tests.conftest import sign

    client = create_app({"TESTING": True}).test_client()
    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for n in range(3):
            params = {"MessageSid": f"SM{n:032x}", "From": "+6281234567890",
                      "Body": f"lampu mati {n}"}
            response = client.post("/webhooks/twilio", data=params, headers={
                "X-Twilio-Signature": sign("http://localhost/webhooks/twilio", params)})
            assert response.status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert sum(1 for _ in open(os.path.join(settings.effective_spool_dir,
                                            spool.files(settings.effective_spool_dir)[0]))) == 3
    run_worker()
    assert len(twilio_stub.creates()) == 3
    assert db.execute("SELECT count(*) FROM messages WHERE status = 'processed'").fetchone() == (3,)
