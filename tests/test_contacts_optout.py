"""Contacts by SMS: first message creates the contact, DAFTAR, BERHENTI/STOP once, MULAI,
opt-outs from Twilio (21610 callbacks), and acks that still reach opted-out citizens."""

from __future__ import annotations

import pytest

from data import contacts, outbox
from data.db import transaction
from handlers import replies
from tests.test_broadcast_sms import replies_to, send_sms

CITIZEN = "+6281234567890"


def test_first_message_creates_the_contact(db, signed_post, run_worker):
    send_sms(signed_post, CITIZEN, "lampu jalan mati di girian bawah", whatsapp=True)
    run_worker()
    row = contacts.by_address(db, CITIZEN)
    assert row["channel"] == "whatsapp" and row["whatsapp_last_inbound_at"]
    assert row["first_seen"] == row["last_seen"] and row["role"] == "warga"


def test_stop_confirms_once_then_silence_and_mulai_opts_back_in(db, signed_post, run_worker,
                                                                twilio_stub):
    send_sms(signed_post, CITIZEN, "STOP")
    run_worker()
    assert replies_to(db, CITIZEN) == [replies.render("opted_out")]
    row = contacts.by_address(db, CITIZEN)
    assert row["opted_out"] == 1 and row["opt_out_source"] == "sms"
    send_sms(signed_post, CITIZEN, "berhenti")
    run_worker()
    assert replies_to(db, CITIZEN) == [replies.render("opted_out")]  # no second reply
    send_sms(signed_post, CITIZEN, "MULAI")
    run_worker()
    assert replies_to(db, CITIZEN)[-1] == replies.render("opted_in")
    assert contacts.by_address(db, CITIZEN)["opted_out"] == 0
    assert len(twilio_stub.creates()) == 2


def test_opted_out_citizen_still_gets_the_ack_of_their_aspiration(db, signed_post, run_worker,
                                                                  twilio_stub):
    send_sms(signed_post, CITIZEN, "STOP")
    send_sms(signed_post, CITIZEN, "jln rusak dkt pasar girian")
    run_worker()
    ack = replies_to(db, CITIZEN)[-1]
    assert ack.startswith("Aspirasi diterima: tiket ")
    assert [f["Body"] for f in twilio_stub.creates() if f["To"] == CITIZEN][-1] == ack
    assert contacts.by_address(db, CITIZEN)["opted_out"] == 1


def test_status_callback_21610_opts_the_contact_out(db, client, signed_post):
    with transaction(db):
        contact = contacts.ensure(db, CITIZEN)
        outbox.add(db, "bc:1:1", "broadcast", "sms", CITIZEN, "x", contact_id=contact["id"])
        db.execute("UPDATE outbox SET status = 'sent', provider_sid = ?", ["SM" + "a" * 32])
    response = signed_post("/webhooks/twilio/status", {
        "MessageSid": "SM" + "a" * 32, "MessageStatus": "failed", "ErrorCode": "21610",
        "To": CITIZEN, "AccountSid": "AC" + "1" * 32})
    assert response.status_code == 200
    row = contacts.by_address(db, CITIZEN)
    assert row["opted_out"] == 1 and row["opt_out_source"] == "21610"


@pytest.mark.parametrize("text, expected", [
    ("DAFTAR Yohanis Girian Bawah", "Terima kasih Yohanis, Anda terdaftar sebagai warga Kel. "
                                    "Girian Bawah."),
    ("daftar#Maria Lengkong#madidir ure", "Terima kasih Maria Lengkong, Anda terdaftar sebagai "
                                          "warga Kel. Madidir Ure."),
    ("DAFTAR Budi Girian Bwah", "Terima kasih Budi, Anda terdaftar sebagai warga Kel. Girian "
                                "Bawah."),
    ("DAFTAR Budi Giriyan", 'Kelurahan "Giriyan" tidak dikenali. Maksud Anda Girian'),
    ("DAFTAR Budi Qwxz", 'Kelurahan "Qwxz" tidak dikenali. Kirim lagi dengan nama kelurahan '
                         "resmi, mis. DAFTAR Yohanis Girian Bawah"),  # never "Maksud Anda: -?"
    ("DAFTAR", "Untuk mendaftar, kirim DAFTAR lalu nama dan kelurahan, mis. DAFTAR Yohanis "
               "Madidir Ure"),
])
def test_daftar_confirms_or_suggests(db, signed_post, run_worker, text, expected):
    send_sms(signed_post, CITIZEN, text)
    run_worker()
    reply = replies_to(db, CITIZEN)[-1]
    assert reply.startswith(expected)
    assert replies.fits_one_segment(reply)
    assert "<" not in reply and ": -?" not in reply
    if "Maksud Anda" in expected:
        assert reply.endswith("? Kirim lagi, mis. DAFTAR Budi Girian Atas")
    if "tidak dikenali" in expected:
        assert contacts.by_address(db, CITIZEN)["kelurahan"] is None
