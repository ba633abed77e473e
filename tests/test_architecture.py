"""The house matches its map: what ARCHITECTURE.md promises, checked on the real code."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from data import channels, clock, contacts, messages
from data.db import close_all, connect, open_db, transaction
from gateway.twilio_payload import inbound_record
from tests.test_inbox_helpers import login, make_staff, post

ROOT = Path(__file__).parent.parent
LEGACY_DB = ROOT / "tests" / "data" / "aspirasi-main-3f69484.db"


@pytest.mark.parametrize("module", ["handlers.worker", "gateway.cli"])
def test_the_worker_never_loads_flask_or_werkzeug(module):
    """`aspirasi worker` starts from gateway.cli and runs handlers.worker: no web stack."""
    code = (f"import sys, {module}; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'werkzeug'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_database_from_main_before_this_change_upgrades_in_place(tmp_path, monkeypatch):
    """instance/aspirasi.db written by commit 3f69484 (hand-written migration runner) opens,
    keeps its rows and its record of applied migrations, and works end to end."""
    path = tmp_path / "instance" / "aspirasi.db"
    path.parent.mkdir()
    shutil.copy(LEGACY_DB, path)
    db = open_db(str(path))
    tables = set(db.table_names())
    assert "_migrations" not in tables and "_sqlite_migrations" in tables
    applied = [r[0] for r in db.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'aspirasi' ORDER BY id")]
    assert applied[:4] == ["m0001_core", "m0002_audit", "m0003_staff", "m0004_broadcasts"]
    assert len(applied) == len(set(applied))
    assert db.execute("SELECT count(*) FROM aspirations").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM staff_users").fetchone()[0] == 2
    # the search index built by the old runner still answers
    assert db.execute("SELECT count(*) FROM aspirations_fts WHERE aspirations_fts MATCH "
                      "'rusak'").fetchone()[0] == 1
    # a new message goes through the upgraded file
    with transaction(db):
        message_id, created = messages.capture(db, inbound_record(
            [("MessageSid", "SM" + "d" * 32), ("From", "+6281234567899"), ("Body", "halo")]))
    assert created and messages.get(db, message_id)["provider"] == "twilio"
    close_all()
    again = connect(str(path))
    from data.db import migrate

    assert migrate(again) == []  # nothing pending on the second start


def test_two_processes_starting_together_migrate_once(tmp_path):
    path = tmp_path / "fresh.db"
    code = "import sys; from data.db import open_db; open_db(sys.argv[1]); print('ok')"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    db = connect(str(path))
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations")]
    assert len(names) == len(set(names)) >= 4


NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("last_channel, hours_ago, expected", [
    ("whatsapp", 1, "whatsapp"),
    ("whatsapp", 23.9, "whatsapp"),
    ("whatsapp", 24.1, "sms"),      # the session window has closed: SMS, not a 63016 failure
    ("whatsapp", None, "sms"),
    ("sms", 1, "sms"),              # wrote by SMS last, even with an old WhatsApp window open
    (None, None, "sms"),
])
def test_one_channel_rule_in_python_and_in_sql(db, last_channel, hours_ago, expected):
    stamp = clock.iso(NOW - timedelta(hours=hours_ago)) if hours_ago is not None else None
    contact = {"channel": last_channel, "whatsapp_last_inbound_at": stamp}
    assert channels.for_contact(contact, NOW) == expected
    in_sql = db.execute("SELECT outbound_channel(?, ?, ?)",
                        [last_channel, stamp, channels.window_start(NOW)]).fetchone()[0]
    assert in_sql == expected


def test_a_staff_reply_after_the_whatsapp_window_goes_by_sms(client, db, signed_post,
                                                             run_worker, twilio_stub):
    signed_post("/webhooks/twilio", {
        "MessageSid": "SM" + "e" * 32, "From": "whatsapp:+6281234567890",
        "To": "whatsapp:+14155238886", "Body": "jalan rusak di kel. Madidir Ure"})
    run_worker()
    ticket = db.execute("SELECT ticket FROM aspirations").fetchone()[0]
    assert twilio_stub.creates()[-1]["To"] == "whatsapp:+6281234567890"  # the ack: in window
    with transaction(db):  # two days later
        db.execute("UPDATE contacts SET whatsapp_last_inbound_at = ?",
                   [clock.iso(datetime.now(UTC) - timedelta(days=2))])
    make_staff(db, "ani", "staf")
    login(client, "ani")
    post(client, f"/inbox/{ticket}/balas", {"body": "Petugas akan survei hari Senin."})
    run_worker()
    reply = twilio_stub.creates()[-1]
    assert reply["Body"] == "Petugas akan survei hari Senin."
    assert reply["To"] == "+6281234567890"


def test_group_commit_keeps_each_database_file_apart(tmp_path):
    """Webhook threads of two databases in one process: every message lands in its own file."""
    paths = [str(tmp_path / f"db{n}.db") for n in (1, 2)]
    for path in paths:
        open_db(path, durable=True)
    errors = []

    def capture(path, n):
        try:
            own = connect(path, durable=True)
            for i in range(40):
                sid = f"SM{n:02d}{i:030x}"
                messages.capture(own, inbound_record(
                    [("MessageSid", sid), ("From", "+6281234567890"), ("Body", path)]))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=capture, args=(paths[n % 2], n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for path in paths:
        rows = connect(path).execute("SELECT body, count(*) FROM messages GROUP BY body").fetchall()
        assert rows == [(path, 160)]


def test_roles_and_the_kepala_rule_live_in_data_contacts():
    assert contacts.ROLES == ("warga", "kepala", "staf")
    with pytest.raises(ValueError, match="kepala harus terikat"):
        contacts.check_role("kepala", None)
    with pytest.raises(ValueError, match="tidak dikenal"):
        contacts.check_role("lurah", "Girian Bawah")
    contacts.check_role("kepala", "Girian Bawah")
    assert contacts.is_kepala({"role": "kepala", "kelurahan": "Girian Bawah"})
    assert not contacts.is_kepala({"role": "kepala", "kelurahan": None})


def test_the_send_rate_is_one_bucket_per_transport_and_sender_in_redis(redis_conn, redis_url):
    """Every process shares the bucket (its key names transport + sender, so a relay phone
    gets its own); bulk sends leave a token for citizens."""
    from handlers import ratelimit

    key = ratelimit.bucket_key("twilio", "+15005550006")
    ratelimit.wait_turn(redis_url, "twilio", "+15005550006", 0.5, bulk=False)
    assert redis_conn.exists(key)
    assert not redis_conn.exists(ratelimit.bucket_key("relay", "+15005550006"))
    # one token is left: a bulk send must wait for the reserve, a citizen's does not
    assert ratelimit._take(redis_url, key, 0.5, 1 + ratelimit.RESERVE, False) > 0
    assert ratelimit._take(redis_url, key, 0.5, 1, True) == 0


def test_architecture_md_names_a_home_for_every_rule():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for home in ("data/clock.py", "data/channels.py", "handlers/settings.py",
                 "fit_sms_segment", "data/contacts.py", "handlers/queue.py",
                 "stale_sending_seconds", "opt_out_on", "gateway/twilio_payload.py"):
        assert home in text, home
    for path in ("gateway", "handlers", "data", "parsers"):
        assert (ROOT / path).is_dir()
