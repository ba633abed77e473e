"""One burst, one ticket (issue 10, rule 5), end to end: WhatsApp sends one webhook per part
(photo, location, text); SMS users send a need in two or three texts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from data import clock
from handlers import replies
from tests.chat import PHOTO, PIN, VOICE, Chat

WA = {"whatsapp": True}
OTHER = "+6281311112222"


@pytest.fixture
def chat(signed_post, run_worker, db):
    return Chat(signed_post, run_worker, db)


def acks(chat) -> list[str]:
    return [r["body"] for r in chat.db.query("SELECT body FROM outbox ORDER BY id")]


def test_photo_location_then_text_in_one_batch_is_one_ticket_and_one_ack(chat, twilio_stub):
    """The issue's WhatsApp user: a photo, then a location, then the description."""
    chat.send(media=PHOTO, **WA)
    chat.send(location=PIN, label="Pasar Girian", **WA)
    chat.send("jalan di depan rumah so ancor, tolong diperbaiki, kel girian bawah", **WA)
    chat.run()
    (row,) = chat.tickets()
    assert row["text"] == "jalan di depan rumah so ancor, tolong diperbaiki, kel girian bawah"
    assert (row["category"], row["kelurahan"]) == ("infrastruktur", "Girian Bawah")
    (create,) = twilio_stub.creates()  # one ack for the burst, naming what came
    assert create["Body"] == (f"Aspirasi diterima dengan foto dan lokasi: tiket {row['ticket']}, "
                              "Infrastruktur, Kel. Girian Bawah. Petugas akan memeriksa dan "
                              f"mengabari. Cek: balas CEK {row['ticket']}")
    kinds = [r[0] for r in chat.db.execute("SELECT kind FROM message_links ORDER BY message_id")]
    assert kinds == ["need", "part", "part"]


@pytest.mark.parametrize("media, what, text", [
    (PHOTO, "Foto", "(foto)"), (VOICE, "Pesan suara", "(pesan suara)"),
    (PHOTO + VOICE, "Foto dan pesan suara", "(foto dan pesan suara)"),
])
def test_media_alone_is_a_ticket_whose_ack_names_what_arrived(chat, media, what, text):
    (ack,) = chat.say(media=media, **WA)
    (row,) = chat.tickets()
    assert row["text"] == text and "foto" not in ack.lower().replace(what.lower(), "")
    assert ack == replies.TEXTS["ack_media"].format(what=what, ticket=row["ticket"])


def test_a_voice_note_is_never_called_a_photo(chat):
    (ack,) = chat.say(media=VOICE, **WA)
    assert ack.startswith("Pesan suara diterima") and "Foto" not in ack and "foto" not in ack


def test_the_description_after_the_ack_went_is_confirmed_once(chat):
    (ack,) = chat.say(media=PHOTO, **WA)
    (row,) = chat.tickets()
    (confirm,) = chat.say("got tersumbat, banjir tiap hujan", **WA)  # what the ack asked for
    assert confirm == replies.render("answer_description_ask_place", ticket=row["ticket"],
                                     category="Infrastruktur")
    (row,) = chat.tickets()
    assert (row["text"], row["category"]) == ("got tersumbat, banjir tiap hujan", "infrastruktur")
    assert chat.say("Girian Bawah", **WA)[0].startswith(f"Terima kasih. Tiket {row['ticket']} "
                                                         "dicatat di Kel. Girian Bawah.")
    assert len(chat.tickets()) == 1


def test_the_description_may_come_within_the_day(chat):
    """"Kirim keterangan singkat": an hour later the text still describes the photo."""
    chat.say(media=PHOTO, **WA)
    moved = clock.iso(clock.parse(clock.utcnow()) - timedelta(hours=1))
    chat.db.execute("UPDATE aspirations SET created_at = ?", [moved])
    chat.say("dodoku di lorong 5 so mo rubuh, kel. Batulubang", **WA)
    (row,) = chat.tickets()
    assert row["kelurahan"] == "Batulubang" and row["text"].startswith("dodoku")


def test_parts_after_the_ack_join_quietly(chat):
    (ack,) = chat.say("jembatan kayu di kel. Tendeki so lapuk", **WA)
    assert chat.say(media=PHOTO, **WA) == []
    assert chat.say(location=PIN, **WA) == []
    assert chat.say("sdh 3 bulan bgini, anak2 sekolah lewat situ", **WA) == []
    (row,) = chat.tickets()
    assert row["text"] == ("jembatan kayu di kel. Tendeki so lapuk\n"
                           "sdh 3 bulan bgini, anak2 sekolah lewat situ")
    assert chat.db.execute("SELECT count(*) FROM message_links WHERE kind = 'part'"
                           ).fetchone()[0] == 3


def test_sms_detail_in_a_second_text_joins_the_ticket(chat):
    chat.say("jln rusak parah dkt SD inpres")
    assert chat.say("tolong segera diperbaiki pak, sdh 3 bulan") == []
    (row,) = chat.tickets()
    assert row["text"].endswith("\ntolong segera diperbaiki pak, sdh 3 bulan")


def test_an_opener_then_the_need_is_one_ticket(chat):
    assert chat.say("Selamat pagi pak, mau lapor", **WA) == [replies.render("greeting")]
    chat.say("air PDAM so 3 hari nda mengalir di kel. Madidir Ure", **WA)
    assert [r["category"] for r in chat.tickets()] == ["infrastruktur"]


@pytest.mark.parametrize("second", [
    "perahu nelayan butuh mesin, mohon bantuan modal",  # another category
    "lampu jalan mati di kel. Madidir Ure",  # a need of its own, another place
])
def test_a_second_need_within_the_window_is_a_second_ticket(chat, second):
    chat.say("jln rusak dkt pasar kel. girian bawah")
    (ack,) = chat.say(second)
    assert ack.startswith("Aspirasi diterima: tiket ")
    assert len(chat.tickets()) == 2


def test_a_part_after_the_window_is_a_new_ticket(chat):
    chat.say("jembatan kayu di kel. Tendeki so lapuk", **WA)
    moved = clock.iso(clock.parse(clock.utcnow()) - timedelta(minutes=11))
    chat.db.execute("UPDATE aspirations SET created_at = ?", [moved])
    (ack,) = chat.say(media=PHOTO, **WA)
    assert ack.startswith("Foto diterima: tiket ") and len(chat.tickets()) == 2


def test_another_senders_photo_never_joins(chat):
    chat.say("jembatan kayu di kel. Tendeki so lapuk", **WA)
    (ack,) = chat.say(media=PHOTO, sender=OTHER, whatsapp=True)
    assert ack.startswith("Foto diterima: tiket ") and len(chat.tickets()) == 2


def test_the_burst_ack_waits_for_the_rest(chat, monkeypatch, twilio_stub):
    """With a hold, parts processed one by one still get one ack that names them all."""
    monkeypatch.setenv("ASPIRASI_BURST_HOLD_SECONDS", "30")
    chat.send(media=PHOTO, **WA)
    chat.run_pending()
    held = next(chat.db.query("SELECT * FROM outbox"))
    assert held["status"] == "queued" and held["next_attempt_at"] > clock.utcnow()
    assert held["body"].startswith("Foto diterima: tiket ")
    chat.send(location=PIN, **WA)
    chat.run_pending()
    assert next(chat.db.query("SELECT body FROM outbox"))["body"].startswith(
        "Foto dan lokasi diterima: tiket ")
    chat.send("talud di pinggir jalan longsor, kel. Pintukota", **WA)
    chat.run()  # the description releases the ack at once
    (create,) = twilio_stub.creates()
    (row,) = chat.tickets()
    assert create["Body"].startswith(f"Aspirasi diterima dengan foto dan lokasi: tiket "
                                     f"{row['ticket']}, Infrastruktur, Kel. Pintukota.")


def test_a_resend_of_the_same_text_keeps_its_ticket_and_ack(chat):
    first = chat.say("jembatan di kel. tendeki so lapuk")
    assert chat.say("jembatan di kel. tendeki so lapuk") == first
    assert len(chat.tickets()) == 1


def test_a_short_description_naming_the_place_describes_the_photo(chat):
    """"got tersumbat, kel girian bawah" after a photo is its description, not only a place."""
    chat.say(media=VOICE, **WA)
    (row,) = chat.tickets()
    (confirm,) = chat.say("got tersumbat, kel girian bawah", **WA)
    assert confirm == replies.render("answer_description", ticket=row["ticket"],
                                     category="Infrastruktur", place=", Kel. Girian Bawah")
    (row,) = chat.tickets()
    assert (row["text"], row["category"], row["kelurahan"]) == (
        "got tersumbat, kel girian bawah", "infrastruktur", "Girian Bawah")
    assert chat.db.execute("SELECT count(*) FROM pending_questions").fetchone()[0] == 0
