"""The slot grid of one staff member: every start on their hours, pure.

How: for each staff member, walk the local dates the window touches; a day
whose UTC offset holds from midnight to midnight lays each range's grid out
arithmetically in epoch seconds (only the starts inside the window and the
rules are made); a day with a clock change resolves each wall time on its
own. Instants are integer epoch seconds, wall-clock times integer "wall
seconds" (functions/bookings/wallclock.py).
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from functions.bookings.wallclock import (
    DAY,
    ONE_DAY,
    WallRange,
    day_wall,
    instant_at_or_after,
    instant_of,
    local_date,
    normalise_ranges,
    utc_offsets,
)

if TYPE_CHECKING:
    from functions.bookings.availability import StaffSchedule


class Hours:
    """One staff member's normalised ranges for any local date (memoised)."""

    def __init__(self, schedule: StaffSchedule) -> None:
        self.weekly = {
            day: normalise_ranges(schedule.weekly_hours.get(day, ())) for day in range(7)
        }
        self.overrides = schedule.overrides
        self.cache: dict[date, tuple[WallRange, ...]] = {}

    def on(self, day: date) -> tuple[WallRange, ...]:
        if day in self.overrides:
            found = self.cache.get(day)
            if found is None:
                found = self.cache[day] = normalise_ranges(self.overrides[day])
            return found
        return self.weekly[day.weekday()]


def range_starts(
    zone: ZoneInfo,
    day: int,
    rng: WallRange,
    step: int,
    duration: int,
    offset: int | None,
    low: float,
    high: float,
) -> list[int]:
    """Starts of one range's grid whose slot fits the range, in [low, high).

    `offset` is the zone's UTC offset when it holds all day; otherwise every
    wall time is resolved on its own (skipped ones dropped, repeated ones at
    their first occurrence)."""
    if offset is not None:
        first = day + rng[0] - offset
        last = day + rng[1] - offset - duration  # latest start that still fits
        k_low = 0 if low <= first else math.ceil((low - first) / step)
        k_high = min((last - first) // step + 1, math.ceil((high - first) / step))
        if k_high <= k_low:
            return []
        return list(range(first + k_low * step, first + k_high * step, step))
    end = instant_at_or_after(zone, day + rng[1])
    out = []
    for wall in range(day + rng[0], day + rng[1], step):
        instant = instant_of(zone, wall)
        if instant is None:
            continue
        if instant + duration > end or instant >= high:
            break
        if instant >= low:
            out.append(instant)
    return out


def grid_starts(
    schedule: StaffSchedule, step: int, duration: int, low: float, high: float
) -> list[int]:
    """Every start (epoch seconds) in [low, high) on the staff member's grid
    whose slot fits their hours, sorted and unique."""
    zone = ZoneInfo(schedule.time_zone)
    hours = Hours(schedule)
    day = local_date(zone, low)
    last_day = local_date(zone, high)
    starts: list[int] = []
    unsorted = False
    wall = day_wall(day)
    midnight: tuple[int, int] | None = None  # offsets at the start of `day`, when known
    while day <= last_day:
        ranges = hours.on(day)
        if ranges:
            if midnight is None:
                midnight = utc_offsets(zone, wall)
            next_midnight = utc_offsets(zone, wall + DAY)
            # One offset all day unless the clocks change: then slot by slot.
            uniform = midnight[0] == midnight[1] == next_midnight[0] == next_midnight[1]
            offset = midnight[0] if uniform else None
            previous_end = -1
            for rng in ranges:
                unsorted |= rng[0] < previous_end
                previous_end = rng[1]
                starts += range_starts(zone, wall, rng, step, duration, offset, low, high)
            midnight = next_midnight
        else:
            midnight = None
        day += ONE_DAY
        wall += DAY
    if unsorted:  # overlapping ranges: their grids may interleave or coincide
        starts = sorted(set(starts))
    return starts
