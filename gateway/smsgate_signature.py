"""SMS Gateway for Android's webhook signatures: hex HMAC-SHA256 over the raw body followed by
the X-Timestamp header (unix seconds), with the signing key set in the app.

Docs: docs-web docs/features/webhooks.md, "Payload Signing" (android-sms-gateway/docs-web);
the app signs in modules/webhooks/plugins/PayloadSingingPlugin.kt (capcom6/android-sms-gateway).
"""

from __future__ import annotations

import hashlib
import hmac

# The docs' advice: accept only timestamps within ±5 minutes (a replayed capture is refused).
TOLERANCE_SECONDS = 300


def sign(key: str, body: bytes, timestamp: str) -> str:
    """What the phone puts in X-Signature for this body and X-Timestamp."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def problem(key: str, body: bytes, timestamp: str | None, signature: str | None,
            now: float) -> str | None:
    """Why the request is not the phone's (a short reason for the 401), or None when it is."""
    if not signature or not timestamp:
        return "missing X-Signature or X-Timestamp"
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return "X-Timestamp is not unix seconds"
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return "stale X-Timestamp"
    expected = sign(key, body, timestamp).encode()
    given = signature.strip().lower().encode("utf-8", "replace")  # bytes: any header is safe
    if not hmac.compare_digest(expected, given):
        return "invalid X-Signature"
    return None
