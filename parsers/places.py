"""Typed kelurahan names (DAFTAR, CSV imports, staff pages); free text goes through parse()."""

from parsers.engine import load
from parsers.gazetteer import NUMERALS, PREFIXES, letter_pairs, words


def kecamatan_of(kelurahan: str | None) -> str | None:
    """Kecamatan of an official (or resolvable) kelurahan name."""
    if not kelurahan:
        return None
    table = load().gazetteer.kecamatan_of
    return table.get(kelurahan) or table.get(resolve_kelurahan(kelurahan) or "")


def resolve_kelurahan(name: str | None) -> str | None:
    """Exact-ish lookup of a typed name (CSV imports, DAFTAR): case, spaces, 1/I/Satu, one typo."""
    if not name or not name.strip():
        return None
    return load().gazetteer.resolve(name[:200])


def suggest_kelurahan(text: str | None, n: int = 3) -> list[str]:
    """Closest official names for an unrecognised reply ("Maksud Anda: Girian Bawah?")."""
    numerals = {alias: word for word, aliases in NUMERALS.items() for alias in aliases}
    tokens = [numerals.get(w, w) for w in words((text or "")[:200]) if w not in PREFIXES]
    key = "".join(tokens)
    if not key:
        return []
    canonical = load().gazetteer.canonical
    exact = resolve_kelurahan(text)
    ranked = [exact] if exact else []
    if len(key) >= 3:
        ranked += [name for compact, name in canonical.items() if compact.startswith(key)]
    ranked += _similar(key, n)
    return list(dict.fromkeys(ranked))[:n]


def _similar(key: str, n: int) -> list[str]:
    """Official names sharing most letter pairs with key (Dice ≥ 0.5), best first."""
    pairs = letter_pairs(key)
    scored = []
    for name, other in load().gazetteer.name_pairs:
        score = 2 * len(pairs & other) / (len(pairs) + len(other) or 1)
        if score >= 0.5:
            scored.append((-score, name))
    return [name for _, name in sorted(scored)[:n]]


def all_kelurahan() -> list[dict]:
    """All 69 kelurahan as {kode, kecamatan, kelurahan}, in gazetteer order (fresh copies)."""
    return [dict(row) for row in load().gazetteer.rows]
