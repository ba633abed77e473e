"""SMS commands: a leading keyword with arguments, or a whole-message reply such as HADIR."""

import re
from typing import NamedTuple

from parsers.normalize import collapse
from parsers.places import resolve_kelurahan, suggest_kelurahan

# A WhatsApp export/forward prefix: "[12/11 10.30] Budi: ..."
_WA_PREFIX = re.compile(r"\s*\[[^\]\n]{0,40}\]\s*[^:\n]{0,40}:\s*")
_LEAD = re.compile(r"\W*[^\W_]+[\s#.:,*!]*(.*)", re.S)
_GREETING = re.compile(
    r"(?:\s*(?:selamat\s+(?:pagi|siang|sore|malam)|pagi|siang|sore|malam|halo|hallo|hai|syalom"
    r"|shalom|permisi|assalamu'?alaikum|salam)\b[\s,.!:;-]*"
    r"(?:(?:pak|bu|bapak|ibu|kak|om|admin|min)\b[\s,.!:;-]*)?)+", re.I)
_FIELDS = re.compile(r"\s*[#*,;]+\s*")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_TICKET_WORDS = frozenset({"status", "tiket", "kode", "no", "nomor", "nomer", "aspirasi",
                           "usulan"})
# An usulan's code as citizens type it: "U-0123", "u0123", "U 123", "u.12" (data.usulan formats
# it); digits alone ("DUKUNG 123") name an usulan too.
_USULAN = re.compile(r"[Uu]\s?[-.]?\s?0*([1-9]\d{0,6})(?![A-Za-z0-9])")
_DIGITS = re.compile(r"0*([1-9]\d{0,6})(?![A-Za-z0-9])")
_AMBIGUOUS = re.compile(r"[Uu][2-9]{4}")  # "U2345": a ticket code, or usulan 2345
_LEAD_WORDS = re.compile(r"^\W*(?:(?:" + "|".join(sorted(_TICKET_WORDS)) + r")\b\W*)*", re.I)
SOLO_MAX_TOKENS = 8
PLACE_MAX_WORDS = 5  # "kel. Manembo nembo Tengah": a kelurahan is never longer than this
GREETINGS = frozenset({"selamat", "pagi", "siang", "sore", "malam", "halo", "hallo", "hai",
                       "syalom", "shalom", "permisi", "assalamu", "assalamualaikum", "salam"})
_UNSEEN = object()


class Command(NamedTuple):
    command: str
    category: str | None
    args: dict
    confidence: float


def after_greeting(body: str) -> tuple[str, str] | None:
    """(rest, its first word) when the message opens with a greeting ("Selamat pagi pak, CEK ...")."""
    match = _GREETING.match(body)
    if not match or match.end() >= len(body):
        return None
    rest = body[match.end() :]
    first = _ALNUM.match(rest)
    return (rest, first.group(0).lower()) if first else None


def strip_prefix(text: str) -> str:
    """Drop a WhatsApp "[date] name:" prefix so a command after it is still seen."""
    if text.lstrip().startswith("["):
        match = _WA_PREFIX.match(text)
        if match:
            return text[match.end() :]
    return text


def lead_word(word: str, engine) -> tuple[str, str, float] | None:
    """(command or category, mode, confidence) when word is a leading keyword, typo allowed."""
    memo = engine.lead_memo
    got = memo.get(word, _UNSEEN)  # one lookup: safe if another thread clears the memo
    if got is not _UNSEEN:
        return got
    key = collapse(word)
    hit, confidence = engine.lead.get(key), 1.0
    if hit is None and len(key) >= 5 and key.isalpha() and not engine.normalizer.is_known(key):
        hit, confidence = engine.lead.get(engine.lead_typos.lookup(key)), 0.9
    if len(memo) >= 100_000:
        memo.clear()
    memo[word] = got = (*hit, confidence) if hit else None
    return got


def leading(body: str, first: str, engine) -> Command | None:
    """A command or explicit category decided by the first word (one typo on 5+ letters)."""
    hit = engine.lead_memo.get(first, _UNSEEN)
    if hit is _UNSEEN:
        hit = lead_word(first, engine) if first else None
    if hit is None:
        if first or "?" not in body:
            return None
        return Command("BANTUAN", None, {}, 1.0)  # "?" (no words at all): asking for help
    match = _LEAD.match(body)
    rest = match.group(1).strip() if match else ""
    name, mode, confidence = hit
    if rest.lstrip("-").lower().startswith(first):  # "undang-undang" is not UNDANG
        return None
    if mode == "category":
        return Command("ASPIRASI", name, {"text": rest}, confidence)
    if name == "DAFTAR":
        return Command(name, None, daftar_args(rest), confidence)
    if name == "DUKUNG":
        code = ticket_of(rest, digits=True)
        if code is None and _ALNUM.findall(rest):
            return None  # "dukung pembangunan jalan di girian": a need, not a code
        return Command(name, None, {"code": code}, confidence)
    if name == "CEK":
        ticket = ticket_of(rest)
        if ticket is None and not _TICKET_WORDS.issuperset(w.lower() for w in _ALNUM.findall(rest)):
            return None  # "cek jalan di girian" reads as an aspiration, not a ticket check
        return Command(name, None, {"ticket": ticket}, confidence)
    return Command(name, None, {"text": rest}, confidence)


def usulan_code(text: str, digits: bool = False) -> str | None:
    """ "U-0123" for any spelling of an usulan code at the start of `text` (with digits=True
    also a bare number), else None."""
    text = text.strip()
    match = _USULAN.match(text) or (_DIGITS.match(text) if digits else None)
    return f"U-{int(match.group(1)):04d}" if match else None


# "saya dukung U-0123", "kami juga mendukung usulan U-12 pak": support said in a sentence.
_SUPPORT = re.compile(r"\W*(?:(?:saya|sy|sya|aku|kami|kita|torang|tong|juga|jg|ikut|mau|ingin)"
                      r"\s+)*(?:men)?dukung\b(.*)", re.I | re.S)
_BARE_USULAN = re.compile(r"\W*[Uu]\s?[-.]?\s?0*[1-9]\d{0,6}[\s.!?]*")


def support_sentence(body: str) -> Command | None:
    """DUKUNG from a sentence that names an usulan code after "(men)dukung" (a need that
    merely says "dukung pembangunan jalan" stays an aspiration)."""
    match = _SUPPORT.match(body)
    code = usulan_code(_LEAD_WORDS.sub("", match.group(1).strip())) if match else None
    return Command("DUKUNG", None, {"code": code}, 0.9) if code else None


def bare_code(body: str) -> Command | None:
    """A message that is only an usulan code ("U-0123"): the citizen asks about it (CEK,
    whose answer also says how to support it)."""
    if not _BARE_USULAN.fullmatch(body):
        return None
    return Command("CEK", None, {"ticket": ticket_of(body)}, 0.9)


def ticket_of(rest: str, digits: bool = False) -> str | None:
    """The code after CEK/STATUS/DUKUNG: an usulan ("U-0123"), or a ticket: alphanumeric,
    4-12 chars, with a digit or alone. "U2345" could be either: it stays a ticket code here
    (the handler looks for an usulan when no such ticket exists)."""
    head = _LEAD_WORDS.sub("", rest)
    tokens = _ALNUM.findall(head)
    found = usulan_code(head, digits)
    if found and not (tokens and _AMBIGUOUS.fullmatch(tokens[0])):
        return found
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
        for start in range(max(0, len(words) - PLACE_MAX_WORDS), len(words)):
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
    if len(tokens) > 1 and not engine.solo_words.issuperset(tokens):
        return None  # a word that is neither a reply nor politeness: not a bare reply
    found = engine.solo.get(tuple(tokens))
    core = tuple(t for t in tokens if t not in engine.fillers)
    if found is None and core:
        found = engine.solo.get(core)
        if found is None and len(core) == 1 and not engine.normalizer.is_known(core[0]):
            found = engine.solo.get((engine.solo_typos.lookup(core[0]),))
    if found is None and not core:  # only politeness words: take the first that is a reply
        found = next((engine.solo[(t,)] for t in tokens if (t,) in engine.solo), None)
    return Command(found, None, {}, 1.0) if found else None
