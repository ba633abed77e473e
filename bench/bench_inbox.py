"""Staff inbox under load: 100,000 aspirations, p50/p95 of /inbox and /dashboard over HTTP.

One command from the repo root: `.venv/bin/python bench/bench_inbox.py [--rows N]`.
Seeds a fresh SQLite file (bulk inserts in transactions), serves the real app with gunicorn
(the `aspirasi run` line), logs in as a staf account and times 200 sequential requests per
page. Baselines measured in the same run: a bare GET /healthz over the same server, and the
naive SQL (LIKE '%q%' search, one COUNT(*) per facet value, no index) on the same data.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # runnable from the repo root without install
    sys.path.insert(0, ROOT)

CATEGORIES = ("infrastruktur", "ekonomi", "pariwisata", "lainnya")
STATUSES = ("baru",) * 5 + ("diverifikasi",) * 2 + ("diteruskan", "selesai", "ditolak")
PHRASES = {
    "infrastruktur": ["jalan rusak dekat pasar", "lampu jalan mati", "drainase tersumbat",
                      "jembatan retak", "air bersih PDAM tidak mengalir"],
    "ekonomi": ["bantuan modal usaha nelayan", "pelatihan UMKM ibu rumah tangga",
                "harga ikan turun", "koperasi nelayan butuh cold storage"],
    "pariwisata": ["wisata pantai kotor", "homestay Lembeh perlu papan nama",
                   "dermaga wisata rusak", "festival pantai"],
    "lainnya": ["sampah menumpuk", "anak putus sekolah", "puskesmas kekurangan obat"],
}
REQUESTS = 200
PASSWORD = "bench-sandi-123"


def seed(db, rows: int) -> None:
    """rows aspirations (with their messages and contacts) across all 69 kelurahan."""
    from data.db import transaction
    from parsers.places import all_kelurahan

    places = all_kelurahan()
    rng = random.Random(4)
    now = time.time()
    contacts_n = max(1, rows // 5)
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    tickets: set[str] = set()
    while len(tickets) < rows:
        tickets.add("".join(rng.choice(alphabet) for _ in range(5)))
    tickets_list = sorted(tickets)
    rng.shuffle(tickets_list)
    stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(t))  # noqa: E731
    with transaction(db):
        db["contacts"].insert_all(({
            "id": n + 1, "address": f"+62813{n:08d}", "channel": "sms",
            "first_seen": stamp(now - 200 * 86400), "last_seen": stamp(now)}
            for n in range(contacts_n)), batch_size=999 // 5)
    chunk = 10_000
    for start in range(0, rows, chunk):
        messages, aspirations = [], []
        for n in range(start, min(rows, start + chunk)):
            place = rng.choice(places) if rng.random() > 0.05 else None
            category = rng.choice(CATEGORIES)
            contact = rng.randrange(contacts_n) + 1
            at = stamp(now - rng.random() * 180 * 86400)
            kel = place["kelurahan"] if place else ""
            text = f"{rng.choice(PHRASES[category])} {kel} no {n}".strip()
            channel = "sms" if rng.random() < 0.8 else "whatsapp"
            messages.append({"id": n + 1, "provider": "twilio", "provider_sid": f"SM{n:032x}",
                             "channel": channel, "sender": f"+62813{contact - 1:08d}",
                             "address": f"+62813{contact - 1:08d}", "body": text, "raw": "[]",
                             "received_at": at, "status": "processed"})
            aspirations.append({
                "id": n + 1, "ticket": tickets_list[n], "message_id": n + 1,
                "contact_id": contact, "channel": channel, "text": text, "category": category,
                "kelurahan": place["kelurahan"] if place else None,
                "kecamatan": place["kecamatan"] if place else None, "confidence": 0.8,
                "status": rng.choice(STATUSES), "created_at": at, "updated_at": at})
        with transaction(db):
            db["messages"].insert_all(messages, batch_size=999 // 10)
            db["aspirations"].insert_all(aspirations, batch_size=999 // 13)


class Client:
    """A keep-alive HTTP client that carries the session cookie."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def login(self, username: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login", urlencode(
            {"username": username, "password": PASSWORD, "csrf_token": token}))
        if status != 302:
            raise SystemExit(f"login failed: HTTP {status}")


def timed(client: Client, path, n: int = REQUESTS, before=None) -> list[float]:
    """n sequential GETs; path may be a list (cycled); before() runs untimed before each."""
    paths = path if isinstance(path, list) else [path]
    times = []
    for i in range(n):
        if before:
            before()
        path = paths[i % len(paths)]
        start = time.perf_counter()
        status, _ = client.request("GET", path)
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
    return times


def touch(db) -> None:
    """A staff status change (through the data layer): the counts must be recomputed."""
    from data import aspiration_edits
    from data.db import transaction

    row = next(db.query("SELECT * FROM aspirations WHERE status = 'baru' LIMIT 1"))
    with transaction(db):
        aspiration_edits.change_status(db, row, "diverifikasi", "bench")


def naive_search_ms(db, query: str, n: int = 20) -> list[float]:
    """The obvious version: LIKE '%q%' without an index, one COUNT(*) per facet value."""
    values = {c: [r[0] for r in db.execute(f"SELECT DISTINCT {c} FROM aspirations")]
              for c in ("category", "kecamatan", "kelurahan", "status", "channel")}
    times = []
    for _ in range(n):
        start = time.perf_counter()
        like = f"%{query}%"
        db.execute("SELECT * FROM aspirations NOT INDEXED WHERE text LIKE ? "
                   "ORDER BY created_at DESC LIMIT 50", [like]).fetchall()
        for column, options in values.items():
            for value in options:
                db.execute(f"SELECT count(*) FROM aspirations NOT INDEXED WHERE text LIKE ? "
                           f"AND {column} IS ?", [like, value]).fetchone()
        times.append((time.perf_counter() - start) * 1000)
    return times


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def wait_http(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited; see its log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            conn.getresponse().read()
            conn.close()
            time.sleep(1)  # let the second worker boot too
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    from data.db import open_db, transaction
    from gateway import accounts

    folder = tempfile.mkdtemp(prefix="bench-inbox-")
    db_path = os.path.join(folder, "aspirasi.db")
    db = open_db(db_path)
    start = time.perf_counter()
    seed(db, args.rows)
    with transaction(db):
        accounts.save_user(db, "bench", PASSWORD, "staf", None)
    print(f"seeded {args.rows:,} aspirations in {time.perf_counter() - start:.1f} s")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ASPIRASI_", "TWILIO_")) and k not in ("REDIS_URL",)}
    port = 18000 + os.getpid() % 1000
    env.update(ASPIRASI_DB=db_path, SECRET_KEY="bench-secret-key-not-a-secret-0123456789",
               PYTHONPATH=ROOT + os.pathsep + env.get("PYTHONPATH", ""))
    log = open(os.path.join(folder, "gunicorn.log"), "ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "4", "gateway:create_app()"],
        env=env, cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        start_new_session=True)
    try:
        wait_http(port, server)
        client = Client(port)
        client.login("bench")
        cases = [("GET /healthz (baseline)", "/healthz"), ("/inbox", "/inbox"),
                 ("/inbox?category=infrastruktur", "/inbox?category=infrastruktur"),
                 ("/inbox?kelurahan=Madidir+Ure&status=baru",
                  "/inbox?kelurahan=Madidir+Ure&status=baru"),
                 ("/inbox?q=jalan+rusak", "/inbox?q=jalan+rusak"),
                 ("/inbox?q=nelayan&page 40", "/inbox?q=nelayan&hal=40"),
                 ("/dashboard", "/dashboard")]
        results = {}
        for label, path in cases:
            timed(client, path, 10)  # warm the page cache and both workers
            results[label] = timed(client, path)
        # Cache misses: every request a new filter, or data that changed just before it.
        from parsers.places import all_kelurahan

        combos = [f"/inbox?{urlencode({'kelurahan': p['kelurahan'], 'status': s})}"
                  for s in ("baru", "diverifikasi", "diteruskan", "selesai", "ditolak")
                  for p in all_kelurahan()]
        random.Random(1).shuffle(combos)
        words = ["jalan", "lampu", "drainase", "jembatan", "modal", "nelayan", "pantai", "wisata",
                 "sampah", "sekolah", "obat", "koperasi", "dermaga", "festival", "homestay"]
        searches = [f"/inbox?q={w}&hal={1 + n % 3}" for n, w in enumerate(words * 14)]
        results["/inbox, new kelurahan+status each time (miss)"] = timed(client, combos)
        results["/inbox?q=, new word/page each time (miss)"] = timed(client, searches)
        results["/dashboard after a status change (miss)"] = timed(
            client, "/dashboard", before=lambda: touch(db))
        naive = naive_search_ms(db, "jalan rusak")
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
    base = pct(results["GET /healthz (baseline)"], 95)
    print(f"\n{'request':45} {'p50 ms':>8} {'p95 ms':>8} {'p95/healthz':>12}")
    for label, times in results.items():
        p95 = pct(times, 95)
        flag = "" if p95 < 200 or "healthz" in label else "  OVER 200 ms"
        print(f"{label:45} {statistics.median(times):8.1f} {p95:8.1f} {p95 / base:11.1f}x{flag}")
    ours = results["/inbox?q=jalan+rusak"]
    print(f"\nnaive search SQL alone (LIKE + COUNT per facet value, no index), {len(naive)} runs: "
          f"p50 {statistics.median(naive):.0f} ms, p95 {pct(naive, 95):.0f} ms; "
          f"the whole /inbox?q= page is {statistics.median(naive) / statistics.median(ours):.0f}x "
          "faster at p50")
    if args.keep:
        print(f"kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
