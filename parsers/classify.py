"""Free-text category from weighted words and phrases in data/keywords.tsv."""

from types import MappingProxyType

from parsers.phrases import trie_pattern

REAL = ("infrastruktur", "ekonomi", "pariwisata")
ORDER = (*REAL, "lainnya")
DAMAGE = "rusak"  # pseudo-category: damage words count for infrastructure...
DAMAGE_BONUS, DAMAGE_WINDOW = 1.5, 4  # ...and more when near an infrastructure word
MIN_SCORE = 1.5  # below this the message is "lainnya": better unsure than confidently wrong
SATURATION = 4.0  # summed weight at which the evidence counts as strong
NOTHING = ("lainnya", 0.3, (), MappingProxyType(dict.fromkeys(ORDER, 0.0)))
_SLOT = {name: i for i, name in enumerate((*ORDER, DAMAGE))}
_DAMAGE_SLOT = _SLOT[DAMAGE]


class Classifier:
    """Longest-phrase matcher over normalized tokens; each distinct phrase counts once."""

    def __init__(self, rows, normalize_phrase, stopwords):
        self.single: dict[str, tuple[float, int]] = {}
        self.multi: dict[tuple[str, ...], tuple[float, int]] = {}
        for row in rows:
            words = tuple(normalize_phrase(row["phrase"]))
            if not words or all(w in stopwords for w in words):
                continue  # stop-words are never category keywords
            hit = (float(row["weight"]), _SLOT[row["category"]])
            if len(words) == 1 and not hit[0]:
                continue  # a one-word blocker would block nothing
            if len(words) == 1:
                self.single[words[0]] = hit
            else:
                self.multi[words] = hit
        self.hits = {" ".join(words): hit for words, hit in self.multi.items()}
        self.hits.update(self.single)
        self.pattern = trie_pattern(self.hits)
        self.alone = {p: score({p: hit}, p) if hit[0] else NOTHING for p, hit in self.hits.items()}

    def words(self) -> set[str]:
        """Every token used in a phrase (vocabulary for the normalizer)."""
        return set(self.single) | {w for phrase in self.multi for w in phrase}

    def category_words(self) -> set[str]:
        """Tokens of phrases that score for a real category (targets for typo correction)."""
        phrases = [((w,), hit) for w, hit in self.single.items()] + list(self.multi.items())
        return {w for words, (weight, slot) in phrases if slot < 3 and weight > 0 for w in words}

    def classify(self, normalized: str):
        """(category, confidence, keywords strongest first, scores) for normalized text.

        One precompiled regex (a letter trie of every phrase, greedy, whole words) scans the
        text left to right, so a longer phrase wins and its words are not matched again.
        """
        phrases = self.pattern.findall(normalized)
        if not phrases:
            return NOTHING
        if len(phrases) == 1:  # one phrase: its result was computed when the lists were loaded
            return self.alone[phrases[0]]
        hits = self.hits
        found = {p: hits[p] for p in dict.fromkeys(phrases) if hits[p][0]}
        return score(found, normalized) if found else NOTHING


def score(found: dict[str, tuple[float, int]], normalized: str):
    """Sum the weights per category and decide: (category, confidence, keywords, scores)."""
    totals = [0.0, 0.0, 0.0, 0.0, 0.0]
    for weight, slot in found.values():
        totals[slot] += weight
    if totals[_DAMAGE_SLOT]:
        totals[0] += _damage(found, normalized.split())
    keywords = tuple(sorted(found, key=found.__getitem__, reverse=True) if len(found) > 1
                     else found)
    infra, econ, tour, other = totals[:4]
    category, confidence = decide(infra, econ, tour, other)
    scores = {"infrastruktur": infra, "ekonomi": econ, "pariwisata": tour, "lainnya": other}
    return category, confidence, keywords, MappingProxyType(scores)


def _damage(found, tokens) -> float:
    """Damage words' weight, plus a bonus for each within a few words of an infrastructure word."""
    total, damage_at, infra_at = 0.0, [], []
    for phrase, (weight, slot) in found.items():
        if slot == _DAMAGE_SLOT:
            total += weight
            damage_at.append(tokens.index(phrase.partition(" ")[0]))
        elif slot == 0:
            infra_at.append(tokens.index(phrase.partition(" ")[0]))
    for at in damage_at if infra_at else ():
        for other in infra_at:
            if -DAMAGE_WINDOW <= at - other <= DAMAGE_WINDOW:
                total += DAMAGE_BONUS
                break
    return total


def decide(infra: float, econ: float, tour: float, other: float) -> tuple[str, float]:
    """Pick the strongest category; weak or "other"-dominated evidence gives lainnya."""
    if infra >= econ and infra >= tour:  # ties go to the first in REAL order
        best, top, second = REAL[0], infra, econ if econ > tour else tour
    elif econ >= tour:
        best, top, second = REAL[1], econ, infra if infra > tour else tour
    else:
        best, top, second = REAL[2], tour, infra if infra > econ else econ
    if top < MIN_SCORE or other >= top:
        strength = other / SATURATION if other < SATURATION else 1.0
        confidence = 0.3 + 0.5 * strength - 0.1 * top
        return "lainnya", confidence if confidence > 0.1 else 0.1
    strength = top / SATURATION if top < SATURATION else 1.0
    margin = (top - (second if second > other else other)) / top
    confidence = strength * (0.5 + 0.5 * margin)
    return best, confidence if confidence < 0.95 else 0.95
