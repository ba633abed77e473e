"""Pure parsing of citizen SMS/WhatsApp text: parse(text) -> Parsed. No I/O after the first load."""

from types import MappingProxyType

from parsers.commands import (
    GREETINGS,
    SOLO_MAX_TOKENS,
    after_greeting,
    bare_code,
    leading,
    solo,
    strip_prefix,
    support_sentence,
)
from parsers.engine import load
from parsers.model import CATEGORIES, COMMANDS, REVIEW_THRESHOLD, Parsed
from parsers.normalize import LIMIT, tokens_of

__all__ = ["CATEGORIES", "COMMANDS", "REVIEW_THRESHOLD", "Parsed", "parse"]


def parse(text: str) -> Parsed:
    """Decide command, category, place and arguments for one message; never raises on a str."""
    engine = load()
    text = text if isinstance(text, str) else str(text)
    body = text[:LIMIT]
    if "[" in body and "[" in body[:8]:  # a WhatsApp prefix (the first test skips the slice)
        body = strip_prefix(body)
    raw = tokens_of(body.lower())
    normalized, words, place_tokens = engine.analyse_words(raw)
    first = raw[0] if raw else ""
    command = None
    if engine.lead_memo.get(first, True) is not None:  # a keyword, or a first word not yet seen
        command = leading(body, first, engine)
    if command is None and first in GREETINGS and (greeted := after_greeting(body)):
        command = leading(*greeted, engine)  # "Selamat pagi pak, DAFTAR Yohanis Paceda"
    if command is None and ("dukung" in raw or "mendukung" in raw):
        command = support_sentence(body)  # "saya dukung U-0123"
    if command is None and len(raw) <= 2:
        command = bare_code(body)  # "U-0123" alone
    if command is None and len(words) <= SOLO_MAX_TOKENS:  # short: maybe a bare reply
        if len(words) == 1 or engine.solo_words.issuperset(words):
            command = solo(words, engine)
    if command is not None and command.command != "ASPIRASI":
        kelurahan = command.args.get("kelurahan")
        return Parsed.build({
            "text": text, "normalized": normalized, "command": command.command,
            "kelurahan": kelurahan, "kecamatan": engine.gazetteer.kecamatan_of.get(kelurahan),
            "confidence": command.confidence, "args": MappingProxyType(command.args)})
    category, confidence, keywords, scores = engine.score(engine.content_of(words))
    place = engine.find(place_tokens)
    fields = {"text": text, "normalized": normalized, "category": category,
              "confidence": confidence, "keywords": keywords, "scores": scores}
    if place is not None:
        fields["kelurahan"], fields["kecamatan"] = place.kelurahan, place.kecamatan
    if command is not None:  # an explicit category prefix (INFRA#...)
        fields.update(category=command.category, confidence=command.confidence, explicit=True,
                      args=MappingProxyType(command.args))
    return Parsed.build(fields)
