"""Free-text category from learned word/phrase weights (data/keywords.tsv, see parsers.learn).

Each category's score is the sum of the weights of its keywords (stems and stem pairs, see
parsers.features) found in the message, each counted once. "lainnya" also gets a fixed prior,
so weak evidence for a real category ends as lainnya; confidence is a softmax of the four
scores at a temperature fitted on held-out predictions, so it can be read as a probability.
"""

from math import exp
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

    def __init__(self, rows, params=None):
        params = {**DEFAULT_PARAMS, **(params or {})}
        self.prior = float(params["lainnya_prior"])
        self.temperature = float(params["temperature"])
        self.inverse_temperature = 1.0 / self.temperature
        table: dict = {}
        for row in rows:
            phrase = tuple(row["phrase"].split())
            key = phrase[0] if len(phrase) == 1 else phrase
            hundredths = round(float(row["weight"]) * 100)
            if not 0 < hundredths < _LIMIT:
                raise ValueError(f"keyword weight out of range: {row}")
            table.setdefault(key, [0, 0, 0, 0])[SLOT[row["category"]]] += hundredths
        self.weights = {key: sum(h << (_BITS * i) for i, h in enumerate(v))
                        for key, v in table.items()}
        self.vectors = {key: tuple(h / 100 for h in v) for key, v in table.items()}
        texts = {key: _text(key) for key in table}
        self.texts = texts
        self.rank = [self._ranked(table, slot) for slot in range(4)]
        self.follow: dict[str, frozenset[str]] = {}
        for key in table:
            if not isinstance(key, str):
                self.follow[key[0]] = self.follow.get(key[0], frozenset()) | {key[1]}
        self.nothing = self._decide([], 0)
        self.alone = {key: self._decide([key], packed) for key, packed in self.weights.items()}

    def _ranked(self, table: dict, slot: int) -> dict:
        """key → (rank, text) over the keys that weigh for category `slot`, strongest first."""
        keys = sorted((k for k in table if table[k][slot] > 0),
                      key=lambda k: (-table[k][slot], self.texts[k]))
        return {key: (i, self.texts[key]) for i, key in enumerate(keys)}

    def score(self, stems: list[str], site: frozenset = frozenset()):
        """The decision for a message's content stems (see parsers.features.content); `site`:
        the stems that put a message at a tourist site."""
        weights = self.weights
        keys = [s for s in stems if s in weights]
        follow = self.follow
        if not follow.keys().isdisjoint(stems):  # a word that starts a phrase: look at the next
            keys += [(stems[i], stems[i + 1]) for i in range(len(stems) - 1)
                     if stems[i + 1] in follow.get(stems[i], ())]
        if not site.isdisjoint(stems):
            at_site = self.follow.get(SITE, ())
            keys += [(SITE, s) for s in stems if s in at_site and s not in site]
        if len(keys) < 2:
            return self.alone[keys[0]] if keys else self.nothing
        distinct = dict.fromkeys(keys)  # a word said twice counts once
        return self._decide(distinct, sum(map(weights.__getitem__, distinct)))

    def classify(self, features) -> tuple:
        """The same decision for any iterable of distinct features (learning, evaluation)."""
        keys = [key for key in features if key in self.weights]
        return self._decide(keys, sum(map(self.weights.__getitem__, keys)))

    def _decide(self, keys: list, packed: int):
        """Category, softmax confidence, its keywords (strongest first) and the four scores."""
        a, b = (packed & 0xFFFFF) / 100, (packed >> 20 & 0xFFFFF) / 100  # _BITS = 20
        c, d = (packed >> 40 & 0xFFFFF) / 100, (packed >> 60) / 100
        other = d + self.prior
        top = max(a, b, c, other)
        # ties: lainnya first (better unsure than wrong), then infrastruktur, ekonomi, pariwisata
        best = 3 if other == top else 0 if a == top else 1 if b == top else 2
        k = self.inverse_temperature
        confidence = 1.0 / (exp((a - top) * k) + exp((b - top) * k) + exp((c - top) * k)
                            + exp((other - top) * k))
        rank = self.rank[best]  # key → (rank, text) for keys that weigh for this category
        mine = sorted([rank[k] for k in keys if k in rank])
        scores = MappingProxyType({"infrastruktur": a, "ekonomi": b, "pariwisata": c,
                                   "lainnya": d})
        return ORDER[best], confidence, tuple([text for _, text in mine]), scores


def _text(key) -> str:
    return key if isinstance(key, str) else " ".join(key)
