"""One-typo lookup via precomputed deletion neighbourhoods (SymSpell-style), no per-call scans."""

from collections import defaultdict


def distance_at_most_one(a: str, b: str) -> bool:
    """True when a and b differ by at most one edit (Damerau: a swap of neighbours counts once)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
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
    """Maps each deletion form to the words that produce it, so a typo finds its word in O(len)."""

    def __init__(self, words, min_len: int = 5):
        self.min_len = min_len
        self._index: dict[str, set[str]] = defaultdict(set)
        # With 7+ letters, one edit leaves the first three or the last three letters intact,
        # so most unknown words are ruled out by two set lookups.
        self._ends: tuple[set[str], set[str]] | None = (set(), set()) if min_len >= 7 else None
        for word in words:
            if len(word) >= min_len:
                if self._ends:
                    self._ends[0].add(word[:3])
                    self._ends[1].add(word[-3:])
                for form in _deletions(word):
                    self._index[form].add(word)

    def candidates(self, token: str) -> list[str]:
        """Indexed words within one edit of token (the token itself first if indexed)."""
        if len(token) < self.min_len - 1:
            return []
        ends = self._ends
        if ends and token[:3] not in ends[0] and token[-3:] not in ends[1]:
            return []
        index = self._index
        exact = index.get(token)
        if exact and token in exact:
            return [token]
        found = set(exact) if exact else set()
        for i in range(len(token)):
            near = index.get(token[:i] + token[i + 1 :])
            if near:
                found |= near
        return sorted(w for w in found if distance_at_most_one(token, w))

    def lookup(self, token: str) -> str | None:
        """The single indexed word within one edit of token, or None when none or ambiguous."""
        close = self.candidates(token)
        return close[0] if len(close) == 1 else None
