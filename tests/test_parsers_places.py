"""Kelurahan/kecamatan lookups: spellings, cues, ambiguity, typos (parsers.places)."""

import pytest

from parsers import parse
from parsers.places import (
    all_kelurahan,
    kecamatan_of,
    resolve_kelurahan,
    suggest_kelurahan,
)
from parsers.resources import read_table


def place_of(text: str) -> tuple[str | None, str | None]:
    """(kelurahan, kecamatan) that parse() finds in free text."""
    parsed = parse(text)
    return parsed.kelurahan, parsed.kecamatan


@pytest.mark.parametrize("text, kelurahan, kecamatan", [
    ("jalan rusak di Girian Bawah", "Girian Bawah", "Girian"),
    ("GIRIAN-BAWAH", "Girian Bawah", "Girian"),
    ("girianbawah", "Girian Bawah", "Girian"),
    ("kel. girian weru 1", "Girian Weru Satu", "Girian"),
    ("girian weru I", "Girian Weru Satu", "Girian"),
    ("GirianWeruSatu", "Girian Weru Satu", "Girian"),
    ("girian weru", None, "Girian"),
    ("girian", None, "Girian"),
    ("kec. Madidir", None, "Madidir"),
    ("madidir ure", "Madidir Ure", "Madidir"),
    ("aertembaga", None, "Aertembaga"),
    ("aertembaga I", "Aertembaga Satu", "Aertembaga"),
    ("aer tembaga dua", "Aertembaga Dua", "Aertembaga"),
    ("PPS Bitung", "Aertembaga Satu", "Aertembaga"),
    ("Pantai Kahona", "Pasir Panjang", "Lembeh Selatan"),
    ("pasirpanjang", "Pasir Panjang", "Lembeh Selatan"),
    ("Tangkoko", None, "Ranowulu"),
    ("batuputih", None, "Ranowulu"),
    ("batu putih bawah", "Batuputih Bawah", "Ranowulu"),
    ("pateten", None, None),
    ("pateten III", "Pateten Tiga", "Maesa"),
    ("peteten 2", "Pateten Dua", "Aertembaga"),
    ("kakenturan dua", "Kekenturan Dua", "Maesa"),
    ("kumersot", "Kumeresot", "Ranowulu"),
    ("dua sudara", "Duasadara", "Ranowulu"),
    ("gunung dua sudara", None, "Ranowulu"),
    ("jln rusak dkt pasar girian", None, "Girian"),  # the market: which Girian is asked
    ("jalan rusak dekat pasar girian bawah", "Girian Bawah", "Girian"),  # named after it
    ("tandu rusa", "Tandurusa", "Aertembaga"),
    ("manembo nembo", "Manembo-nembo", "Matuari"),
    ("manembo-nembo atas", "Manembo-nembo Atas", "Matuari"),
    ("manembonembo tengah", "Manembo-nembo Tengah", "Matuari"),
    ("pintu kota", "Pintukota", "Lembeh Utara"),
    ("bitung barat", None, "Maesa"),
    ("bitung barat 2", "Bitung Barat Dua", "Maesa"),
    ("bitung", None, None),
    ("wangurer", "Wangurer", "Girian"),
    ("wangurer timur", "Wangurer Timur", "Madidir"),
    ("tanjung merah", "Tanjung Merah", "Matuari"),
    ("kadodan", "Kadoodan", "Madidir"),
    ("pakadodan", "Pakadoodan", "Maesa"),
    ("pinasungkulan", "Pinasungkulan", "Ranowulu"),
    ("pinasunkulan", "Pinasungkulan", "Ranowulu"),
    # common words that are also place names need a cue
    ("motto kami kerja keras", None, None),
    ("kel. motto", "Motto", "Lembeh Utara"),
    ("di motto", "Motto", "Lembeh Utara"),
    ("pancuran air rusak", None, None),
    ("di pancuran air", None, None),
    ("kelurahan pancuran", "Pancuran", "Lembeh Selatan"),
    ("kelapa dua buah", None, None),
    ("kel kelapa dua", "Kelapa Dua", "Lembeh Selatan"),
    ("torang so pe mo", None, None),
    ("nusu", "Nusu", "Lembeh Utara"),
    ("lirang", "Lirang", "Lembeh Utara"),
])
def test_find_place(text, kelurahan, kecamatan):
    assert place_of(text) == (kelurahan, kecamatan)


def test_official_name_beats_landmark_and_kecamatan():
    assert place_of("kec Madidir kel Paceda")[0] == "Paceda"
    assert place_of("dekat PPS Bitung, kel. Tandurusa")[0] == "Tandurusa"


@pytest.mark.parametrize("name, kelurahan", [
    ("Madidir Ure", "Madidir Ure"), ("madidir-ure", "Madidir Ure"), ("MADIDIRURE", "Madidir Ure"),
    ("Kel. Apela 1", "Apela Satu"), ("apela I", "Apela Satu"), ("Apela Satu", "Apela Satu"),
    ("apela2", "Apela Dua"), ("Sagerat Weru II", "Sagerat Weru Dua"),
    ("kelurahan  Girian   Permai", "Girian Permai"), ("Girian Permay", "Girian Permai"),
    ("Pancuran", "Pancuran"), ("Motto", "Motto"), ("Kelapa 2", "Kelapa Dua"),
    ("Manembo Nembo", "Manembo-nembo"), ("Kekenturan Dua", "Kekenturan Dua"),
    ("Girian", None), ("Pateten", None), ("Batuputih", None), ("", None), ("xyz", None),
    ("Motoo", None), ("Girian Weru", None),
])
def test_resolve_kelurahan(name, kelurahan):
    assert resolve_kelurahan(name) == kelurahan


@pytest.mark.parametrize("text, first", [
    ("girian bawa", "Girian Bawah"), ("Girian Bwah", "Girian Bawah"),
    ("madidir", "Madidir Ure"), ("tandurus", "Tandurusa"), ("Pinasungkulang", "Pinasungkulan"),
])
def test_suggest_kelurahan(text, first):
    suggestions = suggest_kelurahan(text)
    assert suggestions[0] == first
    assert 1 <= len(suggestions) <= 3


def test_suggest_nothing_for_empty():
    assert suggest_kelurahan("") == []


def test_all_kelurahan_and_kecamatan_of():
    rows = all_kelurahan()
    assert len(rows) == 69
    assert set(rows[0]) == {"kode", "kecamatan", "kelurahan"}
    assert len({r["kecamatan"] for r in rows}) == 8
    for row in rows:
        assert kecamatan_of(row["kelurahan"]) == row["kecamatan"]
    rows[0]["kelurahan"] = "changed"
    assert all_kelurahan()[0]["kelurahan"] == "Pasir Panjang"
    assert kecamatan_of(None) is None and kecamatan_of("Nowhere") is None


PLACE_ROWS = read_table("places.tsv")


@pytest.mark.parametrize("row", [r for r in PLACE_ROWS if r["kind"] == "spelling"],
                         ids=lambda r: r["alias"])
def test_every_listed_spelling_resolves(row):
    assert resolve_kelurahan(row["alias"]) == row["kelurahan"]
    assert place_of(f"jalan rusak di {row['alias']} pak")[0] == row["kelurahan"]


@pytest.mark.parametrize("row", [r for r in PLACE_ROWS if r["kind"] in ("landmark", "area")],
                         ids=lambda r: r["alias"])
def test_every_landmark_and_area_gives_its_place(row):
    assert place_of(f"dekat {row['alias']} ada masalah") == (row["kelurahan"] or None,
                                                             row["kecamatan"] or None)


@pytest.mark.parametrize("row", all_kelurahan(), ids=lambda r: r["kelurahan"])
def test_every_official_name_with_a_cue(row):
    assert place_of(f"mohon perbaikan jalan di kel. {row['kelurahan']}")[0] == row["kelurahan"]
    assert resolve_kelurahan(row["kelurahan"].upper()) == row["kelurahan"]
