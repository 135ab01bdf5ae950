"""Availability: which slots a service can be booked at. Pure logic, no I/O.

Hours are wall-clock times in each staff member's IANA zone; slots are
generated there, so they never land on a local time that does not exist
(spring forward) and are never offered twice in a repeated hour (fall back).
Existing bookings block a staff member for their whole span widened by
their buffers; a new slot needs its own span, widened by its service's
buffers, free. All instants inside are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta


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


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    seats_left: int
    staff_ids: tuple[str, ...]  # eligible staff members free for this slot, in preference order


def available_slots(
    service: ServiceRules,
    staff: Sequence[StaffSchedule],
    bookings: Sequence[ExistingBooking],
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    *,
    ignore_rules: bool = False,
) -> list[Slot]:
    """Slots starting in [window_start, window_end), sorted by start.

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
    raise NotImplementedError


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
    raise NotImplementedError
