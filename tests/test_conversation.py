"""Conversations end to end (webhook → worker → outbox): the gateway remembers what it asked,
closings and questions are not needs, talk about a ticket stays on it. Issue 10, rules 1-4, 7.

Bursts (rule 5) are in test_bursts.py, meeting-call answers (rule 6) in test_rsvp.py, the words
alone in test_conversation_rules.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from data import aspiration_edits, clock
from data.db import transaction
from handlers import replies
from tests.chat import Chat

OTHER = "+6281311112222"


@pytest.fixture
def chat(signed_post, run_worker, db):
    return Chat(signed_post, run_worker, db)


def ack_asking(chat, text: str = "jln rusak dkt sekolah, lubang besar") -> dict:
    """A ticket whose ack asked "Di kelurahan mana?"."""
    (ack,) = chat.say(text)
    (row,) = chat.tickets()
    assert ack == replies.render("ack_ask_place", received="diterima", ticket=row["ticket"],
                                 category=replies.category_label(row["category"]))
    return row


def past(chat, table: str, column: str, **delta) -> None:
    """Time passes: move a stored moment back (the decisions read the time messages arrived)."""
    chat.db.execute(f"UPDATE {table} SET {column} = ?",
                    [clock.iso(clock.parse(clock.utcnow()) - timedelta(**delta))])


# --- 1. A pending question takes its answer ---------------------------------------------------

@pytest.mark.parametrize("answer, kelurahan", [
    ("Girian Bawah", "Girian Bawah"),  # the examples
    ("kel Aertembaga Dua", "Aertembaga Dua"),
    ("sy di kel. Tanjung Merah", "Tanjung Merah"),
    ("dkt pasar girian bawah", "Girian Bawah"),  # more spellings: test_conversation_rules
    ("Aer Tembaga 2", "Aertembaga Dua"),
])
def test_an_answer_sets_the_kelurahan_like_a_correction(chat, answer, kelurahan):
    row = ack_asking(chat)
    reply = chat.say(answer)
    assert reply == [replies.TEXTS["answer_place"].format(ticket=row["ticket"],
                                                           kelurahan=kelurahan)]
    (after,) = chat.tickets()  # no second ticket
    assert after["kelurahan"] == kelurahan and after["kecamatan"]
    (correction,) = chat.db.query("SELECT * FROM corrections")
    assert (correction["field"], correction["old_value"], correction["new_value"],
            correction["actor"]) == ("kelurahan", None, kelurahan, "warga (SMS)")
    assert chat.link(chat.last_sid())["kind"] == "answer"
    assert chat.db.execute("SELECT count(*) FROM pending_questions").fetchone()[0] == 0


@pytest.mark.parametrize("need, prompt, answer, kelurahan", [
    ("lampu jalan mati di kel. Aertembaga", "Kelurahan mana? 1 Aertembaga Satu 2 Aertembaga Dua."
     " Balas angkanya.", "2", "Aertembaga Dua"),
    ("lampu jalan mati di kel. Aertembaga", None, "yang dua", "Aertembaga Dua"),
    ("jln rusak dkt pasar girian", "Kel. Girian yang mana? 1 Atas 2 Bawah 3 Indah 4 Permai "
     "5 Weru Satu 6 Weru Dua. Balas angkanya.", "2", "Girian Bawah"),
    ("jln rusak dkt pasar girian", None, "yg bawah", "Girian Bawah"),
    ("jembatan rusak di Batuputih", None, "atas", "Batuputih Atas"),
    ("got tersumbat di pateten", "Kelurahan mana? 1 Pateten Satu 2 Pateten Dua 3 Pateten Tiga."
     " Balas angkanya.", "tiga", "Pateten Tiga"),
    ("got tersumbat di pateten", None, "Tandurusa", "Tandurusa"),  # any kelurahan, not only those
])
def test_a_place_that_fits_several_gets_numbered_choices(chat, need, prompt, answer, kelurahan):
    (ack,) = chat.say(need)
    (row,) = chat.tickets()
    assert ack.startswith(f"Aspirasi diterima: tiket {row['ticket']}, ")
    if prompt:
        assert ack.endswith(prompt)
    assert chat.say(answer) == [replies.TEXTS["answer_place"].format(
        ticket=row["ticket"], kelurahan=kelurahan)]
    assert chat.tickets()[0]["kelurahan"] == kelurahan


def test_an_ambiguous_answer_gets_choices_then_the_number(chat):
    row = ack_asking(chat)
    assert chat.say("kel. Aertembaga") == [
        f"Kelurahan mana untuk tiket {row['ticket']}? 1 Aertembaga Satu 2 Aertembaga Dua. "
        "Balas angkanya."]
    assert chat.say("1")[0].startswith(f"Terima kasih. Tiket {row['ticket']} dicatat di Kel. "
                                       "Aertembaga Satu.")
    assert len(chat.tickets()) == 1


@pytest.mark.parametrize("typed, offer, pick, kelurahan", [
    ("giriyan bawa", "Maksud Anda Kel. Girian Bawah untuk tiket {t}? Balas 1 bila benar, atau "
     "tulis nama kelurahannya.", "iya betul", "Girian Bawah"),
    ("giriyan bawa", None, "1", "Girian Bawah"),
    ("madidir", "Kelurahan mana untuk tiket {t}? 1 Madidir Unet 2 Madidir Ure 3 Madidir Weru. "
     "Balas angkanya.", "2", "Madidir Ure"),
])
def test_a_misspelt_or_partial_answer_gets_suggestions(chat, typed, offer, pick, kelurahan):
    row = ack_asking(chat)
    (got,) = chat.say(typed)
    if offer:
        assert got == offer.format(t=row["ticket"])
    assert chat.say(pick)[0].startswith(f"Terima kasih. Tiket {row['ticket']} dicatat di Kel. "
                                        f"{kelurahan}.")


@pytest.mark.parametrize("second", [
    "perahu nelayan rusak, butuh mesin baru",  # clearly a new need: a new ticket
    "lampu jalan mati di kel. Madidir Ure, sudah 2 minggu gelap",
])
def test_a_new_need_after_the_question_is_a_new_ticket(chat, second):
    first = ack_asking(chat)
    (ack,) = chat.say(second)
    assert ack.startswith("Aspirasi diterima: tiket ")
    rows = chat.tickets()
    assert len(rows) == 2 and rows[0]["kelurahan"] is None and first["ticket"] not in ack


def test_an_answer_after_the_question_expired_is_a_new_message(chat):
    ack_asking(chat)
    past(chat, "pending_questions", "expires_at", minutes=1)  # 24 hours went by
    past(chat, "aspirations", "created_at", hours=24)
    assert chat.say("Girian Bawah") == [replies.render("greeting")]
    assert chat.tickets()[0]["kelurahan"] is None
    assert chat.db.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0


def test_the_question_waits_24_hours_by_default(chat):
    ack_asking(chat)
    pending = next(chat.db.query("SELECT * FROM pending_questions"))
    waited = clock.parse(pending["expires_at"]) - clock.parse(pending["asked_at"])
    assert waited == timedelta(hours=24) and pending["asks"] == "kelurahan"


def test_the_city_is_no_answer_and_gets_no_choices(chat):
    ack_asking(chat)
    past(chat, "aspirations", "created_at", minutes=11)  # after the burst: the question alone
    assert chat.say("Bitung") == [replies.render("greeting")]
    assert chat.tickets()[0]["kelurahan"] is None


def test_a_closing_while_waiting_keeps_the_question_open(chat):
    row = ack_asking(chat)
    chat.say("ok pak makasih")
    assert chat.say("Girian Bawah")[0].startswith(f"Terima kasih. Tiket {row['ticket']} dicatat")


def test_another_senders_answer_never_touches_the_ticket(chat):
    ack_asking(chat)
    chat.say("Girian Bawah", sender=OTHER)
    assert chat.tickets()[0]["kelurahan"] is None


def test_a_registered_sender_is_not_asked(chat):
    chat.say("DAFTAR Yohanis Madidir Ure")
    (ack,) = chat.say("jln rusak dkt sekolah")
    assert ", Kel. Madidir Ure." in ack and "mana" not in ack
    assert chat.db.execute("SELECT count(*) FROM pending_questions").fetchone()[0] == 0


# --- 2. Closings are not needs ----------------------------------------------------------------

# The closings (more spellings: test_conversation_rules.test_closings).
CLOSINGS = ["terima kasih pak", "trima kasih banyak pak 🙏", "ok", "amin", "siap",
            "Tuhan berkati", "🙏🙏", "makase banyak om"]


@pytest.mark.parametrize("text", CLOSINGS)
def test_a_closing_makes_no_ticket_and_gets_one_reply_a_day(chat, text):
    ack_asking(chat)
    assert chat.say(text) == [replies.render("closing")]
    assert chat.say(text) == []  # the second one the same day: silence
    assert len(chat.tickets()) == 1
    assert chat.link(chat.last_sid())["kind"] == "closing"


def test_a_closing_from_someone_without_a_ticket(chat):
    assert chat.say("terima kasih pak") == [replies.render("closing_no_ticket")]
    assert chat.tickets() == []


def test_the_courteous_reply_comes_again_the_next_day(chat):
    ack_asking(chat)
    chat.say("terima kasih")
    past(chat, "message_links", "created_at", days=1)
    assert chat.say("makasih pak") == [replies.render("closing")]


# --- 3. Talk about a ticket stays on the ticket -----------------------------------------------

@pytest.mark.parametrize("template", [
    "Tiket {code} kapan dikerjakan?", "kapan dikerjakan?", "sudah ada kabar?",  # the issue's
    "{lower} gmn pak", "so ada kabar blm pak?",  # more: test_conversation_rules
])
def test_a_follow_up_joins_the_ticket_and_gets_its_status(chat, template):
    row = ack_asking(chat)
    (reply,) = chat.say(template.format(code=row["ticket"], lower=row["ticket"].lower()))
    assert reply == (f"Pesan Anda diteruskan ke petugas. Tiket {row['ticket']}: menunggu "
                     f"diperiksa petugas sejak {replies.short_date(row['created_at'])}. Kabar "
                     "berikutnya kami kirim lewat SMS.")
    assert len(chat.tickets()) == 1 and chat.tickets("pertanyaan") == []
    link = chat.link(chat.last_sid())
    assert (link["kind"], link["aspiration_id"], link["unread"]) == ("followup", row["id"], 1)


def test_a_follow_up_reports_the_current_status_in_plain_words(chat, db):
    row = ack_asking(chat)
    with transaction(db):
        aspiration_edits.change_status(db, row, "diteruskan", "rina",
                                       opd="Dinas Pekerjaan Umum dan Penataan Ruang")
    (reply,) = chat.say(f"tiket {row['ticket']} sudah sampai mana?")
    assert f"Tiket {row['ticket']}: diteruskan ke Dinas Pekerjaan Umum dan Penataan Ruang sejak " \
        in reply and reply.endswith("Kami kabari lewat SMS bila ada hasilnya.")
    assert replies.fits_one_segment(reply)


def test_a_code_from_another_sender_never_joins_their_ticket(chat):
    row = ack_asking(chat)
    chat.say(f"Tiket {row['ticket']} kapan dikerjakan?", sender=OTHER)
    assert chat.link(chat.last_sid())["aspiration_id"] != row["id"]
    assert chat.db.execute("SELECT count(*) FROM message_links WHERE aspiration_id = ? AND "
                           "kind = 'followup'", [row["id"]]).fetchone()[0] == 0


def test_a_follow_up_long_after_the_ticket_is_a_question(chat):
    ack_asking(chat)
    past(chat, "aspirations", "created_at", days=31)
    chat.say("kapan dikerjakan?")
    assert [q["text"] for q in chat.tickets("pertanyaan")] == ["kapan dikerjakan?"]


def test_a_new_need_phrased_as_a_follow_up_is_a_new_ticket(chat):
    chat.say("perahu nelayan rusak butuh mesin baru")  # ekonomi
    (ack,) = chat.say("kapan diperbaiki jalan di kel. madidir ure? sudah rusak parah")
    assert ack.startswith("Aspirasi diterima: tiket ") and "Kel. Madidir Ure" in ack
    assert [r["category"] for r in chat.tickets()] == ["ekonomi", "infrastruktur"]


def test_cek_alone_lists_the_senders_open_tickets(chat, db):
    assert chat.say("cek") == [replies.render("check_none")]
    first = ack_asking(chat)
    chat.say("perahu nelayan butuh mesin")
    second = chat.tickets()[1]
    with transaction(db):
        aspiration_edits.change_status(db, first, "diverifikasi", "rina")
    assert chat.say("CEK") == [
        f"Tiket Anda yang masih diproses: {second['ticket']} menunggu, {first['ticket']} "
        f"diperiksa. Rincian: balas CEK dan kodenya, mis. CEK {second['ticket']}"]


def test_cek_lists_many_tickets_in_one_segment(chat):
    for text in ["jalan rusak", "lampu mati", "got tersumbat", "jembatan retak",
                 "air bersih tidak mengalir", "modal usaha nelayan", "homestay butuh promosi",
                 "tambatan perahu rusak", "sampah menumpuk di pantai", "talud longsor"]:
        chat.say(text)
        past(chat, "aspirations", "created_at", minutes=11)  # each its own burst
    assert len(chat.tickets()) == 10
    (reply,) = chat.say("cek")
    assert replies.fits_one_segment(reply) and reply.count(" menunggu") >= 4
    assert "lagi)" in reply and "<" not in reply


def test_cek_with_a_code_says_what_happens_next(chat):
    row = ack_asking(chat)
    assert chat.say(f"CEK {row['ticket']}") == [
        f"Tiket {row['ticket']} (Infrastruktur): menunggu diperiksa petugas sejak "
        f"{replies.short_date(row['created_at'])}. Kabar berikutnya kami kirim lewat SMS."]
    assert chat.say("cek ZZZZZ") == [replies.render("check_unknown", ticket="ZZZZZ")]


# --- 4. Questions are not proposals -----------------------------------------------------------

@pytest.mark.parametrize("text", [
    "bagaimana cara kirim usulan?", "kapan musrenbang di kelurahan Sagerat?",  # the issue's
    "mau tanya, syaratnya apa saja utk ikut musrenbang",
])
def test_a_general_question_becomes_a_pertanyaan(chat, text):
    assert chat.say(text) == [replies.render("question")]
    assert chat.tickets() == []
    (question,) = chat.tickets("pertanyaan")
    assert question["text"] == text and chat.link(chat.last_sid())["kind"] == "question"


def test_a_need_asked_as_a_question_is_still_an_aspiration(chat):
    (ack,) = chat.say("kapan jalan di girian bawah diperbaiki? so rusak parah")
    assert ack.startswith("Aspirasi diterima: tiket ")
    assert chat.tickets("pertanyaan") == [] and len(chat.tickets()) == 1
