"""Availability: which slots a service can be booked at. Pure logic, no I/O.

Hours are wall-clock times in each staff member's IANA zone; slots are
generated there, so they never land on a local time that does not exist
(spring forward) and are never offered twice in a repeated hour (fall back).
Existing bookings block a staff member for their whole span widened by
their buffers; a new slot needs its own span, widened by its service's
buffers, free. All instants inside are UTC.

Bookings reach `available_slots` either as `ExistingBooking` objects (the
readable path, for tests and small callers) or, per staff member, as a
`BookedTime`: the few sorted columns availability reads, which the I/O layer
builds straight from the documents it decodes (functions/bookings/rules.py,
`booked_time`) without making an object per booking.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import repeat
from operator import add, sub
from zoneinfo import ZoneInfo

from functions.bookings.grid import grid_starts
from functions.bookings.wallclock import (
    EPOCH_UTC,
    WallRange,
    clock_seconds,
    day_wall,
    hhmm,
    human,
    instant_at_or_after,
    normalise_ranges,
    require_aware,
    whole_seconds,
)


@dataclass(frozen=True)
class ServiceRules:
    service_id: str
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    slot_interval: timedelta = timedelta(minutes=15)
    minimum_notice: timedelta = timedelta(0)
    booking_window: timedelta = timedelta(days=60)
    seats: int = 1


@dataclass(frozen=True)
class StaffSchedule:
    staff_id: str
    time_zone: str  # IANA, e.g. "Europe/London"
    # Monday = 0 … Sunday = 6 → ranges of local wall-clock time, [start, end).
    weekly_hours: Mapping[int, Sequence[tuple[time, time]]]
    # A date listed here replaces that day's weekly hours; an empty list closes it
    # (holidays are overrides with no ranges).
    overrides: Mapping[date, Sequence[tuple[time, time]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ExistingBooking:
    staff_id: str
    service_id: str
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)


# One booking as availability reads it: service id, then its start and its
# busy span (start less its buffer before, end plus its buffer after), in
# epoch seconds.
Span = tuple[str, float, float, float]


@dataclass(frozen=True)
class BookedTime:
    """One staff member's bookings, reduced to what availability reads.

    The busy spans' opens and closes, in epoch seconds, each sorted on their
    own (`sorted_opens`, `sorted_closes`): the bookings overlapping a slot are
    counted with two bisections. Numbers, not datetimes: floats sort and
    compare fastest, and booking documents store their span so (`busy_from`,
    `busy_until`), so building this costs two column reads and two sorts.
    `spans` gives each booking's `Span`, read only for services with several
    seats (a slot shares seats with its service's bookings at its start).
    Build it with `from_spans` (or `of`, from booking objects).
    """

    sorted_opens: Sequence[float]
    sorted_closes: Sequence[float]
    spans: Callable[[], Iterable[Span]] = field(repr=False, compare=False)
    _sharing: dict[str, dict[float, list[tuple[float, float]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_spans(cls, spans: Iterable[Span]) -> BookedTime:
        """A booking whose busy span ends before it opens is malformed and
        dropped: it blocks nothing and takes no seat."""
        rows = [span for span in spans if span[2] <= span[3]]
        return cls(sorted(r[2] for r in rows), sorted(r[3] for r in rows), lambda: rows)

    @classmethod
    def of(cls, bookings: Iterable[ExistingBooking]) -> BookedTime:
        """From booking objects (of one staff member: that is not checked)."""
        return cls.from_spans(
            (
                b.service_id,
                b.start.timestamp(),
                (b.start - b.buffer_before).timestamp(),
                (b.end + b.buffer_after).timestamp(),
            )
            for b in bookings
        )

    def sharing(self, service_id: str) -> Mapping[float, list[tuple[float, float]]]:
        """The busy spans of this service's bookings by start: a slot of the
        service at the same start shares their seats. Made on first use and
        kept."""
        found = self._sharing.get(service_id)
        if found is None:
            found = self._sharing[service_id] = {}
            for booked, start, opened, closed in self.spans():
                if booked == service_id:
                    found.setdefault(start, []).append((opened, closed))
        return found


def booked_times(
    bookings: Iterable[ExistingBooking], staff_ids: Collection[str] | None = None
) -> dict[str, BookedTime]:
    """Booking objects grouped by staff member (only `staff_ids`, when given)."""
    grouped: dict[str, list[ExistingBooking]] = {}
    for booking in bookings:
        if staff_ids is None or booking.staff_id in staff_ids:
            grouped.setdefault(booking.staff_id, []).append(booking)
    return {staff_id: BookedTime.of(group) for staff_id, group in grouped.items()}


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    seats_left: int
    staff_ids: tuple[str, ...]  # eligible staff members free for this slot, in preference order


def available_slots(
    service: ServiceRules,
    staff: Sequence[StaffSchedule],
    bookings: Sequence[ExistingBooking] | Mapping[str, BookedTime],
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    *,
    ignore_rules: bool = False,
) -> list[Slot]:
    """Slots starting in [window_start, window_end), sorted by start.

    `bookings` are booking objects, or each staff member's `BookedTime` by
    staff id (a member without one has no bookings).

    - a slot exists for a staff member when [start, start + duration) lies
      inside one of their working ranges for that local day, and start sits
      on the service's slot grid (every `slot_interval` from each range's start);
    - it is free when [start - buffer_before, end + buffer_after] overlaps no
      existing booking's [start - its buffer_before, end + its buffer_after]
      for that staff member, except bookings of the same service at the same
      start, which share its seats (seats_left = seats - their number);
    - it is offered only when start >= now + minimum_notice and
      start < now + booking_window (unless `ignore_rules`: staff booking for
      a client may override notice and window);
    - slots of several staff members at the same start merge into one, with
      seats_left the largest among them and staff_ids those that are free.
    """
    require_aware(window_start, "window_start")
    require_aware(window_end, "window_end")
    require_aware(now, "now")
    duration, step, before, after = _check_service(service)
    low, high = _bounds(service, window_start, window_end, now, ignore_rules)
    schedules: dict[str, StaffSchedule] = {}
    for schedule in staff:
        schedules.setdefault(schedule.staff_id, schedule)  # a repeated member counts once
    if low >= high or not schedules:
        return []
    booked = bookings if isinstance(bookings, Mapping) else booked_times(bookings, schedules)
    free = {
        staff_id: _free(
            grid_starts(schedule, step, duration, low, high),
            booked.get(staff_id),
            service.service_id,
            duration,
            before,
            after,
            service.seats,
        )
        for staff_id, schedule in schedules.items()
    }
    length = timedelta(seconds=duration)
    if len(free) == 1:
        ((staff_id, found),) = free.items()
        ids = (staff_id,)
        return [_slot(start, length, left, ids) for start, left in found]
    merged: dict[int, tuple[int, tuple[str, ...]]] = {}
    for staff_id, found in free.items():
        for start, left in found:
            seen = merged.get(start)
            if seen is None:
                merged[start] = (left, (staff_id,))
            else:
                merged[start] = (max(seen[0], left), (*seen[1], staff_id))
    return [_slot(start, length, *merged[start]) for start in sorted(merged)]


def _slot(start: int, length: timedelta, seats_left: int, staff_ids: tuple[str, ...]) -> Slot:
    at = EPOCH_UTC + timedelta(seconds=start)
    return Slot(at, at + length, seats_left, staff_ids)


def why_not_bookable(
    service: ServiceRules,
    schedule: StaffSchedule,
    start: datetime,
    now: datetime,
    *,
    ignore_rules: bool = False,
) -> tuple[str, str] | None:
    """Why a requested start cannot be booked with this staff member, ignoring
    other bookings (the database decides those), or None when it can.

    Returns (code, human message), code one of "in_the_past", "too_soon",
    "beyond_window", "outside_hours", "off_grid". With `ignore_rules` only
    "in_the_past" is checked (staff may book outside hours and notice).
    """
    require_aware(start, "start")
    require_aware(now, "now")
    duration, step, _, _ = _check_service(service)
    moment = start.timestamp()
    current = now.timestamp()
    if moment < current:
        return "in_the_past", "That time has already passed; please choose a later one."
    if ignore_rules:
        return None
    if moment < current + service.minimum_notice.total_seconds():
        notice = human(service.minimum_notice)
        return "too_soon", f"This service must be booked at least {notice} in advance."
    if moment >= current + service.booking_window.total_seconds():
        ahead = human(service.booking_window)
        return "beyond_window", f"This service can be booked at most {ahead} in advance."
    zone = ZoneInfo(schedule.time_zone)
    local = start.astimezone(zone)
    day = local.date()
    on_day = f"{day:%A} {day.day} {day:%B}"
    if day in schedule.overrides:
        ranges = normalise_ranges(schedule.overrides[day])
    else:
        ranges = normalise_ranges(schedule.weekly_hours.get(day.weekday(), ()))
    if not ranges:
        return "outside_hours", f"There are no appointments on {on_day}; please choose another day."
    midnight = day_wall(day)
    wall = midnight + clock_seconds(local.time())
    inside = False
    fitting: list[WallRange] = []
    for rng in ranges:
        begin = instant_at_or_after(zone, midnight + rng[0])
        end = instant_at_or_after(zone, midnight + rng[1])
        if begin <= moment < end:
            inside = True
            if moment + duration <= end:
                fitting.append(rng)
    on_grid = False
    for rng in fitting:
        into = wall - midnight - rng[0]
        if local.microsecond == 0 and into >= 0 and into % step == 0:
            if local.fold == 0:
                return None
            on_grid = True  # the second pass through a repeated wall time
    at = f"{local:%H:%M}"
    if on_grid:
        return (
            "off_grid",
            f"{at} happens twice on {on_day} as the clocks go back; "
            f"only the first {at} can be booked.",
        )
    if fitting:
        first = hhmm(fitting[0][0])
        every = human(timedelta(seconds=step))
        return (
            "off_grid",
            f"Appointments start every {every} from {first}; please choose one of those times.",
        )
    hours = ", ".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in ranges)
    if inside:
        length = human(service.duration)
        return (
            "outside_hours",
            f"An appointment of {length} at {at} would end after working hours "
            f"({hours} on {on_day}); please choose an earlier time.",
        )
    return (
        "outside_hours",
        f"{at} is outside working hours ({hours} on {on_day}); please choose another time.",
    )


# ------------------------------------------------------------------ internals
#
# The grid of starts comes from grid.py. Each staff member's bookings come
# as a BookedTime, whose widened starts and widened ends are sorted lists,
# so the bookings overlapping a slot are counted with two bisections:
# O(slots log bookings) here, no scan per slot, and no work per booking
# (that was done once, building the BookedTime). Instants are integer epoch
# seconds inside (bookings' busy spans floats, as stored); datetimes are
# made only for the slots offered.


def _check_service(service: ServiceRules) -> tuple[int, int, int, int]:
    duration = whole_seconds(service.duration, "duration", positive=True)
    interval = whole_seconds(service.slot_interval, "slot_interval", positive=True)
    before = whole_seconds(service.buffer_before, "buffer_before", positive=False)
    after = whole_seconds(service.buffer_after, "buffer_after", positive=False)
    if service.seats < 1:
        raise ValueError("seats must be at least 1")
    return duration, interval, before, after


def _free(
    starts: list[int],
    booked: BookedTime | None,
    service_id: str,
    duration: int,
    before: int,
    after: int,
    seats: int,
) -> list[tuple[int, int]]:
    """(start, seats left) of every start whose widened span is free."""
    if booked is None or not booked.sorted_opens:
        return [(start, seats) for start in starts]
    # Floats, as the busy spans are: bisecting compares float with float,
    # several times faster than int with float.
    lows = list(map(sub, starts, repeat(float(before))))
    highs = list(map(add, starts, repeat(float(duration + after))))
    # Spans overlapping [low, high] (touching ends do not): those opening
    # before `high`, less those closing by `low`. Mapped, the bisections run in C.
    overlapping = map(
        sub,
        map(bisect_left, repeat(booked.sorted_opens), highs),
        map(bisect_right, repeat(booked.sorted_closes), lows),
    )
    shared = booked.sharing(service_id) if seats > 1 else None
    if not shared:
        return [(start, seats) for start, n in zip(starts, overlapping, strict=True) if not n]
    out = []
    for start, low, high, n in zip(starts, lows, highs, overlapping, strict=True):
        left = seats
        group = shared.get(start)
        if group:  # same service, same start: they take seats instead of blocking
            left -= len(group)
            n -= sum(1 for o, c in group if o < high and c > low)
        if n == 0 and left > 0:
            out.append((start, left))
    return out


def _bounds(
    service: ServiceRules,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    ignore_rules: bool,
) -> tuple[float, float]:
    current = now.timestamp()
    low = max(window_start.timestamp(), current)
    high = window_end.timestamp()
    if not ignore_rules:
        low = max(low, current + service.minimum_notice.total_seconds())
        high = min(high, current + service.booking_window.total_seconds())
    return low, high
