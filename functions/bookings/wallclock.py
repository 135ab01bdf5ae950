"""Wall-clock arithmetic for availability, pure: instants as integer epoch
seconds, local times as "wall seconds" (seconds since 1970-01-01 00:00 on
the local clock), and the UTC offset of a zone at either."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SECOND = timedelta(seconds=1)
DAY = 86_400
ONE_DAY = timedelta(days=1)
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_NAIVE = datetime(1970, 1, 1)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

WallRange = tuple[int, int]  # wall seconds since local midnight, [start, end)


def require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def whole_seconds(value: timedelta, name: str, *, positive: bool) -> int:
    seconds, rest = divmod(value, SECOND)
    if rest:
        raise ValueError(f"{name} must be a whole number of seconds")
    if seconds < 0 or (positive and seconds == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'zero or more'}")
    return int(seconds)


def clock_seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def normalise_ranges(ranges: Sequence[tuple[time, time]]) -> tuple[WallRange, ...]:
    """Ranges as wall seconds since midnight, sorted. An end of 00:00 or
    `time.max` (how "24:00" is stored) means midnight at the end of the day;
    a range that ends where or before it starts is empty and dropped."""
    out = []
    for start, end in ranges:
        stop = DAY if end in (time.min, time.max) else clock_seconds(end)
        begin = clock_seconds(start)
        if begin < stop:
            out.append((begin, stop))
    return tuple(sorted(out))


def utc_offset(zone: ZoneInfo, wall: datetime) -> int:
    found = zone.utcoffset(wall)
    return 0 if found is None else found // SECOND


def utc_offset_at(zone: ZoneInfo, instant: int) -> int:
    found = datetime.fromtimestamp(instant, zone).utcoffset()
    return 0 if found is None else found // SECOND


def utc_offsets(zone: ZoneInfo, wall: int) -> tuple[int, int]:
    """UTC offsets (fold=0, fold=1) of a wall time: equal for an ordinary
    time, first > second in a repeated hour, first < second in a gap."""
    naive = EPOCH_NAIVE + timedelta(seconds=wall)
    return utc_offset(zone, naive), utc_offset(zone, naive.replace(fold=1))


def instant_of(zone: ZoneInfo, wall: int) -> int | None:
    """The instant of a wall time, the first occurrence if it repeats, None if
    the clocks skip it."""
    first, second = utc_offsets(zone, wall)
    return None if first < second else wall - first


def instant_at_or_after(zone: ZoneInfo, wall: int) -> int:
    """When the local clock first reads `wall` or later: the wall time's
    (first) instant, or for a skipped time the moment the clocks jump."""
    first, second = utc_offsets(zone, wall)
    if first >= second:
        return wall - first
    low, high = wall - second, wall - first  # the jump lies in (low, high]
    while high - low > 1:
        middle = (low + high) // 2
        if middle + utc_offset_at(zone, middle) >= wall:
            high = middle
        else:
            low = middle
    return high


def day_wall(day: date) -> int:
    return (day.toordinal() - EPOCH_ORDINAL) * DAY


def local_date(zone: ZoneInfo, instant: float) -> date:
    return datetime.fromtimestamp(instant, zone).date()


def hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def human(value: timedelta) -> str:
    """`timedelta(hours=1, minutes=30)` → "1 hour 30 minutes"."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("day", DAY), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts) or "0 minutes"
