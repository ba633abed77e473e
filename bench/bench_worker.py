"""Worker processing benchmark: `handlers.inbound.process_batch` in process, no sending.

    .venv/bin/python bench/bench_worker.py                       # this checkout, 3 runs
    .venv/bin/python bench/bench_worker.py --baseline DIR        # and another tree, interleaved

The e2e texts of bench_ingest (needs, a greeting every 22nd, 2,000 senders, 1/3 WhatsApp) are
captured into a fresh SQLite file, then processed in the worker's batches; CPU time of that
alone (time.process_time) per message. Each run is its own interpreter started in the tree it
measures, so each tree runs on its own schema (its migrations). Every run also writes what it
decided (tickets, replies, links, questions, usulan; ticket codes and stamps masked): runs of
either tree must decide the same, or the bench exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CHILD = r'''
import json, logging, os, re, sys, time
sys.path.insert(0, os.getcwd())
logging.disable(logging.WARNING)
from data import messages
from data.messages import InboundRecord
from handlers import inbound
from handlers.context import database, settings
posts = json.load(open(sys.argv[1]))
s = settings()
db = database(s)
for p in posts:
    messages.capture(db, InboundRecord(**p))
ids = messages.pending_ids(db, len(posts) + 1)
cpu = time.process_time()
for start in range(0, len(ids), inbound.BATCH):
    inbound.process_batch(db, s, ids[start:start + inbound.BATCH])
cpu = time.process_time() - cpu
codes = {t: f"T{i}" for i, t in db.conn.execute("SELECT id, ticket FROM aspirations")}
out = [re.sub(r"\b[A-Z2-9]{5}\b", lambda m: codes.get(m.group(0), m.group(0)), "|".join(map(str, r)))
       for r in db.conn.execute("SELECT body, kind, channel, to_address, contact_id, aspiration_id,"
                                " next_attempt_at IS NULL FROM outbox ORDER BY id")]
out += [repr(r) for r in db.conn.execute(
    "SELECT id, message_id, contact_id, text, words, category, kelurahan, kecamatan, confidence,"
    " keywords, kind, status FROM aspirations ORDER BY id")]
for table in ("message_links", "pending_questions", "usulan_members", "usulan_supporters",
              "contacts", "usulan", "messages"):
    cols = [c[1] for c in db.conn.execute(f"PRAGMA table_info({table})")
            if not c[1].endswith(("_at", "_seen")) and c[1] not in ("at", "raw")]
    out += [table + repr(r) for r in db.conn.execute(
        f"SELECT {', '.join(cols)} FROM {table} ORDER BY 1, 2")]
print(json.dumps({"ms": cpu / len(ids) * 1000, "decided": "\n".join(out)}))
'''


def posts(count: int) -> list[dict]:
    from bench.bench_ingest import citizen_texts, e2e_texts, twilio_form

    texts = e2e_texts(citizen_texts(), count)
    records = []
    for n in range(count):
        channel = "whatsapp" if n % 3 == 0 else "sms"
        form = dict(twilio_form(n, channel, texts[n]))
        records.append({
            "provider": "twilio", "external_id": form["MessageSid"], "channel": channel,
            "sender": form["From"], "address": form["From"].removeprefix("whatsapp:"),
            "raw": json.dumps(form), "text": form["Body"], "recipient": form["To"],
            "profile_name": form.get("ProfileName"), "wa_id": form.get("WaId"),
            "num_segments": "1", "account_sid": form["AccountSid"]})
    return records


def run(tree: str, posts_path: str, folder: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASPIRASI_", "TWILIO_"))}
    env.update(ASPIRASI_DB=os.path.join(folder, "aspirasi.db"), PYTHONPATH=tree,
               REDIS_URL="unix://" + os.path.join(folder, "no-redis.sock"))
    done = subprocess.run([sys.executable, "-c", CHILD, posts_path], cwd=tree, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="another tree (e.g. `git archive main` unpacked)")
    args = parser.parse_args()
    trees = [("this", ROOT)] + ([("baseline", os.path.abspath(args.baseline))]
                                if args.baseline else [])
    results: dict[str, list[dict]] = {name: [] for name, _ in trees}
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        posts_path = os.path.join(tmp, "posts.json")
        with open(posts_path, "w", encoding="utf-8") as handle:
            json.dump(posts(args.messages), handle)
        for n in range(args.repeat):
            for name, tree in trees:
                folder = os.path.join(tmp, f"{name}-{n}")
                os.makedirs(folder)
                load = os.getloadavg()[0]
                result = run(tree, posts_path, folder) | {"load": load}
                results[name].append(result)
                print(f"  {name}: {result['ms']:.3f} ms/msg CPU, load {load:.1f}", flush=True)
    decided = {r["decided"] for runs in results.values() for r in runs}
    for name, runs in results.items():
        times = sorted(r["ms"] for r in runs)
        print(f"{name:9} median {statistics.median(times):.3f} ms/msg "
              f"({', '.join(f'{t:.3f}' for t in times)}) over {args.messages} messages")
    if args.baseline:
        ratio = (statistics.median(r["ms"] for r in results["this"])
                 / statistics.median(r["ms"] for r in results["baseline"]))
        print(f"ratio this / baseline: {ratio:.2f}")
    print("same decisions in every run:", "yes" if len(decided) == 1 else "NO")
    sys.exit(0 if len(decided) == 1 else 1)


if __name__ == "__main__":
    main()
