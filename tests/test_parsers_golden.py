"""parse() still decides every representative message exactly as recorded (see
tests/golden_parser.py): speed work on the parser must not change a single output."""

import json

from parsers import parse
from tests.golden_parser import GOLDEN, outcome


def test_parse_matches_the_recorded_outcomes():
    cases = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert len(cases) > 400
    changed = []
    for case in cases:
        text = case.pop("text")
        now = outcome(parse(text))
        if now != case:
            diff = {k: (case.get(k), now.get(k)) for k in now if now.get(k) != case.get(k)}
            changed.append(f"{text[:60]!r}: {diff}")
    assert not changed, f"{len(changed)} changed, e.g.\n" + "\n".join(changed[:5])
