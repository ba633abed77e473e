"""Free-text category from weighted words and phrases in data/keywords.tsv."""

from types import MappingProxyType

REAL = ("infrastruktur", "ekonomi", "pariwisata")
MIN_SCORE = 1.5  # below this the message is "lainnya": better unsure than confidently wrong
SATURATION = 4.0  # summed weight at which the evidence counts as strong
DAMAGE = "rusak"  # pseudo-category: damage words count for infrastructure...
DAMAGE_BONUS, DAMAGE_WINDOW = 1.5, 4  # ...and more when near an infrastructure noun


class Classifier:
    """Longest-phrase matcher over normalized tokens; each distinct phrase counts once."""

    def __init__(self, rows, normalize_phrase, stopwords):
        self.single: dict[str, tuple[str, float]] = {}
        self.multi: dict[tuple[str, ...], tuple[str, float]] = {}
        self.longest: dict[str, int] = {}
        for row in rows:
            words = tuple(normalize_phrase(row["phrase"]))
            if not words or all(w in stopwords for w in words):
                continue  # stop-words are never category keywords
            hit = (row["category"], float(row["weight"]))
            if len(words) == 1:
                self.single[words[0]] = hit
            else:
                self.multi[words] = hit
            self.longest[words[0]] = max(self.longest.get(words[0], 1), len(words))

    def words(self) -> set[str]:
        """Every token used in a phrase (vocabulary for the normalizer)."""
        return set(self.single) | {w for phrase in self.multi for w in phrase}

    def category_words(self) -> set[str]:
        """Tokens of phrases that score for a real category (targets for typo correction)."""
        phrases = [((w,), hit) for w, hit in self.single.items()] + list(self.multi.items())
        return {w for words, (cat, weight) in phrases if cat in REAL and weight > 0 for w in words}

    def matches(self, tokens: list[str]) -> dict[str, tuple[str, float, int]]:
        """Matched phrase → (category, weight, position), in order, longest match first."""
        found: dict[str, tuple[str, float, int]] = {}
        i, n = 0, len(tokens)
        longest, single, multi = self.longest, self.single, self.multi
        while i < n:
            size = longest.get(tokens[i])
            if size is None:
                i += 1
                continue
            step = 1
            for k in range(min(size, n - i), 1, -1):
                hit = multi.get(tuple(tokens[i : i + k]))
                if hit is not None:
                    found.setdefault(" ".join(tokens[i : i + k]), (*hit, i))
                    step = k
                    break
            else:
                hit = single.get(tokens[i])
                if hit is not None:
                    found.setdefault(tokens[i], (*hit, i))
            i += step
        return found

    def classify(self, tokens: list[str]):
        """(category, confidence, keywords strongest first, scores) for free text."""
        found = self.matches(tokens)
        scores = dict.fromkeys((*REAL, "lainnya"), 0.0)
        infra_at = [at for cat, w, at in found.values() if cat == REAL[0] and w > 0]
        for category, weight, at in found.values():
            if category == DAMAGE:
                near = any(abs(at - other) <= DAMAGE_WINDOW for other in infra_at)
                scores[REAL[0]] += weight + (DAMAGE_BONUS if near else 0.0)
            else:
                scores[category] += weight
        keywords = tuple(p for p, (_, w, _) in sorted(found.items(), key=_strength) if w > 0)
        category, confidence = decide(scores)
        return category, confidence, keywords, MappingProxyType(scores)


def _strength(item):
    return -item[1][1]


def decide(scores: dict[str, float]) -> tuple[str, float]:
    """Pick the strongest category; weak or "other"-dominated evidence gives lainnya."""
    ranked = sorted(REAL, key=scores.__getitem__, reverse=True)
    top, second = scores[ranked[0]], scores[ranked[1]]
    other = scores["lainnya"]
    if top < MIN_SCORE or other >= top:
        strength = min(1.0, other / SATURATION)
        return "lainnya", round(max(0.1, 0.3 + 0.5 * strength - 0.1 * top), 3)
    strength = min(1.0, top / SATURATION)
    margin = (top - max(second, other)) / top
    return ranked[0], round(min(0.95, strength * (0.5 + 0.5 * margin)), 3)
