"""Normalized text → the features the weights are learned for, the same in learning and parse().

Features are stems ("perbaikan" → "perbaik") and pairs of neighbouring stems ("lampu jalan"),
stop-words and official place names left out. Two hand rules from data/rules.tsv shape them:
blocked phrases ("air laut", "tidak jalan") are removed, and a place noun right after a
locative ("di gang", "dekat sekolah") becomes a role token ("@gang", the locative dropped):
it says where the need
is, not what it is, so it learns its own (usually small) weight instead of lending "gang" or
"sekolah" to a complaint about noise or stray dogs. The object of the need keeps its word.
"""

from itertools import pairwise
from sys import intern

_MEMO_MAX = 200_000
ROLE = "@"
SITE = "^"


class Featurizer:
    """Rules + stemmer + stop-words → content(normalized) and features(normalized).

    The rules work on the word list, not with regular expressions over the text: every rule
    phrase is one or two whole words, and set lookups on words cost less per message than a
    regex scan of its characters (parse() runs this for every free-text message).
    """

    def __init__(self, rules: list[dict], stem, stopwords: frozenset[str], names=frozenset()):
        by_rule: dict[str, list[tuple[str, ...]]] = {}
        for row in rules:
            by_rule.setdefault(row["rule"], []).append(tuple(row["phrase"].split()))
        for rule, size in (("block", 2), ("locative", 1), ("place", 1)):
            if any(len(phrase) != size for phrase in by_rule.get(rule, ())):
                raise ValueError(f"data/rules.tsv: every {rule} phrase is {size} word(s)")
        self.stem = stem
        self.skip = stopwords | names  # official place names say nothing about a category
        self.blocks = frozenset(by_rule.get("block", ()))
        self.block_first = frozenset(first for first, _ in self.blocks)
        # "di gang" → "@gang": the locative goes, the place noun becomes a role token.
        self.locative = frozenset(w for w, in by_rule.get("locative", ()))
        self.place_words = frozenset(w for w, in by_rule.get("place", ()))
        if not self.locative.isdisjoint(self.place_words):
            raise ValueError("data/rules.tsv: a word is both a locative and a place")
        self.site = frozenset(intern(stem(" ".join(p))) for p in by_rule.get("site", ()))
        self._memo: dict[str, str] = {}
        self._stem_of = self._memo.__getitem__  # bound once (the memo is cleared, never replaced)

    def content(self, normalized: str) -> list[str]:
        """Stems of the content words in order (role tokens included)."""
        return self.content_of(normalized.split())

    def content_of(self, words: list[str]) -> list[str]:
        """content() for the normalized words of a message."""
        if not self.block_first.isdisjoint(words) and not self.blocks.isdisjoint(pairwise(words)):
            words = self._unblocked(words)
        if not self.locative.isdisjoint(words) and not self.place_words.isdisjoint(words):
            words = self._with_roles(words)
        try:
            return list(filter(None, map(self._stem_of, words)))
        except KeyError:
            memo = self._memo
            return list(filter(None, [memo[w] if w in memo else self._remember(w) for w in words]))

    def _unblocked(self, words: list[str]) -> list[str]:
        """Blocked phrases removed, left to right; "" marks where one was, so the words around
        it are not read as "locative place" (its stem is "", so stem pairs still join them)."""
        out, i, blocks = [], 0, self.blocks
        while i < len(words):
            if (words[i], words[i + 1] if i + 1 < len(words) else "") in blocks:
                out.append("")
                i += 2
            else:
                out.append(words[i])
                i += 1
        return out

    def _with_roles(self, words: list[str]) -> list[str]:
        """A place noun right after a locative becomes a role token; the locative goes."""
        locative, places = self.locative, self.place_words
        out, previous = [], ""
        for word in words:
            if word in places and previous in locative:
                out[-1] = ROLE + word
            else:
                out.append(word)
            previous = word
        return out

    def features(self, normalized: str) -> list:
        """Distinct features of a message: stems, (stem, stem) pairs, and at a tourist site
        (SITE, stem) for every stem that is not a site word itself."""
        stems = self.content(normalized)
        out = [*stems, *pairwise(stems)]
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
        self._memo[word] = stem = intern(stem)  # as the keyword keys: lookups match by identity
        return stem
