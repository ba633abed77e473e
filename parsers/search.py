"""Search words: every spelling the parser knows becomes one indexed word.

"jln", "jalang" and "jalan" all normalise to "jalan"; "banjer" to "banjir"; "aer" to "air";
"ikang" to "ikan"; "perbaikan" and "diperbaiki" share the stem "perbaik". The inbox indexes
`index_words(text)` beside the raw text (FTS5), and `query` turns what staff type into an
FTS5 expression over both, so a shorthand finds the same messages as the full word while a
quoted phrase still matches the raw text. Pure: text in, text out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from parsers.engine import load
from parsers.normalize import TOKEN, collapse, fold

MAX_TERMS = 12
_QUOTED = re.compile(r'"([^"]*)"')


def _raw(text: str) -> list[str]:
    return TOKEN.findall(fold((text or "").lower()))


@functools.lru_cache(maxsize=65536)
def stems(token: str) -> tuple[str, ...]:
    """One raw token → its normalised word(s), each stemmed ("jln" → ("jalan",))."""
    engine = load()
    normalized, _ = engine.analyse([token])
    return tuple(engine.stemmer(word) for word in normalized.split()) or (collapse(token),)


def index_words(text: str) -> str:
    """What the search index holds for a text: the stems of its normalised words."""
    out: list[str] = []
    for token in _raw(text)[:2000]:
        out.extend(stems(token))
    return " ".join(out)


@dataclass(frozen=True)
class Term:
    """One thing staff typed: a word, or a quoted phrase (its raw words and their stems)."""

    raw: tuple[str, ...]
    stemmed: tuple[str, ...]
    phrase: bool


@functools.lru_cache(maxsize=1024)
def terms(query: str | None) -> tuple[Term, ...]:
    """Quoted phrases and bare words of a query, at most MAX_TERMS (memoized: a page
    highlights fifty rows for one query)."""
    query = (query or "")[:200]
    found: list[Term] = []
    for phrase in _QUOTED.findall(query):
        words = _raw(phrase)
        if words:
            found.append(Term(tuple(words), tuple(s for w in words for s in stems(w)),
                              len(words) > 1))
    for word in _raw(_QUOTED.sub(" ", query)):
        found.append(Term((word,), stems(word), False))
    return tuple(found[:MAX_TERMS])


def _quote(words) -> str:
    return '"' + " ".join(words).replace('"', "") + '"'


def fts_expression(query: str | None) -> str | None:
    """An FTS5 MATCH expression: every term must match, in the raw text (or the ticket code,
    the kelurahan) or in the normalised words. Only quoted tokens reach FTS5, so `*`, `AND(`,
    `NEAR` or a stray quote are plain words, never syntax."""
    parts = [f"({{text ticket kelurahan}} : {_quote(t.raw)} OR words : {_quote(t.stemmed)})"
             for t in terms(query)]
    return " AND ".join(parts) or None


def spans(text: str, query: str | None) -> list[tuple[int, int]]:
    """(start, end) of the words in `text` that a query matches, for highlighting: a raw word
    typed, or a word whose stem is one of the query's stems ("jln" when staff typed "jalan")."""
    found = terms(query)
    if not found or not text:
        return []
    raw = {w for t in found for w in t.raw}
    stemmed = {s for t in found for s in t.stemmed}
    out = []
    for match in TOKEN.finditer(text):
        token = fold(match.group().lower())
        if token in raw or not stemmed.isdisjoint(stems(token)):
            out.append(match.span())
    return out
