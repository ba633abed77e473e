"""Free-text category from learned word/phrase weights (data/keywords.tsv, see parsers.learn).

Each category's score is the sum of the weights of its keywords (stems and stem pairs, see
parsers.features) found in the message, each counted once. "lainnya" also gets a fixed prior,
so weak evidence for a real category ends as lainnya; confidence is a softmax of the four
scores at a temperature fitted on held-out predictions, so it can be read as a probability.
"""

from itertools import pairwise
from math import exp
from sys import intern
from types import MappingProxyType

from parsers.features import SITE

REAL = ("infrastruktur", "ekonomi", "pariwisata")
ORDER = (*REAL, "lainnya")
SLOT = {name: i for i, name in enumerate(ORDER)}
DEFAULT_PARAMS = {"lainnya_prior": 1.0, "temperature": 1.0}
_BITS = 20  # per category: room for 10,000 weights of 1.0 in one message (_decide: literals)
_LIMIT = 1 << 12  # a single weight stays below 40.96


class Classifier:
    """Learned weights: score(stems) or classify(features) -> (category, confidence,
    keywords strongest first, scores).

    Weights have two decimals, so each feature's four weights are packed as hundredths into
    one integer (20 bits a category): a message's four totals are one C-level sum(), exact.
    """

    def __init__(self, rows, params=None, site: frozenset = frozenset()):
        params = {**DEFAULT_PARAMS, **(params or {})}
        self.prior = float(params["lainnya_prior"])
        self.temperature = float(params["temperature"])
        self.inverse_temperature = 1.0 / self.temperature
        table: dict = {}
        for row in rows:
            phrase = tuple(map(intern, row["phrase"].split()))  # as the stems: same objects
            key = phrase[0] if len(phrase) == 1 else phrase
            hundredths = round(float(row["weight"]) * 100)
            if not 0 < hundredths < _LIMIT:
                raise ValueError(f"keyword weight out of range: {row}")
            table.setdefault(key, [0, 0, 0, 0])[SLOT[row["category"]]] += hundredths
        self.weights = {key: sum(h << (_BITS * i) for i, h in enumerate(v))
                        for key, v in table.items()}
        self.vectors = {key: tuple(h / 100 for h in v) for key, v in table.items()}
        self.texts = {key: _text(key) for key in table}
        # Bound once: score() and _decide() run per message and make no method objects.
        self._keys, self._has = self.weights.keys(), self.weights.__contains__
        self._weight = self.weights.__getitem__
        # Per category: the keys that weigh for it, and key → rank (strongest first).
        self._by_rank = []
        for slot in range(4):
            rank = {key: i for i, key in enumerate(self._ranked(table, slot))}
            self._by_rank.append((frozenset(rank), rank.__getitem__))
        pairs = [key for key in table if not isinstance(key, str)]
        self.starts = frozenset(first for first, _ in pairs if first != SITE)
        # `site`: the stems that put a message at a tourist site (parsers.features); there
        # every other stem s with a weight for (SITE, s) adds that feature.
        self.site = frozenset(site)
        self._site_keys = {key[1]: key for key in pairs if key[0] == SITE and key[1] not in site}
        self._at_site, self._site_key = self._site_keys.keys(), self._site_keys.__getitem__
        self.nothing = self._decide(set(), 0)
        self.alone = {key: self._decide({key}, packed) for key, packed in self.weights.items()}

    def _ranked(self, table: dict, slot: int) -> list:
        """The keys that weigh for category `slot`, strongest first (ties by text)."""
        return sorted((k for k in table if table[k][slot] > 0),
                      key=lambda k: (-table[k][slot], self.texts[k]))

    def score(self, stems: list[str]):
        """The decision for a message's content stems (see parsers.features.content). Set
        operations keep the work in C: this is the hot path of parse()."""
        keys = self._keys & stems  # a set: a word said twice counts once
        if not self.starts.isdisjoint(stems):  # a word that starts a phrase: look at pairs
            keys.update(filter(self._has, pairwise(stems)))
        if not self.site.isdisjoint(stems):
            keys.update(map(self._site_key, self._at_site & stems))
        if len(keys) < 2:
            return self.alone[keys.pop()] if keys else self.nothing
        return self._decide(keys, sum(map(self._weight, keys)))

    def classify(self, features) -> tuple:
        """The same decision for any iterable of distinct features (learning, evaluation)."""
        keys = [key for key in features if key in self.weights]
        return self._decide(set(keys), sum(map(self.weights.__getitem__, keys)))

    def _decide(self, keys: set, packed: int):
        """Category, softmax confidence, its keywords (strongest first) and the four scores."""
        a, b = (packed & 0xFFFFF) / 100, (packed >> 20 & 0xFFFFF) / 100  # _BITS = 20
        c, d = (packed >> 40 & 0xFFFFF) / 100, (packed >> 60) / 100
        # The highest score; ties: lainnya first (better unsure than wrong), then infrastruktur,
        # ekonomi, pariwisata. Plain float comparisons: cheaper than max() and its ties logic.
        best, top = 3, d + self.prior
        other = top
        if a > top:
            best, top = 0, a
        if b > top:
            best, top = 1, b
        if c > top:
            best, top = 2, c
        k = self.inverse_temperature
        confidence = 1.0 / (exp((a - top) * k) + exp((b - top) * k) + exp((c - top) * k)
                            + exp((other - top) * k))
        scores = MappingProxyType({"infrastruktur": a, "ekonomi": b, "pariwisata": c,
                                   "lainnya": d})
        return ORDER[best], confidence, self._keywords(best, keys), scores

    def _keywords(self, best: int, keys: set) -> tuple[str, ...]:
        """The texts of the keys that weigh for category `best`, strongest first. Most
        messages have two or fewer: those skip the general sort, which costs more here."""
        weighing, rank_of = self._by_rank[best]
        texts = self.texts
        mine = keys & weighing  # a set & a frozenset: C reuses the stored hashes
        if len(mine) == 2:
            first, second = mine
            if rank_of(second) < rank_of(first):
                first, second = second, first
            return texts[first], texts[second]
        if len(mine) < 2:
            return (texts[mine.pop()],) if mine else ()
        return tuple(map(texts.__getitem__, sorted(mine, key=rank_of)))


def _text(key) -> str:
    return key if isinstance(key, str) else " ".join(key)
