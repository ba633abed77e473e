"""Backups, the restore drill, and retention (UU PDP): real files, real CLI processes."""

from __future__ import annotations

import json
import os
import tarfile
import threading
from datetime import UTC, datetime, timedelta

from data import audit, clock, messages, retention, spool
from data.db import connect, transaction
from gateway.twilio_payload import inbound_record
from tests.conftest import run_cli
from tests.test_inbox_helpers import make_staff, seed


def test_restore_drill(env, db, settings, tmp_path):
    """Back up while the gateway writes, restore elsewhere, and find every row again."""
    make_staff(db, "rina", "admin")
    ticket = seed(db, "jalan rusak di kelurahan Madidir Ure")["ticket"]
    spool.append(settings.effective_spool_dir, "inbound", inbound_record(
        [("MessageSid", "SM" + "9" * 32), ("From", "+6281234567890"), ("Body", "x")]).to_dict())
    stop = threading.Event()

    def keep_writing():  # the gateway goes on capturing during the backup
        writer, n = connect(settings.db_path, durable=True), 0
        while not stop.is_set():
            n += 1
            messages.capture(writer, inbound_record([("MessageSid", f"SMw{n:030d}"),
                                                     ("From", "+6281299999999"),
                                                     ("Body", "tulis terus")]))

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        archive = tmp_path / "cadangan" / "aspirasi-2026-11-30.tar.gz"
        result = run_cli("backup", str(archive), env=env)
    finally:
        stop.set()
        thread.join()
    assert result.returncode == 0, result.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())
    assert {"MANIFEST.json", "aspirasi.db", "spool"} <= set(names)
    assert manifest["counts"]["aspirations"] == 1 and manifest["counts"]["staff_users"] == 1

    elsewhere = dict(env, ASPIRASI_DB=str(tmp_path / "server2" / "aspirasi.db"))
    restored = run_cli("restore", str(archive), env=elsewhere)
    assert restored.returncode == 0, restored.stderr
    again = connect(elsewhere["ASPIRASI_DB"])
    assert again.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for table, count in manifest["counts"].items():
        assert again.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count, table
    assert again.execute("SELECT ticket FROM aspirations").fetchone()[0] == ticket
    assert os.listdir(tmp_path / "server2" / "spool")  # the unimported spool came along

    refused = run_cli("restore", str(archive), env=elsewhere)
    assert refused.returncode != 0 and "--force" in refused.stderr
    forced = run_cli("restore", str(archive), "--force", env=elsewhere)
    assert forced.returncode == 0 and "before-restore" in forced.stdout


def test_restore_refuses_what_is_not_a_backup(env, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    with tarfile.open(junk, "w:gz") as tar:
        tar.add(__file__, arcname="aspirasi.db")
    elsewhere = dict(env, ASPIRASI_DB=str(tmp_path / "x" / "aspirasi.db"))
    result = run_cli("restore", str(junk), env=elsewhere)
    assert result.returncode != 0 and "MANIFEST.json" in result.stderr
    assert not os.path.exists(elsewhere["ASPIRASI_DB"])


def age(db, days: int) -> None:
    """Everything so far happened `days` ago."""
    stamp = clock.iso(datetime.now(UTC) - timedelta(days=days))
    with transaction(db):
        for table, column in (("messages", "received_at"), ("aspirations", "updated_at"),
                              ("outbox", "created_at"), ("contacts", "last_seen")):
            db.execute(f"UPDATE {table} SET {column} = ?", [stamp])


def test_retention_masks_closed_tickets_and_keeps_open_ones(db, env):
    closed = seed(db, "jalan rusak di kelurahan Madidir Ure", address="+6281211110001",
                  extra=[("ProfileName", "Om Yan")])
    kept = seed(db, "lampu mati di kel. Girian Bawah", address="+6281211110002")
    with transaction(db):
        db.execute("UPDATE aspirations SET status = 'selesai' WHERE id = ?", [closed["id"]])
        db.execute("INSERT INTO outbox (dedupe_key, kind, contact_id, aspiration_id, channel, "
                   "to_address, body, status, next_attempt_at, created_at, updated_at) VALUES "
                   "('a', 'ack', ?, ?, 'sms', '+6281211110001', 'x', 'sent', '', '', '')",
                   [closed["contact_id"], closed["id"]])
    age(db, 400)
    result = run_cli("retention", "--days", "365", env=env)
    assert result.returncode == 0, result.stderr
    scrubbed = db.execute("SELECT m.raw, m.sender, m.profile_name FROM messages m JOIN "
                          "aspirations a ON a.message_id = m.id WHERE a.id = ?",
                          [closed["id"]]).fetchone()
    assert scrubbed == ("[]", "+62812****001", None)
    assert db.execute("SELECT to_address FROM outbox").fetchone()[0] == "+62812****001"
    row = db.execute("SELECT text, category, contact_id FROM aspirations WHERE id = ?",
                     [closed["id"]]).fetchone()
    assert row == ("jalan rusak di kelurahan Madidir Ure", "infrastruktur", None)
    addresses = {r[0] for r in db.execute("SELECT address FROM contacts")}
    assert "+6281211110001" not in addresses and "+6281211110002" in addresses  # open: kept
    assert "+6281211110002" in db.execute(
        "SELECT raw FROM messages m JOIN aspirations a ON a.message_id = m.id WHERE a.id = ?",
        [kept["id"]]).fetchone()[0]
    (entry,) = audit.recent(db, action="retention")
    assert json.loads(entry["detail"])["tickets"] == 1 and entry["actor"] == "cli"
    assert retention.run(db, 365) == dict.fromkeys(
        ("tickets", "messages", "outbox", "status_events", "contacts"), 0)  # once is enough


def test_retention_is_off_unless_set(env, db):
    result = run_cli("retention", env=env)
    assert result.returncode != 0 and "ASPIRASI_RETENTION_DAYS" in result.stderr


def test_the_worker_applies_retention_hourly(monkeypatch, env, db, redis_conn):
    from handlers import retention as hook
    from handlers.settings import load_settings

    seed(db, "jalan rusak di kelurahan Madidir Ure")
    with transaction(db):
        db.execute("UPDATE aspirations SET status = 'ditolak'")
    age(db, 40)
    monkeypatch.setenv("ASPIRASI_RETENTION_DAYS", "30")
    s = load_settings()
    hook.maybe_run(db, redis_conn, s)
    hook.maybe_run(db, redis_conn, s)  # within the hour: nothing more
    assert len(audit.recent(db, action="retention")) == 1
    assert db.execute("SELECT redacted_at IS NOT NULL FROM aspirations").fetchone() == (1,)
