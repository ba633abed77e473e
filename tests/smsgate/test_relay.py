"""The relay phone end to end: SMS in by webhook, answers out through the phone, delivery
reports, Twilio when the phone is away, and never a message sent twice."""

from __future__ import annotations

import pytest

from data import channels, clock, outbox
from data.db import transaction
from handlers.worker import run

CITIZEN = "+6281234567890"
NO_SERVICE = "RESULT_ERROR_NO_SERVICE (Failed because service is currently unavailable)"
FDN = "RESULT_ERROR_FDN_CHECK_FAILURE (Failed because FDN is enabled)"


def rows(db):
    return list(db.query("SELECT * FROM outbox ORDER BY id"))


def queue_row(db, body: str, key: str = "staff:1", to: str = CITIZEN, route=None) -> int:
    """An outbound SMS as a staff reply or a broadcast row is queued (no route of its own)."""
    with transaction(db):
        return outbox.add(db, key, "staff", "sms", to, body, route=route)[0]


def test_an_sms_through_the_phone_is_answered_through_the_phone(relay_url, phone, run_worker,
                                                                db, twilio_stub):
    assert phone.receive_sms(CITIZEN, "jln rusak dkt pasar girian, tlg diperbaiki") == [200]
    run_worker()
    ticket = db.execute("SELECT ticket FROM aspirations").fetchone()[0]
    (asked,) = phone.messages.values()
    assert asked["phoneNumbers"] == [CITIZEN] and ticket in asked["text"]
    assert asked["withDeliveryReport"] is True and asked["ttl"] == 3600
    assert twilio_stub.creates() == []
    (row,) = rows(db)
    assert (row["route"], row["transport"], row["status"]) == ("smsgate", "smsgate", "sent")
    assert row["provider_sid"] == asked["id"] == str(row["id"])  # our outbox id at the phone
    phone.process()
    assert [s["to"] for s in phone.sent] == [CITIZEN]
    assert rows(db)[0]["status"] == "delivered"


def test_the_same_sms_delivered_five_times_is_one_message_and_one_ack(relay_url, phone,
                                                                      run_worker, db):
    phone.receive_sms(CITIZEN, "lampu jalan mati di kel. madidir ure")
    for _ in range(4):  # the app's retries, each with a new event id (capcom6 issues #291, #310)
        assert phone.post_received(phone.inbox[-1]) == [200]
    run_worker()
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM aspirations").fetchone()[0] == 1
    assert len(phone.messages) == 1


def test_delivery_reports_move_the_row_on_one_per_part(relay_url, phone, run_worker, db):
    queue_row(db, "Rapat Musrenbang kelurahan. " * 8)  # 224 characters: two parts
    run_worker()
    phone.process()
    (row,) = rows(db)
    assert row["status"] == "delivered" and row["transport"] == "smsgate"
    events = db.execute("SELECT status, count(*) FROM status_events WHERE provider_sid = ? "
                        "GROUP BY status", [row["provider_sid"]]).fetchall()
    assert dict(events) == {"sent": 1, "delivered": 1}  # two sms:delivered, recorded once
    assert phone.posted.count(("sms:delivered", 200)) == 2


def test_a_transient_failure_at_the_phone_is_retried_under_a_new_id(relay_url, phone,
                                                                   run_worker, db):
    queue_row(db, "Tiket A7K2Q: usulan Anda sudah diverifikasi.")
    run_worker()
    phone.fail_next = NO_SERVICE
    phone.process()  # sms:failed
    (row,) = rows(db)
    assert row["status"] == "queued" and row["error_code"] == "RESULT_ERROR_NO_SERVICE"
    run_worker()
    phone.process()
    assert sorted(phone.messages) == [str(row["id"]), f"{row['id']}-2"]
    assert [s["id"] for s in phone.sent] == [f"{row['id']}-2"]  # sent once
    assert rows(db)[0]["status"] == "delivered" and rows(db)[0]["attempts"] == 2


def test_a_permanent_failure_at_the_phone_fails_the_row(relay_url, phone, run_worker, db):
    queue_row(db, "Tiket A7K2Q: usulan Anda sudah diverifikasi.")
    run_worker()
    phone.fail_next = FDN
    phone.process()
    run_worker()
    (row,) = rows(db)
    assert (row["status"], row["error_code"]) == ("failed", "RESULT_ERROR_FDN_CHECK_FAILURE")
    assert len(phone.messages) == 1 and phone.sent == []


@pytest.mark.relay_env(ASPIRASI_MAX_SEND_ATTEMPTS="2")
def test_transient_failures_stop_after_the_last_attempt(relay_url, phone, run_worker, db):
    queue_row(db, "Undangan rapat")
    for _ in range(2):
        run_worker()
        phone.fail_next = NO_SERVICE
        phone.process()
    (row,) = rows(db)
    assert row["status"] == "failed" and row["attempts"] == 2 and phone.sent == []


def test_the_phone_unreachable_means_twilio_once_and_nothing_twice(relay_url, phone, run_worker,
                                                                  db, twilio_stub):
    phone.receive_sms(CITIZEN, "drainase tersumbat depan SD di Manembo-nembo")
    phone.offline()
    run_worker()
    (create,) = twilio_stub.creates()
    ticket = db.execute("SELECT ticket FROM aspirations").fetchone()[0]
    assert create["To"] == CITIZEN and ticket in create["Body"]
    (row,) = rows(db)
    assert (row["route"], row["transport"], row["status"]) == ("smsgate", "twilio", "sent")
    assert row["relay_expires_at"] is None
    asked = len(phone.requests)
    queue_row(db, "Undangan rapat Senin", key="bc:1:1")  # the phone is not tried again…
    run_worker()
    assert len(twilio_stub.creates()) == 2 and len(phone.requests) == asked
    phone.online()
    phone.ping()  # …until it is heard from
    run_worker()
    phone.process()
    assert phone.sent == [] and phone.messages == {}
    assert len(twilio_stub.creates()) == 2
    queue_row(db, "Rapat dibatalkan", key="bc:2:1")
    run_worker()
    assert len(phone.messages) == 1 and len(twilio_stub.creates()) == 2


@pytest.mark.relay_env(ASPIRASI_SEND_TIMEOUT_SECONDS="0.4")
def test_a_lost_answer_is_looked_up_at_the_phone_not_sent_again(relay_url, phone, run_worker,
                                                                db, twilio_stub):
    phone.mode = "hang"  # it takes the message but answers after our timeout
    phone.hang_seconds = 0.8
    queue_row(db, "Rapat Musrenbang Senin 1 Des jam 09.00")
    run_worker()
    (row,) = rows(db)
    assert row["status"] == "sent" and row["transport"] == "smsgate"
    assert ("GET", f"/message/{row['id']}") in phone.requests
    assert len(phone.messages) == 1 and twilio_stub.creates() == []
    phone.process()
    assert len(phone.sent) == 1


@pytest.mark.relay_env(SMSGATE_TTL_SECONDS="1", ASPIRASI_SEND_TIMEOUT_SECONDS="0.4")
def test_an_unconfirmed_copy_waits_for_its_ttl_then_twilio_sends_once(relay_url, phone, db,
                                                                     settings, twilio_stub):
    phone.mode = "hang"
    phone.hang_seconds = 0.8
    queue_row(db, "Rapat Musrenbang Senin 1 Des jam 09.00")
    run(settings, burst=True)  # the answer is lost
    phone.offline()  # and the phone is gone before we can ask
    with transaction(db):  # the lookup is due (an uncertain row waits its send timeout first)
        db.execute("UPDATE outbox SET next_attempt_at = ?", [clock.later(-1)])
    run(settings, burst=True)
    (row,) = rows(db)
    assert row["status"] == "queued" and row["uncertain"] == 1 and row["relay_expires_at"]
    assert row["next_attempt_at"] >= row["relay_expires_at"][:19]  # waits for the ttl
    assert twilio_stub.creates() == []
    with transaction(db):  # time passes: the phone's copy has expired
        db.execute("UPDATE outbox SET relay_expires_at = ?, next_attempt_at = ?",
                   [clock.later(-1), clock.later(-1)])
    run(settings, burst=True)
    assert len(twilio_stub.creates()) == 1
    assert rows(db)[0]["transport"] == "twilio" and rows(db)[0]["status"] == "sent"
    phone.online()
    phone.mode = "ok"
    phone.time_passes(2)  # the phone's copy has expired too (ttl 1 s), however fast we ran
    phone.process()  # back on the LAN: its copy failed with "TTL expired", never sent
    assert phone.sent == [] and phone.posted[-1][0] == "sms:failed"
    run(settings, burst=True)
    assert len(twilio_stub.creates()) == 1 and rows(db)[0]["status"] == "sent"


@pytest.mark.relay_env(ASPIRASI_SMS_ROUTE="twilio")
def test_route_twilio_sends_staff_messages_by_twilio_but_replies_the_way_they_came(
        relay_url, phone, run_worker, db, twilio_stub):
    phone.receive_sms(CITIZEN, "jalan berlubang di Girian Weru")
    queue_row(db, "Undangan rapat", key="bc:1:1", to="+6281234567891")
    run_worker()
    assert [c["To"] for c in twilio_stub.creates()] == ["+6281234567891"]
    assert [m["phoneNumbers"] for m in phone.messages.values()] == [[CITIZEN]]


@pytest.mark.relay_env(ASPIRASI_SMS_ROUTE="smsgate")
def test_route_smsgate_waits_for_the_phone_instead_of_twilio(relay_url, phone, run_worker, db,
                                                            twilio_stub, settings):
    queue_row(db, "Undangan rapat")
    phone.offline()
    run(settings, burst=True)
    (row,) = rows(db)
    assert row["status"] == "queued" and row["error_code"] == "relay-unreachable"
    assert twilio_stub.creates() == []
    phone.online()
    run_worker()
    assert len(phone.messages) == 1 and twilio_stub.creates() == []


@pytest.mark.relay_env(SMSGATE_SEND_RATE="600")
def test_the_phone_gets_at_most_send_rate_messages_a_minute(relay_url, phone, run_worker, db):
    from handlers import ratelimit

    for n in range(5):
        queue_row(db, f"Undangan rapat {n}", key=f"bc:1:{n}", to=f"+62812345678{n:02d}")
    run_worker()
    times = sorted(m["asked_at"] for m in phone.messages.values())
    assert len(times) == 5
    # 600 a minute = 10 a second, from a bucket of CAPACITY: the rest wait their turn. A lower
    # bound with one refill of slack: the first send's own latency (a new connection) can
    # shift times[0] by tens of ms; without the limit all five arrive within ~50 ms.
    assert times[-1] - times[0] >= (5 - ratelimit.CAPACITY - 1) / 10


def test_whatsapp_still_goes_by_twilio(relay_url, phone, run_worker, db, twilio_stub):
    with transaction(db):
        outbox.add(db, "staff:wa", "staff", "whatsapp", "whatsapp:" + CITIZEN, "Halo")
    run_worker()
    assert [c["To"] for c in twilio_stub.creates()] == ["whatsapp:" + CITIZEN]
    assert phone.messages == {}


@pytest.mark.parametrize("channel, preferred, policy, relay, twilio, usable, expected", [
    ("whatsapp", None, "auto", True, True, True, "twilio"),
    ("sms", None, "auto", False, True, True, "twilio"),        # no phone configured
    ("sms", None, "auto", True, False, False, "smsgate"),      # no Twilio: the phone, waiting
    ("sms", None, "auto", True, True, True, "smsgate"),
    ("sms", None, "auto", True, True, False, "twilio"),        # phone silent or refused us
    ("sms", None, "twilio", True, True, True, "twilio"),
    ("sms", None, "smsgate", True, True, False, "smsgate"),    # strict: wait for the phone
    ("sms", "smsgate", "twilio", True, True, True, "smsgate"),  # a reply to a relayed SMS
    ("sms", "smsgate", "auto", True, True, False, "twilio"),
    ("sms", "twilio", "smsgate", True, True, True, "twilio"),   # a reply to a Twilio SMS
])
def test_one_route_rule(channel, preferred, policy, relay, twilio, usable, expected):
    assert channels.sms_route(channel, preferred, policy, relay, twilio, usable) == expected
