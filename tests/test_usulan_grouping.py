"""Similar needs become one usulan: a table of realistic near-duplicates and non-duplicates
(Indonesian, SMS shorthand, Manado Malay), then grouping in the database (same words in
another kelurahan never group), then the whole way through the webhook with the acks."""

from __future__ import annotations

import pytest

import parsers
from data import usulan
from data.db import transaction
from handlers import grouping
from parsers import similar
from tests.chat import Chat
from tests.test_inbox_helpers import seed

# Pairs a forum would count as one need (same kelurahan and category assumed).
SAME = [
    ("jln rusak parah dkt pasar", "jalan di depan pasar so ancor"),
    ("jalan berlubang di lorong 3", "jln rusak banyak lubang"),
    ("jalang so ancor skali", "tolong perbaiki jalan yg rusak pak"),
    ("lampu jalan mati sdh 2 minggu", "lampu jalan padam, gelap kalo malam"),
    ("PJU di depan gereja mati", "lampu jalan dekat gereja so mati"),
    ("got tersumbat banjir tiap hujan", "drainase mampet kalo ujan banjer"),
    ("selokan mampet bau", "got tersumbat sampah"),
    ("air bersih tidak mengalir sdh 2 minggu", "aer PDAM nda mengalir"),
    ("air nda kaluar so 3 hari", "air bersih tdk mengalir"),
    ("torang nelayan butuh jaring baru", "nelayan perlu bantuan jaring"),
    ("mohon bantuan modal usaha utk ibu2", "butuh pinjaman modal usaha kecil"),
    ("tambatan perahu so ancor", "dermaga perahu nelayan rusak berat"),
    ("talud pantai rusak kena abrasi", "tanggul pantai so ancor, abrasi tiap musim ombak"),
    ("sampah menumpuk di pinggir jalan", "sampah numpuk bau, tdk diangkut"),
    ("toilet di pantai tidak ada air", "wc di pantai rusak, tdk ada air"),
    ("mesin perahu rusak, butuh bantuan mesin", "nelayan butuh mesin katinting"),
    ("jembatan ke kebun so mo rubuh", "jembatan kebun rusak parah"),
    ("Selamat pagi pak, jalan ke SD so ancor skali", "jalan dekat SD rusak berat, anak2 susah"),
]
# Pairs that share words but are different needs.
DIFFERENT = [
    ("jalan rusak dekat pasar", "jalan rusak dekat sekolah"),
    ("lampu jalan mati", "jalan rusak berlubang"),
    ("got tersumbat", "air bersih tidak mengalir"),
    ("nelayan butuh jaring", "nelayan butuh mesin perahu"),
    ("bantuan modal usaha warung", "bantuan jaring nelayan"),
    ("talud pantai rusak abrasi", "toilet pantai rusak"),
    ("sampah menumpuk di pinggir jalan", "jalan rusak di depan rumah"),
    ("anjing liar di gang kami", "gang becek dan rusak"),
    ("tolong perbaiki jalan", "tolong perbaiki atap sekolah"),
    ("air bersih tdk mengalir", "banjir kalau hujan"),
    ("butuh modal usaha", "butuh pelatihan kerja untuk pemuda"),
    ("lampu jalan mati dkt pasar", "lampu jalan mati dkt gereja"),
]


def sig(text: str, place: str = "Girian Bawah") -> frozenset:
    return similar.signature(parsers.parse(text), (place, "Girian"))


@pytest.mark.parametrize("a, b", SAME)
def test_near_duplicates_are_one_need(a, b):
    assert similar.similar(sig(a), sig(b)), (sig(a), sig(b))


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_shared_words_are_not_enough(a, b):
    assert not similar.similar(sig(a), sig(b)), (sig(a), sig(b))


def test_kelurahan_words_say_nothing_about_the_need():
    assert sig("jalan rusak di girian bawah") == sig("jalan rusak") == {"jalan", "rusak"}


def place(db, settings, text: str, address: str, kelurahan: str | None = None):
    """A need stored as the inbound handler stores it, then put into its usulan."""
    row = seed(db, text + (f" di kel. {kelurahan}" if kelurahan else ""), address)
    with transaction(db):
        return row, grouping.sync(db, settings, db["aspirations"].get(row["id"]))


def test_similar_needs_of_one_kelurahan_join_one_usulan(db, settings):
    first, p1 = place(db, settings, "jln rusak parah dkt pasar", "+6281300000001", "Madidir Ure")
    _, p2 = place(db, settings, "jalan di depan pasar so ancor", "+6281300000002",
                  "Madidir Ure")
    _, p3 = place(db, settings, "jalan depan pasar rusak berat", "+6281300000002",
                  "Madidir Ure")  # the same sender again: one supporter
    _, other = place(db, settings, "lampu jalan mati", "+6281300000003", "Madidir Ure")
    assert first["kelurahan"] == "Madidir Ure"
    assert not p1.joined and p2.joined and p2.counted and p3.joined and not p3.counted
    assert p1.usulan_id == p2.usulan_id == p3.usulan_id != other.usulan_id
    row = usulan.get(db, p1.usulan_id)
    assert (row["members"], row["supporters"], row["unconfirmed"]) == (3, 2, 2)
    assert row["title"].startswith("jln rusak parah dkt pasar")


def test_same_words_in_another_kelurahan_never_group(db, settings):
    _, a = place(db, settings, "tambatan perahu so ancor", "+6281300000001", "Lirang")
    _, b = place(db, settings, "tambatan perahu so ancor", "+6281300000002", "Posokan")
    _, c = place(db, settings, "tambatan perahu so ancor", "+6281300000003", "Lirang")
    assert a.usulan_id != b.usulan_id and c.usulan_id == a.usulan_id
    assert usulan.get(db, b.usulan_id)["kelurahan"] == "Posokan"


def test_questions_and_needs_without_a_place_are_in_no_usulan(db, settings):
    row, placed = place(db, settings, "jalan rusak parah", "+6281300000001")
    assert placed is None and usulan.membership(db, row["id"]) is None


@pytest.fixture
def chat(signed_post, run_worker, db):
    return Chat(signed_post, run_worker, db)


def test_a_similar_message_is_told_it_joined_and_counted(chat, db):
    first = chat.say("jln rusak parah dkt pasar di kel. Madidir Ure", sender="+6281300000011")
    assert first[0].startswith("Aspirasi diterima: tiket")
    second = chat.say("jalang di depan pasar madidir ure so ancor", sender="+6281300000012")
    ticket = chat.tickets()[-1]["ticket"]
    assert second == [f"Usulan serupa sudah ada (U-0001), dukungan Anda dicatat: 2 warga. Tiket "
                      f"Anda {ticket}, Kel. Madidir Ure. Cek: balas CEK {ticket}"]
    again = chat.say("jalan dkt pasar rusak berat kel madidir ure", sender="+6281300000012")
    assert again[0].startswith("Usulan serupa sudah ada (U-0001), Anda sudah tercatat "
                               "mendukungnya: 2 warga.")
    assert usulan.get(db, 1)["supporters"] == 2


def test_the_kelurahan_answered_later_joins_the_usulan(chat, db):
    chat.say("lampu jalan mati di kel. Girian Bawah", sender="+6281300000021")
    ask = chat.say("lampu jalan padam, gelap kalo malam", sender="+6281300000022")
    assert "Di kelurahan mana?" in ask[0]
    answer = chat.say("girian bawah pak", sender="+6281300000022")
    assert answer[0].endswith("Usulan serupa sudah ada (U-0001), dukungan Anda dicatat: "
                              "2 warga.")


def test_needs_from_before_usulan_are_grouped_by_the_reconciler(db, settings):
    rows = [seed(db, f"{text} di kel. Lirang", f"+628130000009{n}")
            for n, text in enumerate(["tambatan perahu so ancor", "tambatan perahu rusak berat",
                                      "butuh modal usaha"])]
    with transaction(db):  # as if these had been stored before the migration
        db.execute("UPDATE usulan_backfill SET next_id = 1, until_id = ?", [rows[-1]["id"]])
    assert grouping.backfill(db, None, settings) == 3
    assert grouping.backfill(db, None, settings) == 0
    first, second, third = (usulan.of_aspiration(db, r["id"]) for r in rows)
    assert first["id"] == second["id"] != third["id"] and first["supporters"] == 2
