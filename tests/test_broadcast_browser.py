"""In headless Chromium: compose a broadcast, preview it, double-click Kirim → one broadcast."""

from __future__ import annotations

import pytest

from data import broadcasts
from tests.test_broadcast_sms import GIRIAN, seed
from tests.test_inbox_helpers import PASSWORD, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser_page):
    return browser_page


def test_double_click_in_the_browser_sends_one_broadcast(page, live_server, db, run_worker,
                                                         twilio_stub):
    numbers = seed(db, GIRIAN, 3, 1)
    make_staff(db, "budi", "staf")
    page.goto(live_server.url + "/broadcasts/baru")
    page.fill("input[name=username]", "budi")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/broadcasts/baru")
    # the counter includes the "[Musrenbang Bitung] " prefix: 141 typed characters are 161 sent
    page.fill("textarea[name=text]", "x" * 141)
    assert "161 karakter (termasuk awalan), 2 segmen SMS" in page.text_content("#counter")
    page.fill("textarea[name=text]", "Musrenbang Kamis jam 09.00 <b>aula</b>")
    assert "1 segmen SMS" in page.text_content("#counter")
    # kelurahan are checkboxes with a search box: a plain click never drops an earlier choice
    page.fill("input[aria-label='Cari kelurahan']", "girian b")
    assert page.locator("[data-pick]").first.locator("label.pick:visible").count() == 1
    page.check(f"input[name=kelurahan][value='{GIRIAN}']")
    page.locator("#counter", has_text="3 penerima").wait_for()  # counted live, with the cost
    assert "Rp 1.500 untuk 3 penerima" in page.text_content("#counter")
    page.click("text=Pratinjau")
    assert page.text_content("#recipients") == "3"
    assert "Rp 1.500" in page.text_content("#cost")
    page.dblclick("#send")
    page.wait_for_selector("#progress")  # the confirm answered with the progress page
    run_worker()
    page.goto(page.url)
    assert "selesai" in page.text_content("h1")
    assert "<b>aula</b>" in page.text_content(".body")  # shown as text, not markup
    assert sorted(f["To"] for f in twilio_stub.creates()) == numbers
    assert [b["state"] for b in broadcasts.recent(db)] == ["done"]
