"""End to end in headless Chromium: log in, filter, search, correct, change status, export."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.db import open_db
from tests.conftest import ACCOUNT_SID
from tests.test_inbox_helpers import PASSWORD, make_staff

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MESSAGES = [
    "jln rusak dkt pasar di kelurahan Madidir Ure",
    "lampu jalan mati di Girian Bawah",
    "<script>alert(1)</script>",
    "bantuan modal usaha nelayan di Manembo-nembo",
]

pytestmark = pytest.mark.browser


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


def test_staff_day_in_the_browser(browser_page, live_server, seeded, run_worker, twilio_stub,
                                  tmp_path, db, signed_post):
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/inbox")
    assert "/login" in page.url
    page.fill("input[name=username]", "ani")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox")
    for ticket in seeded.values():
        assert page.locator(f"a.ticket:text-is('{ticket}')").is_visible()

    # a message that is markup shows as text and runs nothing
    cell = page.get_by_text("<script>alert(1)</script>", exact=True)
    assert cell.is_visible()
    assert page.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)

    # filter by category: the URL carries it, only matching rows remain
    page.select_option("form.filters select[name=category]", "infrastruktur")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**category=infrastruktur**")
    road = seeded["jln rusak dkt pasar di kelurahan Madidir Ure"]
    fish = seeded["bantuan modal usaha nelayan di Manembo-nembo"]
    assert page.locator(f"a.ticket:text-is('{road}')").is_visible()
    assert page.locator(f"a.ticket:text-is('{fish}')").count() == 0

    # search, then open the ticket
    page.goto(live_server.url + "/inbox")
    page.fill("input[name=q]", "lampu")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=lampu**")
    lamp = seeded["lampu jalan mati di Girian Bawah"]
    assert page.locator("a.ticket").all_inner_texts() == [lamp]
    page.click(f"a.ticket:text-is('{lamp}')")
    page.wait_for_url(f"**/inbox/{lamp}")

    # correct the category
    page.select_option("select[name=category]", "ekonomi")
    page.click("text=Simpan koreksi")
    page.wait_for_load_state()
    assert page.inner_text("#category") == "Ekonomi"

    # change the status: the citizen's SMS reaches the Twilio stub
    page.select_option("select[name=status]", "diverifikasi")
    page.click("text=Simpan status")
    page.wait_for_load_state()
    assert page.inner_text("#status") == "diverifikasi"
    run_worker()
    bodies = [m["Body"] for m in twilio_stub.creates()]
    assert any(lamp in body and "diverifikasi" in body for body in bodies)
    page.reload()
    assert "status baru → diverifikasi" in page.inner_text("#history")
    # Twilio's callback arrives: the open page shows "delivered" without a reload
    sid, outbox_id = db.execute("SELECT provider_sid, id FROM outbox WHERE kind = 'status' "
                                "ORDER BY id DESC").fetchone()
    signed_post("/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered",
                                            "AccountSid": ACCOUNT_SID})
    page.wait_for_selector(f'[data-outbox-id="{outbox_id}"][data-status="delivered"]',
                           timeout=20000)
    page.screenshot(path=str(ARTIFACTS / "ticket.png"), full_page=True)

    # export the current filter as CSV
    page.goto(live_server.url + "/inbox?category=infrastruktur")
    with page.expect_download() as info:
        page.click("text=Unduh CSV")
    target = tmp_path / "export.csv"
    info.value.save_as(target)
    data = target.read_bytes()
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.startswith("nomor tiket,tanggal,kelurahan") and road in text and fish not in text

    page.goto(live_server.url + "/dashboard")
    assert page.locator("svg.chart").count() == 3
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert page.dialogs == []


def test_phone_width_still_readable(browser_page, live_server, seeded):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "ani")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no sideways scrolling of the whole page (tables scroll in place)
    page.screenshot(path=str(ARTIFACTS / "inbox-phone.png"), full_page=True)
