"""Numbered choices between kelurahan: which ones an ambiguous place may mean, and which one a
reply picks ("2", "yang dua", "bawah"). Pure; the words around a choice are data/conversation.tsv.
"""

from __future__ import annotations

from parsers.conversation import phrase_at, rules
from parsers.engine import load
from parsers.gazetteer import NUMERALS, words
from parsers.normalize import raw_tokens


def choice(text: str, options: list[str]) -> str | None:
    """The option a reply picks: by number ("2", "yang dua", "no. 2", "kedua") or by the words
    that tell the options apart ("bawah" for Girian Bawah); None when unclear."""
    if not options:
        return None
    r = rules()
    distinct = _distinguishing(options)
    named = set().union(*distinct.values())
    tokens = load().analyse(raw_tokens(text[:200]))[0].split()
    kept = []
    i = 0
    while i < len(tokens):
        size, found = phrase_at(tokens, i, r, {"filler", "choice", "place"})
        if size and not (found & {"number"}) and tokens[i] not in named:
            i += size  # "yang", "nomor", "pak" go; "atas" stays when an option is "... Atas"
            continue
        kept.append(tokens[i])
        i += 1
    if len(kept) == 1 and kept[0] in r.numbers:
        n = r.numbers[kept[0]]
        return options[n - 1] if 1 <= n <= len(options) else None
    hits = [o for o in options if distinct[o] and distinct[o] <= set(kept)]
    return hits[0] if len(hits) == 1 else None


def _distinguishing(options: list[str]) -> dict[str, set[str]]:
    """Each option's words that not every option has ("bawah" in Girian Bawah/Girian Atas)."""
    numerals = {alias: word for word, aliases in NUMERALS.items() for alias in aliases}
    sets = {o: {numerals.get(w, w) for w in words(o)} for o in options}
    common = set.intersection(*sets.values()) if sets else set()
    return {o: s - common for o, s in sets.items()}


def kelurahan_in(text: str, longest: int = 4) -> str | None:
    """A kelurahan typed somewhere in a short answer ("dkt pasar girian bawah" → Girian Bawah,
    where free-text reading stops at the landmark): word windows, longest and last first."""
    g = load().gazetteer
    tokens = words(text[:200])
    for size in range(min(longest, len(tokens)), 0, -1):
        for start in range(len(tokens) - size, -1, -1):
            found = g.resolve(" ".join(tokens[start:start + size]))
            if found:
                return found
    return None


def is_wide(text: str) -> bool:
    """The whole text is a place too wide for choices ("Bitung", "kota bitung")."""
    return " ".join(load().analyse(raw_tokens(text[:200]))[0].split()) in rules().wide


def place_choices(text: str, limit: int = 8) -> list[str]:
    """The kelurahan a place that fits several may mean ("kel. Aertembaga" → Aertembaga Satu,
    Aertembaga Dua; "pasar girian" → the Girian ones; "Pateten" → Pateten Satu/Dua/Tiga)."""
    engine = load()
    g = engine.gazetteer
    tokens = engine.analyse(raw_tokens(text[:2000]))[1]
    if g.longest.keys().isdisjoint(tokens):
        return []
    for alias in g.names_in(tokens):
        place = g.by_text[alias]
        if place.kelurahan or alias in rules().wide:
            continue
        found = _named_like(alias.split(), place.kecamatan, g)
        if 2 <= len(found) <= limit:
            return found
    return []


def _named_like(alias: list[str], kecamatan: str | None, g) -> list[str]:
    """Official names starting with the alias (or its last words), within its kecamatan."""
    for start in range(len(alias)):
        key = "".join(alias[start:])
        found = [name for compact, name in g.canonical.items() if compact.startswith(key)
                 and (kecamatan is None or g.kecamatan_of[name] == kecamatan)]
        if found:
            return sorted(found, key=_order)
    return []


def _order(name: str) -> tuple:
    """Satu, Dua, Tiga in that order; other names alphabetically."""
    parts = words(name)
    rank = {"satu": 1, "dua": 2, "tiga": 3}.get(parts[-1], 0)
    return (" ".join(parts[:-1]) if rank else name.lower(), rank)


def factor(options: list[str]) -> tuple[str, list[str]]:
    """(shared first words, the rest of each option): "Girian", ["Atas", "Bawah", ...]."""
    split = [name.split() for name in options]
    shared = []
    for column in zip(*split, strict=False):
        if len(set(column)) != 1 or len(shared) + 1 >= min(map(len, split)):
            break
        shared.append(column[0])
    return " ".join(shared), [" ".join(parts[len(shared):]) for parts in split]
