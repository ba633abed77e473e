"""Properties of parse(): total on every str, deterministic, values always in range."""

import dataclasses
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import CATEGORIES, COMMANDS, Parsed, parse
from parsers.fuzzy import DeletionIndex, distance_at_most_one
from parsers.normalize import raw_tokens, tokens_of

ROOT = Path(__file__).resolve().parent.parent
WORDS = st.sampled_from(["jalan", "rusak", "DAFTAR", "cek", "ya", "hadir", "tidak", "#", "kel.",
                         "girian", "motto", "aer", "😀", "\x00", "\u200b", "İ", "ß", "ﬁ", "Ⅲ",
                         "INFRA", "?", "pancuran", "iii", "ba", "ng", "\n", "١٢٣", "道路"])


def _check(text: str) -> Parsed:
    parsed = parse(text)
    assert isinstance(parsed, Parsed)
    assert parsed.command in COMMANDS
    assert parsed.category in CATEGORIES
    assert 0.0 <= parsed.confidence <= 1.0
    assert parsed.text == text
    assert isinstance(parsed.keywords, tuple)
    return parsed


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text):
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_never_raises_on_word_soup(text):
    _check(text)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1000, max_size=12000))
def test_never_raises_on_big_text(text):
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_deterministic(text):
    assert parse(text) == parse(text)


def test_odd_strings():
    for text in ["", " ", "\x00" * 50, "😀" * 5000, "a" * 10_000, "rusak" + "k" * 9000,
                 "#" * 3000, "cek " + "A" * 5000, "DAFTAR " + "x " * 4000, "\ud800", "\r\n\t"]:
        _check(text)


def test_parsed_is_frozen_and_hashable():
    parsed = parse("jalan rusak di paceda")
    assert hash(parsed) == hash(parse("jalan rusak di paceda"))
    try:
        parsed.category = "ekonomi"
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("Parsed must be frozen")
    assert parsed.to_dict()["kelurahan"] == "Paceda"


def test_build_matches_the_dataclass_constructor():
    values = {"text": "x", "normalized": "x", "category": "ekonomi", "confidence": 0.5,
              "keywords": ("modal",)}
    assert Parsed.build(values) == Parsed(**values)
    assert Parsed.build({"text": "y"}) == Parsed(text="y")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=500))
def test_ascii_tokens_are_the_runs_of_letters_and_digits(text):
    low = text.lower()
    assert tokens_of(low) == re.findall(r"[a-z0-9]+", low) == raw_tokens(text)


TYPO_WORDS = ["girianbawah", "girianatas", "girianweru", "paudean", "madidirure", "kakenturan",
              "daftar", "berhenti", "hadir", "batal", "undang", "pinokalan", "tandurusa"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TYPO_WORDS), st.integers(0, 12), st.sampled_from("aeinrsuwx"),
       st.sampled_from(["delete", "insert", "replace", "swap", "none"]), st.sampled_from([5, 7]))
def test_typo_lookup_finds_exactly_the_words_one_edit_away(word, at, char, edit, min_len):
    at = min(at, len(word) - 2)
    token = {"delete": word[:at] + word[at + 1:], "insert": word[:at] + char + word[at:],
             "replace": word[:at] + char + word[at + 1:], "none": word,
             "swap": word[:at] + word[at + 1] + word[at] + word[at + 2:]}[edit]
    words = [w for w in TYPO_WORDS if len(w) >= min_len]
    expected = ([token] if token in words else
                sorted(w for w in words if distance_at_most_one(token, w)))
    if len(token) < min_len - 1:
        expected = []
    assert DeletionIndex(TYPO_WORDS, min_len=min_len).candidates(token) == expected


def test_nothing_is_loaded_at_import():
    code = ("import parsers, parsers.places, parsers.engine as e; "
            "assert e.load.cache_info().currsize == 0; parsers.parse('jalan'); "
            "assert e.load.cache_info().currsize == 1")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_same_results_from_many_threads():
    texts = [f"jalan rusak di kel. paceda {i} pak" if i % 3 else f"HADIR {i}" for i in range(300)]
    texts += ["torang nelayan butuh doi", "DAFTAR Yohanis Madidir Ure", "pantai kahona kotor"] * 50
    expected = [parse(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(parse, texts)) == expected
