"""SMS commands: a leading keyword with arguments, or a whole-message reply such as HADIR."""

import re
from typing import NamedTuple

from parsers.places import resolve_kelurahan, suggest_kelurahan

# A WhatsApp export/forward prefix: "[12/11 10.30] Budi: ..."
_WA_PREFIX = re.compile(r"\s*\[[^\]\n]{0,40}\]\s*[^:\n]{0,40}:\s*")
_LEAD = re.compile(r"\s*([^\W\d_]+|\?)[\s#.:,*!]*(.*)", re.S)
_FIELDS = re.compile(r"\s*[#*,;]+\s*")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_TICKET_WORDS = frozenset({"status", "tiket", "kode", "no", "nomor", "nomer", "aspirasi"})
SOLO_MAX_TOKENS = 8


class Command(NamedTuple):
    command: str
    category: str | None
    args: dict
    confidence: float


def strip_prefix(text: str) -> str:
    """Drop a WhatsApp "[date] name:" prefix so a command after it is still seen."""
    if text.lstrip().startswith("["):
        match = _WA_PREFIX.match(text)
        if match:
            return text[match.end() :]
    return text


def leading(text: str, engine) -> Command | None:
    """A command or explicit category decided by the first word (one typo on 5+ letters)."""
    match = _LEAD.match(text)
    if not match:
        return None
    word, rest = match.group(1).lower(), match.group(2).strip()
    if word == "?":
        return Command("BANTUAN", None, {}, 1.0) if not _ALNUM.search(rest) else None
    hit, confidence = engine.lead.get(word), 1.0
    if hit is None and len(word) >= 5 and not engine.normalizer.is_known(word):
        typo = engine.lead_typos.lookup(word)
        hit, confidence = engine.lead.get(typo), 0.9
    if hit is None or rest.lstrip("-").lower().startswith(word):  # "undang-undang" is not UNDANG
        return None
    name, mode = hit
    if mode == "category":
        return Command("ASPIRASI", name, {"text": rest}, confidence)
    if name == "DAFTAR":
        return Command(name, None, daftar_args(rest), confidence)
    if name == "CEK":
        ticket = ticket_of(rest)
        if ticket is None and rest:
            return None  # "cek jalan di girian" reads as an aspiration, not a ticket check
        return Command(name, None, {"ticket": ticket}, confidence)
    return Command(name, None, {"text": rest}, confidence)


def ticket_of(rest: str) -> str | None:
    """The ticket code after CEK/STATUS: alphanumeric, 4-12 chars, with a digit or alone."""
    tokens = _ALNUM.findall(rest)
    while tokens and tokens[0].lower() in _TICKET_WORDS:
        tokens = tokens[1:]
    if not tokens or not 4 <= len(tokens[0]) <= 12:
        return None
    code = tokens[0]
    if any(c.isdigit() for c in code) or len(tokens) == 1:
        return code.upper()
    return None


def daftar_args(rest: str) -> dict:
    """Name and kelurahan: '#'-separated fields, else the longest trailing run that is a kelurahan."""
    fields = [f for f in _FIELDS.split(rest) if f]
    if len(fields) >= 2:
        name, place_text = fields[0], " ".join(fields[1:])
        kelurahan = resolve_kelurahan(place_text)
    else:
        words = rest.split()
        name, place_text, kelurahan = " ".join(words[:1]), " ".join(words[1:]), None
        for start in range(len(words)):
            found = resolve_kelurahan(" ".join(words[start:]))
            if found:
                name, place_text, kelurahan = " ".join(words[:start]), " ".join(words[start:]), found
                break
    suggestions = [] if kelurahan or not place_text else suggest_kelurahan(place_text)
    return {"name": name.strip(" .:"), "kelurahan": kelurahan, "kelurahan_text": place_text,
            "suggestions": suggestions}


def solo(tokens: list[str], engine) -> Command | None:
    """A reply that is the whole message, politeness words aside ("hadir pak", "nyanda bisa")."""
    if not tokens or len(tokens) > SOLO_MAX_TOKENS:
        return None
    found = engine.solo.get(tuple(tokens))
    core = tuple(t for t in tokens if t not in engine.fillers)
    if found is None and core:
        found = engine.solo.get(core)
        if found is None and len(core) == 1 and not engine.normalizer.is_known(core[0]):
            found = engine.solo.get((engine.solo_typos.lookup(core[0]),))
    if found is None and not core:  # only politeness words: take the first that is a reply
        found = next((engine.solo[(t,)] for t in tokens if (t,) in engine.solo), None)
    return Command(found, None, {}, 1.0) if found else None
