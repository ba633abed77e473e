"""The fault suite: real worker processes (one per lane, as the Procfile runs them), a real
Redis, a real SQLite file and the real twilio client against the stub, then kill -9, Redis
stopped and started, the database locked for 60 s, Twilio failing, and a 2,000-recipient
broadcast while citizens text. Every test counts at the Twilio stub: 0 lost, 0 duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from urllib.parse import urlencode

import pytest

from data import broadcasts, contacts
from handlers import queue
from tests.conftest import SMS_FROM, sign
from tests.test_broadcast_delivery import confirmed_broadcast
from tests.test_broadcast_sms import GIRIAN, seed

pytestmark = pytest.mark.slow
PATH = "/webhooks/twilio"
LOCK_SECONDS = float(os.environ.get("ASPIRASI_TEST_LOCK_SECONDS", "60"))


def form(sender: str, body: str, n: int) -> dict:
    return {"MessageSid": f"SM{n:032x}", "AccountSid": "AC" + "1" * 32, "From": sender,
            "To": SMS_FROM, "Body": body, "NumMedia": "0"}


def citizen(n: int) -> str:
    return f"+62812{n:08d}"


def post(base: str, params: dict, path: str = PATH) -> int:
    """A signed webhook over real HTTP, as Twilio sends it."""
    data = urlencode(params).encode()
    request = urllib.request.Request(base + path, data=data, headers={
        "X-Twilio-Signature": sign(base + path, params),
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


class Workers:
    """`aspirasi worker --lane …` subprocesses with the test's environment."""

    def __init__(self, tmp_path, **extra):
        self.env = dict(os.environ, **extra)
        self.logs = tmp_path
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, *lanes: str) -> Workers:
        for lane in lanes:
            log = open(self.logs / f"worker-{lane}-{time.monotonic_ns()}.log", "w")
            self.procs[lane] = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", "worker", "--lane", lane], env=self.env,
                stdout=log, stderr=log)
        return self

    def kill(self, lane: str) -> None:
        self.procs[lane].send_signal(signal.SIGKILL)
        self.procs[lane].wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=15)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def settled(db) -> bool:
    return not db.execute(
        "SELECT (SELECT count(*) FROM messages WHERE status = 'captured') + (SELECT count(*) "
        "FROM outbox WHERE status IN ('queued', 'sending'))").fetchone()[0]


ACKS = ("Aspirasi diterima", "Usulan serupa sudah ada")  # a new ticket, or one joining an usulan


def acks_by_sender(stub) -> Counter:
    return Counter(m["to"] for m in stub.messages if m["body"].startswith(ACKS))


def test_worker_killed_mid_drain_loses_and_repeats_nothing(tmp_path, live_server, db,
                                                           twilio_stub):
    senders = [citizen(n) for n in range(100)]
    for n, sender in enumerate(senders):
        assert post(live_server.url, form(sender, "jalan rusak di kel. girian bawah", n)) == 200
    workers = Workers(tmp_path, ASPIRASI_SEND_RATE="50", ASPIRASI_STALE_SENDING_SECONDS="2")
    try:
        workers.start("ingest")
        wait_for(lambda: len(twilio_stub.messages) >= 25, 60, "the acks to start")
        workers.kill("ingest")
        assert len(twilio_stub.messages) < 100  # really killed in the middle
        workers.start("ingest")
        wait_for(lambda: settled(db) and len(twilio_stub.messages) >= 100, 90,
                 "the restarted worker to finish")
    finally:
        workers.stop()
    assert acks_by_sender(twilio_stub) == Counter(senders)  # each exactly once


def test_worker_killed_mid_broadcast_while_citizens_wait(tmp_path, live_server, db,
                                                         redis_conn, twilio_stub):
    numbers = seed(db, GIRIAN, 120, 1)
    broadcast_id = confirmed_broadcast(db, {"kelurahan": [GIRIAN]})
    queue.wake(redis_conn, "broadcast", broadcast_id)
    workers = Workers(tmp_path, ASPIRASI_SEND_RATE="40", ASPIRASI_STALE_SENDING_SECONDS="2",
                      ASPIRASI_SLICE_SECONDS="0.5")
    try:
        workers.start("ingest", "bulk")
        wait_for(lambda: len(twilio_stub.messages) >= 30, 60, "the broadcast to start")
        workers.kill("bulk")
        assert broadcasts.get(db, broadcast_id)["state"] == "sending"
        post(live_server.url, form(citizen(1), "lampu jalan mati", 1))  # the ingest lane lives
        wait_for(lambda: acks_by_sender(twilio_stub)[citizen(1)], 30, "an ack without bulk")
        workers.start("bulk")
        wait_for(lambda: broadcasts.get(db, broadcast_id)["state"] == "done", 90,
                 "the restarted bulk worker to finish the broadcast")
    finally:
        workers.stop()
    received = Counter(m["to"] for m in twilio_stub.messages if m["body"].startswith("[Lurah"))
    assert sorted(received) == sorted(numbers) and set(received.values()) == {1}


def test_redis_stopped_and_started_loses_nothing(tmp_path, monkeypatch, env, db, twilio_stub):
    from gateway import create_app, embedded_redis

    folder = tmp_path / "own-redis"
    socket_path = str(folder / "redis.sock")
    server = embedded_redis.start(str(folder), socket_path)
    monkeypatch.setenv("REDIS_URL", f"unix://{socket_path}")
    client = create_app({"TESTING": True}).test_client()

    def send(n):
        params = form(citizen(n), f"jalan rusak nomor {n}", n)
        sig = sign("http://localhost" + PATH, params)
        assert client.post(PATH, data=params, headers={"X-Twilio-Signature": sig}).status_code \
            == 200

    workers = Workers(tmp_path, REDIS_URL=f"unix://{socket_path}")
    try:
        workers.start("all")
        for n in range(10):
            send(n)
        wait_for(lambda: len(twilio_stub.messages) >= 10, 60, "acks while Redis is up")
        server.terminate()
        server.wait(timeout=10)
        for n in range(10, 30):
            send(n)  # Redis is down: captured in SQLite, still 200
        assert db.execute("SELECT count(*) FROM messages WHERE status = 'captured'"
                          ).fetchone()[0] == 20
        server = embedded_redis.start(str(folder), socket_path)
        wait_for(lambda: settled(db) and len(twilio_stub.messages) >= 30, 90,
                 "the worker to catch up after Redis came back")
    finally:
        workers.stop()
        server.terminate()
        server.wait(timeout=10)
    assert acks_by_sender(twilio_stub) == Counter(citizen(n) for n in range(30))


LOCK_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def test_sqlite_locked_60_s_during_webhooks_goes_through_the_spool(
        tmp_path, monkeypatch, env, settings, db, twilio_stub):
    monkeypatch.setenv("ASPIRASI_CAPTURE_TIMEOUT_SECONDS", "2")
    from werkzeug.serving import make_server

    from gateway import create_app

    server = make_server("127.0.0.1", 0, create_app({"TESTING": True}), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    workers = Workers(tmp_path, ASPIRASI_CAPTURE_TIMEOUT_SECONDS="2",
                      ASPIRASI_STALE_SENDING_SECONDS="5").start("ingest", "bulk")
    before = [citizen(n) for n in range(10)]
    for n, sender in enumerate(before):
        post(base, form(sender, "got tersumbat di kel. madidir ure", n))
    wait_for(lambda: db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'"
                                ).fetchone()[0] == 10, 60, "acks before the lock")
    sids = [m["sid"] for m in twilio_stub.messages]
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, settings.db_path,
                               str(LOCK_SECONDS)], stdout=subprocess.PIPE, text=True)
    statuses: list[int] = []
    try:
        assert holder.stdout.readline().strip() == "locked"
        during = [citizen(n) for n in range(100, 160)]

        def sender(chunk):
            for n in chunk:
                statuses.append(post(base, form(citizen(n), "lampu jalan mati", n)))
                time.sleep(LOCK_SECONDS / 40)

        threads = [threading.Thread(target=sender, args=(range(100 + k, 160, 4),))
                   for k in range(4)]
        for thread in threads:
            thread.start()
        for sid in sids:  # delivery reports arrive while locked too
            statuses.append(post(base, {"MessageSid": sid, "MessageStatus": "delivered"},
                                 PATH + "/status"))
        for thread in threads:
            thread.join()
        assert holder.poll() is None  # every post was answered while the lock was held
        assert statuses == [200] * (len(during) + len(sids))
        assert holder.wait(timeout=LOCK_SECONDS + 30) == 0
        wait_for(lambda: settled(db) and len(twilio_stub.messages) >= 70, 120,
                 "the spool to be imported and acked")
    finally:
        holder.kill()
        workers.stop()
        server.shutdown()
    assert acks_by_sender(twilio_stub) == Counter(before + during)
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 70
    delivered = db.execute("SELECT count(*) FROM outbox WHERE status = 'delivered'").fetchone()
    assert delivered == (10,)
    spool_dir = settings.effective_spool_dir
    lines = sum(len(open(os.path.join(spool_dir, n)).readlines()) for n in os.listdir(spool_dir))
    assert lines >= 60  # they did go through the spool


def test_twilio_500_429_and_timeouts_send_each_ack_once(signed_post, run_worker, db,
                                                        twilio_stub):
    behaviours = ["500", "429", "hang_after_create", "503", "hang", "nosid", "63018"]
    twilio_stub.push(*(behaviours * 3))
    senders = [citizen(n) for n in range(40)]
    for n, sender in enumerate(senders):
        assert signed_post(PATH, form(sender, "air bersih nda jalan", n)).status_code == 200
    run_worker(120)
    assert acks_by_sender(twilio_stub) == Counter(senders)
    assert db.execute("SELECT DISTINCT status FROM outbox").fetchall() == [("sent",)]


def test_a_2000_recipient_broadcast_never_delays_citizens_and_stop_holds(
        tmp_path, live_server, db, redis_conn, twilio_stub):
    numbers = seed(db, GIRIAN, 2000, 1)
    quitter = numbers[-1]  # planned last: not yet sent when the STOP arrives
    broadcast_id = confirmed_broadcast(db, {"kelurahan": [GIRIAN]})
    workers = Workers(tmp_path, ASPIRASI_SEND_RATE="300", ASPIRASI_SLICE_SECONDS="1")
    try:
        workers.start("ingest", "bulk")
        queue.wake(redis_conn, "broadcast", broadcast_id)
        wait_for(lambda: len(twilio_stub.messages) >= 200, 60, "the broadcast to be under way")
        post(live_server.url, form(quitter, "STOP", 9000))
        senders = [citizen(n) for n in range(20)]
        for n, sender in enumerate(senders):
            post(live_server.url, form(sender, "jembatan di kel. girian bawah so lapuk", n))
        wait_for(lambda: broadcasts.get(db, broadcast_id)["state"] == "done" and settled(db),
                 120, "the broadcast to finish")
    finally:
        workers.stop()
    sent = [m["to"] for m in twilio_stub.messages if m["body"].startswith("[Lurah")]
    assert Counter(sent) == Counter(n for n in numbers if n != quitter)  # STOP held, no dup
    row = db.execute("SELECT status FROM outbox WHERE to_address = ? AND broadcast_id = ?",
                     [quitter, broadcast_id]).fetchone()
    assert row == ("canceled",)
    assert contacts.by_address(db, quitter)["opted_out"] == 1
    assert acks_by_sender(twilio_stub) == Counter(senders)
    # the acks did not queue behind the broadcast: each reached Twilio while a quarter or
    # more of the broadcast was still unsent
    order = [m["to"] for m in twilio_stub.messages]
    broadcast_positions = [i for i, m in enumerate(twilio_stub.messages)
                           if m["body"].startswith("[Lurah")]
    three_quarters = broadcast_positions[len(broadcast_positions) * 3 // 4]
    assert max(order.index(s) for s in senders) < three_quarters
    assert broadcasts.progress(db, broadcast_id) == {"sent": 1999, "canceled": 1, "total": 2000}


def test_capture_writer_killed_mid_burst_loses_and_repeats_nothing(
        tmp_path, live_server, db, twilio_stub, settings):
    """8 senders post 120 webhooks over HTTP while the capture writer runs, is SIGKILLed
    half-way and is started again: every message is stored once and acked once."""
    import threading

    from data import messages
    from tests.test_capture_writer import WriterProcess

    messages._writers.clear()
    senders = [citizen(n) for n in range(120)]
    writer = WriterProcess(settings.db_path)
    statuses: list[int] = []

    def burst(part: list[int]):
        for n in part:
            statuses.append(post(live_server.url, form(senders[n], "jalan rusak dekat pasar", n)))

    threads = [threading.Thread(target=burst, args=(list(range(k, 120, 8)),)) for k in range(8)]
    workers = Workers(tmp_path, ASPIRASI_SEND_RATE="100")
    restarted = None
    try:
        for thread in threads:
            thread.start()
        wait_for(lambda: db.execute("SELECT count(*) FROM messages").fetchone()[0] >= 40, 60,
                 "the writer to store the first messages")
        writer.process.kill()
        writer.process.wait()
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] < 120  # mid-burst
        restarted = WriterProcess(settings.db_path)
        for thread in threads:
            thread.join(60)
        assert statuses == [200] * 120
        workers.start("ingest")
        wait_for(lambda: settled(db) and len(twilio_stub.messages) >= 120, 90,
                 "every ack to be sent")
    finally:
        workers.stop()
        writer.stop()
        if restarted is not None:
            restarted.stop()
        messages._writers.clear()
    assert db.execute("SELECT count(DISTINCT provider_sid), count(*) FROM messages"
                      ).fetchone() == (120, 120)
    assert acks_by_sender(twilio_stub) == Counter(senders)  # each exactly once
