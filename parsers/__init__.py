"""Pure parsing of citizen SMS/WhatsApp text: parse(text) -> Parsed. No I/O after the first load."""

from types import MappingProxyType

from parsers.commands import leading, solo, strip_prefix
from parsers.engine import load
from parsers.model import CATEGORIES, COMMANDS, EMPTY, Parsed
from parsers.normalize import LIMIT, raw_tokens

__all__ = ["CATEGORIES", "COMMANDS", "Parsed", "parse"]


def parse(text: str) -> Parsed:
    """Decide command, category, place and arguments for one message; never raises on a str."""
    engine = load()
    text = text if isinstance(text, str) else str(text)
    body = strip_prefix(text[:LIMIT])
    raw = raw_tokens(body)
    tokens, place_tokens = engine.normalizer.analyse(raw)
    normalized = " ".join(tokens)
    command = leading(body, raw[0] if raw else "", engine) or solo(tokens, engine)
    if command is not None and command.command != "ASPIRASI":
        kelurahan = command.args.get("kelurahan")
        return Parsed(text=text, normalized=normalized, command=command.command,
                      kelurahan=kelurahan, kecamatan=engine.gazetteer.kecamatan_of.get(kelurahan),
                      confidence=command.confidence, args=MappingProxyType(command.args))
    category, confidence, keywords, scores = engine.classifier.classify(tokens)
    place = engine.gazetteer.find(place_tokens)
    explicit = command is not None
    if explicit:
        category, confidence = command.category, command.confidence
    return Parsed(
        text=text, normalized=normalized, category=category, confidence=confidence,
        kelurahan=place.kelurahan if place else None, kecamatan=place.kecamatan if place else None,
        keywords=keywords, scores=scores, explicit=explicit,
        args=MappingProxyType(command.args) if explicit else EMPTY,
    )
