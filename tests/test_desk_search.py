"""Search that understands spelling: the parser's words indexed beside the raw text."""

from __future__ import annotations

import re

import pytest

from parsers import search
from tests.test_inbox_helpers import login, make_staff, seed
from tests.test_inbox_list import tickets_in

# A day's messages, spelled as people text them.
DAY = [
    ("jalan rusak parah dekat sekolah", "road"), ("jln rusak dkt pasar", "road"),
    ("jalang so ancor di lingkungan 3", "road"), ("Jln. berlubang, bahaya", "road"),
    ("got mampet, banjer kalo ujan", "flood"), ("banjir tiap hujan di lorong", "flood"),
    ("tidak ada aer bersih", "water"), ("air PDAM mati 3 hari", "water"),
    ("harga ikang mahal, nelayan susah", "fish"), ("butuh cold storage ikan", "fish"),
    ("lampu taman mati", "other"),
]


@pytest.fixture
def staf(client, db):
    make_staff(db, "ani", "staf")
    login(client, "ani")
    return client


@pytest.fixture
def day(db):
    rows = {}
    for n, (text, topic) in enumerate(DAY):
        rows.setdefault(topic, []).append(seed(db, text, f"+62813000{n:05d}")["ticket"])
    return rows


@pytest.mark.parametrize("query, topic", [
    ("jalan", "road"), ("jln", "road"), ("jalang", "road"),
    ("banjir", "flood"), ("banjer", "flood"),
    ("air", "water"), ("aer", "water"),
    ("ikan", "fish"), ("ikang", "fish"),
])
def test_every_spelling_finds_the_same_messages(staf, day, query, topic):
    found = tickets_in(staf.get(f"/inbox?q={query}").get_data(as_text=True))
    assert sorted(found) == sorted(day[topic])


def test_a_phrase_matches_the_raw_text_or_the_normalised_words(staf, day):
    raw = tickets_in(staf.get('/inbox?q="rusak parah"').get_data(as_text=True))
    assert raw == [day["road"][0]]  # a phrase of the raw text, words in that order
    for phrase in ('"jln rusak"', '"jalan rusak"'):  # either spelling of the same phrase
        found = tickets_in(staf.get(f"/inbox?q={phrase}").get_data(as_text=True))
        assert sorted(found) == sorted(day["road"][:2])
    assert tickets_in(staf.get('/inbox?q="rusak jalan"').get_data(as_text=True)) == []


def test_search_combines_with_filters_and_ticket_codes(staf, db, day):
    ticket = day["fish"][0]
    assert tickets_in(staf.get(f"/inbox?q={ticket.lower()}").get_data(as_text=True)) == [ticket]
    html = staf.get("/inbox?q=jalan&kategori=ekonomi").get_data(as_text=True)
    assert tickets_in(html) == []
    assert 'id="empty"' in html and "Tidak ada aspirasi yang cocok dengan \"jalan\"" in html
    assert "<h3>" not in html  # no empty facet headings


def test_matches_are_highlighted_in_every_spelling(staf, day):
    html = staf.get("/inbox?q=jalan").get_data(as_text=True)
    marks = re.findall(r"<mark>([^<]+)</mark>", html)
    assert {"jalan", "jln", "jalang", "Jln"} <= set(marks)


@pytest.mark.parametrize("query", ['"', "*", "AND(", 'jalan" OR *', "NEAR(a b)", "'; DROP",
                                   "", "{text}:x", "words : jalan"])
def test_syntax_in_a_query_is_plain_words(staf, day, query):
    assert staf.get("/inbox", query_string={"q": query}).status_code == 200
    expression = search.fts_expression(query) or ""
    assert "*" not in expression and "NEAR(" not in expression.upper().replace('"NEAR', "")


def test_the_index_follows_a_corrected_kelurahan_and_a_burst_text(db):
    from data import inbox_queries

    row = seed(db, "banjer di lorong")
    hits = db.execute("SELECT rowid FROM aspirations_fts WHERE aspirations_fts MATCH ?",
                      [search.fts_expression("banjir")]).fetchall()
    assert hits == [(row["id"],)]
    assert inbox_queries.fts_query("jln") == search.fts_expression("jln")
