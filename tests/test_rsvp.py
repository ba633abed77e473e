"""Meeting calls have answers (issue 10, rule 6), end to end: the invitation says how to answer,
natural answers from recipients count once (the last wins), REKAP [kode], UNDANG TES."""

from __future__ import annotations

import pytest

from data import broadcasts
from handlers import rsvp
from tests.chat import Chat
from tests.test_broadcast_sms import GIRIAN, KEPALA, MADIDIR, broadcast_creates, make_kepala, seed


@pytest.fixture
def chat(signed_post, run_worker, db):
    return Chat(signed_post, run_worker, db)


@pytest.fixture
def village(db):
    """A kepala of Girian Bawah with 6 residents; 2 residents of Madidir Ure (not invited)."""
    return {"kepala": make_kepala(db), "girian": seed(db, GIRIAN, 6, 1),
            "madidir": seed(db, MADIDIR, 2, 100)}


def invite(chat, text: str = "Musrenbang Senin 1/12 jam 09.00 di kantor lurah") -> dict:
    chat.say(f"UNDANG {text}", sender=KEPALA)
    chat.say("YA", sender=KEPALA)
    return broadcasts.recent(chat.db, 1)[0]


def test_the_invitation_ends_with_how_to_answer(chat, village, twilio_stub):
    call = invite(chat)
    bodies = {f["Body"] for f in broadcast_creates(twilio_stub)}
    assert bodies == {"[Lurah Girian Bawah] Musrenbang Senin 1/12 jam 09.00 di kantor lurah "
                      "Balas HADIR atau TIDAK."}
    assert len(call["code"]) == 4 and call["asks_rsvp"] == 1


@pytest.mark.parametrize("answer, counted", [
    ("iya om sy datang", "HADIR"), ("iya om, sy datang", "HADIR"), ("siap hadir", "HADIR"),
    ("nyanda bisa, ada pigi melaut", "TIDAK"), ("tdk bisa pak", "TIDAK"), ("ok pak", "HADIR"),
    ("io", "HADIR"), ("maaf pak sy ada acara keluarga", "TIDAK"),  # more: test_conversation_rules
])
def test_natural_answers_from_recipients_count(chat, village, answer, counted):
    call = invite(chat)
    resident = village["girian"][0]
    (reply,) = chat.say(answer, sender=resident)
    word = "HADIR" if counted == "HADIR" else "TIDAK hadir"
    assert reply.startswith(f"Terima kasih, jawaban {word} Anda untuk undangan ")
    assert reply.endswith(f"Bila berubah, balas {'TIDAK' if counted == 'HADIR' else 'HADIR'}.")
    assert broadcasts.tally(chat.db, call["id"])[counted] == 1
    assert chat.tickets() == []  # never a ticket in the lurah's inbox


def test_each_resident_counts_once_and_a_change_of_mind_replaces(chat, village):
    call = invite(chat)
    a, b, c = village["girian"][:3]
    chat.say("iya om sy datang", sender=a)
    chat.say("siap hadir", sender=a)  # said twice: counted once
    chat.say("ok pak", sender=b)
    chat.say("nyanda bisa, ada pigi melaut", sender=b)  # changed their mind
    chat.say("tdk bisa pak", sender=c)
    chat.say("ok", sender=c)  # a closing after answering: the answer stays TIDAK
    assert broadcasts.tally(chat.db, call["id"]) == {"HADIR": 1, "TIDAK": 2}
    assert rsvp.text("tally", code=call["code"], date="x", hadir=1, tidak=2, rest=3,
                     count=6).split("): ")[1] in chat.say("REKAP", sender=KEPALA)[0]


def test_an_answer_from_someone_not_invited_is_not_counted(chat, village):
    call = invite(chat)
    outsider = village["madidir"][0]
    reply = chat.say("iya om sy datang", sender=outsider)
    assert not reply or not reply[0].startswith("Terima kasih, jawaban")
    assert chat.say("HADIR", sender=outsider) == [rsvp.text("no_call")]
    assert broadcasts.tally(chat.db, call["id"]) == {"HADIR": 0, "TIDAK": 0}


def test_a_resident_registered_after_the_call_is_not_counted(chat, village, db):
    call = invite(chat)
    late = seed(db, GIRIAN, 1, 500)[0]
    assert chat.say("HADIR", sender=late) == [rsvp.text("no_call")]
    assert broadcasts.tally(chat.db, call["id"]) == {"HADIR": 0, "TIDAK": 0}


def test_rekap_by_code_reads_an_older_call(chat, village):
    first = invite(chat, "Musrenbang kelurahan Senin")
    chat.say("siap hadir", sender=village["girian"][0])
    second = invite(chat, "Kerja bakti Sabtu pagi")
    chat.say("tdk bisa pak", sender=village["girian"][0])  # answers the newest call
    (latest,) = chat.say("REKAP", sender=KEPALA)
    assert latest.startswith(f"Rekap undangan {second['code']} (") and "TIDAK 1" in latest
    (older,) = chat.say(f"rekap {first['code'].lower()}", sender=KEPALA)
    assert older.startswith(f"Rekap undangan {first['code']} (") and "HADIR 1, TIDAK 0" in older
    (unknown,) = chat.say("REKAP ZZZZ", sender=KEPALA)
    assert unknown.startswith("Undangan ZZZZ tidak ditemukan. Undangan terakhir Anda: "
                              f"{second['code']} (")
    assert first["code"] in unknown


def test_the_kepala_gets_the_code_when_the_call_goes_out(chat, village):
    chat.say("UNDANG Musrenbang Senin", sender=KEPALA)
    (sent,) = chat.say("YA", sender=KEPALA)
    code = broadcasts.recent(chat.db, 1)[0]["code"]
    assert sent == (f"Undangan {code} dikirim ke 6 warga Kel. Girian Bawah. Untuk melihat "
                    f"jawaban HADIR/TIDAK, balas REKAP {code}.")


def test_undang_tes_goes_to_the_kepala_alone(chat, village, twilio_stub):
    preview, note = chat.say("UNDANG TES Musrenbang Senin jam 9", sender=KEPALA)
    assert preview == "[Lurah Girian Bawah] Musrenbang Senin jam 9 Balas HADIR atau TIDAK."
    assert note.startswith("Tes: pesan di atas hanya dikirim ke Anda (1 SMS). Untuk mengundang "
                           "6 warga")
    assert broadcasts.recent(chat.db) == []  # no draft: a YA now sends nothing
    assert chat.say("YA", sender=KEPALA)[0].startswith("Tidak ada undangan yang menunggu")
    assert {f["To"] for f in twilio_stub.creates()} == {KEPALA}  # nobody else, ever
    assert chat.say("UNDANG tes", sender=KEPALA) == [rsvp.replies.fit_sms_segment(
        "Untuk mencoba, kirim UNDANG TES lalu isi undangannya. Hanya Anda yang menerimanya.")]


def test_a_test_call_does_not_hide_the_real_tally(chat, village):
    """The issue: after "UNDANG tes", REKAP could no longer read the real Musrenbang."""
    call = invite(chat)
    chat.say("siap hadir", sender=village["girian"][0])
    chat.say("UNDANG TES coba saja", sender=KEPALA)
    assert f"Rekap undangan {call['code']}" in chat.say("REKAP", sender=KEPALA)[0]


def test_ya_from_a_resident_with_no_call_is_a_closing(chat, village):
    assert chat.say("ya", sender=village["girian"][0]) == [
        rsvp.replies.render("closing_no_ticket")]


def test_ok_after_our_ack_is_a_thank_you_not_an_answer(chat, village):
    """The call came, then the resident sent a need and got its ack: their "ok" is to the ack."""
    call = invite(chat)
    resident = village["girian"][1]
    chat.say("jalan ke kantor lurah rusak parah", sender=resident)
    assert chat.say("ok pak", sender=resident) == [rsvp.replies.render("closing")]
    assert broadcasts.tally(chat.db, call["id"]) == {"HADIR": 0, "TIDAK": 0}
    chat.say("siap hadir", sender=resident)  # plain words still answer it
    assert broadcasts.tally(chat.db, call["id"]) == {"HADIR": 1, "TIDAK": 0}
