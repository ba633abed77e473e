"""End to end in headless Chromium: a clerk's day at the desk (1366×768), phone triage
(390×844), a photo shown with the network to Twilio cut. Screenshots in test-artifacts/."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from data.db import open_db, transaction
from tests.conftest import ACCOUNT_SID
from tests.test_desk_media import jpeg, whatsapp
from tests.test_inbox_helpers import PASSWORD, make_staff

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MESSAGES = [
    "jln rusak dkt pasar di kelurahan Madidir Ure",
    "jalang so ancor di Girian Bawah",
    "lampu jalan mati di Girian Bawah",
    "<script>alert(1)</script>",
    "bantuan modal usaha nelayan di Manembo-nembo",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def held(monkeypatch, env):
    monkeypatch.setenv("ASPIRASI_UNDO_SECONDS", "60")


@pytest.fixture
def seeded(settings, signed_post, run_worker):
    for n, body in enumerate(MESSAGES, start=1):
        response = signed_post("/webhooks/twilio", {
            "MessageSid": f"SM{n:032x}", "AccountSid": ACCOUNT_SID,
            "From": f"+62812345678{n:02d}", "To": "+15005550006", "Body": body})
        assert response.status_code == 200
    run_worker()
    db = open_db(settings.db_path)
    make_staff(db, "ani", "staf")
    return {row["text"]: row["ticket"] for row in db.query("SELECT text, ticket FROM aspirations")}


def log_in(page, url):
    page.goto(url + "/inbox")
    page.fill("input[name=username]", "ani")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox")


def test_staff_day_in_the_browser(held, browser_page, live_server, seeded, run_worker,
                                  twilio_stub, tmp_path, db):
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url)
    cell = page.get_by_text("<script>alert(1)</script>", exact=True)
    assert cell.is_visible() and page.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "desk-inbox.png"), full_page=True)

    # search by a shorthand: "jln" finds "jalang" and "jalan" too, each spelling highlighted
    page.fill("input[name=q]", "jln")
    page.click("#filter-form button[type=submit]")
    page.wait_for_url("**q=jln**")
    roads = {seeded[t] for t in MESSAGES[:3]}
    assert set(page.locator("a.ticket").all_inner_texts()) == roads
    assert {"jln", "jalang", "jalan"} <= set(page.locator("td.c-text mark").all_inner_texts())
    page.screenshot(path=str(ARTIFACTS / "desk-search.png"), full_page=True)

    # a status change: the exact SMS is previewed, the fields follow the status, undo works
    ticket = seeded[MESSAGES[1]]
    page.click(f"a.ticket:text-is('{ticket}')")
    page.wait_for_url(f"**/inbox/{ticket}")
    assert page.input_value("#status-select") == "diverifikasi"  # suggested, not closing
    assert page.locator("[data-field=reason]").is_hidden()
    page.select_option("#status-select", "ditolak")
    page.fill("input[name=reason]", "Sudah masuk RKPD 2027")
    page.locator("#sms-text", has_text="RKPD").wait_for()  # fetched live from the server
    assert page.inner_text("#sms-text") == (
        f"Tiket {ticket}: usulan belum dapat diproses. Alasan: Sudah masuk RKPD 2027")
    assert page.locator("[data-field=opd]").is_hidden()
    page.select_option("#status-select", "diverifikasi")
    page.locator("#sms-text", has_text="diperiksa").wait_for()
    page.click("text=Simpan status")
    page.wait_for_selector("#undo-bar")
    assert page.inner_text("#status") == "diverifikasi"
    page.screenshot(path=str(ARTIFACTS / "desk-undo.png"), full_page=True)
    page.click("#undo")
    page.wait_for_load_state()
    assert page.inner_text("#status") == "baru"
    with transaction(db):
        db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z'")
    run_worker()
    assert not [m for m in twilio_stub.creates() if "diverifikasi" in m["Body"]]

    # a bulk action: two tickets to "ekonomi", previewed first
    page.goto(live_server.url + "/inbox")
    road, lamp = seeded[MESSAGES[0]], seeded[MESSAGES[2]]
    for code in (road, lamp):
        page.check(f'input[name=tiket][value="{code}"]')
    assert page.inner_text("#selected-count") == "2 tiket dipilih"
    page.select_option("select[name=aksi]", "category")
    page.select_option("#bulk select[name=category]", "ekonomi")
    page.click("text=Pratinjau perubahan")
    page.wait_for_selector("#bulk-preview")
    assert "2 dari 2 tiket akan diubah" in page.inner_text("#bulk-summary")
    page.click("#bulk-confirm")
    page.wait_for_url("**/inbox")
    assert "Ubah kategori: 2 tiket diubah" in page.inner_text("main")

    # the XLSX export of the current filter, opened and checked cell by cell
    page.goto(live_server.url + "/inbox?kelurahan=Girian+Bawah")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    target = tmp_path / "export.xlsx"
    info.value.save_as(target)
    book = openpyxl.load_workbook(io.BytesIO(target.read_bytes()))
    assert book.sheetnames == ["Girian Bawah", "Usulan Musrenbang", "Keterangan"]
    sheet = book["Girian Bawah"]
    assert [c.value for c in sheet[1]][:8] == ["Nomor tiket", "Tanggal (WITA)", "Kelurahan",
                                               "Kecamatan", "Kategori", "Isi aspirasi",
                                               "Status", "OPD tujuan"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == {seeded[MESSAGES[1]], lamp}
    road = rows[seeded[MESSAGES[1]]]
    assert isinstance(road[1].value, datetime)
    assert [c.value for c in road[2:7]] == ["Girian Bawah", "Girian", "Infrastruktur",
                                            MESSAGES[1], "baru"]
    assert rows[lamp][4].value == "Ekonomi"  # the bulk change is in the export
    assert road[9].value == 1 and road[11].value == "0812-3456-7802"
    proposals = book["Usulan Musrenbang"]  # the ranked usulan of the same kelurahan (issue 14)
    assert [c.value for c in proposals[1]][:3] == ["Peringkat", "Kode usulan", "Judul usulan"]
    ranked = list(proposals.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in ranked] == list(range(1, len(ranked) + 1))
    assert {r[4] for r in ranked} == {"Girian Bawah"}
    assert {r[-2].value for r in rows.values()} <= {r[1] for r in ranked}  # each need's usulan
    page.goto(live_server.url + f"/inbox/{ticket}")
    page.screenshot(path=str(ARTIFACTS / "desk-ticket.png"), full_page=True)
    assert page.dialogs == []


def test_phone_triage_of_three_tickets(browser_page, live_server, seeded, db):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert page.locator("label.saring-button").is_visible()
    assert page.locator("select[name=category]").first.is_hidden()  # filters behind "Saring"
    first_card = page.locator("tr.card-row").first.bounding_box()
    assert first_card["y"] < 844 and first_card["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "phone-inbox.png"), full_page=False)
    page.click("label.saring-button")
    assert page.locator("#filter-form select[name=category]").is_visible()
    page.screenshot(path=str(ARTIFACTS / "phone-filters.png"), full_page=False)

    steps = [(MESSAGES[0], "diverifikasi", None), (MESSAGES[2], "ditolak", "Sudah diperbaiki"),
             (MESSAGES[4], "diverifikasi", None)]
    for n, (text, status, reason) in enumerate(steps):
        page.goto(live_server.url + "/inbox")
        page.click(f"a.ticket:text-is('{seeded[text]}')")
        page.wait_for_url(f"**/inbox/{seeded[text]}")
        status_box = page.locator(".o-status").bounding_box()
        talk_box = page.locator(".o-conversation").bounding_box()
        assert status_box["y"] < talk_box["y"] and status_box["y"] < 844  # status first
        assert page.locator(".o-reply").bounding_box()["y"] < talk_box["y"]
        if n == 0:
            page.screenshot(path=str(ARTIFACTS / "phone-ticket.png"), full_page=False)
        page.select_option("#status-select", status)
        if reason:
            page.fill("input[name=reason]", reason)
        page.click("text=Simpan status")
        page.wait_for_load_state()
        assert page.inner_text("#status") == status
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    statuses = dict(db.execute("SELECT ticket, status FROM aspirations").fetchall())
    assert [statuses[seeded[t]] for t, _, _ in steps] == ["diverifikasi", "ditolak",
                                                         "diverifikasi"]
    assert page.dialogs == []


def test_a_photo_shows_with_the_network_to_twilio_cut(browser_page, live_server, db,
                                                      signed_post, run_worker, twilio_stub):
    url = twilio_stub.add_media("9", "image/jpeg", jpeg((1200, 900), (30, 120, 200)))
    whatsapp(signed_post, 9, "dodoku so mo rubuh di Girian Bawah", [(url, "image/jpeg")])
    run_worker()
    make_staff(db, "ani", "staf")
    twilio_stub.offline = True  # Twilio unreachable from now on
    page = browser_page
    outside = []

    def only_our_host(route):
        if route.request.url.startswith(live_server.url):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    page.route("**/*", only_our_host)
    log_in(page, live_server.url)
    assert "📷 foto" in page.inner_text("main") or page.locator("td.c-text").count() == 1
    (ticket,) = db.execute("SELECT ticket FROM aspirations").fetchone()
    page.goto(live_server.url + f"/inbox/{ticket}")
    image = page.locator("img.thumb")
    image.wait_for()
    image.evaluate("img => img.decode()")  # loaded and decoded, from our host
    assert image.evaluate("img => img.naturalWidth") == 320
    assert outside == []  # nothing on the page asked another host
    page.screenshot(path=str(ARTIFACTS / "desk-media.png"), full_page=True)
