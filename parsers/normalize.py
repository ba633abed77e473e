"""Text → normalized tokens: lowercase, no punctuation/emoji, SMS shorthand and Manado folded."""

import re

from parsers.fuzzy import DeletionIndex

LIMIT = 2000  # only the head of a long message is analysed: bounds the work per call
_TOKEN = re.compile(r"[^\W_]+")
# Runs of 3+ letters collapse ("rusakkkk"); "i" is spared so "III" stays a Roman numeral.
_RUN3 = re.compile(r"([a-hj-z])\1{2,}|(i)\2{3,}")
_RUN2 = re.compile(r"([a-z])\1")
_MEMO_MAX = 200_000
FUZZY_MIN = 7  # one typo is corrected only in words this long: shorter ones collide too often


def raw_tokens(text: str) -> list[str]:
    """Lowercased word tokens of the first LIMIT characters, long letter runs collapsed."""
    return _TOKEN.findall(_RUN3.sub(_collapse, text[:LIMIT].lower()))


def _collapse(match: re.Match) -> str:
    return match.group(1) or match.group(2)


class Normalizer:
    """Maps one raw token to its standard form(s); results are memoized per token, not per text."""

    def __init__(self, lexicon: dict[str, str], vocab: set[str], fuzzy_words):
        self.lexicon = {k: tuple(_TOKEN.findall(v)) for k, v in lexicon.items()}
        self.vocab = frozenset(vocab) | {w for v in self.lexicon.values() for w in v}
        self.fuzzy = DeletionIndex((w for w in fuzzy_words if w not in self.lexicon),
                                   min_len=FUZZY_MIN)
        self._memo: dict[str, tuple[str, ...]] = {}

    def tokens(self, raw: list[str]) -> list[str]:
        """Normalized tokens for a list of raw tokens (a raw token may expand to several)."""
        memo, out = self._memo, []
        for token in raw:
            got = memo.get(token)
            if got is None:
                got = self._resolve(token)
                if len(memo) >= _MEMO_MAX:
                    memo.clear()
                memo[token] = got
            out.extend(got)
        return out

    def is_known(self, word: str) -> bool:
        """True for a word the lexicon, keyword lists, places or stop-words know."""
        return word in self.vocab or word in self.lexicon

    def _resolve(self, word: str) -> tuple[str, ...]:
        """Lexicon first, then known as-is, then shape rules, then one typo on long words."""
        mapped = self.lexicon.get(word)
        if mapped is not None:
            return mapped
        if word in self.vocab or not word.isalpha():
            return (word,)
        for shape in _shapes(word):
            if shape in self.vocab:
                return (shape,)
        fixed = self.fuzzy.lookup(word) if len(word) >= FUZZY_MIN else None
        return (fixed or word,)


def _shapes(word: str) -> list[str]:
    """Candidate spellings: doubled letters collapsed, Manado -ng → -n, ba- → ber-."""
    out = []
    if len(word) >= 4 and _RUN2.search(word):
        out.append(_RUN2.sub(r"\1", word))
    if word.endswith("ng") and len(word) > 4:
        out.append(word[:-1])
    if word.startswith("ba") and len(word) > 5:
        rest = word[2:]
        out.append("ber" + rest)
        if rest.endswith("ng"):
            out.append("ber" + rest[:-1])
    return out
