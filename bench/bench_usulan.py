"""Grouping 100,000 aspirations into usulan, and the priority list page at that size.

One command from the repo root: `.venv/bin/python bench/bench_usulan.py [--rows N]`.
1. Seeds 100,000 needs (bench_inbox.seed: messages, contacts, 69 kelurahan, 4 categories,
   180 days) whose texts are realistic variants of ~40 needs (Indonesian, SMS shorthand,
   Manado Malay, with or without a landmark), parses each (untimed: the worker has the parse
   already), then puts every need into its usulan in id order, 500 per transaction, as the
   worker does (handlers.grouping.sync). Per message: the time to find (or found) its usulan.
   Baseline in the same run, on the 300 newest needs: the lookup alone, ours (the stored
   signatures of the bucket's open usulan, read through an index) against the obvious one
   (every need of the same kelurahan and category read back, parsed and compared).
2. Serves the app with gunicorn (the `aspirasi run` line) and times 200 sequential requests of
   the priority list (a busy kelurahan, first page of 100), its A4 print view (every row), the
   kecamatan list and the usulan list; baseline GET /healthz on the same server.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import clean_up  # noqa: E402
from bench_inbox import Client, pct, prepare, serve, timed, wait_http  # noqa: E402

# What fishers and residents ask for, each with a few ways of saying it.
NEEDS = {
    "infrastruktur": [
        ["jalan rusak parah", "jln rusak berat", "jalang so ancor", "jalan berlubang"],
        ["lampu jalan mati", "PJU padam", "lampu jalan so mati, gelap"],
        ["got tersumbat, banjir kalo hujan", "drainase mampet", "selokan tersumbat sampah"],
        ["air bersih tidak mengalir", "aer PDAM nda kaluar", "air ledeng mati sdh seminggu"],
        ["talud pantai rusak kena abrasi", "tanggul pantai so ancor"],
        ["jembatan kayu mo rubuh", "jembatan rusak parah"],
        ["tambatan perahu rusak", "dermaga nelayan so ancor"],
        ["atap sekolah bocor", "sekolah bocor kalo ujan"],
    ],
    "ekonomi": [
        ["nelayan butuh jaring baru", "torang nelayan perlu jaring"],
        ["bantuan modal usaha warung", "butuh pinjaman modal usaha kecil"],
        ["mesin perahu rusak, butuh mesin", "nelayan perlu mesin katinting"],
        ["pelatihan UMKM ibu rumah tangga", "pelatihan usaha untuk ibu2"],
        ["cold storage untuk ikan nelayan", "butuh tempat simpan ikan dingin"],
    ],
    "pariwisata": [
        ["toilet di pantai tidak ada air", "wc pantai rusak"],
        ["papan nama homestay", "homestay perlu promosi"],
        ["pantai wisata kotor banyak sampah", "sampah di pantai wisata numpuk"],
    ],
    "lainnya": [
        ["anjing liar berkeliaran", "banyak anjing liar"],
        ["puskesmas kekurangan obat", "obat di puskesmas habis"],
        ["anak putus sekolah", "banyak anak nda sekolah"],
    ],
}
LANDMARKS = ["", "", "", " dkt pasar", " depan gereja", " dekat SD", " dkt masjid",
             " depan puskesmas", " dekat pelabuhan"]
EXTRA = ["", "", " tolong pak", " sdh 2 bulan", " mohon segera", " kasiang"]


def text_for(rng, category: str, kelurahan: str, n: int) -> str:
    """One citizen's words for one of the needs of its category, in its kelurahan."""
    need = rng.choice(NEEDS[category][:max(1, rng.randint(1, len(NEEDS[category])))])
    where = f" kel. {kelurahan}" if kelurahan else ""
    return f"{rng.choice(need)}{rng.choice(LANDMARKS)}{where}{rng.choice(EXTRA)}"


def group_all(db, settings) -> tuple[list[float], float, float]:
    """Every need into its usulan, as the worker does; (per-message ms, parse s, total s)."""
    import parsers
    from data.db import transaction
    from handlers import grouping

    rows = list(db.query("SELECT * FROM aspirations ORDER BY id"))
    start = time.perf_counter()
    parsed = [parsers.parse(r["text"]) for r in rows]
    parse_seconds = time.perf_counter() - start
    # The 200,000 rows and parses held here for the run would make every garbage collection
    # walk them (tens of ms); a worker holds one batch. Set them aside from the collector.
    gc.collect()
    gc.freeze()
    times = []
    start = time.perf_counter()
    for first in range(0, len(rows), 500):
        with transaction(db):
            for row, p in zip(rows[first:first + 500], parsed[first:first + 500], strict=True):
                began = time.perf_counter()
                grouping.sync(db, settings, row, p)
                times.append((time.perf_counter() - began) * 1000)
    return times, parse_seconds, time.perf_counter() - start


def lookups_ms(db, settings, sample: int = 300) -> tuple[list[float], list[float]]:
    """For the newest needs: our lookup (the bucket's stored signatures through the index) and
    the obvious one (every need of the same kelurahan and category re-read and compared),
    each timed alone, on the same messages."""
    import parsers
    from handlers import grouping
    from parsers import similar

    rows = list(db.query("SELECT * FROM aspirations WHERE kelurahan IS NOT NULL "
                         "ORDER BY id DESC LIMIT ?", [sample]))
    ours, naive = [], []
    for row in rows:
        terms = grouping.signature(row, parsers.parse(row["text"]))
        cycle = grouping.cycle_of(settings, row["created_at"])
        began = time.perf_counter()
        grouping.best_match(db, row, terms, cycle)
        ours.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        best = 0.0
        for other in db.execute("SELECT text, kelurahan, kecamatan FROM aspirations WHERE "
                                "kelurahan = ? AND category = ? AND id != ?",
                                [row["kelurahan"], row["category"], row["id"]]):
            other_terms = similar.signature(parsers.parse(other[0]), (other[1], other[2]))
            best = max(best, similar.score(terms, other_terms))
        naive.append((time.perf_counter() - began) * 1000)
    return ours, naive


def main() -> None:
    from data.db import transaction
    from handlers.settings import load_settings

    args, folder, db_path, db = prepare(__doc__, "bench-usulan-", "staf", text_for)
    settings = load_settings({"ASPIRASI_DB": db_path})
    times, parse_seconds, total = group_all(db, settings)
    ours, naive = lookups_ms(db, settings)
    made = db.execute("SELECT count(*), max(supporters) FROM usulan WHERE status != "
                      "'digabung'").fetchone()
    busiest = db.execute("SELECT kelurahan, cycle, count(*) n FROM usulan GROUP BY kelurahan, "
                         "cycle ORDER BY n DESC LIMIT 1").fetchone()
    kecamatan = db.execute("SELECT kecamatan FROM usulan WHERE kelurahan = ?",
                           [busiest[0]]).fetchone()[0]
    with transaction(db):  # the kelurahan forums accepted a tenth: the kecamatan list has rows
        db.execute("UPDATE usulan SET status = 'kecamatan' WHERE id % 10 = 0")
    print(f"grouped {len(times):,} needs into {made[0]:,} usulan (largest: {made[1]} supporters) "
          f"in {total:.1f} s ({len(times) / total:,.0f}/s); parsing them first took "
          f"{parse_seconds:.1f} s")
    print(f"per message: p50 {statistics.median(times):.3f} ms, p95 {pct(times, 95):.3f} ms, "
          f"p99 {pct(times, 99):.3f} ms, max {max(times):.1f} ms")
    print(f"lookup alone, {len(ours)} newest needs: ours (stored signatures) p50 "
          f"{statistics.median(ours):.3f} ms, p95 {pct(ours, 95):.3f} ms; naive (re-read every "
          f"need of the bucket) p50 {statistics.median(naive):.1f} ms, p95 {pct(naive, 95):.1f} "
          f"ms: {statistics.median(naive) / statistics.median(ours):.0f}x at p50")
    port = 19000 + os.getpid() % 1000
    server, log = serve(db_path, folder, port)
    wait_http(port, server)
    place = busiest[0].replace(" ", "+")
    cases = [("GET /healthz (baseline)", "/healthz", 200),
             (f"priority list, Kel. {busiest[0]} ({busiest[2]} usulan), page 1",
              f"/musrenbang/prioritas?kelurahan={place}&siklus={busiest[1]}", 200),
             ("the same list, A4 print view (every row)",
              f"/musrenbang/prioritas/cetak?kelurahan={place}&siklus={busiest[1]}", 50),
             (f"kecamatan list, Kec. {kecamatan}", f"/musrenbang/prioritas?daftar=kecamatan&"
              f"kecamatan={kecamatan.replace(' ', '+')}&siklus={busiest[1]}", 200),
             ("/usulan/ (all kelurahan, page 1)", "/usulan/", 200)]
    results = {}
    try:
        client = Client(port)
        client.login("bench")
        for label, path, n in cases:
            timed(client, path, 5)
            results[label] = timed(client, path, n)
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
    base = pct(results["GET /healthz (baseline)"], 95)
    print(f"\n{'request (' + format(args.rows, ',') + ' needs)':58} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p95/healthz':>12}")
    for label, values in results.items():
        p95 = pct(values, 95)
        print(f"{label:58} {statistics.median(values):8.1f} {p95:8.1f} {p95 / base:11.1f}x")
    clean_up(folder, args.keep)


if __name__ == "__main__":
    main()
