"""A light Indonesian stemmer: an affix comes off only when a dictionary root is left.

perbaikan / diperbaiki / memperbaiki all give "perbaik" (the per- layer is kept, so repairs do
not meet "baik" = good); pengunjung / berkunjung / kunjungan give "kunjung". Unknown words lose
only their endings (-nya, -lah, -ku...): "pantainya" → "pantai", "sunsetnya" → "sunset".
Sastrawi (PyPI, MIT) was measured and not used: tens of ms per new word, and it over-stems
(perbaikan → baik, pengangguran → anggur). Results are memoized per word.
"""

_PARTICLES = ("lah", "kah", "tah", "pun")
_POSSESSIVES = ("nya", "ku", "mu")
_DERIVATIONAL = ("an", "kan", "i")  # -an first: ke-rusak-an, not ke-rusa-kan
_VOWELS = frozenset("aeiou")
_MEMO_MAX = 200_000
MIN_ROOT = 3


class Stemmer:
    """word → stem, using a frozenset of roots; words in `keep` are never cut."""

    def __init__(self, roots, keep=()):
        self.roots = frozenset(roots)
        self.keep = frozenset(keep)
        self.memo: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        got = self.memo.get(word)
        if got is None:
            if len(self.memo) >= _MEMO_MAX:
                self.memo.clear()
            got = self.memo[word] = self.stem(word)
        return got

    def stem(self, word: str) -> str:
        """The root left after removing affixes (the word minus its endings if none is found)."""
        if len(word) <= MIN_ROOT + 1 or word in self.roots or word in self.keep:
            return word
        if not word.isalpha():
            return word
        plain, bases = _unsuffixed(word)
        for base in bases:
            if base in self.roots:
                return base
        for layers in (1, 2):  # one prefix on any base before two: pe-nerang-an → terang
            for base in bases:
                found = self._unprefixed(base, layers)
                if found:
                    return found
        return plain

    def _unprefixed(self, base: str, layers: int) -> str | None:
        """The first root reached by peeling up to `layers` prefixes ("per" kept on the stem)."""
        for rest, per in _prefix_cuts(base):
            if len(rest) < MIN_ROOT:
                continue
            if rest in self.roots:
                return "per" + rest if per else rest
            if layers > 1 and len(rest) > MIN_ROOT + 1:
                deeper = self._unprefixed(rest, layers - 1)
                if deeper:
                    return "per" + deeper if per and not deeper.startswith("per") else deeper
        return None


def _unsuffixed(word: str) -> tuple[str, list[str]]:
    """(word minus its endings, [word, minus particle, minus possessive, each minus -kan/-an/-i])."""
    inflected = [word]
    cut = word
    for group in (_PARTICLES, _POSSESSIVES):
        for suffix in group:
            if cut.endswith(suffix) and len(cut) - len(suffix) >= MIN_ROOT:
                cut = cut[: -len(suffix)]
                break
        inflected.append(cut)
    out = list(dict.fromkeys(inflected))
    for base in out[:]:
        for suffix in _DERIVATIONAL:
            if base.endswith(suffix) and len(base) - len(suffix) >= MIN_ROOT:
                out.append(base[: -len(suffix)])
    return cut, out


def _prefix_cuts(word: str) -> list[tuple[str, bool]]:
    """Candidate (rest, was_per) pairs for one prefix layer, with meN-/peN- sound changes."""
    cuts: list[tuple[str, bool]] = []
    add = cuts.append
    if word.startswith(("di", "ke", "se")):
        add((word[2:], False))
    if word.startswith("ter"):
        add((word[3:], False))
        add((word[2:], False))  # te-rawat
    if word.startswith("ber"):
        add((word[3:], False))
    elif word.startswith("bel"):
        add((word[3:], False))  # bel-ajar
    elif word.startswith("be"):
        add((word[2:], False))  # be-kerja
    if word.startswith("per"):
        add((word[3:], True))
    if word.startswith(("me", "pe")):
        _nasal_cuts(word[2:], add)
    return cuts


def _nasal_cuts(rest: str, add) -> None:
    """meN-/peN- + root: mem-bangun, me-makai→pakai, men-tanam→tanam, meny-apu→sapu, meng-..."""
    if rest.startswith("ng"):
        tail = rest[2:]
        if tail[:1] in _VOWELS:
            add(("k" + tail, False))  # pengunjung → kunjung
        add((tail, False))
    elif rest.startswith("ny"):
        add(("s" + rest[2:], False))
    elif rest.startswith("m"):
        tail = rest[1:]
        if tail[:1] in _VOWELS:
            add(("p" + tail, False))
            add(("m" + tail, False))
        add((tail, False))
    elif rest.startswith("n"):
        tail = rest[1:]
        if tail[:1] in _VOWELS:
            add(("t" + tail, False))
            add(("n" + tail, False))
        add((tail, False))
    add((rest, False))  # me-lihat, me-rawat, me-per-...
