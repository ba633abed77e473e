"""One-typo lookup without scanning the word list: deletion neighbourhoods (SymSpell-style) for
short words, first/last three letters for long ones."""

from collections import defaultdict

_NONE: frozenset[str] = frozenset()


def distance_at_most_one(a: str, b: str) -> bool:
    """True when a and b differ by at most one edit (Damerau: a swap of neighbours counts once)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i, shorter = 0, min(la, lb)
    while i < shorter and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        swapped = i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i]
        return swapped and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def _deletions(word: str) -> set[str]:
    """The word itself and every form with one letter removed."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class DeletionIndex:
    """Maps each deletion form to the words that produce it, so a typo finds its word in O(len).

    With 7+ letters, one edit leaves the first three or the last three letters intact: then
    the words sharing those are the only candidates, and a few direct comparisons cost less
    than looking up every deletion of the token (typed kelurahan names, place typos).
    """

    def __init__(self, words, min_len: int = 5):
        self.min_len = min_len
        self._words = {word for word in words if len(word) >= min_len}
        self._heads: dict[tuple[str, int], set[str]] = defaultdict(set)  # (head, token length)
        self._tails: dict[tuple[str, int], set[str]] = defaultdict(set)
        self._index: dict[str, set[str]] = defaultdict(set)
        for word in self._words:
            if min_len >= 7:
                for size in (len(word) - 1, len(word), len(word) + 1):  # a token's length
                    self._heads[word[:3], size].add(word)
                    self._tails[word[-3:], size].add(word)
            else:
                for form in _deletions(word):
                    self._index[form].add(word)

    def candidates(self, token: str) -> list[str]:
        """Indexed words within one edit of token (the token itself first if indexed)."""
        if len(token) < self.min_len - 1:
            return []
        if token in self._words:
            return [token]
        if self.min_len >= 7:
            size = len(token)
            near = self._heads.get((token[:3], size), _NONE) | self._tails.get(
                (token[-3:], size), _NONE)
        else:
            index = self._index
            near = set(index.get(token, _NONE))
            for i in range(len(token)):
                near |= index.get(token[:i] + token[i + 1 :], _NONE)
        return sorted(w for w in near if distance_at_most_one(token, w))

    def lookup(self, token: str) -> str | None:
        """The single indexed word within one edit of token, or None when none or ambiguous."""
        close = self.candidates(token)
        return close[0] if len(close) == 1 else None
