"""The one clock: stored timestamps are ISO 8601 UTC text; Bitung's day is WITA (UTC+8).

Stored stamps look like 2026-11-30T07:46:11.000000Z, so they sort and compare as text. Every
module that reads the time, writes a stamp or asks "which day is it in Bitung" calls here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
# Asia/Makassar: UTC+8 all year (no daylight saving), so a fixed offset is exact.
WITA = timezone(timedelta(hours=8), "WITA")


def now(moment: datetime | None = None) -> datetime:
    """`moment` when a caller passes one (tests, decisions on a message's time), else now (UTC)."""
    return moment or datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A datetime as the stored UTC stamp."""
    return moment.astimezone(UTC).strftime(STAMP)


def utcnow() -> str:
    return datetime.now(UTC).strftime(STAMP)


def later(seconds: float) -> str:
    """The stamp `seconds` from now (negative: in the past)."""
    return iso(datetime.now(UTC) + timedelta(seconds=seconds))


def parse(stamp: str) -> datetime:
    """A stored stamp (or any ISO 8601 text with an offset) as an aware datetime."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_wita(stamp: str) -> datetime:
    return parse(stamp).astimezone(WITA)


def wita_today(moment: datetime | None = None) -> date:
    return now(moment).astimezone(WITA).date()


def wita_midnight(day: date) -> str:
    """00:00 WITA of a day, as the stored UTC stamp."""
    return iso(datetime(day.year, day.month, day.day, tzinfo=WITA))


def wita_day_start(moment: datetime | None = None) -> str:
    """Midnight in Bitung of `moment`'s local day, as the stored UTC stamp."""
    return wita_midnight(wita_today(moment))


def from_wita_local(text: str) -> datetime:
    """'2026-12-01T09:00' typed as WITA wall-clock time → an aware datetime (ValueError if bad)."""
    return datetime.strptime(text[:16], "%Y-%m-%dT%H:%M").replace(tzinfo=WITA)
