"""In headless Chromium: a clerk sees questions and unread follow-ups apart from new needs,
and a ticket page that says what each message was (screenshots in test-artifacts/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chat import PHOTO, Chat
from tests.test_inbox_helpers import PASSWORD, make_staff

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
pytestmark = pytest.mark.browser


def test_clerk_sees_questions_and_follow_ups(browser_page, live_server, signed_post,
                                             run_worker, db):
    chat = Chat(signed_post, run_worker, db)
    chat.say("dodoku ke sekolah so mo rubuh", whatsapp=True)
    chat.say(media=PHOTO, whatsapp=True)
    chat.say("Girian Bawah", whatsapp=True)
    chat.say("so ada kabar blm pak?", whatsapp=True)
    chat.say("bagaimana cara kirim usulan?", sender="+6281311112222")
    (ticket,) = chat.tickets()
    (question,) = chat.tickets("pertanyaan")
    make_staff(db, "ani", "staf")

    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "ani")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox")
    assert page.locator("a.ticket").all_inner_texts() == [ticket["ticket"]]
    assert page.locator("span.badge.unread").inner_text() == "1 susulan baru"
    assert page.locator("span.parts").inner_text() == "(+1 bagian)"
    page.screenshot(path=str(ARTIFACTS / "inbox-conversation.png"), full_page=True)

    page.click("#tab-pertanyaan")
    page.wait_for_url("**jenis=pertanyaan**")
    assert page.locator("a.ticket").all_inner_texts() == [question["ticket"]]
    assert page.get_by_text("bagaimana cara kirim usulan?").is_visible()

    page.goto(live_server.url + "/inbox")
    page.click(f"a.ticket:text-is('{ticket['ticket']}')")
    page.wait_for_url(f"**/inbox/{ticket['ticket']}")
    assert page.locator("#unread").inner_text() == "1 pesan susulan baru"
    follow_up = page.locator("li.unread-item")
    assert "so ada kabar blm pak?" in follow_up.inner_text()
    assert "pesan susulan tiket" in follow_up.inner_text()
    assert page.locator("[data-link=answer]").inner_text().endswith("kelurahan: Girian Bawah")
    assert page.locator("#kelurahan").inner_text().startswith("Girian Bawah")
    page.screenshot(path=str(ARTIFACTS / "ticket-conversation.png"), full_page=True)
    page.goto(live_server.url + "/inbox")
    assert page.locator("span.badge.unread").count() == 0
    assert page.dialogs == []
