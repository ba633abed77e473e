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
    page.fill("textarea[name=text]", "Musrenbang Kamis jam 09.00 <b>aula</b>")
    assert "1 segmen SMS" in page.text_content("#counter")
    page.select_option("select[name=kelurahan]", GIRIAN)
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
