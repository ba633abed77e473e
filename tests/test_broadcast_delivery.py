"""Fan-out: one message per recipient (a killed worker: tests/test_faults.py), opt-out at send time,
WhatsApp window and 63016 fallback, 10,000 recipients through the Twilio stub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data import broadcasts, contacts
from data.db import transaction
from handlers import queue
from tests.test_broadcast_sms import GIRIAN, seed

BODY = "[Lurah Girian Bawah] Musrenbang Senin 1/12 jam 09.00"


def confirmed_broadcast(db, target: dict, body: str = BODY) -> int:
    """A staff-style broadcast, confirmed (what the web confirm step leaves behind)."""
    with transaction(db):
        b = broadcasts.create(db, origin="web", created_by="admin", text=body, body=body,
                              target=target, recipients=0, segments=1)
        assert broadcasts.confirm(db, b["id"])
    return b["id"]


def send(db, redis_conn, run_worker, target: dict, timeout: float = 30) -> int:
    broadcast_id = confirmed_broadcast(db, target)
    assert queue.wake(redis_conn, "broadcast", broadcast_id)
    run_worker(timeout)
    return broadcast_id


def rows_of(db, broadcast_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM outbox WHERE broadcast_id = ? ORDER BY id",
                         [broadcast_id]))


def test_opt_out_after_planning_is_honoured_at_send_time(db, redis_conn, run_worker,
                                                         twilio_stub):
    numbers = seed(db, GIRIAN, 4, 1)
    broadcast_id = confirmed_broadcast(db, {"kelurahan": [GIRIAN]})
    assert broadcasts.plan(db, broadcast_id) == 4
    with transaction(db):  # texts STOP while the broadcast is on its way
        contacts.set_opt_out(db, contacts.by_address(db, numbers[0])["id"], True, "sms")
    queue.wake(redis_conn, "broadcast", broadcast_id)
    run_worker()
    assert sorted(f["To"] for f in twilio_stub.creates()) == numbers[1:]
    statuses = {r["to_address"]: r["status"] for r in rows_of(db, broadcast_id)}
    assert statuses[numbers[0]] == "canceled"
    assert broadcasts.get(db, broadcast_id)["state"] == "done"


def test_21610_opts_the_recipient_out_and_later_broadcasts_skip_them(db, redis_conn,
                                                                    run_worker, twilio_stub):
    [number] = seed(db, GIRIAN, 1, 1)
    twilio_stub.push("21610")
    first = send(db, redis_conn, run_worker, {"kelurahan": [GIRIAN]})
    assert rows_of(db, first)[0]["status"] == "failed"
    assert contacts.by_address(db, number)["opted_out"] == 1
    second = send(db, redis_conn, run_worker, {"kelurahan": [GIRIAN]})
    assert rows_of(db, second) == []
    assert len(twilio_stub.creates()) == 1


def test_whatsapp_only_inside_the_24_hour_window(db, redis_conn, run_worker, twilio_stub):
    fresh, stale, sms = seed(db, GIRIAN, 3, 1)
    old = (datetime.now(UTC) - timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with transaction(db):
        contacts.touch(db, fresh, "whatsapp")
        contacts.touch(db, stale, "whatsapp", when=old)  # window closed: SMS at once
    broadcast_id = send(db, redis_conn, run_worker, {"kelurahan": [GIRIAN]})
    channels = {r["to_address"]: r["channel"] for r in rows_of(db, broadcast_id)}
    assert channels == {f"whatsapp:{fresh}": "whatsapp", stale: "sms", sms: "sms"}
    assert sorted(f["To"] for f in twilio_stub.creates()) == sorted(channels)


def test_63016_on_whatsapp_falls_back_to_one_sms(db, redis_conn, run_worker, twilio_stub):
    [number] = seed(db, GIRIAN, 1, 1)
    with transaction(db):
        contacts.touch(db, number, "whatsapp")
    twilio_stub.push("63016")
    broadcast_id = send(db, redis_conn, run_worker, {"kelurahan": [GIRIAN]})
    contact = contacts.by_address(db, number)["id"]
    rows = {r["dedupe_key"]: r for r in rows_of(db, broadcast_id)}
    assert rows[f"bc:{broadcast_id}:{contact}"]["status"] == "failed"
    assert rows[f"bc:{broadcast_id}:{contact}"]["error_code"] == "63016"
    assert rows[f"bc:{broadcast_id}:{contact}:sms"]["status"] == "sent"
    assert [f["To"] for f in twilio_stub.creates()] == [f"whatsapp:{number}", number]
    assert [m["to"] for m in twilio_stub.messages] == [number]
    assert broadcasts.get(db, broadcast_id)["recipients"] == 1


def test_targets_by_kecamatan_and_role_never_everyone_by_default(db):
    seed(db, GIRIAN, 2, 1)
    with transaction(db):
        contacts.upsert_many(db, [
            {"address": "+6281399999991", "kelurahan": "Madidir Ure", "kecamatan": "Madidir",
             "role": "staf"},
            {"address": "+6281399999992", "kelurahan": "Madidir Ure", "kecamatan": "Madidir"}])
    assert broadcasts.count_recipients(db, {}) == 0
    assert broadcasts.count_recipients(db, {"all": True}) == 4
    assert broadcasts.count_recipients(db, {"kecamatan": ["Madidir"]}) == 2
    assert broadcasts.count_recipients(db, {"all": True, "role": ["staf"]}) == 1
    assert broadcasts.count_recipients(
        db, {"kelurahan": [GIRIAN], "kecamatan": ["Madidir"], "role": ["warga"]}) == 3


@pytest.mark.slow
def test_ten_thousand_recipients_each_get_exactly_one(db, redis_conn, run_worker,
                                                      twilio_stub):
    numbers = seed(db, GIRIAN, 10_050, 1)
    with transaction(db):
        marks = ",".join("?" for _ in numbers[:50])
        db.execute(f"UPDATE contacts SET opted_out = 1 WHERE address IN ({marks})", numbers[:50])
    broadcast_id = send(db, redis_conn, run_worker, {"kelurahan": [GIRIAN]}, timeout=600)
    tos = [f["To"] for f in twilio_stub.creates()]
    assert len(tos) == len(set(tos)) == 10_000
    assert not set(tos) & set(numbers[:50])
    assert broadcasts.get(db, broadcast_id)["recipients"] == 10_000
    assert broadcasts.progress(db, broadcast_id) == {"sent": 10_000, "total": 10_000}
