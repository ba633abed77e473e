"""POST /webhooks/smsgate: signed as the phone signs, normalised at the edge, one SMS once."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import clock
from tests.fake_phone import DEVICE_ID, NUMBER, SIGNING_KEY, local_time, signature

PATH = "/webhooks/smsgate"


def event(payload: dict, name: str = "sms:received", event_id: str = "Ey6ECgOkVVFjz3CL48B8C",
          device: str = DEVICE_ID) -> bytes:
    """A webhook body as docs/features/webhooks.md ("Step 5") shows it."""
    return json.dumps({"deviceId": device, "event": name, "id": event_id,
                       "payload": payload, "webhookId": "LreFUt-Z3sSq0JufY9uWB"}).encode()


def sms(text: str = "jln rusak dkt pasar girian", sender: str = "+6281234567890",
        received: str = "2026-11-30T15:46:11.000+08:00", **extra) -> dict:
    return {"messageId": "abc123", "message": text, "sender": sender, "recipient": NUMBER,
            "phoneNumber": sender, "simNumber": 1, "receivedAt": received, **extra}


def post(client, body: bytes, key: str = SIGNING_KEY, stamp: str | None = None,
         sign: str | None = None, headers: dict | None = None, offset: int = 0):
    stamp = str(int(time.time()) + offset) if stamp is None else stamp
    all_headers = {"Content-Type": "application/json", "X-Timestamp": stamp,
                   "X-Signature": signature(key, body, stamp) if sign is None else sign}
    all_headers.update(headers or {})
    return client.post(PATH, data=body, headers={k: v for k, v in all_headers.items() if v})


def stored(db):
    return list(db.query("SELECT * FROM messages ORDER BY id"))


def test_a_signed_sms_is_stored_as_an_sms_from_the_relay(client, db):
    body = event(sms())
    response = post(client, body)
    assert response.status_code == 200 and response.json["status"] == "captured"
    (row,) = stored(db)
    assert (row["provider"], row["channel"], row["relay_device"]) == ("smsgate", "sms", DEVICE_ID)
    assert row["address"] == "+6281234567890" and row["body"] == "jln rusak dkt pasar girian"
    assert row["received_at"] == "2026-11-30T07:46:11.000000Z"  # 15:46 WITA is 07:46 UTC
    assert row["raw"] == body.decode() and row["recipient"] == NUMBER
    assert row["status"] == "captured"


@pytest.mark.parametrize("received, utc", [
    ("2026-11-30T15:46:11.000+08:00", "2026-11-30T07:46:11.000000Z"),
    ("2026-12-01T00:30:00+08:00", "2026-11-30T16:30:00.000000Z"),   # yesterday in UTC
    ("2026-11-30T14:46:11.123+07:00", "2026-11-30T07:46:11.123000Z"),  # a phone set to WIB
    ("2026-11-30T07:46:11Z", "2026-11-30T07:46:11.000000Z"),
    ("2026-11-30T15:46:11", "2026-11-30T07:46:11.000000Z"),          # no offset: WITA
])
def test_received_at_is_stored_in_utc(client, db, received, utc):
    assert post(client, event(sms(received=received))).status_code == 200
    assert stored(db)[0]["received_at"] == utc


@pytest.mark.parametrize("fields", [
    {"sender": "081234567890", "phoneNumber": "081234567890"},
    {"sender": "+62 812-3456-7890"},
    {"sender": "6281234567890"},
    {"sender": None, "phoneNumber": "+6281234567890"},  # before the 2026-02 payload change
])
def test_every_spelling_of_the_sender_is_one_contact_address(client, db, fields):
    payload = {k: v for k, v in {**sms(), **fields}.items() if v is not None}
    assert post(client, event(payload)).status_code == 200
    assert stored(db)[0]["address"] == "+6281234567890"


def test_five_deliveries_with_new_event_ids_are_one_message(client, db):
    answers = [post(client, event(sms(), event_id=f"event-{n}")) for n in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json["status"] for a in answers] == ["captured"] + ["duplicate"] * 4
    assert len(stored(db)) == 1 and len({a.json["message"] for a in answers}) == 1


@pytest.mark.parametrize("minutes, messages", [(9, 1), (-9, 1), (11, 2), (60, 2)])
def test_the_same_text_is_one_message_within_ten_minutes(client, db, minutes, messages):
    first = datetime(2026, 11, 30, 7, 46, tzinfo=UTC)
    post(client, event(sms(received=local_time(first))))
    post(client, event(sms(received=local_time(first + timedelta(minutes=minutes)))))
    assert len(stored(db)) == messages


def test_another_sender_or_another_text_is_another_message(client, db):
    post(client, event(sms()))
    post(client, event(sms(sender="+6281234567891")))
    post(client, event(sms(text="lampu jalan mati")))
    assert len(stored(db)) == 3


def test_concurrent_duplicates_make_one_message(live_server, db, phone):
    body = event(sms())
    statuses = []
    threads = [threading.Thread(target=lambda: statuses.append(
        phone.deliver(live_server.url + PATH, body))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    assert len(stored(db)) == 1


@pytest.mark.parametrize("change", [
    {"sign": "0" * 64},                        # wrong signature
    {"sign": ""},                              # missing X-Signature
    {"stamp": ""},                             # missing X-Timestamp
    {"key": "another-key"},                    # signed with another key
    {"offset": -301},                          # stale
    {"offset": 301},                           # from the future
    {"stamp": "soon"},
    {"sign": "ünïcode"},
])
def test_a_request_not_signed_by_the_phone_is_refused_and_nothing_is_stored(client, db, change):
    response = post(client, event(sms()), **change)
    assert response.status_code == 401
    assert stored(db) == []


def test_the_signature_covers_the_timestamp(client, db):
    body = event(sms())
    old = str(int(time.time()) - 10)
    response = post(client, body, stamp=str(int(time.time())), sign=signature(SIGNING_KEY, body, old))
    assert response.status_code == 401 and stored(db) == []


@pytest.mark.parametrize("body, reason", [
    (b"not json", "JSON"),
    (b"\xff\xfe{}", "JSON"),
    (b"[1, 2]", "object"),
    (b"[" * 5000 + b"]" * 5000, "JSON"),
    (event(sms())[:-30], "JSON"),
    (json.dumps({"deviceId": DEVICE_ID, "event": "sms:received", "id": "x"}).encode(), "payload"),
    (event(sms(), device=""), "deviceId"),
    (event({"message": "halo", "receivedAt": "2026-11-30T15:46:11+08:00"}), "sender"),
    (event({**sms(), "message": None}), "message"),
    (event(sms(received="kemarin sore")), "receivedAt"),
    (event(sms(received="0001-01-01T00:00:00+08:00")), "receivedAt"),
    (event({"messageId": 5}, name="sms:delivered"), "messageId"),
])
def test_a_body_that_is_not_the_documented_json_is_400(client, db, body, reason):
    response = post(client, body)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert stored(db) == []


def test_a_body_over_64_kb_is_413(client, db, live_server):
    import http.client

    body = event(sms(text="a" * 70_000))
    assert post(client, body).status_code == 413
    stamp = str(int(time.time()))
    conn = http.client.HTTPConnection(live_server.url.split("//")[1], timeout=10)
    conn.request("POST", PATH, body=iter([body[:40_000], body[40_000:]]), encode_chunked=True,
                 headers={"Content-Type": "application/json", "X-Timestamp": stamp,
                          "X-Signature": signature(SIGNING_KEY, body, stamp)})
    assert conn.getresponse().status == 413  # no Content-Length: counted as it comes
    conn.close()
    assert stored(db) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.sampled_from(["messageId", "message", "sender", "phoneNumber",
                                                 "receivedAt", "recipient", "health", "reason"]),
                               st.one_of(st.none(), st.integers(), st.floats(), st.text(),
                                         st.lists(st.integers()), st.dictionaries(
                                             st.text(), st.integers()))),
       name=st.sampled_from(["sms:received", "sms:sent", "sms:delivered", "sms:failed",
                             "system:ping", "app:started", "mms:received", "x"]))
def test_no_signed_body_makes_a_5xx(client, payload, name):
    assert post(client, event(payload, name=name)).status_code in (200, 400)


def test_a_ping_records_battery_and_network(client, db, phone):
    from data import relay_devices

    phone.ping(battery=17)
    assert relay_devices.get(db, DEVICE_ID) is None  # it posts to registered webhooks only
    health = {"checks": {"battery:level": {"observedValue": 17},
                         "connection:transport": {"observedValue": 2},
                         "connection:cellular": {"observedValue": 4}}, "status": "warn"}
    assert post(client, event({"health": health}, name="system:ping")).status_code == 200
    device = relay_devices.get(db, DEVICE_ID)
    assert (device["battery"], device["network"], device["health"]) == (17, "cellular-4g", "warn")
    assert device["last_event"] == "system:ping" and device["last_seen_at"] <= clock.utcnow()


def test_other_events_are_acknowledged_and_ignored(client, db):
    response = post(client, event({"simCards": []}, name="app:started"))
    assert response.status_code == 200 and response.json["status"] == "ignored"
    assert stored(db) == []


def test_the_relay_is_off_without_a_signing_key(client, db, monkeypatch, app):
    from handlers.settings import load_settings

    monkeypatch.delenv("SMSGATE_SIGNING_KEY")
    for name in ("SMSGATE_URL", "SMSGATE_USERNAME", "SMSGATE_PASSWORD"):
        monkeypatch.delenv(name)
    app.config["SETTINGS"] = load_settings()
    assert post(client, event(sms())).status_code == 404
    assert stored(db) == []


@pytest.mark.relay_env(ASPIRASI_CAPTURE_TIMEOUT_SECONDS="0.2")
def test_sqlite_locked_means_the_spool_and_still_one_message(client, db, settings, run_worker,
                                                             phone):
    """A lock held on the file: each delivery is spooled (200 at once), and the import keeps
    the content dedup: the phone's five deliveries are one message and one ack."""
    import sqlite3

    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        answers = [post(client, event(sms(), event_id=f"event-{n}")) for n in range(5)]
        report = post(client, event({"messageId": "1", "recipient": NUMBER,
                                     "deliveredAt": local_time()}, name="sms:delivered"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [(a.status_code, a.json["status"]) for a in answers] == [(200, "spooled")] * 5
    assert report.status_code == 503  # a report is not spooled: the phone sends it again
    run_worker()
    assert len(stored(db)) == 1 and stored(db)[0]["status"] == "processed"
    assert len(phone.messages) == 1  # one ack, through the phone
