"""No silent failure: failed messages and sends are counted in /healthz, listed for admins with
their error and "Proses ulang", requeued by `aspirasi requeue`; a dead worker shows as stale."""

from __future__ import annotations

import json
import time

import pytest

from data import audit, messages
from data.db import transaction
from tests.conftest import run_cli
from tests.test_inbox_helpers import login, make_staff, post

PATH = "/webhooks/twilio"


def sms(n: int, body: str = "jalan rusak di kel. girian bawah") -> dict:
    return {"MessageSid": f"SM{n:032x}", "From": f"+62812000000{n:02d}", "Body": body}


# Our side's problem, permanent until someone fixes the sender: fails at the first attempt.
NOT_SMS_CAPABLE = (400, json.dumps({"code": 21606, "status": 400,
                                    "message": "The 'From' phone number is not SMS-capable"}))


@pytest.fixture
def failed(signed_post, run_worker, db, twilio_stub):
    """One message that failed processing five times, one send that failed on our side."""
    signed_post(PATH, sms(1))
    with transaction(db):
        message_id = db.execute("SELECT id FROM messages").fetchone()[0]
        for _ in range(5):
            messages.mark_failed(db, message_id, "RuntimeError: parser crashed")
    twilio_stub.push(NOT_SMS_CAPABLE)
    signed_post(PATH, sms(2))
    run_worker(30)
    assert db.execute("SELECT status FROM messages ORDER BY id").fetchall() == \
        [("failed",), ("processed",)]
    assert db.execute("SELECT status, error_code FROM outbox").fetchall() == \
        [("failed", "21606")]
    return message_id


def test_healthz_counts_failures_for_admins_and_degrades(client, db, failed):
    public = client.get("/healthz").json
    assert public["failures"] == "present" and public["status"] == "degraded"
    make_staff(db, "rina", "admin")
    login(client, "rina")
    counts = client.get("/healthz").json["details"]["failed"]
    assert counts == {"messages": 1, "outbox": 1, "outbox_requeueable": 1, "recent": 2}


def test_the_admin_page_lists_errors_and_proses_ulang_retries(client, db, failed, run_worker,
                                                              twilio_stub):
    make_staff(db, "rina", "admin")
    login(client, "rina")
    page = client.get("/admin/gagal").get_data(as_text=True)
    assert "RuntimeError: parser crashed" in page and "not SMS-capable" in page
    assert page.count("Proses ulang</button>") == 2
    response = post(client, "/admin/gagal/proses-ulang", {"jenis": "pesan", "id": str(failed)})
    assert response.status_code == 302
    response = post(client, "/admin/gagal/proses-ulang", {"jenis": "kirim", "semua": "1"})
    run_worker()
    assert db.execute("SELECT DISTINCT status FROM messages").fetchall() == [("processed",)]
    assert db.execute("SELECT DISTINCT status FROM outbox").fetchall() == [("sent",)]
    assert sorted(c["To"] for c in twilio_stub.creates() if c["To"].endswith("01")) == \
        ["+6281200000001"]
    assert [r["actor"] for r in audit.recent(db, action="requeue")] == ["rina", "rina"]
    assert "Tidak ada." in client.get("/admin/gagal").get_data(as_text=True)


def test_staff_cannot_requeue(client, db, failed):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    assert client.get("/admin/gagal").status_code == 403
    assert post(client, "/admin/gagal/proses-ulang", {"jenis": "pesan", "semua": "1"}
                ).status_code == 403


def test_recipient_failures_are_listed_but_not_requeued(signed_post, run_worker, client, db,
                                                        twilio_stub):
    twilio_stub.push("21211")
    signed_post(PATH, sms(3))
    run_worker()
    make_staff(db, "rina", "admin")
    login(client, "rina")
    assert "karena penerima" in client.get("/admin/gagal").get_data(as_text=True)
    assert client.get("/healthz").json["failures"] == "none"  # not ours to fix


@pytest.mark.parametrize("flags, expected", [
    ((), "1 pesan masuk, 1 pesan keluar"),
    (("--messages",), "1 pesan masuk, 0 pesan keluar"),
    (("--outbox",), "0 pesan masuk, 1 pesan keluar"),
    (("--since", "2099-01-01"), "0 pesan masuk, 0 pesan keluar"),
])
def test_requeue_cli(env, db, failed, flags, expected):
    result = run_cli("requeue", *flags, env=env)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_requeue_cli_refuses_a_bad_date(env, db):
    result = run_cli("requeue", "--since", "kemarin", env=env)
    assert result.returncode != 0 and "YYYY-MM-DD" in result.stderr


def test_a_worker_that_cannot_start_shows_as_stale(monkeypatch, env, settings, client, db,
                                                   run_worker, tmp_path):
    run_worker()  # a healthy start beats for both lanes
    assert client.get("/healthz").json["worker"] == "ok"
    monkeypatch.setenv("ASPIRASI_HEARTBEAT_STALE_SECONDS", "0.5")
    from gateway import create_app

    watcher = create_app({"TESTING": True}).test_client()
    broken = dict(env, ASPIRASI_DB=str(tmp_path / "not-a-db"))
    (tmp_path / "not-a-db").write_bytes(b"this is not SQLite" * 100)  # a bad migration, say
    result = run_cli("worker", "--burst", env=broken)
    assert result.returncode != 0
    time.sleep(0.6)
    body = watcher.get("/healthz").json
    assert body["worker"] == "stale" and body["status"] == "degraded"
