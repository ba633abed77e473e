"""Webhook benchmark with wrk: the durable capture against bare Flask, interleaved rounds.

    make bench-webhook        # or: .venv/bin/python bench/bench_webhook.py [--rounds 5]

Servers, each under the Procfile's gunicorn settings (gateway/gunicorn_conf.py), started
once and measured in turn, round after round (medians reported):
  bare     bench/bare_app.py: Flask answering the same empty TwiML, reading nothing (ceiling)
  full     the gateway as deployed (Procfile): ASPIRASI_SYNC=full, every capture fsynced
           before its 200, `aspirasi capture-writer` running beside gunicorn
  normal   the same with ASPIRASI_SYNC=normal (WAL, no fsync per commit)
  full-direct, normal-direct (on request, --servers): without the capture writer, each web
           process writing its captures itself (group commit per process), as before it
Load: wrk (Debian's package; a native generator, so its own CPU does not cap the ceiling),
keep-alive, `--connections` connections over `--wrk-threads` threads, replaying requests
signed beforehand with twilio's RequestValidator (bench/wrk_signed.lua): real fields, a
unique MessageSid each, TWILIO_AUTH_TOKEN set so every signature is checked.

Checked, or the bench exits 1: every answer 2xx, no request repeated, and every gateway
stored what wrk counted (a request still in flight when wrk stops may be stored uncounted,
at most one per connection and round). Also printed: CPU per request of the server and of
wrk, the machine's load average before each round, and, with --disk, what this disk does
(fsynced SQLite commits per second, one row and batches of 8) as the physical bound.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import _common as common  # noqa: E402
from bench.bench_ingest import citizen_texts, gateway_env, twilio_form  # noqa: E402

PATH = "/webhooks/twilio"
LUA = os.path.join(common.ROOT, "bench", "wrk_signed.lua")
SERVERS = {  # name: (app, settings, with the capture writer running beside it)
    "bare": ("bench.bare_app:create_app()", {}, False),
    "full": ("gateway:create_app()", {"ASPIRASI_SYNC": "full"}, True),
    "normal": ("gateway:create_app()", {"ASPIRASI_SYNC": "normal"}, True),
    "full-direct": ("gateway:create_app()", {"ASPIRASI_SYNC": "full"}, False),
    "normal-direct": ("gateway:create_app()", {"ASPIRASI_SYNC": "normal"}, False),
}


def sign_file(path: str, port: int, start: int, count: int, texts: list[str]) -> None:
    """`count` webhooks signed for this server's URL, one "signature<TAB>body" per line."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(common.AUTH_TOKEN)
    url = f"http://127.0.0.1:{port}{PATH}"
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(start, start + count):
            form = twilio_form(n, "whatsapp" if n % 3 == 0 else "sms", texts[n % len(texts)])
            handle.write(f"{validator.compute_signature(url, dict(form))}\t{urlencode(form)}\n")


def wrk(port: int, requests_file: str, args, seconds: float) -> dict:
    """One wrk run; its summary (from the Lua done() hook) and its own CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections),
               "-d", f"{seconds:g}s", "--timeout", "10s", "-s", LUA,
               f"http://127.0.0.1:{port}{PATH}", "--", requests_file, str(args.wrk_threads)]
    done = subprocess.run(command, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    result = json.loads(line.split(" ", 1)[1])
    result["wrk_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def stored(db_path: str) -> int:
    from data.db import connect

    db = connect(db_path)
    try:
        return db.execute("SELECT count(*) FROM messages").fetchone()[0]
    finally:
        db.conn.close()


def disk_bound(folder: str, seconds: float = 2.0) -> dict:
    """Fsynced commits/s on this disk, as the capture makes them: the physical limit (the
    disk is shared with other work, so it is probed before every round too)."""
    from data.db import connect

    db = connect(os.path.join(folder, "disk.db"), durable=True)
    db.conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
    body = "x" * 900  # a webhook's raw payload is about this long
    figures = {}
    for batch in (1, 8):
        commits, deadline = 0, time.monotonic() + seconds
        started = time.monotonic()
        while time.monotonic() < deadline:
            db.conn.execute("BEGIN IMMEDIATE")
            db.conn.executemany("INSERT INTO t (body) VALUES (?)", [(body,)] * batch)
            db.conn.execute("COMMIT")
            commits += 1
        elapsed = time.monotonic() - started
        figures[batch] = (commits / elapsed, commits * batch / elapsed)
    db.conn.close()
    return figures


def run(args) -> int:
    texts = citizen_texts()
    tmp = tempfile.mkdtemp(prefix="bench-webhook-")
    redis_proc, redis_url = common.start_redis(os.path.join(tmp, "redis"))
    names = args.servers.split(",")
    procs, ports, dbs, writers = {}, {}, {}, {}
    results = {name: [] for name in names}
    posted = 0
    lines = int(args.lines_per_second * args.duration)
    bad = []
    try:
        for name in names:
            spec, extra, writer = SERVERS[name]
            folder = os.path.join(tmp, name)
            os.makedirs(folder)
            env = gateway_env(folder, redis_url) | extra
            if writer:
                writers[name] = common.start_writer(env, folder)
            ports[name] = common.free_port()
            dbs[name] = env["ASPIRASI_DB"] if name != "bare" else None
            procs[name] = common.start_gunicorn(spec, env, ports[name],
                                                os.path.join(folder, "gunicorn.log"))
        files = {name: os.path.join(tmp, f"{name}.txt") for name in names}
        counted = {name: 0 for name in names}
        for round_number in range(-1, args.rounds):  # round -1: warm-up, not reported
            for name in names:
                sign_file(files[name], ports[name], posted, lines, texts)
                posted += lines
                seconds = args.warmup if round_number < 0 else args.duration
                load = os.getloadavg()[0]
                fsyncs = disk_bound(tmp, 0.5)[1][0] if args.disk else None
                serving = [procs[name]] + ([writers[name]] if name in writers else [])
                cpu = sum(common.tree_cpu_seconds(p.pid) for p in serving)
                result = wrk(ports[name], files[name], args, seconds)
                result["server_cpu"] = sum(common.tree_cpu_seconds(p.pid) for p in serving) - cpu
                result["load"], result["fsyncs"] = load, fsyncs
                counted[name] += result["requests"]
                errors = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
                if errors or result["wrapped"]:
                    bad.append(f"{name} round {round_number}: {errors} errors, "
                               f"{result['wrapped']} wraps (raise --lines-per-second)")
                if round_number >= 0:
                    results[name].append(result)
                    disk = f"  disk {fsyncs:,.0f} fsyncs/s" if fsyncs else ""
                    print(f"round {round_number + 1} {name:7} {rate(result):7.0f} req/s  "
                          f"p99 {result['p99_us'] / 1000:6.1f} ms  load {load:.1f}{disk}",
                          flush=True)
        time.sleep(0.5)
    finally:
        for name, process in writers.items():
            cpu = common.tree_cpu_seconds(process.pid)
            common.stop(process)
            with open(os.path.join(tmp, name, "writer.log")) as log:
                tail = [x for x in log.read().splitlines() if " commits" in x][-1:]
            print(f"{name}: writer CPU {cpu:.1f} s; {tail[0] if tail else 'no total logged'}")
        for process in procs.values():
            common.stop(process)
        common.stop(redis_proc)
    for name in names:
        if dbs[name]:
            have, slack = stored(dbs[name]), args.connections * (args.rounds + 1)
            if not counted[name] <= have <= counted[name] + slack:
                bad.append(f"{name}: wrk counted {counted[name]} answers, {have} stored")
            else:
                print(f"{name}: {counted[name]} answered, {have} stored (in flight at the end "
                      f"of a round: {have - counted[name]})")
    disk = disk_bound(tmp) if args.disk else None
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, disk, args)
    for line in bad:
        print("FAILED:", line)
    return 1 if bad else 0


def rate(result: dict) -> float:
    return result["requests"] / (result["duration_us"] / 1e6)


def median(values) -> float:
    return statistics.median(values)


def report(results: dict, disk: dict | None, args) -> None:
    from gateway import gunicorn_conf as conf

    print(f"\n{os.cpu_count()} cores, Python {platform.python_version()}, gunicorn "
          f"{' '.join(common.GUNICORN_ARGS)} (workers {conf.workers}, threads {conf.threads} "
          f"unless overridden); wrk -t{args.wrk_threads} -c{args.connections} "
          f"-d{args.duration:g}s, {args.rounds} interleaved rounds, medians")
    loads = [r["load"] for rs in results.values() for r in rs]
    print(f"load average (1 min) before the rounds: {min(loads):.1f}-{max(loads):.1f}")
    fsyncs = [r["fsyncs"] for rs in results.values() for r in rs if r.get("fsyncs")]
    if fsyncs:
        print(f"disk before the rounds: {min(fsyncs):,.0f}-{max(fsyncs):,.0f} fsynced "
              f"one-row commits/s (median {median(fsyncs):,.0f})")
    print(f"{'':8}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
          f"{'srv CPU/req':>13}{'wrk CPU/req':>13}{'vs bare':>9}")
    bare = median([rate(r) for r in results["bare"]]) if "bare" in results else None
    for name, runs in results.items():
        requests = sum(r["requests"] for r in runs)
        value = median([rate(r) for r in runs])
        ratio = f"{value / bare:9.2f}" if bare else ""
        print(f"{name:8}{value:8.0f}{median([r['p50_us'] for r in runs]) / 1000:8.2f}"
              f"{median([r['p99_us'] for r in runs]) / 1000:8.2f}"
              f"{max(r['max_us'] for r in runs) / 1000:8.1f}"
              f"{sum(r['server_cpu'] for r in runs) / requests * 1000:11.3f}ms"
              f"{sum(r['wrk_cpu'] for r in runs) / requests * 1000:11.3f}ms{ratio}")
    if bare:
        for name in results:
            if name != "bare":
                per_round = [rate(r) / rate(b) for r, b in zip(results[name], results["bare"], strict=True)]
                print(f"{name}/bare per round: " + " ".join(f"{x:.2f}" for x in per_round))
    if disk:
        for batch, (commits, rows) in disk.items():
            print(f"disk: fsynced commits of {batch} row(s): {commits:,.0f} commits/s, "
                  f"{rows:,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default="bare,full,normal",
                        help="comma-separated, from: " + ", ".join(SERVERS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds, not reported")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--lines-per-second", type=int, default=6000,
                        help="signed requests prepared per second of a run (more than served)")
    parser.add_argument("--gunicorn", help="gunicorn options over the Procfile's, for every "
                        "server (e.g. \"--workers 4 --threads 1\")")
    parser.add_argument("--disk", action="store_true", help="also measure fsynced commits/s")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, DBs)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    if args.gunicorn:
        common.GUNICORN_ARGS[:] = [*common.GUNICORN_ARGS, *args.gunicorn.split()]
    sys.exit(run(args))


if __name__ == "__main__":
    main()
