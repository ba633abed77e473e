"""Free-text category from weighted words and phrases in data/keywords.tsv."""

from types import MappingProxyType

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
        self.longest: dict[str, int] = {}
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
            self.longest[words[0]] = max(self.longest.get(words[0], 1), len(words))
        # First word pairs of multi-word phrases: a text without one needs no phrase search.
        self.openings = frozenset(phrase[:2] for phrase in self.multi)
        self.multi_first = frozenset(phrase[0] for phrase in self.multi)

    def words(self) -> set[str]:
        """Every token used in a phrase (vocabulary for the normalizer)."""
        return set(self.single) | {w for phrase in self.multi for w in phrase}

    def category_words(self) -> set[str]:
        """Tokens of phrases that score for a real category (targets for typo correction)."""
        phrases = [((w,), hit) for w, hit in self.single.items()] + list(self.multi.items())
        return {w for words, (weight, slot) in phrases if slot < 3 and weight > 0 for w in words}

    def matches(self, tokens: list[str]) -> dict[str, tuple[float, int]]:
        """Matched phrase → (weight, category slot), in order, longest match first."""
        starts = dict.fromkeys(filter(self.longest.__contains__, tokens))  # C-level filter
        if not starts:
            return {}
        single = self.single
        if self.multi_first.isdisjoint(starts) or self.openings.isdisjoint(
                zip(tokens, tokens[1:], strict=False)):  # no multi-word phrase here
            return {t: single[t] for t in starts if t in single}
        found: dict[str, tuple[float, int]] = {}
        longest, multi, openings = self.longest, self.multi, self.openings
        n, free = len(tokens), 0
        for i in [i for i, t in enumerate(tokens) if t in starts]:
            if i < free:
                continue  # already inside a longer phrase
            token, free = tokens[i], i + 1
            if i + 1 < n and (token, tokens[i + 1]) in openings:
                for k in range(min(longest[token], n - i), 1, -1):
                    hit = multi.get(tuple(tokens[i : i + k]))
                    if hit is not None:
                        if hit[0]:  # a blocker (weight 0) only consumes its words
                            found.setdefault(" ".join(tokens[i : i + k]), hit)
                        free = i + k
                        break
            if free == i + 1 and token in single:
                found.setdefault(token, single[token])
        return found

    def classify(self, tokens: list[str]):
        """(category, confidence, keywords strongest first, scores) for free text."""
        found = self.matches(tokens)
        if not found:
            return NOTHING
        totals = [0.0, 0.0, 0.0, 0.0, 0.0]
        for weight, slot in found.values():
            totals[slot] += weight
        if totals[_DAMAGE_SLOT]:
            totals[0] += _damage(found, tokens)
        keywords = tuple(sorted(found, key=found.__getitem__, reverse=True) if len(found) > 1
                         else found)
        infra, econ, tour, other = totals[:4]
        category, confidence = decide(infra, econ, tour, other)
        scores = {"infrastruktur": infra, "ekonomi": econ, "pariwisata": tour, "lainnya": other}
        return category, confidence, keywords, MappingProxyType(scores)


def _damage(found, tokens) -> float:
    """Damage words' weight, plus a bonus for each within a few words of an infrastructure word."""
    damage = [(p, w) for p, (w, slot) in found.items() if slot == _DAMAGE_SLOT]
    total = sum(w for _, w in damage)
    infra_at = [tokens.index(p.partition(" ")[0]) for p, (_, slot) in found.items() if slot == 0]
    for phrase, _ in damage if infra_at else ():
        at = tokens.index(phrase.partition(" ")[0])
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
