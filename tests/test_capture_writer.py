"""The capture writer (`aspirasi capture-writer`) as a real process beside the webhook.

It commits what every web thread sent meanwhile in one transaction and answers each; when it
is not running or goes away, the webhook writes the row itself; when SQLite stays locked, the
webhook spools. Nothing is lost and nothing is stored twice on any of those paths.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading

import pytest

from data import capture_writer, messages, spool
from data.capture_writer import address
from tests.conftest import sign

PATH = "/webhooks/twilio"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def listening(db_path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(address(db_path)) == 0


def wait_for(check, seconds: float = 20.0) -> bool:
    done = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        done.wait(0.05)
    return False


class WriterProcess:
    def __init__(self, db_path: str):
        self.db_path = db_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "capture-writer"], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert wait_for(lambda: listening(db_path) or self.process.poll() is not None)
        assert self.process.poll() is None, self.process.stdout.read()

    def stop(self) -> str:
        """SIGTERM; returns what it printed (its last line counts messages and commits)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=20)
        return output

    def counts(self) -> tuple[int, int]:
        line = [x for x in self.stop().splitlines() if " commits" in x][-1]
        words = line.split()
        return int(words[2]), int(words[5])  # "capture writer: N messages in M commits"


@pytest.fixture
def writer(settings, db, monkeypatch):
    monkeypatch.setattr(capture_writer, "RETRY_AFTER", 0.0)  # no back-off between tests
    messages._writers.clear()
    process = WriterProcess(settings.db_path)
    yield process
    process.stop()
    messages._writers.clear()


def form(n: int, body: str = "jln rusak dkt pasar") -> dict:
    return {"MessageSid": f"SM{n:032d}", "From": f"+62812{n:07d}", "Body": body,
            "To": "+15005550006", "NumMedia": "0"}


def post(client, params: dict):
    return client.post(PATH, data=params, headers={
        "X-Twilio-Signature": sign("http://localhost" + PATH, params)})


def sids(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT provider_sid FROM messages ORDER BY id").fetchall()]


def test_webhooks_are_written_by_the_writer(writer, client, db):
    for n in range(3):
        assert post(client, form(n)).status_code == 200
    assert post(client, form(1)).status_code == 200  # Twilio's retry: stored once
    assert sids(db) == [f"SM{n:032d}" for n in range(3)]
    assert writer.counts() == (4, 4)  # every capture went through it, the retry included


def test_what_arrives_together_is_one_commit(writer, settings, db):
    """Ten web threads' records reach a stopped writer (SIGSTOP): it finds all ten at once."""
    from gateway.twilio_payload import inbound_record

    os.kill(writer.process.pid, signal.SIGSTOP)
    peers = []
    try:
        for n in range(10):  # the kernel queues the connections and buffers the frames
            peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            peer.connect(address(settings.db_path))
            record = inbound_record(list(form(100 + n).items()))
            peer.sendall(capture_writer._frame(record.to_dict()))
            peers.append(peer)
    finally:
        os.kill(writer.process.pid, signal.SIGCONT)
    answers = [capture_writer._read_frame(peer) for peer in peers]
    for peer in peers:
        peer.close()
    assert [a["created"] for a in answers] == [True] * 10
    assert len(set(a["id"] for a in answers)) == 10 == len(sids(db))
    rows, commits = writer.counts()
    assert rows == 10 and commits < 10


def test_without_a_writer_the_webhook_writes_itself(settings, client, db, monkeypatch):
    monkeypatch.setattr(capture_writer, "RETRY_AFTER", 0.0)
    messages._writers.clear()
    assert not listening(settings.db_path)
    assert post(client, form(7)).status_code == 200
    assert sids(db) == [f"SM{7:032d}"]


def test_a_writer_that_dies_loses_nothing(writer, client, db):
    assert post(client, form(1)).status_code == 200
    writer.process.kill()
    writer.process.wait()
    for n in (2, 3):  # the kept connection is dead: the webhook writes these itself
        assert post(client, form(n)).status_code == 200
    assert sids(db) == [f"SM{n:032d}" for n in (1, 2, 3)]


def test_locked_sqlite_means_the_spool(writer, client, db, settings, monkeypatch, tmp_path):
    """The writer waits ASPIRASI_CAPTURE_TIMEOUT_SECONDS, answers busy; the webhook spools."""
    from handlers.spool import import_spool

    monkeypatch.setenv("ASPIRASI_CAPTURE_TIMEOUT_SECONDS", "0.3")
    writer.stop()
    writer.__init__(settings.db_path)  # restarted with the short timeout
    from gateway import create_app

    client = create_app({"TESTING": True}).test_client()
    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert post(client, form(9)).status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    from handlers.settings import load_settings

    s = load_settings()
    assert spool.files(s.effective_spool_dir), "the message is in the spool"
    assert sids(db) == []
    import_spool(db, s)
    assert sids(db) == [f"SM{9:032d}"]


def test_garbage_on_the_socket_is_dropped_and_the_writer_goes_on(writer, client, db):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as rogue:
        rogue.connect(address(writer.db_path))
        rogue.sendall(b"\xff\xff\xff\xff not a frame")
        assert rogue.recv(10) == b""  # closed on us
    assert post(client, form(5)).status_code == 200
    assert sids(db) == [f"SM{5:032d}"]


def test_a_second_writer_for_the_same_file_exits(writer, settings):
    second = subprocess.run([sys.executable, "-m", "gateway.cli", "capture-writer"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "sudah berjalan" in second.stderr


def test_a_hung_writer_costs_one_wait_then_the_webhook_writes_itself(
        writer, settings, db, monkeypatch):
    """A stopped writer: the first capture waits its timeout and spools; the next ones are
    written by the web process at once, not after the same wait each."""
    from gateway import create_app

    monkeypatch.setenv("ASPIRASI_CAPTURE_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setattr(capture_writer, "RETRY_AFTER", 60.0)
    client = create_app({"TESTING": True}).test_client()
    os.kill(writer.process.pid, signal.SIGSTOP)
    try:
        assert post(client, form(1)).status_code == 200  # waited, then spooled
        assert post(client, form(2)).status_code == 200  # written here
        assert post(client, form(3)).status_code == 200
        assert sids(db) == [f"SM{n:032d}" for n in (2, 3)]
    finally:
        os.kill(writer.process.pid, signal.SIGCONT)
    from handlers.settings import load_settings

    assert spool.files(load_settings().effective_spool_dir)
