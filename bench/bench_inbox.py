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
                      "jembatan retak", "air bersih PDAM tidak mengalir", "jln rusak dkt pasar",
                      "jalang so ancor", "got mampet banjer kalo ujan", "nda ada aer bersih"],
    "ekonomi": ["bantuan modal usaha nelayan", "pelatihan UMKM ibu rumah tangga",
                "harga ikan turun", "koperasi nelayan butuh cold storage",
                "harga ikang turun, nelayan susah"],
    "pariwisata": ["wisata pantai kotor", "homestay Lembeh perlu papan nama",
                   "dermaga wisata rusak", "festival pantai"],
    "lainnya": ["sampah menumpuk", "anak putus sekolah", "puskesmas kekurangan obat"],
}
REQUESTS = 200
PASSWORD = "bench-sandi-123"


def seed(db, rows: int, text_for=None) -> None:
    """rows aspirations (with their messages and contacts) across all 69 kelurahan;
    text_for(rng, category, kelurahan, n) writes a text (default: a phrase and a number)."""
    from data.db import transaction
    from parsers.places import all_kelurahan
    from parsers.search import index_words

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
            text = text_for(rng, category, kel, n) if text_for else \
                f"{rng.choice(PHRASES[category])} {kel} no {n}".strip()
            channel = "sms" if rng.random() < 0.8 else "whatsapp"
            messages.append({"id": n + 1, "provider": "twilio", "provider_sid": f"SM{n:032x}",
                             "channel": channel, "sender": f"+62813{contact - 1:08d}",
                             "address": f"+62813{contact - 1:08d}", "body": text, "raw": "[]",
                             "received_at": at, "status": "processed"})
            aspirations.append({
                "id": n + 1, "ticket": tickets_list[n], "message_id": n + 1,
                "contact_id": contact, "channel": channel, "text": text, "category": category,
                "words": index_words(text),
                "kelurahan": place["kelurahan"] if place else None,
                "kecamatan": place["kecamatan"] if place else None, "confidence": 0.8,
                "status": rng.choice(STATUSES), "created_at": at, "updated_at": at})
        with transaction(db):
            db["messages"].insert_all(messages, batch_size=999 // 10)
            db["aspirations"].insert_all(aspirations, batch_size=999 // 14)
            # a ticket enters the search index in data.aspirations.create (no trigger since m0160)
            db.execute("INSERT INTO aspirations_fts (aspirations_fts) VALUES ('rebuild')")


class Client:
    """A keep-alive HTTP client that carries the session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # gunicorn closes a keep-alive connection idle for 2 s (while SQL baselines ran)
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
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


def raw_fts_ms(db, word: str, n: int = 50) -> list[float]:
    """Baseline: the page query as it was before issue 13 (raw-text words only)."""
    sql = ("SELECT a.id FROM aspirations a WHERE a.kind = 'aspirasi' AND +a.id IN (SELECT rowid "
           "FROM aspirations_fts WHERE aspirations_fts MATCH ?) ORDER BY a.created_at DESC, "
           "a.id DESC LIMIT 51")
    return _sql_times(db, sql, [f'text : "{word}"'], n)


def normalised_fts_ms(db, word: str, n: int = 50) -> list[float]:
    from parsers.search import fts_expression

    sql = ("SELECT a.id FROM aspirations a WHERE a.kind = 'aspirasi' AND +a.id IN (SELECT rowid "
           "FROM aspirations_fts WHERE aspirations_fts MATCH ?) ORDER BY a.created_at DESC, "
           "a.id DESC LIMIT 51")
    return _sql_times(db, sql, [fts_expression(word)], n)


def _sql_times(db, sql: str, params: list, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        db.execute(sql, params).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return times


def csrf(client: Client) -> str:
    _, page = client.request("GET", "/inbox?status=baru")
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def bulk_ms(client: Client, db, runs: int = 6, size: int = 500) -> list[float]:
    """POST /inbox/massal: 500 `baru` tickets → diverifikasi, each audited, each SMS held."""
    token = csrf(client)
    times = []
    for _ in range(runs):
        tickets = [r[0] for r in db.execute(
            "SELECT ticket FROM aspirations WHERE status = 'baru' AND kind = 'aspirasi' "
            "LIMIT ?", [size])]
        body = urlencode([("csrf_token", token), ("aksi", "status"), ("status", "diverifikasi"),
                          ("langkah", "kirim"), *[("tiket", t) for t in tickets]])
        start = time.perf_counter()
        status, _ = client.request("POST", "/inbox/massal", body)
        times.append((time.perf_counter() - start) * 1000)
        if status != 302:
            raise SystemExit(f"bulk: HTTP {status}")
    return times


def single_changes_ms(client: Client, db, n: int = 50) -> list[float]:
    """Baseline for bulk: the same change one ticket at a time through the ticket page."""
    token = csrf(client)
    times = []
    for (ticket,) in db.execute("SELECT ticket FROM aspirations WHERE status = 'baru' AND "
                                "kind = 'aspirasi' LIMIT ?", [n]).fetchall():
        body = urlencode({"csrf_token": token, "status": "diverifikasi"})
        start = time.perf_counter()
        status, _ = client.request("POST", f"/inbox/{ticket}/status", body)
        times.append((time.perf_counter() - start) * 1000)
        if status != 302:
            raise SystemExit(f"single change: HTTP {status}")
    return times


def export_ms(client: Client, path: str, runs: int = 5) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        status, data = client.request("GET", path)
        times.append((time.perf_counter() - start) * 1000)
        size = len(data)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
    return times, size


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


def prepare(doc: str, prefix: str, role: str, text_for=None):
    """--rows/--keep, a fresh folder with a seeded SQLite file and an account "bench" of
    `role`: (args, folder, db path, db)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    from data.db import open_db, transaction
    from gateway import accounts

    folder = tempfile.mkdtemp(prefix=prefix)
    db_path = os.path.join(folder, "aspirasi.db")
    db = open_db(db_path)
    start = time.perf_counter()
    seed(db, args.rows, text_for)
    with transaction(db):
        accounts.save_user(db, "bench", PASSWORD, role, None)
    print(f"seeded {args.rows:,} aspirations in {time.perf_counter() - start:.1f} s")
    return args, folder, db_path, db


def serve(db_path: str, folder: str, port: int):
    """The app on gunicorn (the `aspirasi run` line) over `db_path`: (process, its log file);
    wait_http() before the first request."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ASPIRASI_", "TWILIO_")) and k not in ("REDIS_URL",)}
    env.update(ASPIRASI_DB=db_path, SECRET_KEY="bench-secret-key-not-a-secret-0123456789",
               PYTHONPATH=ROOT + os.pathsep + env.get("PYTHONPATH", ""))
    log = open(os.path.join(folder, "gunicorn.log"), "ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:gateway.gunicorn_conf", "--bind",
         f"127.0.0.1:{port}", "gateway:create_app()"],
        env=env, cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        start_new_session=True)
    return server, log


def main() -> None:
    args, folder, db_path, db = prepare(__doc__, "bench-inbox-", "admin")
    port = 18000 + os.getpid() % 1000
    server, log = serve(db_path, folder, port)
    old_id, ticket = db.execute(
        "SELECT id, ticket FROM aspirations WHERE text LIKE '%nelayan%' ORDER BY created_at "
        "LIMIT 1 OFFSET 1500").fetchone()
    since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 17 * 86400))
    export_filter = f"dari={since}"
    export_rows = db.execute("SELECT count(*) FROM aspirations WHERE created_at >= ?",
                             [since]).fetchone()[0]
    try:
        wait_http(port, server)
        client = Client(port)
        client.login("bench")
        cases = [("GET /healthz (baseline)", "/healthz"), ("/inbox", "/inbox"),
                 ("/inbox?category=infrastruktur", "/inbox?category=infrastruktur"),
                 ("/inbox?kelurahan=Madidir+Ure&status=baru",
                  "/inbox?kelurahan=Madidir+Ure&status=baru"),
                 ("/inbox?q=jalan+rusak", "/inbox?q=jalan+rusak"),
                 ("/inbox?q=jln (normalised)", "/inbox?q=jln"),
                 ("/inbox?q=banjer (normalised)", "/inbox?q=banjer"),
                 ('/inbox?q="jalan rusak" (phrase)', "/inbox?q=%22jalan+rusak%22"),
                 ("/inbox?q=nelayan, an old page (keyset)",
                  f"/inbox?q=nelayan&sebelum={old_id}"),
                 ("/inbox?saya=1", "/inbox?saya=1"),
                 ("/inbox/<ticket>", f"/inbox/{ticket}"),
                 ("/dashboard", "/dashboard"),
                 ("/admin/audit", "/admin/audit"),
                 ("/admin/contacts", "/admin/contacts"),
                 ("/broadcasts/", "/broadcasts/")]
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
        sql = {"raw": raw_fts_ms(db, "jalan"), "normalised": normalised_fts_ms(db, "jln")}
        xlsx, xlsx_size = export_ms(client, f"/inbox/export.xlsx?{export_filter}")
        csv_times, _ = export_ms(client, f"/inbox/export.csv?{export_filter}")
        singles = single_changes_ms(client, db)
        bulks = bulk_ms(client, db)
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
    base = pct(results["GET /healthz (baseline)"], 95)
    print(f"\n{'request':45} {'p50 ms':>8} {'p95 ms':>8} {'p95/healthz':>12}")
    for label, times in results.items():
        p95 = pct(times, 95)
        flag = "" if p95 < 100 or "healthz" in label else "  OVER 100 ms"
        print(f"{label:45} {statistics.median(times):8.1f} {p95:8.1f} {p95 / base:11.1f}x{flag}")
    ours = results["/inbox?q=jalan+rusak"]
    print(f"\nnaive search SQL alone (LIKE + COUNT per facet value, no index), {len(naive)} runs: "
          f"p50 {statistics.median(naive):.0f} ms, p95 {pct(naive, 95):.0f} ms; "
          f"the whole /inbox?q= page is {statistics.median(naive) / statistics.median(ours):.0f}x "
          "faster at p50")
    print(f"\nsearch SQL, 50 runs: raw words only (before) p95 {pct(sql['raw'], 95):.1f} ms; "
          f"raw + normalised words (jln) p95 {pct(sql['normalised'], 95):.1f} ms")
    print(f"XLSX export of {export_rows:,} rows ({xlsx_size / 1e6:.1f} MB), {len(xlsx)} runs: "
          f"p50 {statistics.median(xlsx):.0f} ms, p95 {pct(xlsx, 95):.0f} ms; the CSV of the "
          f"same rows p50 {statistics.median(csv_times):.0f} ms "
          f"({statistics.median(xlsx) / statistics.median(csv_times):.1f}x)")
    per_single = statistics.median(singles)
    print(f"bulk change of 500 rows, {len(bulks)} runs: p50 {statistics.median(bulks):.0f} ms, "
          f"p95 {pct(bulks, 95):.0f} ms; one at a time through the ticket page p50 "
          f"{per_single:.1f} ms each = {per_single * 500:.0f} ms for 500 "
          f"({per_single * 500 / statistics.median(bulks):.1f}x)")
    if args.keep:
        print(f"kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
