"""Where a message is about: kelurahan/kecamatan lookups that handlers and staff pages call."""

import difflib

from parsers.engine import load
from parsers.gazetteer import Place, words
from parsers.normalize import raw_tokens

_FIXES_MAX = 100_000


def find_place(tokens: list[str]) -> Place | None:
    """The place named in raw tokens, after fixing one typo in long unknown words."""
    engine = load()
    gazetteer, fixes = engine.gazetteer, engine.place_fixes
    fixed = []
    for token in tokens:
        if len(token) < 7 or token in gazetteer.tokens:
            fixed.append(token)
            continue
        got = fixes.get(token)
        if got is None:
            got = token
            if not engine.normalizer.is_known(token):
                got = gazetteer.typo_token.lookup(token) or token
            if len(fixes) >= _FIXES_MAX:
                fixes.clear()
            fixes[token] = got
        fixed.append(got)
    return gazetteer.find(fixed)


def find_kelurahan(text: str) -> str | None:
    """Official kelurahan named in free text, or None when absent or ambiguous."""
    place = find_place(raw_tokens(text))
    return place.kelurahan if place else None


def find_kecamatan(text: str) -> str | None:
    """Official kecamatan named (directly or through its kelurahan) in free text."""
    place = find_place(raw_tokens(text))
    return place.kecamatan if place else None


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
    tokens = [w for w in words((text or "")[:200]) if w not in ("kel", "kelurahan", "desa")]
    key = "".join(tokens)
    if not key:
        return []
    compact = load().gazetteer.compact
    exact = resolve_kelurahan(text)
    ranked = [exact] if exact else []
    ranked += [compact[k] for k in compact if k.startswith(key) and len(key) >= 3]
    ranked += [compact[k] for k in difflib.get_close_matches(key, list(compact), n=n * 4,
                                                             cutoff=0.6)]
    return list(dict.fromkeys(ranked))[:n]


def all_kelurahan() -> list[dict]:
    """All 69 kelurahan as {kode, kecamatan, kelurahan}, in gazetteer order (fresh copies)."""
    return [dict(row) for row in load().gazetteer.rows]
