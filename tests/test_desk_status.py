"""Safe status changes: a sensible pre-selection, only the fields a status needs, the exact SMS
previewed, and a hold in the outbox that the sender honours and "Batalkan" undoes."""

from __future__ import annotations

import re

import pytest

from data import audit
from data.db import transaction
from tests.test_inbox_helpers import login, make_staff, post, seed


@pytest.fixture
def held(monkeypatch, env):
    """The real undo window (60 s) instead of the test default of 0."""
    monkeypatch.setenv("ASPIRASI_UNDO_SECONDS", "60")


@pytest.fixture
def staf(client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    return client


def status_select(html: str) -> str:
    return html.split('id="status-select"')[1].split("</select>")[0]


def test_the_form_suggests_the_next_step_never_a_closing_one(staf, db):
    row = seed(db, "jalan rusak di kelurahan Madidir Ure")
    select = status_select(staf.get(f"/inbox/{row['ticket']}").get_data(as_text=True))
    assert '<option value="diverifikasi" selected>' in select
    assert '<option value="ditolak" >ditolak (menutup tiket)' in select
    post(staf, f"/inbox/{row['ticket']}/status", {"status": "diverifikasi"})
    post(staf, f"/inbox/{row['ticket']}/status", {"status": "diteruskan", "opd": "Dinas PUPR"})
    select = status_select(staf.get(f"/inbox/{row['ticket']}").get_data(as_text=True))
    # after "diteruskan" only closing steps remain: nothing is pre-selected
    assert '<option value="" selected>— pilih status —</option>' in select
    assert "selected>selesai" not in select and 'value="selesai" >selesai (menutup tiket)' in select
    response = post(staf, f"/inbox/{row['ticket']}/status", {"status": ""})
    assert "Pilih status baru" in staf.get(response.headers["Location"]).get_data(as_text=True)
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "diteruskan"


def test_only_the_fields_a_status_needs_are_kept(staf, db):
    row = seed(db, "jalan rusak di kelurahan Madidir Ure")
    post(staf, f"/inbox/{row['ticket']}/status",
         {"status": "diverifikasi", "opd": "Dinas PUPR", "reason": "tidak relevan"})
    change = db.execute("SELECT opd, reason FROM status_changes").fetchone()
    assert change == (None, None)
    body = db.execute("SELECT body FROM outbox WHERE kind = 'status'").fetchone()[0]
    assert "Dinas PUPR" not in body and "tidak relevan" not in body


def test_the_preview_is_the_exact_sms(staf, db):
    row = seed(db, "jalan rusak di kelurahan Madidir Ure")
    url = f"/inbox/{row['ticket']}/status/pratinjau.json"
    answer = staf.get(url, query_string={"status": "ditolak", "reason": "Sudah ada di RKPD"}).json
    assert answer["fields"] == ["reason"] and answer["closing"] and answer["segments"] == 1
    post(staf, f"/inbox/{row['ticket']}/status", {"status": "ditolak",
                                                   "reason": "Sudah ada di RKPD"})
    sent = db.execute("SELECT body FROM outbox WHERE kind = 'status'").fetchone()[0]
    assert answer["text"] == sent
    assert staf.get(url, query_string={"status": "selesai"}).json["text"] is None  # not allowed


def test_the_sender_honours_the_hold_and_batalkan_undoes_it(held, staf, db, run_worker,
                                                            twilio_stub):
    row = seed(db, "jalan rusak di kelurahan Madidir Ure")
    post(staf, f"/inbox/{row['ticket']}/status", {"status": "diverifikasi"})
    run_worker_until_idle(run_worker, db)
    assert twilio_stub.creates() == []  # held: the worker ran and sent nothing
    outbox_row = db.execute("SELECT status, attempts FROM outbox WHERE kind = 'status'").fetchone()
    assert outbox_row == ("queued", 0)
    html = staf.get(f"/inbox/{row['ticket']}").get_data(as_text=True)
    change_id = re.search(r'/status/(\d+)/batal', html).group(1)
    assert 'id="undo"' in html and "data-countdown" in html
    post(staf, f"/inbox/{row['ticket']}/status/{change_id}/batal")
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "baru"
    assert db.execute("SELECT status FROM outbox WHERE kind = 'status'").fetchone()[0] == \
        "canceled"
    with transaction(db):  # even once the hold has passed, a canceled SMS never goes
        db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z'")
    run_worker()
    assert twilio_stub.creates() == []
    page = staf.get(f"/inbox/{row['ticket']}").get_data(as_text=True)
    assert "membatalkan perubahan status (kembali ke baru; SMS tidak dikirim)" in page
    assert "dibatalkan" in page and 'id="undo"' not in page
    assert audit.recent(db, action="status_undo")[0]["target"] == row["ticket"]


def test_once_the_sms_left_the_change_stands(held, staf, db, run_worker, twilio_stub):
    row = seed(db, "jalan rusak di kelurahan Madidir Ure")
    post(staf, f"/inbox/{row['ticket']}/status", {"status": "diverifikasi"})
    with transaction(db):  # the 60 seconds are over
        db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z'")
    run_worker()
    assert [m["Body"] for m in twilio_stub.creates()][-1].startswith(f"Tiket {row['ticket']}")
    change_id = db.execute("SELECT id FROM status_changes").fetchone()[0]
    response = post(staf, f"/inbox/{row['ticket']}/status/{change_id}/batal")
    assert "sudah dikirim" in staf.get(response.headers["Location"]).get_data(as_text=True)
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "diverifikasi"


def test_only_the_latest_change_can_be_undone(held, staf, db):
    row = seed(db, "jalan rusak di kelurahan Madidir Ure")
    post(staf, f"/inbox/{row['ticket']}/status", {"status": "diverifikasi"})
    post(staf, f"/inbox/{row['ticket']}/status", {"status": "diteruskan", "opd": "Dinas PUPR"})
    first, second = [r[0] for r in db.execute("SELECT id FROM status_changes ORDER BY id")]
    post(staf, f"/inbox/{row['ticket']}/status/{first}/batal")
    assert db.execute("SELECT status FROM aspirations").fetchone()[0] == "diteruskan"
    post(staf, f"/inbox/{row['ticket']}/status/{second}/batal")
    assert db.execute("SELECT status, opd FROM aspirations").fetchone() == ("diverifikasi", None)
    post(staf, f"/inbox/{row['ticket']}/status/{second}/batal")  # twice: nothing more
    assert db.execute("SELECT count(*) FROM status_changes WHERE undo_of IS NOT NULL"
                      ).fetchone()[0] == 1


def run_worker_until_idle(run_worker, db):
    """The worker's burst run, without waiting for the held row (it is not due)."""
    from handlers.settings import load_settings
    from handlers.worker import run

    run(load_settings(), burst=True)
