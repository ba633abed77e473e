"""parsers.conversation: the words of one message, without any state (pure, table-driven).

Every Indonesian/Manado example of issue 10 is here, plus messages written the way Bitung's
residents write (shorthand, Manado, emoji, WhatsApp habits). The decisions with the sender's
state are tested end to end in test_conversation.py, test_bursts.py and test_rsvp.py.
"""

from __future__ import annotations

import pytest

import parsers
from parsers import choices, places
from parsers import conversation as rules


def cues(text: str) -> rules.Cues:
    return rules.read(parsers.parse(text))


@pytest.mark.parametrize("text", [
    "terima kasih pak", "trima kasih banyak pak 🙏", "ok", "ok pak", "amin", "siap",
    "Tuhan berkati", "🙏🙏", "👍", "makase banyak om, Tuhan berkati", "mksh bnyk ya pak",
    "GBU", "sip", "oke siap", "Puji Tuhan", "dangke", "Amin amin 🙏🙏🙏", "tq min",
    "terimakasih atas infonya", "Makasih bu 😊", "siap pak, terima kasih", "baik pak",
    "Noted, trims", "ok sudah pak", "...", "!!",
])
def test_closings(text):
    assert cues(text).closing


@pytest.mark.parametrize("text", [
    "terima kasih, tapi jalan di depan rumah masih rusak",  # a need after the thanks
    "ok pak, lampu jalan di lorong 3 mati", "jalan rusak", "Girian Bawah", "kapan dikerjakan?",
    "tidak ada air bersih", "halo", "tes",
])
def test_not_closings(text):
    assert not cues(text).closing


@pytest.mark.parametrize("text, agree", [
    ("ok pak", True), ("siap", True), ("iya om", True), ("io", True), ("ya", True),
    ("oke siap", True), ("insya allah", True), ("terima kasih pak", False), ("amin", False),
])
def test_agreement_is_a_separate_cue(text, agree):
    """"ok"/"siap"/"iya" may answer a meeting call; thanks and blessings never do."""
    assert cues(text).agree is agree


@pytest.mark.parametrize("text, answer", [
    ("iya om, sy datang", "HADIR"), ("iya om sy datang", "HADIR"), ("siap hadir", "HADIR"),
    ("sy akan datang pak", "HADIR"), ("insya allah hadir", "HADIR"), ("ikut pak", "HADIR"),
    ("nyanda bisa, ada pigi melaut", "TIDAK"), ("tdk bisa pak", "TIDAK"),
    ("maaf pak sy tdk bisa hadir krn ke laut", "TIDAK"), ("ga bisa, ada acara keluarga", "TIDAK"),
    ("berhalangan", "TIDAK"), ("sy lagi di luar kota", "TIDAK"), ("iya tapi nda bisa", "TIDAK"),
    ("ok pak", None), ("terima kasih", None), ("tidak ada air bersih", None),
])
def test_meeting_answers(text, answer):
    assert cues(text).rsvp == answer


@pytest.mark.parametrize("text", [
    "kapan dikerjakan?", "sudah ada kabar?", "so ada kabar blm pak?", "kpn mo dibaiki?",
    "gmn kelanjutannya pak", "bagaimana kabar usulan saya?", "sdh sampe mana pak?",
    "laporan saya kemarin bagaimana?", "blm ada tindak lanjut", "mohon ditindaklanjuti",
    "progresnya gimana min", "jalan itu belum diperbaiki pak", "kapan mau dibangun dodoku",
])
def test_follow_up_cues(text):
    assert cues(text).followup


@pytest.mark.parametrize("text", [
    "jalan rusak dkt pasar", "terima kasih", "kapan musrenbang di kelurahan Sagerat?",
    "bagaimana cara kirim usulan?",
])
def test_not_follow_ups(text):
    assert not cues(text).followup


@pytest.mark.parametrize("text, asks", [
    ("bagaimana cara kirim usulan?", True), ("kapan musrenbang di kelurahan Sagerat?", True),
    ("pak, musrenbang kelurahan kapan ya?", True), ("apakah bisa usul lewat WA?", True),
    ("mau tanya, syaratnya apa saja", True), ("gmn caranya daftar?", True),
    ("siapa yang bisa ikut musrenbang", True), ("Girian Bawah?", False),
    ("jalan rusak dkt pasar", False),
])
def test_questions(text, asks):
    got = cues(text)
    assert got.asks is asks
    assert got.question is (asks or "?" in text)


@pytest.mark.parametrize("text", [
    "selamat pagi pak, mau lapor", "Selamat siang", "permisi min", "mau tanya pak",
    "apa kabar", "Syalom pak, sy mau menyampaikan",
])
def test_openers(text):
    assert cues(text).intro


@pytest.mark.parametrize("text, codes", [
    ("Tiket Z5TV6 kapan dikerjakan?", ("TIKET", "Z5TV6", "KAPAN")),
    ("z5tv6 gmn pak", ("Z5TV6",)), ("CEK:H73XV", ("H73XV",)), ("jln rusak", ("RUSAK",)),
    ("jln", ()),
    ("ABCDEFG", ()),  # a 7-character word holds no code
])
def test_ticket_code_candidates(text, codes):
    assert cues(text).codes == codes


@pytest.mark.parametrize("text, leftover", [
    ("Girian Bawah", 0), ("kel Aertembaga Dua", 0), ("sy di kel. Tanjung Merah", 0),
    ("dkt pasar girian bawah pak", 0), ("di lorong 3 girian bawah", 0),
    ("lampu jalan mati di girian bawah", 3),
])
def test_leftover_words_tell_an_answer_from_a_need(text, leftover):
    assert cues(text).leftover == leftover


TWO = ["Aertembaga Satu", "Aertembaga Dua"]
GIRIAN = ["Girian Atas", "Girian Bawah", "Girian Indah", "Girian Permai", "Girian Weru Satu",
          "Girian Weru Dua"]


@pytest.mark.parametrize("text, options, picked", [
    ("1", TWO, "Aertembaga Satu"), ("2", TWO, "Aertembaga Dua"), ("yang dua", TWO,
                                                                   "Aertembaga Dua"),
    ("yg ke 2", TWO, "Aertembaga Dua"), ("no. 2 pak", TWO, "Aertembaga Dua"),
    ("kedua", TWO, "Aertembaga Dua"), ("pilih 1", TWO, "Aertembaga Satu"),
    ("satu", TWO, "Aertembaga Satu"), ("3", TWO, None), ("0", TWO, None),
    ("bawah", GIRIAN, "Girian Bawah"), ("yg weru dua", GIRIAN, "Girian Weru Dua"),
    ("weru", GIRIAN, None), ("5", GIRIAN, "Girian Weru Satu"), ("ok", TWO, None),
    ("1 2", TWO, None), ("2", [], None),
])
def test_numbered_choices(text, options, picked):
    assert choices.choice(text, options) == picked


@pytest.mark.parametrize("text, options", [
    ("kel. Aertembaga", TWO), ("jln rusak di aer tembaga", TWO),
    ("dkt pasar girian", GIRIAN), ("Batuputih", ["Batuputih Atas", "Batuputih Bawah"]),
    ("pateten", ["Pateten Satu", "Pateten Dua", "Pateten Tiga"]),
    ("Girian Weru", ["Girian Weru Satu", "Girian Weru Dua"]),
    ("Girian Bawah", []), ("jalan rusak", []), ("Bitung", []), ("pulau lembeh", []),
])
def test_places_that_fit_several_kelurahan_become_choices(text, options):
    assert choices.place_choices(text) == options


def test_factor_shares_the_first_word():
    assert choices.factor(GIRIAN) == ("Girian", ["Atas", "Bawah", "Indah", "Permai", "Weru Satu",
                                               "Weru Dua"])
    assert choices.factor(["Pateten Satu", "Pateten Dua"]) == ("Pateten", ["Satu", "Dua"])
    assert choices.factor(["Madidir Ure", "Wangurer"]) == ("", ["Madidir Ure", "Wangurer"])


@pytest.mark.parametrize("text", ["", "a" * 5000, "🙏" * 300, "[12/11 10.30] Om Yan: ok"])
def test_ugly_input_never_raises(text):
    assert isinstance(cues(text), rules.Cues)


@pytest.mark.parametrize("text, kelurahan", [
    ("Girian Bawah", "Girian Bawah"), ("kel Aertembaga Dua", "Aertembaga Dua"),
    ("sy di kel. Tanjung Merah", "Tanjung Merah"), ("di girian bawah pak", "Girian Bawah"),
    ("GIRIAN BAWAH 🙏", "Girian Bawah"), ("girianbawah", "Girian Bawah"),
    ("Madidir ure", "Madidir Ure"), ("kel. manembo nembo tengah", "Manembo-nembo Tengah"),
    ("dkt pasar girian bawah", "Girian Bawah"), ("Aer Tembaga 2", "Aertembaga Dua"),
    ("di lorong 3 Kakenturan 1", "Kakenturan Satu"), ("rt 2 kel. Tendeki", "Tendeki"),
])
def test_answers_name_a_kelurahan_with_few_other_words(text, kelurahan):
    """What handlers.conversation takes as the answer to "Di kelurahan mana?"."""
    parsed = parsers.parse(text)
    assert (parsed.kelurahan or choices.kelurahan_in(text)) == kelurahan
    assert cues(text).leftover <= 2 and not cues(text).asks


def test_a_short_misspelling_gets_a_suggestion():
    assert places.suggest_kelurahan("giriyan bawa", 3)[0] == "Girian Bawah"
    assert choices.is_wide("Bitung") and choices.is_wide("kota bitung")
    assert not choices.is_wide("Girian Bawah")
