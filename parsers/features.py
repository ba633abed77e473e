"""Normalized text → the features the weights are learned for, the same in learning and parse().

Features are stems ("perbaikan" → "perbaik") and pairs of neighbouring stems ("lampu jalan"),
stop-words and official place names left out. Two hand rules from data/rules.tsv shape them:
blocked phrases ("air laut", "tidak jalan") are removed, and a place noun right after a
locative ("di gang", "dekat sekolah") becomes a role token ("@gang", the locative dropped):
it says where the need
is, not what it is, so it learns its own (usually small) weight instead of lending "gang" or
"sekolah" to a complaint about noise or stray dogs. The object of the need keeps its word.
"""

import re

_MEMO_MAX = 200_000
ROLE = "@"
SITE = "^"


def _alternation(phrases) -> str:
    return "|".join(map(re.escape, sorted(phrases, key=len, reverse=True)))


class Featurizer:
    """Rules + stemmer + stop-words → content(normalized) and features(normalized)."""

    def __init__(self, rules: list[dict], stem, stopwords: frozenset[str], names=frozenset()):
        by_rule: dict[str, list[str]] = {}
        for row in rules:
            by_rule.setdefault(row["rule"], []).append(" ".join(row["phrase"].split()))
        self.stem = stem
        self.skip = stopwords | names  # official place names say nothing about a category
        blocks = by_rule.get("block", ())
        self.block = re.compile(rf"\b(?:{_alternation(blocks)})\b" if blocks else r"(?!)")
        self.block_first = frozenset(b.split()[0] for b in blocks)
        locative, place = by_rule.get("locative", ()), by_rule.get("place", ())
        # "di gang" → "@gang": the locative goes, the place noun becomes a role token.
        self.role = re.compile(rf"\b(?:{_alternation(locative)}) (?=(?:{_alternation(place)})\b)")
        self.locative = frozenset(locative)
        self.place_words = frozenset(place)
        self.site = frozenset(stem(w) for w in by_rule.get("site", ()))
        self._memo: dict[str, str] = {}

    def content(self, normalized: str) -> list[str]:
        """Stems of the content words in order (role tokens included)."""
        words = normalized.split()
        if not self.block_first.isdisjoint(words) and self.block.search(normalized):
            normalized = self.block.sub(" ", normalized)
            words = normalized.split()
        if not self.locative.isdisjoint(words) and not self.place_words.isdisjoint(words):
            words = self.role.sub(ROLE, normalized).split()
        memo = self._memo
        try:
            stems = list(map(memo.__getitem__, words))
        except KeyError:
            stems = [memo[w] if w in memo else self._remember(w) for w in words]
        return list(filter(None, stems))

    def features(self, normalized: str) -> list:
        """Distinct features of a message: stems, (stem, stem) pairs, and at a tourist site
        (SITE, stem) for every stem that is not a site word itself."""
        stems = self.content(normalized)
        out = [*stems, *zip(stems, stems[1:], strict=False)]
        if not self.site.isdisjoint(stems):
            out += [(SITE, s) for s in stems if s not in self.site]
        return list(dict.fromkeys(out))

    def _remember(self, word: str) -> str:
        """The stem of a word seen for the first time ("" for a stop-word, name or number)."""
        if len(self._memo) >= _MEMO_MAX:
            self._memo.clear()
        stem = ""
        if word.startswith(ROLE):
            stem = word
        elif word not in self.skip and len(word) > 1 and not word.isdigit():
            stem = self.stem(word)
            if stem in self.skip:
                stem = ""
        self._memo[word] = stem
        return stem
