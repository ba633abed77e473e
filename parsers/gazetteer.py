"""Bitung's 69 kelurahan and 8 kecamatan as lookup tables built once from data files."""

import itertools
import re
from typing import NamedTuple

from parsers.fuzzy import DeletionIndex
from parsers.phrases import trie_pattern
from parsers.resources import read_table

NUMERALS = {"satu": ("satu", "1", "i"), "dua": ("dua", "2", "ii"), "tiga": ("tiga", "3", "iii")}
PREFIXES = frozenset({"kel", "kelurahan", "desa", "kampung", "kec", "kecamatan", "lingkungan"})
CUES = frozenset({"kel", "kelurahan", "desa", "kampung", "lingkungan", "di", "dari", "ke"})
STRONG_CUES = frozenset({"kel", "kelurahan", "desa", "kampung", "lingkungan"})
# Lower rank wins: an official name beats a landmark, which beats a kecamatan-only hint.
RANK = {"name": 0, "spelling": 0, "cue": 0, "strongcue": 0, "landmark": 1, "kecamatan": 2,
        "area": 2}
CUED = frozenset({"cue", "strongcue"})
_WORD = re.compile(r"[^\W_]+")


class Place(NamedTuple):
    kelurahan: str | None
    kecamatan: str | None
    kind: str


def words(text: str) -> list[str]:
    """Lowercase word tokens; hyphens and dots separate words."""
    return _WORD.findall(text.lower())


def letter_pairs(text: str) -> set[str]:
    """Adjacent letter pairs, for similarity ranking of suggestions."""
    return {text[i : i + 2] for i in range(len(text) - 1)}


def variants(tokens: list[str]) -> set[tuple[str, ...]]:
    """Spellings of a name: numerals as word/digit/Roman, and any adjacent words joined."""
    last = NUMERALS.get(tokens[-1], (tokens[-1],))
    out = set()
    for numeral in last:
        base = [*tokens[:-1], numeral]
        for cuts in itertools.product((True, False), repeat=len(base) - 1):
            joined, current = [], base[0]
            for cut, word in zip(cuts, base[1:], strict=True):
                if cut:
                    joined.append(current)
                    current = word
                else:
                    current += word
            out.add((*joined, current))
    return out


class Gazetteer:
    """Alias tables for free text (token tuples) and for typed names (compact strings)."""

    def __init__(self, stopwords: frozenset[str]):
        self.rows = [{k: r[k] for k in ("kode", "kecamatan", "kelurahan")}
                     for r in read_table("bitung_wilayah.csv")]
        self.kecamatan_of = {r["kelurahan"]: r["kecamatan"] for r in self.rows}
        self.canonical = {"".join(words(r["kelurahan"])): r["kelurahan"] for r in self.rows}
        self.name_pairs = [(name, letter_pairs(key)) for key, name in self.canonical.items()]
        entries = [(r["kelurahan"], Place(r["kelurahan"], r["kecamatan"], "name"))
                   for r in self.rows]
        entries += [(k, Place(None, k, "kecamatan")) for k in sorted(set(self.kecamatan_of.values()))]
        entries += [(r["alias"], Place(r["kelurahan"] or None, r["kecamatan"] or None, r["kind"]))
                    for r in read_table("places.tsv")]
        self.aliases: dict[tuple[str, ...], Place] = {}
        self.compact: dict[str, str] = {}
        for alias, place in entries:
            for form in variants(words(alias)):
                if not all(w in stopwords for w in form):
                    self._add(form, place)
        self.longest: dict[str, int] = {}
        for form in self.aliases:
            self.longest[form[0]] = max(self.longest.get(form[0], 1), len(form))
        self.tokens = {w for form in self.aliases for w in form}
        # find() reads only these words: any other word in its tokens may be swapped for any
        # other without changing its answer (parsers.normalize keeps fewer typo fixes).
        self.read_words = frozenset(self.tokens | CUES | STRONG_CUES)
        self.by_text = {" ".join(form): place for form, place in self.aliases.items()}
        self.pattern = trie_pattern(self.by_text)
        self.cued_names = frozenset(a for a, place in self.by_text.items() if place.kind in CUED)
        self.usable = {a: p if p.kelurahan or p.kecamatan else None for a, p in self.by_text.items()}
        self.typo_compact = DeletionIndex(self.compact, min_len=7)
        self.longest_compact = max(map(len, self.compact)) + 1

    def _add(self, form: tuple[str, ...], place: Place) -> None:
        """Index one spelling; a clash between different places makes it ambiguous."""
        old = self.aliases.get(form)
        if old is not None and old[:2] == place[:2] and place.kind in ("cue", "strongcue"):
            self.aliases[form] = place  # the same place, flagged as a common word: needs a cue
        elif old is None or RANK[place.kind] < RANK[old.kind]:
            self.aliases[form] = place
        elif old[:2] != place[:2] and RANK[place.kind] == RANK[old.kind]:
            same_kec = old.kecamatan if old.kecamatan == place.kecamatan else None
            self.aliases[form] = Place(None, same_kec, "area")
        if place.kelurahan and place.kind in ("name", "spelling", "cue", "strongcue"):
            self.compact.setdefault("".join(form), place.kelurahan)

    def resolve(self, name: str) -> str | None:
        """Official kelurahan for a typed name (prefix, case, spacing, numerals, one typo)."""
        tokens = words(name)
        while tokens and tokens[0] in PREFIXES:
            tokens = tokens[1:]
        key = "".join(tokens)
        if key in self.compact:
            return self.compact[key]
        if len(key) > self.longest_compact:
            return None
        hits = {self.compact[w] for w in self.typo_compact.candidates(key)}
        return hits.pop() if len(hits) == 1 else None

    def names_in(self, tokens) -> list[str]:
        """Every place name (alias) in the tokens, longest first, left to right (the pattern
        wants the text to start with a space: parsers.phrases.trie_pattern)."""
        return self.pattern.findall(" " + " ".join(tokens))

    def find(self, tokens: list[str]) -> Place | None:
        """Best place named in free-text tokens: first official name, else landmark, else area."""
        if self.longest.keys().isdisjoint(tokens):
            return None  # no word that starts a place name: skip the regex (most messages)
        found = self.names_in(tokens)
        if not found:
            return None
        if len(found) == 1 and found[0] not in self.cued_names:
            place = self.usable[found[0]]
        elif self.cued_names.isdisjoint(found):
            place = _best([self.by_text[name] for name in found])
        else:
            place = self._scan(tokens)  # a common-word name: check the word before it
        if place is not None and RANK[place.kind] == 0:
            return place
        # "dkt pasar girian bawah": the landmark took "girian", but an official name that
        # starts inside it and runs past its end names the kelurahan ("gunung dua sudara"
        # keeps the mountain: "dua sudara" ends inside it)
        inner = self._scan(tokens, overlap=True)
        return inner if inner is not None and RANK[inner.kind] == 0 and inner.kelurahan else place

    def _scan(self, tokens: list[str], overlap: bool = False) -> Place | None:
        """Token by token, longest name first, with the cue word check for common-word names
        (overlap: also a name that starts inside a longer one and ends after it)."""
        longest, aliases, best, best_rank = self.longest, self.aliases, None, 9
        n, free = len(tokens), 0
        for i in [i for i, t in enumerate(tokens) if t in longest]:
            if i < free and not overlap:
                continue  # inside a longer name already matched
            for k in range(min(longest[tokens[i]], n - i), 0, -1):
                if i + k <= free:
                    break  # wholly inside the longer name: that name wins
                place = aliases.get(tuple(tokens[i : i + k]))
                if place is not None and (place.kind not in CUED or _cued(place, tokens, i)):
                    free = i + k
                    rank = RANK[place.kind] if (place.kelurahan or place.kecamatan) else 9
                    if rank < best_rank:
                        best, best_rank = place, rank
                    break
        return best


def _best(places: list[Place]) -> Place | None:
    """The first place of the best rank among those named (ambiguous ones never win)."""
    if len(places) == 1:
        return places[0] if places[0].kelurahan or places[0].kecamatan else None
    ranked = [(RANK[p.kind], i, p) for i, p in enumerate(places) if p.kelurahan or p.kecamatan]
    return min(ranked)[2] if ranked else None


def _cued(place: Place, tokens: list[str], i: int) -> bool:
    """Names that are also common words count only after a cue such as "kel" or "di"."""
    if place.kind == "cue":
        return i > 0 and tokens[i - 1] in CUES
    if place.kind == "strongcue":
        return i > 0 and tokens[i - 1] in STRONG_CUES
    return True
