"""Staff pages show the conversation: questions under their own tab and never counted as
aspirations, unread follow-ups flagged until opened, every message labelled with what it was to
a ticket (issue 10, rules 4 and 7). The messages come through the real webhook and worker."""

from __future__ import annotations

import csv
import io
import re

import pytest

from data import inbox_queries
from tests.chat import PHOTO, PIN, Chat
from tests.test_inbox_helpers import login, make_staff, post

FISHER = "+6281234567890"
ASKER = "+6281311112222"


@pytest.fixture
def day(signed_post, run_worker, db, client):
    """A ticket with a photo, a location, an answer and a follow-up; a question; a staf login."""
    chat = Chat(signed_post, run_worker, db)
    for body, extra in [("tambatan perahu so ancor", {}), ("", {"media": PHOTO}),
                        ("", {"location": PIN}), ("kel. Aertembaga", {}), ("2", {}),
                        ("kapan dikerjakan?", {}), ("terima kasih pak", {})]:
        chat.send(body, sender=FISHER, whatsapp=True, **extra)  # one worker run: in order
    chat.send("bagaimana cara kirim usulan?", sender=ASKER)
    chat.run()
    make_staff(db, "ani", "staf")
    login(client, "ani")
    (ticket,) = chat.tickets()
    (question,) = chat.tickets("pertanyaan")
    return {"chat": chat, "ticket": ticket, "question": question}


def tickets_in(html: str) -> list[str]:
    return re.findall(r'class="ticket" href="/inbox/([A-Z0-9]{5})"', html)


def test_questions_have_their_own_tab_and_never_mix_with_aspirations(client, day):
    html = client.get("/inbox").get_data(as_text=True)
    assert tickets_in(html) == [day["ticket"]["ticket"]]
    assert re.search(r'id="tab-pertanyaan"[^>]*>Pertanyaan <span class="count">1<', html)
    questions = client.get("/inbox?jenis=pertanyaan").get_data(as_text=True)
    assert tickets_in(questions) == [day["question"]["ticket"]]
    assert "Kotak masuk pertanyaan" in questions and "bagaimana cara kirim usulan?" in questions
    assert "Unduh CSV" not in questions


def test_unread_follow_ups_are_flagged_until_the_ticket_is_opened(client, day):
    code = day["ticket"]["ticket"]
    html = client.get("/inbox").get_data(as_text=True)
    assert "1 susulan baru" in html and re.search(r'id="tab-susulan"[^>]*>.*?count">1<', html)
    assert tickets_in(client.get("/inbox?susulan=1").get_data(as_text=True)) == [code]
    page = client.get(f"/inbox/{code}").get_data(as_text=True)
    assert 'id="unread">1 pesan susulan baru' in page and "unread-item" in page
    assert "susulan baru" not in client.get("/inbox").get_data(as_text=True)
    assert tickets_in(client.get("/inbox?susulan=1").get_data(as_text=True)) == []
    again = client.get(f"/inbox/{code}").get_data(as_text=True)
    assert 'id="unread"' not in again and "dibaca ani" in again


def test_the_ticket_page_labels_each_message(client, day):
    page = client.get(f"/inbox/{day['ticket']['ticket']}").get_data(as_text=True)
    links = re.findall(r'data-link="(\w+)"', page)
    assert links == ["need", "part", "part", "answer", "answer", "followup", "closing"]
    assert "jawaban untuk tiket" in page and "kelurahan: Aertembaga Dua" in page
    assert "pilihan: Aertembaga Satu, Aertembaga Dua" in page
    assert "(+2 bagian)" in client.get("/inbox").get_data(as_text=True)


def test_questions_never_count_in_dashboard_or_export(client, day):
    dashboard = client.get("/dashboard").get_data(as_text=True)
    total = re.search(r"<tfoot>.*?</tfoot>", dashboard.split('id="place-table"')[1], re.S)
    assert re.findall(r'class="num">(\d+)<', total.group(0))[-1] == "1"
    rows = list(csv.reader(io.StringIO(
        client.get("/inbox/export.csv?jenis=pertanyaan").get_data().decode("utf-8-sig")),
        delimiter=";"))
    assert [r[0] for r in rows[1:]] == [day["ticket"]["ticket"]]


def test_staff_can_turn_a_question_into_an_aspiration(client, day, db):
    code = day["question"]["ticket"]
    assert post(client, f"/inbox/{code}/koreksi", {"kind": "aspirasi"}).status_code == 302
    assert code in tickets_in(client.get("/inbox").get_data(as_text=True))
    (correction,) = db.query("SELECT * FROM corrections WHERE field = 'kind'")
    assert (correction["old_value"], correction["new_value"], correction["actor"]) == (
        "pertanyaan", "aspirasi", "ani")
    assert post(client, f"/inbox/{code}/koreksi", {"kind": "lain"}).status_code == 400


def test_the_citizens_answer_is_in_the_ticket_history(client, day):
    page = client.get(f"/inbox/{day['ticket']['ticket']}").get_data(as_text=True)
    history = page.split('id="history"')[1].split("</ul>")[0]
    assert "warga (WhatsApp)" in history and "mengoreksi kelurahan: - → Aertembaga Dua" in history


def test_a_kelurahan_account_sees_a_question_about_its_kelurahan(client, db, signed_post,
                                                                   run_worker):
    Chat(signed_post, run_worker, db).say("kapan musrenbang di kelurahan Sagerat?")
    make_staff(db, "lurah", "kelurahan", "Sagerat")
    login(client, "lurah")
    assert inbox_queries.tabs(db, "Sagerat") == {"pertanyaan": 1, "susulan": 0, "saya": 0}
    assert len(tickets_in(client.get("/inbox?jenis=pertanyaan").get_data(as_text=True))) == 1
    assert inbox_queries.tabs(db, "Madidir Ure") == {"pertanyaan": 0, "susulan": 0, "saya": 0}


def test_a_question_is_answered_by_a_reply_not_by_a_status_sms(client, day, db):
    code = day["question"]["ticket"]
    post(client, f"/inbox/{code}/balas", {"body": "Kirim saja masalahnya dan kelurahannya."})
    post(client, f"/inbox/{code}/status", {"status": "diverifikasi"})
    bodies = [r["body"] for r in db.query(
        "SELECT body FROM outbox WHERE aspiration_id = ? AND kind IN ('reply', 'status')",
        [day["question"]["id"]])]
    assert bodies == ["Kirim saja masalahnya dan kelurahannya."]
    assert day["chat"].tickets("pertanyaan")[0]["status"] == "diverifikasi"
