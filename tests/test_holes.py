"""Regression tests for the twelve holes of issue 9, one section each; every test here failed
on the code before the fix (see the commit that added it)."""

from __future__ import annotations

import http.client
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from data import broadcasts, contacts
from data.db import transaction
from tests.conftest import SMS_FROM, sign
from tests.test_inbox_helpers import PASSWORD, csrf, login, make_staff, post, seed

PATH = "/webhooks/twilio"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sms(body: str, sid: str, sender: str = "+6281234567890") -> dict:
    return {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender, "To": SMS_FROM,
            "Body": body, "NumMedia": "0"}


# --- 1. a kelurahan account reads other kelurahan's conversation ------------------------------

def test_01_kelurahan_account_sees_only_its_kelurahan_in_a_conversation(client, db):
    own = seed(db, "jalan rusak di kelurahan Madidir Ure")
    other = seed(db, "lampu mati di kel. Girian Bawah rahasia-warga")  # the same sender
    assert other["kelurahan"] == "Girian Bawah"
    make_staff(db, "ani", "staf")
    login(client, "ani")
    post(client, f"/inbox/{other['ticket']}/balas", {"body": "balasan-rahasia"})
    post(client, f"/inbox/{other['ticket']}/status", {"status": "ditolak",
                                                       "reason": "alasan-rahasia"})
    post(client, "/logout")
    make_staff(db, "lurah", "kelurahan", "Madidir Ure")
    login(client, "lurah")
    page = client.get(f"/inbox/{own['ticket']}").get_data(as_text=True)
    assert "jalan rusak di kelurahan Madidir Ure" in page
    for secret in ("rahasia-warga", "balasan-rahasia", "alasan-rahasia"):
        assert secret not in page
    listed = client.get(f"/inbox/{own['ticket']}/pengiriman.json").json
    theirs = {str(r[0]) for r in db.execute("SELECT id FROM outbox WHERE aspiration_id = ?",
                                            [other["id"]])}
    assert len(theirs) == 2 and not theirs & set(listed)


# --- 2. open redirect after login -------------------------------------------------------------

@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
                                    "/ /evil.example", "/\\/evil.example", "/x\\..\\/evil"])
def test_02_login_never_redirects_off_site(client, db, target):
    make_staff(db, "ani", "staf")
    response = client.post("/login", query_string={"next": target}, data={
        "username": "ani", "password": PASSWORD, "csrf_token": csrf(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"


# --- 3. sessions are not revocable ------------------------------------------------------------

def saved_session(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/inbox")


def test_03_a_copied_session_cookie_dies_with_logout(app, client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    cookie = saved_session(client)
    assert replay(app, cookie).status_code == 200
    post(client, "/logout")
    assert replay(app, cookie).status_code == 302


def test_03_a_password_reset_ends_every_session(app, client, db):
    make_staff(db, "ani", "staf")
    make_staff(db, "rina", "admin")
    login(client, "ani")
    cookie = saved_session(client)
    admin = app.test_client()
    login(admin, "rina")
    response = post(admin, "/admin/staff", {"username": "ani", "role": "staf", "update": "1",
                                            "password": "sandi-baru-123"})
    assert response.status_code == 302
    assert replay(app, cookie).status_code == 302
    assert client.get("/inbox").status_code == 302  # the browser's own session too
    assert login(client, "ani", "sandi-baru-123").status_code == 302


# --- 4. duplicate send after timeouts ---------------------------------------------------------

def test_04_two_identical_uncertain_replies_make_two_messages(signed_post, run_worker, db,
                                                              twilio_stub):
    """Two BANTUAN from one number; both replies time out after Twilio took them."""
    twilio_stub.push("hang_after_create", "hang_after_create")
    signed_post(PATH, sms("BANTUAN", "SM" + "4" * 32))
    signed_post(PATH, sms("BANTUAN", "SM" + "5" * 32))
    run_worker(30)
    assert len(twilio_stub.messages) == 2
    rows = db.execute("SELECT status, provider_sid FROM outbox ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["sent", "sent"]
    assert {r[1] for r in rows} == {m["sid"] for m in twilio_stub.messages}


def test_04_a_reply_twilio_takes_only_after_our_timeout_is_sent_once(signed_post, run_worker,
                                                                    db, twilio_stub):
    """Twilio is slower than our timeout (1 s here) and creates the message 1.6 s in: the
    lookup must wait as long again as the timeout (2 s in), not the first retry's 0.05 s,
    or it finds nothing and sends again."""
    twilio_stub.late_seconds = 1.6
    twilio_stub.push("create_late")
    signed_post(PATH, sms("BANTUAN", "SM" + "6" * 32))
    run_worker(30)
    time.sleep(max(0.0, twilio_stub.requests[0]["at"] + 2.0 - time.monotonic()))  # it created
    assert len(twilio_stub.messages) == 1
    (row,) = db.execute("SELECT status, provider_sid FROM outbox").fetchall()
    assert row == ("sent", twilio_stub.messages[0]["sid"])
    lookups = [r for r in twilio_stub.requests if r["method"] == "GET"]
    assert lookups and lookups[0]["at"] >= twilio_stub.requests[0]["at"] + 2.0


# --- 5. anyone can lock any account -----------------------------------------------------------

def at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_05_a_stranger_cannot_lock_out_the_admin(app, db):
    make_staff(db, "rina", "admin")
    stranger = at(app, "10.0.0.66")
    for _ in range(8):
        assert login(stranger, "rina", "tebak-tebak").status_code in (401, 429)
    assert login(stranger, "rina").status_code == 429  # the stranger's address waits
    assert login(at(app, "10.0.0.7"), "rina").status_code == 302  # the admin does not


def test_05_a_throttled_attempt_spends_no_scrypt(app, db, monkeypatch):
    from gateway import accounts

    make_staff(db, "rina", "admin")
    stranger = at(app, "10.0.0.66")
    for _ in range(5):
        login(stranger, "rina", "tebak-tebak")
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda *a: checked.append(1) or real(*a))  # a spy on werkzeug's
    response = login(stranger, "rina", "tebak-lagi")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert checked == []
    before = db.execute("SELECT failures FROM login_throttle WHERE username = 'rina'").fetchone()
    assert before == (5,)  # a throttled attempt is not counted either


def test_05_rows_for_unknown_usernames_are_capped(db):
    from data import staff_accounts as staff

    with transaction(db):
        for n in range(staff.MAX_UNKNOWN_ROWS + 200):
            staff.count_failure(db, f"nobody{n}", f"10.1.{n // 250}.{n % 250}", known=False)
    unknown = db.execute("SELECT count(*) FROM login_throttle WHERE known = 0").fetchone()[0]
    assert unknown == staff.MAX_UNKNOWN_ROWS


# --- 6. dates outside what datetime can move to UTC -------------------------------------------

@pytest.mark.parametrize("query", ["sampai=9999-12-31", "dari=0001-01-01",
                                   "dari=0001-01-01&sampai=9999-12-31"])
@pytest.mark.parametrize("path", ["/inbox", "/inbox/export.csv"])
def test_06_extreme_dates_are_dropped_not_a_500(client, db, query, path):
    seed(db, "jalan rusak di kelurahan Madidir Ure")
    make_staff(db, "ani", "admin")
    login(client, "ani")
    response = client.get(f"{path}?{query}")
    if path == "/inbox":  # the page drops the date and says so
        assert response.status_code == 200 and "di luar rentang" in response.get_data(as_text=True)
    else:  # an export refuses rather than silently exporting everything
        assert response.status_code == 400 and b"di luar rentang" in response.data


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_06_a_broadcast_scheduled_in_year_1_is_refused(client, db, when):
    make_staff(db, "ani", "admin")
    login(client, "ani")
    response = post(client, "/broadcasts/baru", {"text": "Rapat", "semua": "1", "jadwal": when})
    assert response.status_code == 400
    assert "Jadwal harus berupa tanggal" in response.get_data(as_text=True)


# --- 7. a lock past busy_timeout loses webhooks -----------------------------------------------

def test_07_a_locked_database_answers_200_and_loses_nothing(monkeypatch, env, settings, db,
                                                            run_worker, twilio_stub):
    monkeypatch.setenv("ASPIRASI_CAPTURE_TIMEOUT_SECONDS", "0.5")
    from gateway import create_app

    client = create_app({"TESTING": True}).test_client()
    params = sms("jembatan di kel. tendeki so lapuk", "SM" + "7" * 32)
    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a backup or a long admin query holds the write lock
    try:
        response = client.post(PATH, data=params,
                               headers={"X-Twilio-Signature": sign("http://localhost" + PATH,
                                                                   params)})
        assert response.status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    run_worker()
    assert db.execute("SELECT status FROM messages").fetchall() == [("processed",)]
    assert [c["To"] for c in twilio_stub.creates()] == ["+6281234567890"]


# --- 8. a late `read` hides a failure ---------------------------------------------------------

@pytest.mark.parametrize("final", ["failed", "undelivered"])
def test_08_a_late_read_never_overwrites_a_failure(signed_post, run_worker, db, twilio_stub,
                                                   final):
    signed_post(PATH, sms("jalan rusak", "SM" + "8" * 32))
    run_worker()
    sid = db.execute("SELECT provider_sid FROM outbox").fetchone()[0]
    for state in (final, "read"):
        signed_post(PATH + "/status", {"MessageSid": sid, "MessageStatus": state,
                                       "ErrorCode": "30003" if state == final else ""})
    assert db.execute("SELECT status FROM outbox").fetchone()[0] == final


# --- 9. broadcasts planned to addresses nobody may answer -------------------------------------

def test_09_broadcasts_reach_only_addresses_we_may_send_to(db):
    good = ["+6281234567001", "+6281234567002"]
    bad = ["+", "whatsapp:+6281234567003", "+62<b>1</b>", "TELKOMSEL", "US.12345"]
    with transaction(db):
        contacts.upsert_many(db, [{"address": a, "kelurahan": "Girian Bawah",
                                   "kecamatan": "Girian"} for a in good + bad + ["US.777"]])
        for address in ("TELKOMSEL", "US.777"):  # WhatsApp, inside the 24-hour window
            contacts.touch(db, address, "whatsapp")
    target = {"kelurahan": ["Girian Bawah"]}
    assert broadcasts.count_recipients(db, target) == 3  # US.777 only on WhatsApp
    with transaction(db):
        b = broadcasts.create(db, origin="web", created_by="ani", text="x", body="x",
                              target=target, recipients=0, segments=1)
    assert broadcasts.plan(db, b["id"]) == 3
    planned = {r[0] for r in db.execute("SELECT to_address FROM outbox")}
    assert planned == {*good, "whatsapp:US.777"}


# --- 10. /healthz tells everyone everything, and writes ---------------------------------------

PUBLIC = {"status", "db", "redis", "worker", "spool", "failures", "relays"}


def test_10_public_healthz_has_states_but_no_counts(client, db):
    body = client.get("/healthz").json
    assert set(body) == PUBLIC
    assert body["db"] == "ok" and body["redis"] == "ok" and body["relays"] == {}


def test_10_healthz_counts_for_admins_and_the_token(monkeypatch, env, client, db):
    make_staff(db, "rina", "admin")
    make_staff(db, "ani", "staf")
    login(client, "ani")
    assert "details" not in client.get("/healthz").json
    post(client, "/logout")
    login(client, "rina")
    details = client.get("/healthz").json["details"]
    assert {"queue_depth", "outbox", "failed", "pending_messages"} <= set(details)
    monkeypatch.setenv("ASPIRASI_HEALTH_TOKEN", "t" * 24)
    from gateway import create_app

    monitor = create_app({"TESTING": True}).test_client()
    assert "details" not in monitor.get("/healthz", headers={
        "Authorization": "Bearer wrong-token-wrong-token"}).json
    assert "details" in monitor.get("/healthz", headers={"Authorization": "Bearer " + "t" * 24}).json


def test_10_healthz_takes_no_write_lock(client, db, settings):
    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.get("/healthz")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 200 and response.json["db"] == "ok"


# --- 11. any SECRET_KEY; a racy instance/secret_key -------------------------------------------

def test_11_a_short_secret_key_is_a_config_error():
    from handlers.settings import ConfigError, load_settings

    with pytest.raises(ConfigError) as info:
        load_settings({"SECRET_KEY": "x" * 31})
    assert info.value.variable == "SECRET_KEY" and "x" * 31 not in str(info.value)
    assert load_settings({"SECRET_KEY": "x" * 32}).secret_key == "x" * 32


RACE = """
import sys, time
from gateway import _secret_key
from handlers.settings import load_settings
folder, start, rounds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
for n in range(rounds):
    while time.time() < start + n * 0.03:
        pass
    s = load_settings({"ASPIRASI_DB": f"{folder}/{n}/aspirasi.db"})
    try:
        print(n, _secret_key(s))
    except Exception as exc:
        print(n, "ERROR", type(exc).__name__)
"""


def test_11_processes_starting_together_share_one_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    start, rounds = time.time() + 3, 25
    procs = [subprocess.Popen([sys.executable, "-c", RACE, str(tmp_path), str(start),
                               str(rounds)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    keys: dict[str, set] = {}
    for output in outputs:
        for line in output.splitlines():
            n, key = line.split(" ", 1)
            keys.setdefault(n, set()).add(key)
    assert len(keys) == rounds
    assert all(len(found) == 1 and len(next(iter(found))) == 64 for found in keys.values()), \
        {n: k for n, k in keys.items() if len(k) != 1}


# --- 12. minor: charset twice, chunked 64 KB, invalid UTF-8 -----------------------------------

def test_12_the_export_names_its_charset_once(client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    assert client.get("/inbox/export.csv").headers["Content-Type"] == "text/csv; charset=utf-8"


def chunked_post(url: str, path: str, body: bytes) -> int:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for start in range(0, len(body), 8192):
        part = body[start:start + 8192]
        conn.send(b"%x\r\n%s\r\n" % (len(part), part))
    conn.send(b"0\r\n\r\n")
    status = conn.getresponse().status
    conn.close()
    return status


def test_12_a_chunked_body_over_64_kb_is_413(live_server, db):
    body = b"MessageSid=SM" + b"1" * 32 + b"&From=%2B6281234567890&Body=" + b"x" * 70_000
    assert chunked_post(live_server.url, PATH, body) == 413
    small = b"MessageSid=SM" + b"2" * 32 + b"&From=%2B6281234567890&Body=jalan+rusak"
    assert chunked_post(live_server.url, PATH, small) == 403  # read whole, then unsigned
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_12_invalid_utf8_keeps_the_rest_of_the_form(monkeypatch, env, db):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID")
    from gateway import create_app

    client = create_app({"TESTING": True}).test_client()
    body = b"MessageSid=SM" + b"3" * 32 + b"&From=%2B6281234567890&Body=jalan\xffrusak+parah"
    response = client.post(PATH, data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    row = db.execute("SELECT sender, body FROM messages").fetchone()
    assert row == ("+6281234567890", "jalan\ufffdrusak parah")
