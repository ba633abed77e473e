"""Twilio request signatures: which URL Twilio signed, and whether the signature matches."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import quote

from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


def signed_url(environ: dict, public_url: str | None, scheme: str, host: str) -> str:
    """Public base URL (behind a proxy) or this request's own, plus the raw path and query.

    Never request.url: werkzeug decodes %27 and friends, and the signature then fails.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        path_and_query = raw
    else:
        path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
                     safe="/%:@!$&'()*+,;=~-._")
        query = environ.get("QUERY_STRING", "")
        path_and_query = path + ("?" + query if query else "")
    return (public_url or f"{scheme}://{host}") + path_and_query


def is_valid(token: str, url: str, form, raw_body: str | None, is_json: bool,
             signature: str) -> bool:
    """True only for a matching signature; any validator error counts as invalid, never raises."""
    if not signature:
        return False
    try:
        validator = RequestValidator(token)
        if is_json:
            # twilio-python raises TypeError on a JSON body without bodySHA256 in the URL
            return "bodySHA256=" in url and bool(validator.validate(url, raw_body or "", signature))
        # The URL as received matches almost always: one HMAC, not validate()'s two.
        if hmac.compare_digest(validator.compute_signature(url, form), signature):
            return True
        return any(validator.validate(candidate, form, signature)
                   for candidate in _spellings(url))
    except Exception as exc:
        log.warning("signature check raised %s", type(exc).__name__)
        return False


def _spellings(url: str) -> list[str]:
    """The URL as received, then with ' and %27 swapped: Twilio has signed either (twilio-node)."""
    candidates = [url]
    for a, b in (("%27", "'"), ("'", "%27")):
        if a in url:
            candidates.append(url.replace(a, b))
    return candidates
