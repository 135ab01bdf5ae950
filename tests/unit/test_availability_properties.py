"""Availability properties under random hours, bookings, buffers, durations
and intervals (multiples of 5 minutes), in zones with DST changes of an hour
and of half an hour, and without DST; windows are drawn around the changes.

Besides the properties, `available_slots` is compared with `reference`, a
slow, literal reading of the specification written for these tests, both from
booking objects and from booking documents as the slots query reads them
(rules.booked_time, with payment holds live and expired)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.bookings import rules
from functions.bookings.availability import (
    ExistingBooking,
    ServiceRules,
    Slot,
    StaffSchedule,
    available_slots,
    why_not_bookable,
)

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
# Dates of 2026 on which each zone's clocks change (Kolkata: none, any date).
CHANGES = {
    "Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],  # 30-minute changes
    "Asia/Kolkata": [date(2026, 6, 15)],
}
ZONES = list(CHANGES)
SERVICE = "svc"
PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Case:
    service: ServiceRules
    staff: list[StaffSchedule]
    bookings: list[ExistingBooking]
    window_start: datetime
    window_end: datetime
    now: datetime
    ignore_rules: bool


def minutes(low: int, high: int) -> st.SearchStrategy[int]:
    """Multiples of 5 minutes in [low, high]."""
    return st.integers(low // 5, high // 5).map(lambda n: n * 5)


def clock(total: int) -> time:
    return time.max if total >= 24 * 60 else time(total // 60, total % 60)


@st.composite
def ranges(draw: st.DrawFn) -> list[tuple[time, time]]:
    out = []
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 2]))):
        if draw(st.booleans()):  # around the small hours, where the clocks change
            start = draw(minutes(0, 180))
            end = draw(minutes(start + 5, 360))
        else:
            start = draw(minutes(0, 23 * 60 + 55))
            end = draw(minutes(start + 5, 24 * 60))
        out.append((clock(start), clock(end)))
    return out


@st.composite
def cases(draw: st.DrawFn, *, with_bookings: bool = True) -> Case:
    zone = draw(st.sampled_from(ZONES))
    first_day = draw(st.sampled_from(CHANGES[zone])) + draw(st.integers(-2, 1)) * DAY
    days = draw(st.integers(1, 3))
    midnight = datetime.combine(first_day, time(0), ZoneInfo(zone)).astimezone(UTC)
    window_start = midnight + draw(minutes(-300, 300)) * MINUTE
    window_end = window_start + days * DAY + draw(minutes(-300, 300)) * MINUTE
    now = window_start + draw(minutes(-24 * 60, 6 * 60)) * MINUTE
    service = ServiceRules(
        service_id=SERVICE,
        duration=draw(minutes(5, 150)) * MINUTE,
        buffer_before=draw(minutes(0, 30)) * MINUTE,
        buffer_after=draw(minutes(0, 30)) * MINUTE,
        slot_interval=draw(minutes(5, 60)) * MINUTE,
        minimum_notice=draw(minutes(0, 180)) * MINUTE,
        booking_window=draw(minutes(60, 6 * 24 * 60)) * MINUTE,
        seats=draw(st.integers(1, 3)),
    )
    staff: list[StaffSchedule] = []
    for staff_id in ("a", "b")[: draw(st.integers(1, 2))]:
        if len(staff) > 0 and draw(st.booleans()):  # a colleague with the same hours
            staff.append(StaffSchedule(staff_id, zone, staff[0].weekly_hours, staff[0].overrides))
            continue
        staff_zone = zone if staff_id == "a" else draw(st.sampled_from(ZONES))
        overrides = {
            first_day + draw(st.integers(-1, days)) * DAY: draw(ranges())
            for _ in range(draw(st.integers(0, 2)))
        }
        usual = draw(ranges())  # the same most days, a couple differ
        weekly = {day: usual for day in range(7)}
        for _ in range(draw(st.integers(0, 2))):
            weekly[draw(st.integers(0, 6))] = draw(ranges())
        staff.append(StaffSchedule(staff_id, staff_zone, weekly, overrides))
    # Bookings land on free slots often, so that they block and share seats.
    ignore_rules = draw(st.booleans())
    free = available_slots(
        service, staff, [], window_start, window_end, now, ignore_rules=ignore_rules
    )
    bookings: list[ExistingBooking] = []
    for _ in range(draw(st.integers(0, 8)) if with_bookings else 0):
        staff_id = draw(st.sampled_from(["a", "b", "z"]))
        if len(free) > 0 and draw(st.booleans()):
            slot = draw(st.sampled_from(free))
            start = slot.start
            staff_id = draw(st.sampled_from([*slot.staff_ids, "z"]))
        elif len(bookings) > 0 and draw(st.booleans()):  # one more at a start already booked
            start = draw(st.sampled_from(bookings)).start
        else:
            start = midnight + draw(minutes(-24 * 60, (days + 1) * 24 * 60)) * MINUTE
        bookings.append(
            ExistingBooking(
                staff_id=staff_id,
                service_id=draw(st.sampled_from([SERVICE, "other"])),
                start=start,
                end=start + draw(minutes(5, 180)) * MINUTE,
                buffer_before=draw(minutes(0, 30)) * MINUTE,
                buffer_after=draw(minutes(0, 30)) * MINUTE,
            )
        )
    return Case(service, staff, bookings, window_start, window_end, now, ignore_rules)


def slots_of(case: Case) -> list[Slot]:
    return available_slots(
        case.service,
        case.staff,
        case.bookings,
        case.window_start,
        case.window_end,
        case.now,
        ignore_rules=case.ignore_rules,
    )


# ------------------------------------------------------------------ reference
def exists(zone: ZoneInfo, wall: datetime) -> bool:
    there = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return there.replace(tzinfo=None) == wall


def instant(zone: ZoneInfo, wall: datetime) -> datetime:
    """When the clock first reads `wall` or later (fold=0 in a repeated hour)."""
    while not exists(zone, wall):
        wall += MINUTE
    return wall.replace(tzinfo=zone).astimezone(UTC)


def hours_on(schedule: StaffSchedule, day: date) -> list[tuple[datetime, datetime]]:
    """Working ranges of a local day as naive wall times."""
    if day in schedule.overrides:
        found = schedule.overrides[day]
    else:
        found = schedule.weekly_hours.get(day.weekday(), [])
    out = []
    for begin, end in found:
        start = datetime.combine(day, begin)
        stop = (
            datetime.combine(day + DAY, time(0))
            if end in (time.max, time(0))
            else datetime.combine(day, end)
        )
        if start < stop:
            out.append((start, stop))
    return out


def widened(booking: ExistingBooking) -> tuple[datetime, datetime]:
    return booking.start - booking.buffer_before, booking.end + booking.buffer_after


def seats_left(case: Case, staff_id: str, start: datetime) -> int | None:
    """Seats left for a start with one staff member, None when it is blocked."""
    service = case.service
    low = start - service.buffer_before
    high = start + service.duration + service.buffer_after
    sharing = 0
    for booking in case.bookings:
        if booking.staff_id != staff_id:
            continue
        if booking.service_id == service.service_id and booking.start == start:
            sharing += 1
            continue
        opened, closed = widened(booking)
        if opened < high and closed > low:
            return None
    left = service.seats - sharing
    return left if left > 0 else None


def reference(case: Case) -> list[Slot]:
    service = case.service
    low = max(case.window_start, case.now)
    high = case.window_end
    if not case.ignore_rules:
        low = max(low, case.now + service.minimum_notice)
        high = min(high, case.now + service.booking_window)
    merged: dict[datetime, tuple[int, tuple[str, ...]]] = {}
    done: set[str] = set()
    for schedule in case.staff:
        if schedule.staff_id in done:
            continue
        done.add(schedule.staff_id)
        zone = ZoneInfo(schedule.time_zone)
        starts: set[datetime] = set()
        day = low.astimezone(zone).date() - DAY
        while day <= high.astimezone(zone).date() + DAY:
            for wall_start, wall_end in hours_on(schedule, day):
                end = instant(zone, wall_end)
                wall = wall_start
                while wall < wall_end:
                    if exists(zone, wall):
                        start = wall.replace(tzinfo=zone).astimezone(UTC)
                        if start + service.duration <= end and low <= start < high:
                            starts.add(start)
                    wall += service.slot_interval
            day += DAY
        for start in starts:
            left = seats_left(case, schedule.staff_id, start)
            if left is None:
                continue
            seen = merged.get(start, (0, ()))
            merged[start] = (max(seen[0], left), (*seen[1], schedule.staff_id))
    return [
        Slot(start, start + service.duration, left, ids)
        for start, (left, ids) in sorted(merged.items())
    ]


# ------------------------------------------------------------------ properties
def schedule_of(case: Case, staff_id: str) -> StaffSchedule:
    return next(s for s in case.staff if s.staff_id == staff_id)


def inside_hours(schedule: StaffSchedule, start: datetime, end: datetime, step: timedelta) -> bool:
    zone = ZoneInfo(schedule.time_zone)
    there = start.astimezone(zone)
    wall = there.replace(tzinfo=None, fold=0)
    return there.fold == 0 and any(
        instant(zone, begin) <= start
        and end <= instant(zone, stop)
        and (wall - begin) % step == timedelta(0)
        for begin, stop in hours_on(schedule, there.date())
    )


@PROPERTY_SETTINGS
@given(cases())
def test_offered_slots_never_overlap_a_booking(case: Case) -> None:
    service = case.service
    for slot in slots_of(case):
        low, high = slot.start - service.buffer_before, slot.end + service.buffer_after
        for booking in case.bookings:
            if booking.staff_id not in slot.staff_ids:
                continue
            if booking.service_id == service.service_id and booking.start == slot.start:
                continue  # shares the slot's seats
            opened, closed = widened(booking)
            assert not (opened < high and closed > low), (slot, booking)


@PROPERTY_SETTINGS
@given(cases())
def test_offered_slots_lie_inside_working_hours_on_the_grid(case: Case) -> None:
    for slot in slots_of(case):
        assert slot.end - slot.start == case.service.duration
        for staff_id in slot.staff_ids:
            assert inside_hours(
                schedule_of(case, staff_id), slot.start, slot.end, case.service.slot_interval
            )


@PROPERTY_SETTINGS
@given(cases())
def test_slots_are_strictly_increasing_utc_and_inside_the_window(case: Case) -> None:
    slots = slots_of(case)
    starts = [s.start for s in slots]
    assert all(a < b for a, b in pairwise(starts))
    for slot in slots:
        assert slot.start.utcoffset() == timedelta(0)
        assert case.window_start <= slot.start < case.window_end
        assert slot.start >= case.now
        assert 1 <= slot.seats_left <= case.service.seats
        assert slot.staff_ids
        order = [s.staff_id for s in case.staff]
        assert list(slot.staff_ids) == sorted(slot.staff_ids, key=order.index)


@PROPERTY_SETTINGS
@given(cases())
def test_every_offered_start_is_bookable(case: Case) -> None:
    for slot in slots_of(case):
        for staff_id in slot.staff_ids:
            reason = why_not_bookable(
                case.service,
                schedule_of(case, staff_id),
                slot.start,
                case.now,
                ignore_rules=case.ignore_rules,
            )
            assert reason is None, (slot, reason)


@PROPERTY_SETTINGS
@given(cases())
def test_matches_the_reference(case: Case) -> None:
    assert slots_of(case) == reference(case)


def document(booking: ExistingBooking, *, with_span: bool = True) -> dict[str, object]:
    """A booking as the slots query decodes it (buffers in whole minutes),
    with its stored busy span or, as stored before spans were, without."""
    before = booking.buffer_before // MINUTE
    after = booking.buffer_after // MINUTE
    return {
        "staff_id": booking.staff_id,
        "service_id": booking.service_id,
        "start_at": booking.start,
        "end_at": booking.end,
        "buffer_before_minutes": before,
        "buffer_after_minutes": after,
    } | (rules.busy_span(booking.start, booking.end, before, after) if with_span else {})


@PROPERTY_SETTINGS
@given(cases(), cases(), st.data())
def test_documents_with_holds_match_the_reference(
    case: Case, expired: Case, data: st.DataObject
) -> None:
    """Documents in any order, some of them live payment holds, and holds
    that expired (bookings of another drawn case, which would block) are
    grouped by staff member and reduced to BookedTime: the slots are the
    reference's for the live bookings alone."""
    order = data.draw(st.permutations(range(len(case.bookings))))
    held = data.draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    with_span = data.draw(st.booleans())
    confirmed, holds = [], []
    for n, is_held in zip(order, held, strict=True):
        doc = document(case.bookings[n], with_span=with_span)
        if is_held:
            doc["hold_expires_at"] = case.now + data.draw(minutes(5, 60)) * MINUTE
            holds.append(doc)
        else:
            confirmed.append(doc)
    for booking in expired.bookings:
        moved = replace(booking, start=booking.start - expired.now + case.now)
        doc = document(
            replace(moved, end=moved.start + (booking.end - booking.start)), with_span=with_span
        )
        doc["hold_expires_at"] = case.now - data.draw(minutes(0, 60)) * MINUTE
        holds.append(doc)
    staff_ids = [s.staff_id for s in case.staff]
    confirmed_by_staff = rules.by_staff(confirmed, staff_ids)
    holds_by_staff = rules.by_staff(holds, staff_ids)
    booked = {
        staff_id: rules.booked_time(
            confirmed_by_staff[staff_id], holds_by_staff[staff_id], now=case.now
        )
        for staff_id in staff_ids
    }
    slots = available_slots(
        case.service,
        case.staff,
        booked,
        case.window_start,
        case.window_end,
        case.now,
        ignore_rules=case.ignore_rules,
    )
    assert slots == reference(case)


@PROPERTY_SETTINGS
@given(cases(with_bookings=False), st.data())
def test_bookable_exactly_where_offered(case: Case, data: st.DataObject) -> None:
    """Without bookings, a start in the window is offered if and only if
    why_not_bookable finds nothing against it (with the rules applied)."""
    offered = {
        (staff_id, slot.start)
        for slot in available_slots(
            case.service, case.staff, [], case.window_start, case.window_end, case.now
        )
        for staff_id in slot.staff_ids
    }
    starts: Sequence[datetime] = [s for _, s in offered]
    span = int((case.window_end - case.window_start) / MINUTE) // 5
    probes = data.draw(st.lists(st.integers(0, max(span - 1, 0)), max_size=30))
    moments = [case.window_start + n * 5 * MINUTE for n in probes] + list(starts)
    for moment in moments:
        if not case.window_start <= moment < case.window_end:
            continue
        for schedule in case.staff:
            reason = why_not_bookable(case.service, schedule, moment, case.now)
            assert (reason is None) == ((schedule.staff_id, moment) in offered), (moment, reason)
