"""Text → normalized tokens: lowercase, no punctuation/emoji, SMS shorthand and Manado folded."""

import re
import string
import unicodedata

from parsers.fuzzy import DeletionIndex

LIMIT = 2000  # only the head of a long message is analysed: bounds the work per call
TOKEN = re.compile(r"[^\W_]+")
# ASCII text: a-z and 0-9 stay, every other byte becomes a space (see tokens_of)
_ASCII_SEPARATORS = bytes(c if chr(c) in string.ascii_lowercase + string.digits else 32
                          for c in range(256))
# Runs of 3+ letters collapse ("rusakkkk"); "i" is spared so "III" stays a Roman numeral.
_RUN3 = re.compile(r"([a-hj-z])\1{2,}|(i)\2{3,}")
_RUN2 = re.compile(r"([a-z])\1")
_MEMO_MAX = 200_000
FUZZY_MIN = 7  # one typo is corrected only in words this long: shorter ones collide too often


def raw_tokens(text: str) -> list[str]:
    """Lowercased word tokens of the first LIMIT characters (letter runs are folded per token)."""
    return tokens_of(text[:LIMIT].lower())


def tokens_of(low: str) -> list[str]:
    """Word tokens of lowercased text: runs of letters and digits. ASCII text (most SMS) takes
    one C-level pass over its bytes (every other character becomes a space) and a split,
    cheaper than a regex on short texts; the rest is folded first (accents, full-width)."""
    if low.isascii():
        return low.encode().translate(_ASCII_SEPARATORS).decode().split()
    return TOKEN.findall(fold(low))


def fold(text: str) -> str:
    """Accents and full-width forms fold away ("Jalán" → "jalan", "ａｉｒ" → "air")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def collapse(token: str) -> str:
    """Fold runs of 3+ equal letters to one ("rusakkkk" → "rusak"); "iii" stays a numeral."""
    return _RUN3.sub(_first, token)


def _first(match: re.Match) -> str:
    return match.group(1) or match.group(2)


class Normalizer:
    """Maps one raw token to its standard form(s) and its place-name spelling, memoized per token.

    The memo is keyed by token, not by text: a new message still pays for its new words.
    Typos are corrected toward place names only, and only in words that are not real words
    (not in the vocabulary, and no dictionary root under their affixes): "tangguh" is a word,
    not a misspelt "tanggul". Category keywords are never typo-matched.
    """

    def __init__(self, lexicon: dict[str, str], vocab: set[str], gazetteer, stem):
        # An entry whose formal side has no word would erase the token: not a mapping, skipped.
        self.lexicon = {k: words for k, v in lexicon.items() if (words := tuple(TOKEN.findall(v)))}
        self.vocab = frozenset(vocab) | {w for v in self.lexicon.values() for w in v}
        self.stem = stem
        self.place_words = gazetteer.tokens
        self.place_read = gazetteer.read_words
        self.typos = DeletionIndex(self.place_words, min_len=FUZZY_MIN)
        self._memo: dict[str, str] = {}  # raw token → normalized word(s), space-separated
        self._normal_of = self._memo.__getitem__  # bound once (the memo is cleared, not replaced)
        self._fixes: dict[str, str] = {}
        self._fixed: set[str] = set()  # the keys of _fixes, as a set: the cheapest check per message
        self._none_fixed = self._fixed.isdisjoint

    def analyse(self, raw: list[str]) -> tuple[str, list[str]]:
        """(normalized text, raw tokens with place-name typos fixed): what the other readers
        of a text (choices, search words, similar needs, learning) use."""
        normalized, _, place_tokens = self.analyse_words(raw)
        return normalized, place_tokens

    def analyse_words(self, raw: list[str]) -> tuple[str, list[str], list[str]]:
        """(normalized text, its words, raw tokens with place-name typos fixed) for one message:
        parse()'s path, which reuses the words instead of splitting the text again."""
        try:
            parts = list(map(self._normal_of, raw))
        except KeyError:
            memo = self._memo
            parts = [memo.get(t) or self._remember(t) for t in raw]
        normalized = " ".join(parts)
        # Most tokens give one word: then the parts are the words, and being memo values their
        # hashes are already computed for the featurizer's set and dict lookups.
        words = parts if normalized.count(" ") == len(parts) - 1 else normalized.split()
        if self._none_fixed(raw):
            return normalized, words, raw
        fixes = self._fixes
        return normalized, words, [fixes.get(t, t) for t in raw]

    def _remember(self, token: str) -> str:
        """Resolve a token seen for the first time (and a place-name typo fix, if any: only
        fixes that can change what the place finder reads are kept, so most messages skip
        the fixing step in analyse())."""
        if len(self._memo) >= _MEMO_MAX:
            self._memo.clear()
            self._fixes.clear()
            self._fixed.clear()
        word = collapse(token)
        if word != token and (word in self.place_read or token in self.place_read):
            self._fix(token, word)  # a fix the place finder can see: "girrrian" → "girian"
        got = self._memo[token] = " ".join(self._resolve(token, word))
        return got

    def _fix(self, token: str, fixed: str) -> None:
        self._fixes[token] = fixed
        self._fixed.add(token)

    def is_known(self, word: str) -> bool:
        """True for a word the lexicon or vocabulary (dictionary roots included) knows: such a
        word is never read as a misspelt command."""
        return word in self.vocab or word in self.lexicon

    def _resolve(self, token: str, word: str) -> tuple[str, ...]:
        """Lexicon first, then known as-is, then shape rules, then one typo on long words."""
        mapped = self.lexicon.get(word)
        if mapped is not None:
            return mapped
        if word in self.vocab or not word.isalpha() or self.stem(word) in self.vocab:
            return (word,)  # a real word (perhaps with affixes: "pengunjung") stays as written
        for candidate in _shapes(word):
            if candidate in self.vocab or self.stem(candidate) in self.vocab:
                return (candidate,)
        if len(word) >= FUZZY_MIN:
            places = self.typos.candidates(word)
            if len(places) == 1:
                self._fix(token, places[0])
        return (word,)


def _shapes(word: str) -> list[str]:
    """Candidate spellings: doubled letters collapsed, Manado -ng → -n, ba- → ber-."""
    out = []
    if len(word) >= 4 and _RUN2.search(word):
        out.append(_RUN2.sub(r"\1", word))
    if word.endswith("ng") and len(word) > 4:
        out.append(word[:-1])
    if word.startswith("ba") and len(word) > 5:
        rest = word[2:]
        if rest.endswith("ng"):
            out.append("ber" + rest[:-1])  # bajalang → berjalan before berjalang
        out.append("ber" + rest)
    return out
