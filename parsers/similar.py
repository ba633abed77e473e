"""Is a new need the same as one already proposed? Pure: a Parsed in, a signature out; two
signatures in, a score out. handlers.grouping uses it to gather similar messages of one
kelurahan and category into one *usulan*.

A signature is what the message asks for, after the parser's normalisation (SMS shorthand and
Manado Malay are already Indonesian, "so ancor" is "sudah rusak") and its stemmer: the content
stems, minus generic words (pleas, time, who asks), minus the words of the kelurahan's own name,
with equivalent words made one ("berlubang" = "rusak", "selokan" = "got"): data/similar.tsv.
A particular spot named after "di"/"dekat" ("dekat pasar" → "@pasar") is kept: two messages
naming different spots are different needs however alike the rest is.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from parsers.engine import load
from parsers.features import ROLE
from parsers.normalize import raw_tokens
from parsers.resources import read_table

# Weighted Dice overlap from which two signatures are one need (tests/test_usulan_grouping.py
# has the table it was chosen on: "lampu jalan mati" vs "jalan rusak" scores 0.5, apart).
THRESHOLD = 0.55
CONDITION_WEIGHT = 0.5  # "rusak", "mati": how a thing is counts half of which thing it is
SEPARATOR = " "


class Table(NamedTuple):
    same: dict            # stem → the stem it counts as
    generic: frozenset    # stems that say nothing about which need
    condition: frozenset  # stems that say how a thing is ("rusak"), counted half
    nearby: frozenset     # role tokens that name no particular spot ("@jalan")


def _stems(engine, phrase: str) -> list[str]:
    normalized = engine.analyse(raw_tokens(phrase))[0]
    return engine.featurizer.content(normalized)


@functools.cache
def table() -> Table:
    """data/similar.tsv through the parser's own normaliser and stemmer (loaded once)."""
    engine = load()
    same, generic, condition, nearby = {}, set(), set(), set()
    for row in read_table("similar.tsv"):
        word = row["word"].lower()
        if row["kind"] == "nearby":
            nearby.add(word)
            continue
        stems = [word] if word.startswith(ROLE) else _stems(engine, word) or [word]
        if row["kind"] == "generic":
            generic.update(stems)
        elif row["kind"] == "condition":
            condition.update(stems)
        elif row["kind"] == "same":
            target = (_stems(engine, row["same_as"]) or [row["same_as"].lower()])[0]
            for stem in stems:
                same[stem] = target
    return Table(same, frozenset(generic), frozenset(condition), frozenset(nearby))


@functools.cache
def _place_words(names: tuple[str, ...]) -> frozenset[str]:
    words = set()
    for name in names:
        words.update(raw_tokens(name))
    return frozenset(words)


def signature(parsed, places: tuple[str, ...] = ()) -> frozenset[str]:
    """The stems that say what a message asks for; `places`: the kelurahan and kecamatan
    names it is grouped under (their words say nothing about the need)."""
    rules = table()
    skip = rules.generic | _place_words(tuple(p for p in places if p))
    terms = set()
    for stem in load().featurizer.content(parsed.normalized):
        if stem.startswith(ROLE):
            place = stem[len(ROLE):]
            if stem in rules.nearby or place in skip:
                continue
            terms.add(ROLE + rules.same.get(place, place))
        elif stem not in skip:
            terms.add(rules.same.get(stem, stem))
    return frozenset(terms)


def encode(terms: frozenset[str]) -> str:
    """How a signature is stored (sorted, space-separated)."""
    return SEPARATOR.join(sorted(terms))


def decode(text: str | None) -> frozenset[str]:
    return frozenset((text or "").split())


def score(a: frozenset[str], b: frozenset[str]) -> float:
    """Weighted Dice overlap of two signatures (condition words count half), 0 when they name
    different particular spots."""
    if not a or not b:
        return 0.0
    spots_a = [t for t in a if t[0] == ROLE]
    if spots_a:
        spots_b = [t for t in b if t[0] == ROLE]
        if spots_b and a.isdisjoint(spots_b):
            return 0.0  # "dekat pasar" and "dekat sekolah": two places, two needs
    condition = table().condition
    shared = a & b
    total = len(a) + len(b) - CONDITION_WEIGHT * (len(a & condition) + len(b & condition))
    return 2 * (len(shared) - CONDITION_WEIGHT * len(shared & condition)) / total


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    return score(a, b) >= THRESHOLD
