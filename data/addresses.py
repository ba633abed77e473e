"""Phone numbers and channel addresses: every sender becomes one E.164 contact address."""

from __future__ import annotations

import re

import phonenumbers

from data.channels import WHATSAPP_PREFIX

_E164_ID = re.compile(r"^\+62[1-9]\d{7,11}$")  # the common case, checked without phonenumbers
_BSUID = re.compile(r"^[A-Z]{2}\.[0-9A-Za-z]{1,64}$")  # business-scoped WhatsApp user id


class InvalidNumber(ValueError):
    """The text is not a phone number we can send to."""


def normalize_number(raw: str, region: str = "ID") -> str:
    """'0812…', '62812…', '+62 812-…' all become '+62812…'; raise InvalidNumber otherwise."""
    text = (raw or "").strip()
    if _E164_ID.match(text):
        return text
    if not text or len(text) > 32:
        raise InvalidNumber(f"nomor tidak valid: {raw!r}")
    digits = re.sub(r"[\s\-().]", "", text)
    if re.fullmatch(r"62\d{8,13}", digits):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"nomor tidak valid: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidNumber(f"nomor tidak valid: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_sender(sender: str) -> tuple[str, str]:
    """A channel address ('whatsapp:+62…', '+62…', '0812…') → (channel, contact address).

    The inverse of data.channels.channel_address. WhatsApp user ids (BSUIDs) are kept as they
    are; short codes and sender names keep a stable (unreachable) address.
    """
    sender = (sender or "").strip()
    channel = "sms"
    if sender.lower().startswith(WHATSAPP_PREFIX):
        channel = "whatsapp"
        sender = sender[len(WHATSAPP_PREFIX):]
        if _BSUID.match(sender):
            return channel, sender
    try:
        return channel, normalize_number(sender)
    except InvalidNumber:
        # Short codes and alphanumeric senders (operator promos) still get a stable address.
        return channel, sender[:64]


_NUMBER = re.compile(r"\+[1-9]\d{6,14}")


def is_reachable(address: str) -> bool:
    """A number (or WhatsApp user id) we can answer; short codes and sender names are not."""
    return bool(_NUMBER.fullmatch(address or "") or _BSUID.fullmatch(address or ""))


def can_send(channel: str, address: str) -> bool:
    """The one rule for 'may we send to this contact address on this channel': a number on
    any channel, a WhatsApp user id on WhatsApp only; never a short code, a sender name or
    anything else a sender field may hold (markup, a doubled prefix)."""
    if _NUMBER.fullmatch(address or ""):
        return True
    return channel == "whatsapp" and bool(_BSUID.fullmatch(address or ""))


def register_sql_functions(conn) -> None:
    """can_send(channel, address) in SQL: broadcast planning and its preview use this rule."""
    conn.create_function("can_send", 2, can_send, deterministic=True)


def mask_number(address: str) -> str:
    """'+6281234567890' → '+62812****890': enough to recognise, not enough to call."""
    if not address or len(address) < 9:
        return "****"
    return f"{address[:6]}****{address[-3:]}"


def national(address: str | None, masked: bool = False) -> str:
    """An Indonesian number as people write it, which a spreadsheet keeps as text with no
    apostrophe: '+6281234567890' → '0812-3456-7890' (masked: '0812****890'). Other addresses
    are returned as they are (masked when asked)."""
    address = address or ""
    if not address.startswith("+62") or not address[1:].isdigit():
        return mask_number(address) if masked else address
    local = "0" + address[3:]
    if masked:
        return f"{local[:4]}****{local[-3:]}"
    return "-".join(filter(None, (local[:4], local[4:8], local[8:])))
