"""data.clock: the stored stamp's exact text (stamps compare as text, so every digit counts)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from data import clock


@pytest.mark.parametrize("moment, stamp", [
    (datetime(2026, 11, 30, 7, 46, 11, tzinfo=UTC), "2026-11-30T07:46:11.000000Z"),
    (datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC), "2026-01-02T03:04:05.000060Z"),
    (datetime(2026, 12, 1, 1, 0, 0, 999999, tzinfo=clock.WITA), "2026-11-30T17:00:00.999999Z"),
    (datetime(2026, 6, 1, 20, 30, tzinfo=timezone(timedelta(hours=-5))),
     "2026-06-02T01:30:00.000000Z"),
    (datetime(999, 5, 6, 7, 8, 9, tzinfo=UTC), datetime(999, 5, 6, 7, 8, 9).strftime(clock.STAMP)),
])
def test_iso_writes_the_stamp(moment, stamp):
    assert clock.iso(moment) == stamp


def test_utcnow_is_a_stamp_of_now():
    before = datetime.now(UTC)
    stamp = clock.utcnow()
    assert len(stamp) == 27 and stamp.endswith("Z")
    assert before <= clock.parse(stamp) <= datetime.now(UTC)
