"""Normalization: shorthand, Manado word shapes, letter runs, traps (parsers.normalize)."""

import pytest

from parsers import parse
from parsers.normalize import LIMIT, raw_tokens


@pytest.mark.parametrize("text, normalized", [
    ("rusakkkk", "rusak"),
    ("RUSAK!!!", "rusak"),
    ("jalang", "jalan"),
    ("ikang", "ikan"),
    ("bajalang", "berjalan"),
    ("makang", "makan"),
    ("smp", "smp"),
    ("sd", "sd"),
    ("g bisa", "tidak bisa"),
    ("kalo", "kalau"),
    ("aja", "saja"),
    ("krg", "kurang"),
    ("sgr", "segera"),
    ("spy", "supaya"),
    ("pak", "bapak"),
    ("bgt", "sekali"),
    ("jln yg rusak", "jalan yang rusak"),
    ("tdk ada", "tidak ada"),
    ("nyanda", "tidak"),
    ("so ancor", "sudah rusak"),
    ("aer", "air"),
    ("banjer", "banjir"),
    ("dodoku", "jembatan"),
    ("doi", "uang"),
    ("parahu", "perahu"),
    ("mangael", "memancing"),
    ("saat", "saat"),
    ("kadoodan", "kadoodan"),
    ("motto", "motto"),
    ("dorbolaang", "dorbolaang"),
    ("kerang", "kerang"),
    ("asing", "asing"),
    ("tong sampah", "tong sampah"),
    ("ok", "ok"),
    ("tpi", "tpi"),
    ("pateten iii", "pateten iii"),
    ("jalan-jalan", "jalan jalan"),
    ("😀 jalan 🙏", "jalan"),
    ("drainsae", "drainsae"),  # keywords are never typo-matched (issue 11)
    ("jaringg", "jaring"),
])
def test_normalized(text, normalized):
    assert parse(text).normalized == normalized


def test_only_the_head_is_analysed():
    long_text = "halo " * 3000 + "jalan rusak"
    assert raw_tokens(long_text)[-1] == "halo"
    assert len("halo " * 3000) > LIMIT
    assert parse(long_text).category == "lainnya"


@pytest.mark.parametrize("text", ["torang", "kita", "so", "pe", "mo", "ngana", "dorang", "jo"])
def test_manado_stopwords_are_never_keywords_or_places(text):
    parsed = parse(f"{text} {text} {text}")
    assert parsed.keywords == ()
    assert parsed.kelurahan is None and parsed.kecamatan is None


@pytest.mark.parametrize("text, category", [
    ("Jalán rusák dekat pasar", "infrastruktur"),
    ("ａｉｒ bersih tdk ada", "infrastruktur"),
    ("Paçeda: jalan rusak", "infrastruktur"),
])
def test_accents_and_full_width_letters_fold(text, category):
    assert parse(text).category == category
