"""Commands: leading keywords with arguments, whole-message replies, typos and separators."""

import pytest

from parsers import parse


@pytest.mark.parametrize("text, command", [
    ("DAFTAR Yohanis Madidir Ure", "DAFTAR"), ("daftar yohanis madidir ure", "DAFTAR"),
    ("DAFTRA Yohanis Madidir Ure", "DAFTAR"), ("REG Yohanis Paceda", "DAFTAR"),
    ("daftar#Yohanis#Paceda", "DAFTAR"), ("daftar:Yohanis Paceda", "DAFTAR"),
    ("BERHENTI", "BERHENTI"), ("BERHENTII", "BERHENTI"), ("stop", "BERHENTI"),
    ("Stop.", "BERHENTI"), ("Stop sms ini", "BERHENTI"), ("stop kirim sms", "BERHENTI"), ("UNREG", "BERHENTI"), ("keluar", "BERHENTI"),
    ("MULAI", "MULAI"), ("start", "MULAI"),
    ("cek A7K2Q", "CEK"), ("CEK.a7k2q", "CEK"), ("status A7K2Q", "CEK"), ("cek", "CEK"),
    ("BANTUAN", "BANTUAN"), ("info", "BANTUAN"), ("HELP", "BANTUAN"), ("?", "BANTUAN"),
    ("UNDANG rapat Senin", "UNDANG"), ("RAPAT kamis jam 9", "UNDANG"),
    ("YA", "YA"), ("ya pak", "YA"), ("Ya!", "YA"), ("BATAL", "BATAL"), ("batal bu", "BATAL"),
    ("HADIR", "HADIR"), ("hadir pak 🙏", "HADIR"), ("hadri", "HADIR"),
    ("TIDAK", "TIDAK"), ("tdk bisa hadir", "TIDAK"), ("nyanda", "TIDAK"),
    ("REKAP", "REKAP"), ("rekap rapat", "REKAP"),
    ("[12/11 10.30] Om Noldy: HADIR", "HADIR"),
    # a greeting before the command
    ("Selamat pagi, DAFTAR Yohanis Madidir Ure", "DAFTAR"), ("Syalom pak. CEK A7K2Q", "CEK"),
    ("Selamat pagi pak, hadir", "HADIR"), ("Selamat malam bu, tdk bisa hadir", "TIDAK"),
    ("selamat pagi", "ASPIRASI"), ("Halo admin, jalan rusak", "ASPIRASI"),
    # aspirations that start like a command
    ("tidak ada air bersih", "ASPIRASI"), ("Ya pak jalan rusak", "ASPIRASI"),
    ("stop buang sampah di kali", "ASPIRASI"), ("mulai kapan jalan diaspal", "ASPIRASI"),
    ("info jalan rusak", "ASPIRASI"), ("bantuan modal nelayan", "ASPIRASI"),
    ("keluar air kotor dari keran", "ASPIRASI"), ("cek jalan di girian so ancor", "ASPIRASI"),
    ("undang-undang desa", "ASPIRASI"), ("hadir di rapat tapi jalan rusak", "ASPIRASI"),
    ("Selamat pagi, jalan rusak", "ASPIRASI"), ("", "ASPIRASI"), ("P", "ASPIRASI"),
])
def test_command(text, command):
    assert parse(text).command == command


@pytest.mark.parametrize("text, category", [
    ("INFRA#Girian Bawah#drainase tersumbat", "infrastruktur"),
    ("infrastruktur jalan", "infrastruktur"), ("infrastuktur: jembatan", "infrastruktur"),
    ("Infra*modal usaha", "infrastruktur"), ("EKONOMI jalan rusak", "ekonomi"),
    ("usaha, warung", "ekonomi"), ("WISATA.pantai", "pariwisata"),
    ("pariwisata homestay", "pariwisata"), ("parwisata homestay", "pariwisata"),
])
def test_explicit_category(text, category):
    parsed = parse(text)
    assert (parsed.command, parsed.category, parsed.explicit) == ("ASPIRASI", category, True)
    assert parsed.confidence >= 0.9


def test_explicit_category_keeps_place_and_text():
    parsed = parse("INFRA#Girian Bawah#drainase tersumbat")
    assert parsed.kelurahan == "Girian Bawah" and parsed.kecamatan == "Girian"
    assert parsed.args["text"] == "Girian Bawah#drainase tersumbat"
    assert "drainase" in parsed.keywords


@pytest.mark.parametrize("text, name, kelurahan, place_text", [
    ("DAFTAR Yohanis Madidir Ure", "Yohanis", "Madidir Ure", "Madidir Ure"),
    ("daftar Maria Magdalena Girian Weru 2", "Maria Magdalena", "Girian Weru Dua",
     "Girian Weru 2"),
    ("DAFTAR#Stevi Lumenta#Kel. Apela I", "Stevi Lumenta", "Apela Satu", "Kel. Apela I"),
    ("REG Budi kadodan", "Budi", "Kadoodan", "kadodan"),
    ("daftar Ani", "Ani", None, ""),
    ("DAFTAR Motto", "", "Motto", "Motto"),
])
def test_daftar_args(text, name, kelurahan, place_text):
    parsed = parse(text)
    assert parsed.args["name"] == name
    assert parsed.args["kelurahan"] == kelurahan == parsed.kelurahan
    assert parsed.args["kelurahan_text"] == place_text
    assert parsed.args["suggestions"] == []


def test_daftar_unknown_kelurahan_suggests():
    parsed = parse("DAFTAR Roni Girian")
    assert parsed.args["kelurahan"] is None
    assert parsed.args["name"] == "Roni"
    assert parsed.args["kelurahan_text"] == "Girian"
    assert parsed.args["suggestions"] and all(
        s.startswith("Girian") for s in parsed.args["suggestions"])


@pytest.mark.parametrize("text, ticket", [
    ("cek A7K2Q", "A7K2Q"), ("cek a7k2q", "A7K2Q"), ("CEK STATUS a7k2q", "A7K2Q"),
    ("status: b9x4m", "B9X4M"), ("cek", None), ("cek abcde", "ABCDE"), ("cek status", None),
    ("CEK tiket?", None),
])
def test_cek_ticket(text, ticket):
    assert parse(text).args["ticket"] == ticket


def test_daftar_with_a_long_tail_stays_fast():
    parsed = parse("DAFTAR " + "Yohanis " * 200 + "Madidir Ure")  # only the last words count
    assert parsed.command == "DAFTAR" and parsed.args["kelurahan"] == "Madidir Ure"
    assert parse("DAFTAR Yohanis Lumenta Madidir Ure").args["name"] == "Yohanis Lumenta"


def test_undang_keeps_original_case():
    parsed = parse("UNDANG Rapat Musrenbang Kel. Paceda, Senin 10.00")
    assert parsed.args["text"] == "Rapat Musrenbang Kel. Paceda, Senin 10.00"


def test_args_are_read_only():
    parsed = parse("cek A7K2Q")
    with pytest.raises(TypeError):
        parsed.args["ticket"] = "X"


@pytest.mark.parametrize("text, command, args", [
    ("DUKUNG U-0001", "DUKUNG", {"code": "U-0001"}),
    ("saya dukung U-0001", "DUKUNG", {"code": "U-0001"}),
    ("sy dukung usulan U-0001 pak", "DUKUNG", {"code": "U-0001"}),
    ("kami juga mendukung usulan U-12 pak", "DUKUNG", {"code": "U-0012"}),
    ("torang dukung U-7", "DUKUNG", {"code": "U-0007"}),
    ("U-0001", "CEK", {"ticket": "U-0001"}),  # a bare code asks about the usulan
    ("u 12!", "CEK", {"ticket": "U-0012"}),
    # support of a need, not of a code: an aspiration
    ("saya dukung pembangunan jalan di girian", "ASPIRASI", None),
    ("kami mendukung program pemerintah", "ASPIRASI", None),
    ("0001", "ASPIRASI", None), ("U-0001 pak", "ASPIRASI", None),
])
def test_support_said_in_a_sentence_and_a_bare_usulan_code(text, command, args):
    parsed = parse(text)
    assert parsed.command == command
    if args is not None:
        assert dict(parsed.args) == args
