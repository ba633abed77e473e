"""The printed forum papers, rendered by real Chromium to PDF and read back: the priority list
and the daftar hadir run to several A4 pages, carry no navigation, every row, page numbers, the
date and the signature lines (the list) or empty signature cells (the daftar hadir)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from data import broadcasts, usulan, usulan_edits
from data.db import transaction
from tests.test_inbox_helpers import PASSWORD, make_staff, seed

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PROPOSALS = 45
GUESTS = 40
NEED = ("Jalan lingkungan {n} di RT {n} rusak berat sejak dua tahun, berlubang sepanjang kira-kira "
        "{n}0 meter; saat hujan tergenang dan anak-anak sekolah serta nelayan yang membawa ikan "
        "ke pasar harus memutar jauh. Mohon diaspal dan dibuatkan saluran di kedua sisi.")


@pytest.fixture
def forum(db, settings):
    """45 usulan of Girian Bawah (cycle 2026) and a meeting call to 40 named residents."""
    for n in range(1, PROPOSALS + 1):
        row = seed(db, NEED.format(n=n) + " kel. Girian Bawah", f"+62813{n:08d}")
        with transaction(db):
            made = usulan.create(db, db["aspirations"].get(row["id"]), 2026, f"t{n}")
            usulan_edits.save_fields(db, made["id"], {"title": f"Pengaspalan jalan RT {n}",
                                                      "priority": 1 if n == 45 else None})
    with transaction(db):
        for n in range(GUESTS):
            db.execute("INSERT INTO contacts (address, name, kelurahan, kecamatan, first_seen, "
                       "last_seen) VALUES (?, ?, 'Girian Bawah', 'Girian', '2026-11-01', "
                       "'2026-11-01')", [f"+62815{n:08d}", f"Warga Nomor {n:02d}"])
        call = broadcasts.create(
            db, origin="web", created_by="ani", text="Musrenbang Kel. Girian Bawah Senin 09.00",
            body="[Musrenbang Bitung] Musrenbang Senin 09.00 Balas HADIR atau TIDAK.",
            target={"kelurahan": ["Girian Bawah"]}, recipients=GUESTS, segments=1)
        broadcasts.confirm(db, call["id"])
        broadcasts.plan(db, call["id"])
        for contact_id, in db.execute("SELECT id FROM contacts WHERE name LIKE 'Warga%' "
                                      "ORDER BY id LIMIT 12").fetchall():
            broadcasts.record_response(db, call["id"], contact_id,
                                       "HADIR" if contact_id % 3 else "TIDAK", None,
                                       "2026-11-30T01:00:00.000000Z")
    make_staff(db, "ani", "staf")
    return call


def pdf_text(page, path: str, name: str) -> tuple[int, str]:
    from pypdf import PdfReader

    page.goto(path)
    page.emulate_media(media="print")
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def test_the_forum_papers_print_on_a4(browser_page, live_server, forum, db):
    page = browser_page
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "ani")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox")
    page.goto(live_server.url + "/musrenbang/prioritas?kelurahan=Girian+Bawah&siklus=2026")
    assert page.locator("#priority tbody tr").count() == PROPOSALS
    assert page.locator("#priority tbody tr").first.inner_text().startswith("1\tU-0045")

    pages, text = pdf_text(page, live_server.url + page.get_attribute("#print-link", "href"),
                           "prioritas.pdf")
    flat = " ".join(text.split())
    assert pages >= 3, pages
    assert f"Halaman 1 dari {pages}" in flat and f"Halaman {pages} dari {pages}" in flat
    codes = re.findall(r"U-\d{4}", flat)
    assert sorted(set(codes)) == [f"U-{n:04d}" for n in range(1, PROPOSALS + 1)]
    assert codes[0] == "U-0045"  # staff priority 1 leads the list
    assert "Mohon diaspal dan dibuatkan saluran di kedua sisi." in flat  # full texts
    for word in ("Kotak masuk", "Keluar", "Dasbor", "Cetak"):
        assert word not in flat  # no navigation, no buttons
    assert "Lurah Girian Bawah" in flat and "Sekretaris Forum Musrenbang Kelurahan" in flat
    assert re.search(r"dicetak \d{1,2} \w+ 20\d\d", flat)

    pages, text = pdf_text(page, f"{live_server.url}/hadir/{forum['id']}/cetak", "hadir.pdf")
    flat = " ".join(text.split())
    assert pages >= 2 and f"Halaman {pages} dari {pages}" in flat
    names = re.findall(r"Warga Nomor \d\d", flat)
    assert sorted(names) == [f"Warga Nomor {n:02d}" for n in range(GUESTS)]
    assert "Penerima 40 · menjawab HADIR 8 · TIDAK 4 · belum menjawab 28" in flat
    assert "Tanda tangan" in flat and "Kotak masuk" not in flat


def test_the_usulan_list_fits_a_phone(browser_page, live_server, forum):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "ani")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + "/usulan/?kelurahan=Girian+Bawah")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    first = page.locator("#usulan-list tbody tr").first
    box = first.bounding_box()
    assert box["width"] <= 390 and box["y"] < 844 * 2
    kelurahan = first.locator("td[data-label=Kelurahan]")
    assert kelurahan.is_visible() and kelurahan.inner_text() == "Girian Bawah"
    label = kelurahan.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Kelurahan: "'  # each field says what it is on the card
    widths = page.evaluate("[...document.querySelectorAll('#usulan-list td')]"
                           ".map(td => td.getBoundingClientRect().right)")
    assert max(widths) <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-usulan.png"), full_page=False)
