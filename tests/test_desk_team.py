"""Teamwork and the smaller rules: assignment and "Tiket saya", bulk actions with a preview,
canned replies, the idle timeout, date-range errors, names instead of numbers, labels."""

from __future__ import annotations

import re
import time

import pytest

from data import audit, contacts
from data.db import transaction
from handlers.media import credentials_for
from handlers.settings import load_settings
from tests.test_broadcast_sms import GIRIAN
from tests.test_broadcast_sms import seed as seed_contacts
from tests.test_inbox_helpers import login, make_staff, post, seed
from tests.test_inbox_list import tickets_in


@pytest.fixture
def staf(client, db):
    make_staff(db, "ani", "staf")
    make_staff(db, "budi", "staf")
    login(client, "ani")
    return client


def test_assign_and_my_tickets(staf, db):
    mine = seed(db, "jalan rusak di kelurahan Madidir Ure")
    other = seed(db, "lampu jalan mati di Girian Bawah", "+6281300000001")
    post(staf, f"/inbox/{mine['ticket']}/tugaskan", {"petugas": "__saya__"})
    post(staf, f"/inbox/{other['ticket']}/tugaskan", {"petugas": "budi"})
    html = staf.get("/inbox?saya=1").get_data(as_text=True)
    assert tickets_in(html) == [mine["ticket"]]
    assert re.search(r'id="tab-saya"[^>]*>Tiket saya <span class="count">1</span>', html)
    page = staf.get(f"/inbox/{other['ticket']}").get_data(as_text=True)
    assert "Ditugaskan ke budi" in page and "ani\n        menugaskan tiket ke budi" in page
    assert audit.recent(db, action="assign")[0]["detail"] == '{"old": null, "new": "budi"}'
    post(staf, f"/inbox/{mine['ticket']}/status", {"status": "ditolak", "reason": "ganda"})
    assert tickets_in(staf.get("/inbox?saya=1").get_data(as_text=True)) == []  # closed


def test_a_kelurahan_account_is_never_given_another_kelurahans_ticket(staf, db):
    row = seed(db, "lampu jalan mati di Girian Bawah")
    make_staff(db, "lurah-madidir", "kelurahan", "Madidir Ure")
    response = post(staf, f"/inbox/{row['ticket']}/tugaskan", {"petugas": "lurah-madidir"})
    assert response.status_code == 400
    assert db.execute("SELECT assigned_to FROM aspirations").fetchone()[0] is None


def test_bulk_status_previews_every_sms_then_applies_and_undoes(monkeypatch, env, staf, db,
                                                                 run_worker, twilio_stub):
    monkeypatch.setenv("ASPIRASI_UNDO_SECONDS", "60")
    rows = [seed(db, f"jalan rusak nomor {n} di Madidir Ure", f"+62813000000{n}")
            for n in range(3)]
    done = seed(db, "lampu mati", "+6281300000099")
    with transaction(db):
        db.execute("UPDATE aspirations SET status = 'selesai' WHERE id = ?", [done["id"]])
    form = {"aksi": "status", "status": "diverifikasi",
            "tiket": [r["ticket"] for r in rows] + [done["ticket"]]}
    preview = post(staf, "/inbox/massal", form).get_data(as_text=True)
    assert "<strong>3</strong> dari 4 tiket akan diubah" in preview
    for row in rows:
        assert f"Tiket {row['ticket']}: usulan Anda sudah diperiksa" in preview
    assert "dilewati: Status tidak dapat diubah dari selesai" in preview
    assert db.execute("SELECT count(*) FROM status_changes").fetchone()[0] == 0  # preview only
    response = post(staf, "/inbox/massal", {**form, "langkah": "kirim"})
    assert db.execute("SELECT count(*) FROM aspirations WHERE status = 'diverifikasi'"
                      ).fetchone()[0] == 3
    assert len(audit.recent(db, action="status")) == 3  # each change audited on its own
    page = staf.get(response.headers["Location"]).get_data(as_text=True)
    batch = re.search(r'/inbox/massal/(\w+)/batal', page).group(1)
    post(staf, f"/inbox/massal/{batch}/batal")
    assert db.execute("SELECT count(*) FROM aspirations WHERE status = 'baru'").fetchone()[0] == 3
    with transaction(db):
        db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z'")
    run_worker()
    assert not [m for m in twilio_stub.creates() if "diverifikasi" in m["Body"]]


def test_bulk_category_and_assign(staf, db):
    rows = [seed(db, f"jalan rusak {n}", f"+62813000000{n}") for n in range(2)]
    tickets = [r["ticket"] for r in rows]
    post(staf, "/inbox/massal", {"aksi": "category", "category": "ekonomi", "tiket": tickets,
                                 "langkah": "kirim"})
    assert {r[0] for r in db.execute("SELECT category FROM aspirations")} == {"ekonomi"}
    assert len(audit.recent(db, action="correct")) == 2
    post(staf, "/inbox/massal", {"aksi": "assign", "petugas": "budi", "tiket": tickets,
                                 "langkah": "kirim"})
    assert {r[0] for r in db.execute(
        "SELECT u.username FROM aspirations a JOIN staff_users u ON u.id = a.assigned_to")} \
        == {"budi"}


def test_canned_replies_fill_the_ticket_and_refuse_unknown_placeholders(client, db):
    make_staff(db, "admin", "admin")
    login(client, "admin")
    post(client, "/admin/balasan", {"title": "Salah", "body": "Tiket {kode} diproses"})
    assert db.execute("SELECT count(*) FROM canned_replies").fetchone()[0] == 0
    post(client, "/admin/balasan", {"title": "Survei", "body": "Tiket {tiket}: petugas survei "
                                                               "di Kel. {kelurahan} Senin."})
    row = seed(db, "jalan rusak di kelurahan Madidir Ure")
    reply_id = db.execute("SELECT id FROM canned_replies").fetchone()[0]
    page = client.get(f"/inbox/{row['ticket']}?templat={reply_id}").get_data(as_text=True)
    filled = f"Tiket {row['ticket']}: petugas survei di Kel. Madidir Ure Senin."
    assert f">{filled}</textarea>" in page and f'data-body="{filled}"' in page


def test_an_idle_session_ends_and_says_why(staf, app):
    assert staf.get("/inbox").status_code == 200
    with staf.session_transaction() as session:
        session["seen"] = time.time() - 8 * 3600 - 5
    response = staf.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = staf.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sesi berakhir karena tidak ada kegiatan selama 8 jam" in page
    assert staf.get("/inbox").status_code == 302  # logged out for good


def test_date_range_errors_are_said(staf, db):
    seed(db, "jalan rusak")
    html = staf.get("/inbox?dari=2026-12-01&sampai=2026-11-01").get_data(as_text=True)
    assert "Rentang tanggal mustahil" in html and "01/11/2026" in html
    html = staf.get("/inbox?dari=2026-13-45").get_data(as_text=True)
    assert "Tanggal &#39;2026-13-45&#39; tidak dikenal" in html
    assert staf.get("/inbox?sampai=9999-12-31").status_code == 200


def test_village_heads_are_named_on_the_broadcast_list(staf, db):
    seed_contacts(db, GIRIAN, 2, 0)
    with transaction(db):
        head = contacts.ensure(db, "+6281299990000")
        contacts.set_role(db, head["id"], "kepala", GIRIAN, "Girian")
        db.execute("UPDATE contacts SET name = 'Yohanis Lengkong' WHERE id = ?", [head["id"]])
        db.execute("INSERT INTO broadcasts (origin, created_by, text, body, target, recipients, "
                   "segments, token, state, created_at, updated_at, expires_at) VALUES "
                   "('sms', 'sms:+6281299990000', 'Rapat', 'Rapat', '{}', 2, 1, 't', 'done', "
                   "'2026-11-30T00:00:00.000000Z', '2026-11-30T00:00:00.000000Z', "
                   "'2026-11-30T00:00:00.000000Z')")
    html = staf.get("/broadcasts/").get_data(as_text=True)
    assert "Yohanis Lengkong" in html and "+62812****000" not in html
    count = staf.get("/broadcasts/penerima.json", query_string={"kelurahan": GIRIAN}).json
    assert count == {"recipients": 3}  # the two residents and the kepala


def test_reply_and_note_boxes_have_labels_and_no_english_codes(staf, db, run_worker,
                                                               signed_post):
    row = seed(db, "jalan rusak")
    page = staf.get(f"/inbox/{row['ticket']}").get_data(as_text=True)
    assert '<label for="reply-body">' in page and '<label for="note-body">' in page
    for code in (" · ack · ", " · reply · ", "status kirim: sent", ">broadcast<"):
        assert code not in page


def test_twilio_credentials_go_to_twilio_hosts_only(env):
    from handlers.media import allowed_host

    s = load_settings()
    assert allowed_host(s.twilio_api_url + "/media/1", s)
    assert not allowed_host("http://10.0.0.1/admin", s)  # never into the office network
    assert credentials_for("https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1", s)
    assert credentials_for(s.twilio_api_url + "/media/1", s)  # the stub in tests
    assert credentials_for("https://evil.example/media/1", s) is None
