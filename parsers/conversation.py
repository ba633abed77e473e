"""Conversation cues in one message: closing, follow-up, question, meeting-call answer, numbered
choice, ticket codes. Pure: a Parsed in, Cues out; the words are data (data/conversation.tsv).

What the cues mean for this sender (a pending question, a recent ticket, an open invitation) is
decided in handlers.conversation, which has the contact's state.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from parsers.engine import load
from parsers.gazetteer import NUMERALS, words
from parsers.normalize import raw_tokens
from parsers.resources import read_table

_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{5}(?![A-Za-z0-9])")  # a 5-character word
_VISIBLE = re.compile(r"[^\s?]")
NEUTRAL = frozenset({"filler", "place", "choice"})  # words that carry no meaning of their own


class Cues(NamedTuple):
    closing: bool = False        # only thanks/ok/amin/emoji: no ticket
    agree: bool = False          # only ok/siap/iya: HADIR to an unanswered invitation
    intro: bool = False          # "mau lapor", "selamat pagi": the need comes next
    rsvp: str | None = None      # HADIR | TIDAK from natural words ("nyanda bisa, ada pigi melaut")
    followup: bool = False       # "kapan dikerjakan?", "sudah ada kabar?"
    question: bool = False       # a general question ("bagaimana cara kirim usulan?") or a "?"
    asks: bool = False           # question words ("kapan", "bagaimana", "mau tanya"), not just "?"
    codes: tuple[str, ...] = ()  # words shaped like ticket codes, upper case
    words: int = 0               # normalized words in the message
    leftover: int = 0            # words that are no cue, filler, place or number: a need's words


class Rules(NamedTuple):
    by_first: dict           # first token → [(phrase tokens, kinds)], longest first
    wild_first: tuple        # phrases whose first word ends in * ("progres*")
    starts: frozenset        # token tuples that open a question
    numbers: dict            # token → int
    wide: frozenset          # place names too wide for choices ("bitung")


@functools.cache
def rules() -> Rules:
    """data/conversation.tsv, normalised like messages (loaded once, on first use)."""
    engine = load()
    phrases: dict[tuple, set] = {}
    starts, numbers = set(), {}
    for row in read_table("conversation.tsv"):
        tokens = tuple(engine.analyse(raw_tokens(row["phrase"].replace("*", "")))[0].split())
        if row["phrase"].endswith("*"):
            tokens = (*tokens[:-1], tokens[-1] + "*")
        if not tokens:
            continue
        kind = row["kind"]
        if kind == "question" and row["where"] == "start":
            starts.add(tokens)
        phrases.setdefault(tokens, set()).add(kind)
        if kind == "number":
            numbers[tokens[0]] = int(row["value"])
    by_first: dict[str, list] = {}
    wild = []
    for phrase, kinds in sorted(phrases.items(), key=lambda kv: -len(kv[0])):
        entry = (phrase, frozenset(kinds))
        if phrase[0].endswith("*"):
            wild.append(entry)
        else:
            by_first.setdefault(phrase[0], []).append(entry)
    wide = frozenset(" ".join(p) for p, kinds in phrases.items() if "wide" in kinds)
    return Rules(by_first, tuple(wild), frozenset(starts), numbers, wide)


def _same(token: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        stem = pattern[:-1]
        return token.startswith(stem) and len(token) >= len(stem) + 2
    return token == pattern


def _at(tokens: list[str], i: int, r: Rules, kinds: frozenset | set | None = None):
    """(length, kinds) of the longest phrase starting at i, limited to `kinds` when given."""
    best = (0, frozenset())
    for phrase, found in (*r.by_first.get(tokens[i], ()), *r.wild_first):
        size = len(phrase)
        if size <= best[0] or i + size > len(tokens) or (kinds is not None and not found & kinds):
            continue
        if all(_same(t, p) for t, p in zip(tokens[i:i + size], phrase, strict=True)):
            best = (size, found)
    return best


def _cover(tokens: list[str], r: Rules, kinds: set[str]) -> set[str] | None:
    """The kinds used when the whole message is made of `kinds` and fillers, else None."""
    used: set[str] = set()
    i = 0
    while i < len(tokens):
        size, found = _at(tokens, i, r, kinds | {"filler"})
        if not size:
            return None
        used |= (found & kinds) or set()
        i += size
    return used


def _anywhere(tokens: list[str], r: Rules, kind: str) -> bool:
    return any(_at(tokens, i, r, {kind})[0] for i in range(len(tokens)))


def _opens_question(tokens: list[str], r: Rules) -> bool:
    i = 0
    while i < len(tokens) and _at(tokens, i, r, {"filler"})[0]:
        i += 1
    return any(tuple(tokens[i:i + len(s)]) == s for s in r.starts)


def _leftover(tokens: list[str], r: Rules, place_words: frozenset) -> int:
    count, i = 0, 0
    while i < len(tokens):
        size, _ = _at(tokens, i, r)
        if size:
            i += size
            continue
        if tokens[i] not in place_words and not tokens[i].isdigit():
            count += 1
        i += 1
    return count


def read(parsed) -> Cues:
    """What the words of one message say about the conversation (no state, no I/O)."""
    r = rules()
    tokens = parsed.normalized.split()
    text = parsed.text or ""
    codes = tuple(dict.fromkeys(c.upper() for c in _CODE.findall(text[:2000])))[:20]
    if not tokens:  # emoji, punctuation only: a closing (a bare "?" is BANTUAN in the parser)
        return Cues(closing=bool(_VISIBLE.search(text)), codes=codes)
    closing_kinds = _cover(tokens, r, {"closing", "agree"})
    agree = _cover(tokens, r, {"agree"})
    intro = _cover(tokens, r, {"intro"})
    rsvp = "TIDAK" if _anywhere(tokens, r, "tidak") else (
        "HADIR" if _anywhere(tokens, r, "hadir") else None)
    asks = _opens_question(tokens, r) or _anywhere(tokens, r, "question")
    return Cues(
        closing=bool(closing_kinds), agree=bool(agree), intro=bool(intro), rsvp=rsvp,
        followup=_anywhere(tokens, r, "followup"), question=asks or "?" in text, asks=asks,
        codes=codes,
        words=len(tokens), leftover=_leftover(tokens, r, load().gazetteer.tokens))


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
        size, found = _at(tokens, i, r, {"filler", "choice", "place"})
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


def place_choices(text: str, limit: int = 8) -> list[str]:
    """The kelurahan a place that fits several may mean ("kel. Aertembaga" → Aertembaga Satu,
    Aertembaga Dua; "pasar girian" → the Girian ones; "Pateten" → Pateten Satu/Dua/Tiga)."""
    engine = load()
    g = engine.gazetteer
    tokens = engine.analyse(raw_tokens(text[:2000]))[1]
    if g.longest.keys().isdisjoint(tokens):
        return []
    for alias in g.pattern.findall(" ".join(tokens)):
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
