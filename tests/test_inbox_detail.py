"""One ticket: conversation, parser decision, corrections, status flow with SMS, notes, replies."""

from __future__ import annotations

import re

import pytest

from data import audit
from handlers.replies import fits_one_segment
from parsers import parse
from tests.conftest import ACCOUNT_SID
from tests.test_inbox_helpers import login, make_staff, post

SENDER = "+6281234567890"


def inbound(signed_post, body: str, sid_n: int, extra: dict | None = None, sender=SENDER):
    return signed_post("/webhooks/twilio", {
        "MessageSid": f"SM{sid_n:032x}", "AccountSid": ACCOUNT_SID, "From": sender,
        "To": "+15005550006", "Body": body, **(extra or {})})


@pytest.fixture
def ticket(db, signed_post, run_worker):
    """An SMS through the real pipeline (webhook, worker, ack sent to the stub)."""
    assert inbound(signed_post, "jln rusak dkt pasar di kelurahan Madidir Ure", 1).status_code \
        == 200
    run_worker()
    return db.execute("SELECT ticket FROM aspirations").fetchone()[0]


@pytest.fixture
def staf(client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    return client


def page(client, ticket) -> str:
    response = client.get(f"/inbox/{ticket}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_detail_shows_conversation_decision_and_masked_number(staf, ticket, twilio_stub):
    html = page(staf, ticket)
    assert "jln rusak dkt pasar di kelurahan Madidir Ure" in html
    assert "Aspirasi diterima: tiket " + ticket in html  # the ack, from the outbox
    assert re.search(r"status kirim: <strong data-outbox-id=\"\d+\" data-status=\"(sent|delivered|"
                     r"queued)\">(terkirim ke operator|sampai di HP warga|menunggu kirim)"
                     r"</strong>", html)
    assert "tanda terima" in html and " · ack · " not in html  # Bahasa Indonesia, not codes
    keywords = parse("jln rusak dkt pasar di kelurahan Madidir Ure").keywords  # learned stems
    assert "jalan" in keywords and "keyakinan" in html  # "jalan" is not in the text itself
    assert all(k in html for k in keywords)  # the keywords behind the decision
    assert "+62812****890" in html and SENDER not in html
    assert "Madidir Ure" in html and "Kec. Madidir" in html


def test_ticket_lookup_ignores_case_and_unknown_is_404(staf, ticket):
    assert staf.get(f"/inbox/{ticket.lower()}").status_code == 200
    assert staf.get("/inbox/ZZZZZ").status_code == 404


def test_full_number_for_staf_is_audited(staf, db, ticket):
    html = staf.get(f"/inbox/{ticket}?nomor=1").get_data(as_text=True)
    assert f'<span id="full-number">{SENDER}</span>' in html
    entry = audit.recent(db, action="view_number")[0]
    assert entry["actor"] == "ani" and entry["target"] == ticket


def test_kelurahan_account_never_sees_the_full_number(client, db, ticket):
    make_staff(db, "lurah", "kelurahan", "Madidir Ure")
    login(client, "lurah")
    html = client.get(f"/inbox/{ticket}?nomor=1").get_data(as_text=True)
    assert SENDER not in html and "Lihat nomor lengkap" not in html
    assert audit.recent(db, action="view_number") == []


def test_correction_is_recorded_and_kecamatan_follows(staf, db, ticket):
    response = post(staf, f"/inbox/{ticket}/koreksi",
                    {"category": "ekonomi", "kelurahan": "Girian Bawah"})
    assert response.status_code == 302
    row = db.execute("SELECT category, kelurahan, kecamatan FROM aspirations").fetchone()
    assert row == ("ekonomi", "Girian Bawah", "Girian")
    corrections = db.execute(
        "SELECT field, old_value, new_value, actor FROM corrections ORDER BY id").fetchall()
    assert corrections == [("category", "infrastruktur", "ekonomi", "ani"),
                           ("kelurahan", "Madidir Ure", "Girian Bawah", "ani")]
    assert len(audit.recent(db, action="correct")) == 2
    assert "mengoreksi kategori: infrastruktur → ekonomi" in page(staf, ticket)


def test_unknown_kelurahan_or_category_is_refused(staf, db, ticket):
    post(staf, f"/inbox/{ticket}/koreksi", {"kelurahan": "Atlantis"})
    assert post(staf, f"/inbox/{ticket}/koreksi", {"category": "politik"}).status_code == 400
    assert db.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0


def test_status_change_sends_one_segment_sms_and_shows_delivery(staf, db, ticket, run_worker,
                                                                 twilio_stub, signed_post):
    before = len(twilio_stub.creates())
    response = post(staf, f"/inbox/{ticket}/status", {"status": "diverifikasi"})
    assert response.status_code == 302
    row = db.execute("SELECT kind, body, to_address, status FROM outbox WHERE kind = 'status'"
                     ).fetchone()
    assert row[0] == "status" and ticket in row[1] and fits_one_segment(row[1])
    assert row[2] == SENDER
    run_worker()
    sent = twilio_stub.creates()[before:]
    assert [m["Body"] for m in sent] == [row[1]] and sent[0]["To"] == SENDER
    sid = db.execute("SELECT provider_sid FROM outbox WHERE kind = 'status'").fetchone()[0]
    signed_post("/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered",
                                            "AccountSid": ACCOUNT_SID})
    html = page(staf, ticket)
    assert 'SMS: <strong class="delivery">sampai di HP warga</strong>' in html
    assert "mengubah status baru → diverifikasi" in html
    assert audit.recent(db, action="status")[0]["target"] == ticket


def test_status_path_is_enforced_on_the_server(staf, db, ticket):
    post(staf, f"/inbox/{ticket}/status", {"status": "selesai"})
    post(staf, f"/inbox/{ticket}/status", {"status": "bogus"})
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "baru"
    post(staf, f"/inbox/{ticket}/status", {"status": "diverifikasi"})
    post(staf, f"/inbox/{ticket}/status", {"status": "diteruskan", "opd": "Dinas Rahasia"})
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "diverifikasi"
    post(staf, f"/inbox/{ticket}/status", {"status": "diteruskan", "opd": "Dinas PUPR"})
    assert db.execute("SELECT status, opd FROM aspirations").fetchone() == ("diteruskan",
                                                                             "Dinas PUPR")
    body = db.execute("SELECT body FROM outbox WHERE kind = 'status' ORDER BY id DESC"
                      ).fetchone()[0]
    assert "Dinas PUPR" in body
    post(staf, f"/inbox/{ticket}/status", {"status": "baru"})  # no moving back
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "diteruskan"
    assert db.execute("SELECT count(*) FROM outbox WHERE kind = 'status'").fetchone()[0] == 2


def test_rejection_needs_a_reason_that_reaches_the_citizen(staf, db, ticket):
    post(staf, f"/inbox/{ticket}/status", {"status": "ditolak", "reason": "   "})
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "baru"
    post(staf, f"/inbox/{ticket}/status", {"status": "ditolak", "reason": "Sudah ada di RKPD"})
    assert db.execute("SELECT status, reject_reason FROM aspirations").fetchone() == (
        "ditolak", "Sudah ada di RKPD")
    body = db.execute("SELECT body FROM outbox WHERE kind = 'status'").fetchone()[0]
    assert "Sudah ada di RKPD" in body and fits_one_segment(body)
    post(staf, f"/inbox/{ticket}/status", {"status": "diverifikasi"})  # staf cannot reopen
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "ditolak"


def test_note_is_internal_and_never_queued(staf, db, ticket):
    before = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    post(staf, f"/inbox/{ticket}/catatan", {"body": "Cek ke lokasi <b>besok</b>"})
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == before
    html = page(staf, ticket)
    assert "Cek ke lokasi &lt;b&gt;besok&lt;/b&gt;" in html
    assert audit.recent(db, action="note")


def test_reply_goes_through_the_outbox(staf, db, ticket, run_worker, twilio_stub):
    post(staf, f"/inbox/{ticket}/balas", {"body": "Petugas akan survei hari Senin."})
    run_worker()
    assert twilio_stub.creates()[-1]["Body"] == "Petugas akan survei hari Senin."
    assert db.execute("SELECT kind FROM outbox ORDER BY id DESC").fetchone()[0] == "reply"


def test_long_reply_needs_confirmation(staf, db, ticket):
    long_text = "Terima kasih atas laporan Anda. " * 8
    response = post(staf, f"/inbox/{ticket}/balas", {"body": long_text})
    assert db.execute("SELECT count(*) FROM outbox WHERE kind = 'reply'").fetchone()[0] == 0
    html = staf.get(response.headers["Location"]).get_data(as_text=True)
    assert "segmen SMS" in html and "Ya, kirim lebih dari 1 segmen" in html
    post(staf, f"/inbox/{ticket}/balas", {"body": long_text, "confirm_long": "1"})
    assert db.execute("SELECT count(*) FROM outbox WHERE kind = 'reply'").fetchone()[0] == 1


def test_media_links_and_location(staf, db, signed_post, run_worker, twilio_stub):
    twilio_stub.offline = True  # the photo cannot be fetched yet: it waits, the ack does not
    url = twilio_stub.add_media("1", "image/jpeg", b"not really a jpeg")
    inbound(signed_post, "got besar di Madidir Ure", 7, {
        "NumMedia": "2", "MediaUrl0": url,
        "MediaContentType0": "image/jpeg", "MediaUrl1": "javascript:alert(1)",
        "Latitude": "1.4406", "Longitude": "125.1217", "ProfileName": "<b>Yohanis</b>"},
        sender="whatsapp:+6281234567890")
    run_worker()
    ticket = db.execute("SELECT ticket FROM aspirations").fetchone()[0]
    html = page(staf, ticket)
    # before the worker downloads it, the photo shows as waiting (with the original URL kept)
    assert "📷 foto: sedang diunduh ke server" in html
    assert any(ticket in m["Body"] for m in twilio_stub.creates())  # the ack went anyway
    (kept,) = db.execute("SELECT url FROM media_items WHERE status = 'pending'").fetchone()
    assert kept == url
    assert "javascript:" not in html
    assert "https://www.openstreetmap.org/?mlat=1.440600&amp;mlon=125.121700" in html
    assert "&lt;b&gt;Yohanis&lt;/b&gt;" in html


def test_delivery_status_json_follows_callbacks(staf, db, ticket, signed_post):
    sid, outbox_id = db.execute("SELECT provider_sid, id FROM outbox").fetchone()
    assert staf.get(f"/inbox/{ticket}/pengiriman.json").json[str(outbox_id)]["status"] == "sent"
    assert f'data-outbox-id="{outbox_id}" data-status="sent"' in page(staf, ticket)
    signed_post("/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "undelivered",
                                            "ErrorCode": "30003", "AccountSid": ACCOUNT_SID})
    row = staf.get(f"/inbox/{ticket}/pengiriman.json").json[str(outbox_id)]
    assert row == {"status": "undelivered", "error_code": "30003", "label": "tidak sampai"}


def test_delivery_status_json_is_scoped_and_needs_login(client, db, ticket):
    assert client.get(f"/inbox/{ticket}/pengiriman.json").status_code in (302, 401)
    make_staff(db, "lurah2", "kelurahan", "Girian Bawah")
    login(client, "lurah2")
    assert client.get(f"/inbox/{ticket}/pengiriman.json").status_code == 404
