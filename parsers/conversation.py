"""Conversation cues in one message: closing, follow-up, question, meeting-call answer, ticket
codes. Pure: a Parsed in, Cues out; the words are data (data/conversation.tsv). Choices: parsers.choices.

What the cues mean for this sender (a pending question, a recent ticket, an open invitation) is
decided in handlers.conversation, which has the contact's state.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from parsers.engine import load
from parsers.normalize import raw_tokens
from parsers.resources import read_table

_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{5}(?![A-Za-z0-9])")  # a 5-character word
_VISIBLE = re.compile(r"[^\s?]")


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
    wild_stems: tuple        # their stems, to skip them at once for most words
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
    stems = tuple(phrase[0][:-1] for phrase, _ in wild)
    return Rules(by_first, tuple(wild), stems, frozenset(starts), numbers, wide)


def _same(token: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        stem = pattern[:-1]
        return token.startswith(stem) and len(token) >= len(stem) + 2
    return token == pattern


def phrase_at(tokens: list[str], i: int, r: Rules, kinds: frozenset | set | None = None):
    """(length, kinds) of the longest phrase starting at i, limited to `kinds` when given."""
    best = (0, frozenset())
    wild = r.wild_first if tokens[i].startswith(r.wild_stems) else ()
    for phrase, found in (*r.by_first.get(tokens[i], ()), *wild):
        size = len(phrase)
        if size <= best[0] or i + size > len(tokens) or (kinds is not None and not found & kinds):
            continue
        if all(_same(t, p) for t, p in zip(tokens[i:i + size], phrase, strict=True)):
            best = (size, found)
    return best


def _matches(tokens: list[str], r: Rules) -> list[list[tuple[int, frozenset]]]:
    """Every phrase that starts at each position: (length, kinds), found once per message."""
    found = []
    for i, token in enumerate(tokens):
        here = []
        wild = r.wild_first if token.startswith(r.wild_stems) else ()
        for phrase, kinds in (*r.by_first.get(token, ()), *wild):
            size = len(phrase)
            if i + size <= len(tokens) and all(
                    _same(t, p) for t, p in zip(tokens[i:i + size], phrase, strict=True)):
                here.append((size, kinds))
        found.append(here)
    return found


def _longest(here: list, kinds: set | None = None) -> tuple[int, frozenset]:
    return max(((size, k) for size, k in here if kinds is None or k & kinds),
               key=lambda m: m[0], default=(0, frozenset()))


def _cover(matches: list, kinds: set[str]) -> set[str] | None:
    """The kinds used when the whole message is made of `kinds` and fillers, else None."""
    used: set[str] = set()
    i = 0
    while i < len(matches):
        size, found = _longest(matches[i], kinds | {"filler"})
        if not size:
            return None
        used |= found & kinds
        i += size
    return used


def _anywhere(matches: list, kind: str) -> bool:
    return any(kind in kinds for here in matches for _, kinds in here)


def _opens_question(tokens: list[str], matches: list, r: Rules) -> bool:
    i = 0
    while i < len(tokens) and _longest(matches[i], {"filler"})[0]:
        i += 1
    return any(tuple(tokens[i:i + len(s)]) == s for s in r.starts)


def _leftover(tokens: list[str], matches: list, place_words: frozenset) -> int:
    count, i = 0, 0
    while i < len(tokens):
        size, _ = _longest(matches[i])
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
    matches = _matches(tokens, r)
    closing_kinds = _cover(matches, {"closing", "agree"})
    agree = _cover(matches, {"agree"})
    intro = _cover(matches, {"intro"})
    rsvp = "TIDAK" if _anywhere(matches, "tidak") else (
        "HADIR" if _anywhere(matches, "hadir") else None)
    asks = _opens_question(tokens, matches, r) or _anywhere(matches, "question")
    return Cues(
        closing=bool(closing_kinds), agree=bool(agree), intro=bool(intro), rsvp=rsvp,
        followup=_anywhere(matches, "followup"), question=asks or "?" in text, asks=asks,
        codes=codes, words=len(tokens),
        leftover=_leftover(tokens, matches, load().gazetteer.tokens))
