"""Load the shared Twilio conformance cases (../shared/conformance/twilio_cases.json)."""

from __future__ import annotations

import json
import os
from functools import cache

HERE = os.path.dirname(os.path.abspath(__file__))
CANDIDATES = [
    os.environ.get("ASPIRASI_CONFORMANCE", ""),
    os.path.join(HERE, "..", "..", "shared", "conformance", "twilio_cases.json"),
    os.path.join(HERE, "data", "twilio_cases.json"),
]


@cache
def cases() -> dict:
    for path in CANDIDATES:
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
    raise FileNotFoundError("twilio_cases.json not found in " + ", ".join(CANDIDATES))


def listed(name: str) -> list[dict]:
    return cases()[name]


def ids(name: str) -> list[str]:
    return [case["id"] for case in listed(name)]
