"""End to end: signed webhook → SQLite → RQ worker → aspiration → ack through the Twilio stub."""

from __future__ import annotations

import secrets

import pytest

from handlers import replies
from tests.conformance import listed
from tests.conftest import SMS_FROM, WHATSAPP_FROM, sign

PATH = "/webhooks/twilio"


def sms(body: str, sender: str = "+6281234567890", **extra) -> dict:
    return {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "1" * 32,
            "From": sender, "To": SMS_FROM, "Body": body, "NumMedia": "0", **extra}


def whatsapp(body: str, sender: str = "+6281234567890", **extra) -> dict:
    return sms(body, f"whatsapp:{sender}", To=WHATSAPP_FROM, WaId=sender.lstrip("+"),
               ProfileName="Om Yan", **extra)


def aspirations(db):
    return list(db.query("SELECT * FROM aspirations ORDER BY id"))


def test_sms_gets_a_ticket_and_one_ack(signed_post, run_worker, db, twilio_stub):
    assert signed_post(PATH, sms("jln rusak dkt pasar girian, mohon diperbaiki")).status_code == 200
    run_worker()
    (row,) = aspirations(db)
    assert row["category"] == "infrastruktur"
    (create,) = twilio_stub.creates()
    assert create["To"] == "+6281234567890"
    assert create["From"] == SMS_FROM
    assert create["Body"] == replies.TEXTS["ack_choices_short"].format(  # nothing cut
        ticket=row["ticket"], category="Infrastruktur", received="diterima", common="Girian",
        choices="1 Atas 2 Bawah 3 Indah 4 Permai 5 Weru Satu 6 Weru Dua")
    outbox = list(db.query("SELECT status, transport, provider_sid FROM outbox"))
    assert outbox[0]["transport"] == "twilio" and outbox[0]["provider_sid"].startswith("SM")


def test_whatsapp_ack_goes_back_on_whatsapp(signed_post, run_worker, db, twilio_stub):
    signed_post(PATH, whatsapp("torang pe perahu nda ada mesin, mohon bantuan modal"))
    run_worker()
    (row,) = aspirations(db)
    assert row["channel"] == "whatsapp" and row["category"] == "ekonomi"
    (create,) = twilio_stub.creates()
    assert create["To"] == "whatsapp:+6281234567890" and create["From"] == WHATSAPP_FROM


@pytest.mark.parametrize("case_id, what, text", [
    ("in-wa-location", "Lokasi", "(lokasi)"), ("in-wa-image", "Foto", "(foto)"),
    ("in-sms-media-only", "2 lampiran", "(2 lampiran)"),  # no content type: not called a photo
])
def test_media_only_payloads_get_a_ticket_naming_what_arrived(client, run_worker, db,
                                                              twilio_stub, case_id, what, text):
    from tests.test_webhook import post_raw

    case = next(c for c in listed("inbound_payloads") if c["id"] == case_id)
    assert post_raw(client, PATH, case["raw_body"]).status_code == 200
    run_worker()
    (create,) = twilio_stub.creates()
    (row,) = aspirations(db)
    assert row["text"] == text
    assert create["Body"] == replies.TEXTS["ack_media"].format(what=what, ticket=row["ticket"])
    assert db.execute("SELECT status FROM messages").fetchone()[0] == "processed"


def test_non_ascii_payload_is_acked_whole(client, run_worker, db, twilio_stub):
    from tests.test_webhook import post_raw

    case = next(c for c in listed("inbound_payloads") if c["id"] == "in-wa-profile-utf8")
    assert post_raw(client, PATH, case["raw_body"]).status_code == 200
    run_worker()
    (create,) = twilio_stub.creates()
    rows = aspirations(db)  # a ticket and its whole ack, or the whole greeting: nothing cut
    whole = ("Cek: balas CEK " + rows[0]["ticket"], "Balas nama kelurahannya, mis. Girian Bawah.",
             "Balas angkanya.") if rows else (replies.TEXTS["greeting"],)
    assert create["Body"].endswith(whole)
    assert db.execute("SELECT status FROM messages").fetchone()[0] == "processed"


def test_empty_body_gets_guidance_not_a_ticket(signed_post, run_worker, db, twilio_stub):
    signed_post(PATH, sms(""))
    run_worker()
    assert aspirations(db) == []
    (create,) = twilio_stub.creates()
    assert "BANTUAN" in create["Body"]


def test_duplicate_webhook_means_one_aspiration_one_ack(signed_post, run_worker, db, twilio_stub):
    params = sms("lampu jalan mati di kel. madidir ure")
    for _ in range(3):
        assert signed_post(PATH, params).status_code == 200
    run_worker()
    signed_post(PATH, params)
    run_worker()
    assert len(aspirations(db)) == 1
    assert len(twilio_stub.creates()) == 1


def test_jobs_run_twice_change_nothing_more(signed_post, run_worker, db, twilio_stub, settings):
    signed_post(PATH, sms("air bersih nda jalan so 3 hari"))
    run_worker()
    from handlers import inbound, outbound

    message_id = db.execute("SELECT id FROM messages").fetchone()[0]
    outbox_id = db.execute("SELECT id FROM outbox").fetchone()[0]
    assert inbound.process_batch(db, settings, [message_id]) == 0
    assert inbound.drain_inbound() == 0
    assert db.execute("SELECT status FROM outbox WHERE id = ?", [outbox_id]).fetchone()[0] == "sent"
    assert outbound.drain_outbox() == 0
    assert len(aspirations(db)) == 1 and len(twilio_stub.creates()) == 1


def test_check_command_reports_status(signed_post, run_worker, db, twilio_stub):
    signed_post(PATH, sms("jembatan ke sekolah so ancor"))
    run_worker()
    ticket = aspirations(db)[0]["ticket"]
    signed_post(PATH, sms(f"cek {ticket.lower()}"))
    run_worker()
    reply = twilio_stub.creates()[-1]["Body"]
    assert reply.startswith(f"Tiket {ticket} (Infrastruktur): menunggu diperiksa petugas sejak ")
    signed_post(PATH, sms("CEK ZZZZZ"))
    run_worker()
    assert "tidak ditemukan" in twilio_stub.creates()[-1]["Body"]


def test_redis_down_then_up_loses_nothing_and_acks_once(monkeypatch, settings, redis_url,
                                                        run_worker, db, twilio_stub):
    from gateway import create_app

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    down = create_app({"TESTING": True}).test_client()
    sent = []
    for n in range(5):
        params = sms(f"jalan rusak nomor {n}", sender=f"+62812345678{n}")
        sent.append(params["MessageSid"])
        sig = sign("http://localhost" + PATH, params)
        assert down.post(PATH, data=params, headers={"X-Twilio-Signature": sig}).status_code == 200
    assert db.execute("SELECT count(*) FROM messages WHERE status='captured'").fetchone()[0] == 5
    monkeypatch.setenv("REDIS_URL", redis_url)
    run_worker()  # the reconciler finds the captured messages at start
    assert len(aspirations(db)) == 5
    bodies = [c["Body"] for c in twilio_stub.creates()]
    assert len(bodies) == 5 and len(set(bodies)) == 5


def test_stub_failing_then_recovering_sends_the_ack_once(signed_post, run_worker, db,
                                                         twilio_stub):
    twilio_stub.push("500", "429", "503", "63018")
    signed_post(PATH, sms("got tersumbat, banjir tiap hujan"))
    run_worker()
    row = db.execute("SELECT status, attempts FROM outbox").fetchone()
    assert tuple(row) == ("sent", 5)
    assert len(twilio_stub.messages) == 1  # accepted exactly once
    assert len(twilio_stub.creates()) == 5


def test_retries_stop_at_the_attempt_limit(signed_post, run_worker, db, twilio_stub, settings):
    twilio_stub.default = "500"
    signed_post(PATH, sms("sampah menumpuk"))
    run_worker()
    row = db.execute("SELECT status, attempts, error_code FROM outbox").fetchone()
    assert tuple(row) == ("failed", settings.max_send_attempts, "500")


@pytest.mark.parametrize("code", ["21211", "21610", "21614"])
def test_permanent_error_fails_without_retry(signed_post, run_worker, db, twilio_stub, code):
    twilio_stub.push(code)
    signed_post(PATH, sms("jalan rusak"))
    run_worker()
    row = db.execute("SELECT status, attempts, error_code FROM outbox").fetchone()
    assert tuple(row) == ("failed", 1, code)
    assert len(twilio_stub.creates()) == 1
    opted = db.execute("SELECT opted_out FROM contacts").fetchone()[0]
    assert opted == (1 if code == "21610" else 0)


def test_whatsapp_outside_24h_window_falls_back_to_sms(signed_post, run_worker, db, twilio_stub):
    twilio_stub.push("63016")
    signed_post(PATH, whatsapp("homestay di lembeh butuh pelatihan guide"))
    run_worker()
    creates = twilio_stub.creates()
    assert [c["To"] for c in creates] == ["whatsapp:+6281234567890", "+6281234567890"]
    assert creates[1]["From"] == SMS_FROM and creates[0]["Body"] == creates[1]["Body"]
    statuses = [r[0] for r in db.execute("SELECT status FROM outbox ORDER BY id")]
    assert statuses == ["failed", "sent"]


def test_two_xx_without_sid_is_not_success(signed_post, run_worker, db, twilio_stub):
    twilio_stub.push("nosid")
    signed_post(PATH, sms("listrik padam terus"))
    run_worker()
    row = db.execute("SELECT status, attempts, provider_sid FROM outbox").fetchone()
    assert row[0] == "sent" and row[1] == 2 and row[2].startswith("SM")


def test_hung_request_that_reached_twilio_is_not_sent_again(signed_post, run_worker, db,
                                                            twilio_stub):
    """The stub takes the message, then hangs: the retry finds it instead of resending."""
    twilio_stub.push("hang_after_create")
    signed_post(PATH, sms("dermaga so rusak parah"))
    run_worker()
    assert len(twilio_stub.messages) == 1
    row = db.execute("SELECT status, provider_sid FROM outbox").fetchone()
    assert row[0] == "sent" and row[1] == twilio_stub.messages[0]["sid"]


def test_status_callbacks_move_the_outbox_forward(signed_post, run_worker, db, twilio_stub):
    signed_post(PATH, sms("jalan rusak"))
    run_worker()
    sid = db.execute("SELECT provider_sid FROM outbox").fetchone()[0]
    for status in ("delivered", "sent", "queued"):  # late callbacks never go back
        response = signed_post(PATH + "/status", {"MessageSid": sid, "MessageStatus": status})
        assert response.status_code == 200
    assert db.execute("SELECT status FROM outbox").fetchone()[0] == "delivered"
    signed_post(PATH + "/status", {"MessageSid": sid, "MessageStatus": "read"})
    assert db.execute("SELECT status FROM outbox").fetchone()[0] == "read"


@pytest.mark.parametrize("case", listed("status_callbacks"), ids=lambda c: c["id"])
def test_real_status_callbacks(client, db, case):
    from tests.test_webhook import post_raw

    path = PATH + "/status"
    response = post_raw(client, path, case["raw_body"])
    expected = (case.get("upstream_expectation") or {}).get("http", 200)
    assert response.status_code == (400 if case["id"] == "st-unknown-status" else 200)
    assert expected in (200, 400)
    if case["params"].get("ErrorCode") == "21610":
        to = case["params"].get("To", "").removeprefix("whatsapp:")
        row = db.execute("SELECT opted_out FROM contacts WHERE address = ?", [to]).fetchone()
        assert row == (1,)


def test_status_callback_21610_opts_the_contact_out(signed_post, run_worker, db, twilio_stub):
    signed_post(PATH, sms("jalan rusak"))
    run_worker()
    sid = db.execute("SELECT provider_sid FROM outbox").fetchone()[0]
    signed_post(PATH + "/status", {"MessageSid": sid, "MessageStatus": "failed",
                                   "ErrorCode": "21610", "To": "+6281234567890"})
    assert db.execute("SELECT status, error_code FROM outbox").fetchone() == ("failed", "21610")
    assert db.execute("SELECT opted_out FROM contacts").fetchone()[0] == 1


def test_unknown_sid_callback_is_200(signed_post, db):
    response = signed_post(PATH + "/status", {"MessageSid": "SM" + "9" * 32,
                                              "MessageStatus": "delivered"})
    assert response.status_code == 200


def test_status_callback_signature_is_checked(client, db):
    response = client.post(PATH + "/status", data={"MessageSid": "SM" + "9" * 32,
                                                   "MessageStatus": "delivered"},
                           headers={"X-Twilio-Signature": "bad"})
    assert response.status_code == 403


def test_status_callback_url_is_sent_when_public_url_set(monkeypatch, settings, run_worker, db,
                                                         twilio_stub):
    monkeypatch.setenv("ASPIRASI_PUBLIC_URL", "https://aspirasi.example.id")
    from gateway import create_app
    from handlers.settings import load_settings

    client = create_app({"TESTING": True}).test_client()
    params = sms("jalan rusak")
    sig = sign("https://aspirasi.example.id" + PATH, params)
    client.post(PATH, data=params, headers={"X-Twilio-Signature": sig})
    from handlers.worker import run

    run(load_settings(), burst=True)
    (create,) = twilio_stub.creates()
    assert create["StatusCallback"] == "https://aspirasi.example.id/webhooks/twilio/status"


def test_console_transport_without_credentials(monkeypatch, settings, db, twilio_stub):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(name)
    from gateway import create_app
    from handlers.settings import load_settings
    from handlers.worker import run

    client = create_app({"TESTING": True}).test_client()
    client.post(PATH, data=sms("jalan rusak dekat sekolah"))
    run(load_settings(), burst=True)
    row = db.execute("SELECT status, transport FROM outbox").fetchone()
    assert tuple(row) == ("sent", "console")
    assert twilio_stub.creates() == []


@pytest.mark.parametrize("sender", ["TELKOMSEL", "3636", "INFO-XL"])
def test_operator_promos_are_stored_but_not_answered(signed_post, run_worker, db, twilio_stub,
                                                     sender):
    promo = "Selamat! Anda dapat bonus kuota 10GB. Ketik *363# sekarang"
    assert signed_post(PATH, sms(promo, sender=sender)).status_code == 200
    run_worker()
    assert db.execute("SELECT status FROM messages").fetchone()[0] == "processed"
    assert twilio_stub.creates() == []
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_registered_kelurahan_fills_a_text_without_one(signed_post, run_worker, db, twilio_stub):
    signed_post(PATH, sms("DAFTAR Yohanis Madidir Ure"))
    run_worker()
    signed_post(PATH, sms("lampu jalan mati so 2 minggu"))
    signed_post(PATH, sms("got tersumbat di kel. girian bawah"))  # the text's place wins
    run_worker()
    rows = [(r["kelurahan"], r["kecamatan"]) for r in aspirations(db)]
    assert rows == [("Madidir Ure", "Madidir"), ("Girian Bawah", "Girian")]
    ack = [c["Body"] for c in twilio_stub.creates()][1]
    assert "Kel. Madidir Ure" in ack


@pytest.mark.parametrize("text", ["P", "tes", "halo min", "Selamat pagi", "2"])
def test_small_talk_gets_guidance_not_a_ticket(signed_post, run_worker, db, twilio_stub, text):
    signed_post(PATH, sms(text))
    run_worker()
    assert aspirations(db) == []
    assert db.execute("SELECT status FROM messages").fetchone()[0] == "processed"
    (create,) = twilio_stub.creates()
    assert create["Body"] == replies.TEXTS["greeting"]


@pytest.mark.parametrize("text", ["jalan rusak", "banjir", "butuh modal"])
def test_two_word_needs_still_get_a_ticket(signed_post, run_worker, db, twilio_stub, text):
    signed_post(PATH, sms(text))
    run_worker()
    assert len(aspirations(db)) == 1


def test_same_text_resent_within_minutes_keeps_one_ticket(signed_post, run_worker, db,
                                                          twilio_stub):
    signed_post(PATH, sms("jembatan di kel. tendeki so lapuk"))
    signed_post(PATH, sms("jembatan di kel. tendeki so lapuk"))  # a new MessageSid, same text
    signed_post(PATH, sms("jembatan di kel. tendeki so lapuk", sender="+6281299999999"))
    run_worker()
    rows = aspirations(db)
    assert len(rows) == 2  # one per sender
    bodies = [c["Body"] for c in twilio_stub.creates() if c["To"] == "+6281234567890"]
    assert len(bodies) == 2 and bodies[0] == bodies[1] and rows[0]["ticket"] in bodies[0]
