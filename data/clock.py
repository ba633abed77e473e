"""The one clock: stored timestamps are ISO 8601 UTC text; Bitung's day is WITA (UTC+8).

Stored stamps look like 2026-11-30T07:46:11.000000Z, so they sort and compare as text. Every
module that reads the time, writes a stamp or asks "which day is it in Bitung" calls here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
# Dates typed by staff outside these years are refused: year 1 or 9999 in WITA overflows
# when moved to UTC (and no Musrenbang happened or will happen then).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
# Asia/Makassar: UTC+8 all year (no daylight saving), so a fixed offset is exact.
WITA = timezone(timedelta(hours=8), "WITA")


def now(moment: datetime | None = None) -> datetime:
    """`moment` when a caller passes one (tests, decisions on a message's time), else now (UTC)."""
    return moment or datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A datetime as the stored UTC stamp."""
    moment = moment.astimezone(UTC)
    if moment.year < 1000:  # strftime writes such a year unpadded; keep its stamp as it was
        return moment.strftime(STAMP)
    # isoformat: the same text as strftime(STAMP) in half the time (~10 stamps per message)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def utcnow() -> str:
    return iso(datetime.now(UTC))


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


def parse_day(text: str | None) -> date | None:
    """'2026-12-01' typed by staff → a date in FIRST_DAY..LAST_DAY, else None."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day and FIRST_DAY <= day <= LAST_DAY else None


def is_iso_day(text: str) -> bool:
    """A real calendar day written YYYY-MM-DD, whatever its year (for saying what was wrong)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def from_wita_local(text: str) -> datetime:
    """'2026-12-01T09:00' typed as WITA wall-clock time → an aware datetime (ValueError if bad
    or outside FIRST_DAY..LAST_DAY)."""
    moment = datetime.strptime(text[:16], "%Y-%m-%dT%H:%M")
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise ValueError(f"tanggal di luar {FIRST_DAY.year}-{LAST_DAY.year}: {text[:16]!r}")
    return moment.replace(tzinfo=WITA)


def from_device(text: str) -> str:
    """A phone's ISO 8601 time ('2026-11-30T15:46:11.000+08:00') → the stored UTC stamp.

    Relay phones write their own offset; a time without one is taken as WITA (the phone is in
    Bitung). ValueError when it is not a time at all.
    """
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=WITA))


def rfc3339(stamp: str) -> str:
    """A stored stamp as other systems' APIs take it: '2026-11-30T07:46:11Z' (whole seconds)."""
    return parse(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
