"""Availability: slots in the staff member's zone across DST, hours, breaks,
overrides, buffers, notice, window, seats, several staff, and why a start
cannot be booked. Instants are UTC; wall times are written in the zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from functions.bookings.availability import (
    BookedTime,
    ExistingBooking,
    ServiceRules,
    Slot,
    StaffSchedule,
    available_slots,
    why_not_bookable,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)

# 2026: London 01:00 → 02:00 on 29 March, 02:00 → 01:00 on 25 October;
# New York 02:00 → 03:00 on 8 March, 02:00 → 01:00 on 1 November.
LONDON_SPRING = date(2026, 3, 29)
LONDON_AUTUMN = date(2026, 10, 25)
NY_SPRING = date(2026, 3, 8)
NY_AUTUMN = date(2026, 11, 1)
MONDAY = date(2026, 6, 8)


def local(zone: ZoneInfo, day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    """The UTC instant of a wall time in `zone` (fold=1: its second pass)."""
    return datetime.combine(day, time(hour, minute, fold=fold), zone).astimezone(UTC)


def walls(slots: Sequence[Slot], zone: ZoneInfo) -> list[str]:
    return [f"{s.start.astimezone(zone):%H:%M%z}" for s in slots]


def service(
    minutes: int = 30,
    *,
    interval: int = 30,
    before: int = 0,
    after: int = 0,
    notice: timedelta = timedelta(0),
    window: timedelta = timedelta(days=60),
    seats: int = 1,
    service_id: str = "cut",
) -> ServiceRules:
    return ServiceRules(
        service_id=service_id,
        duration=timedelta(minutes=minutes),
        buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after),
        slot_interval=timedelta(minutes=interval),
        minimum_notice=notice,
        booking_window=window,
        seats=seats,
    )


def schedule(
    staff_id: str = "ann",
    zone: str = "Europe/London",
    hours: Sequence[tuple[time, time]] = ((time(9), time(17)),),
    *,
    weekly: Mapping[int, Sequence[tuple[time, time]]] | None = None,
    overrides: Mapping[date, Sequence[tuple[time, time]]] | None = None,
) -> StaffSchedule:
    return StaffSchedule(
        staff_id=staff_id,
        time_zone=zone,
        weekly_hours=weekly if weekly is not None else dict.fromkeys(range(7), hours),
        overrides=overrides or {},
    )


def booking(
    start: datetime,
    minutes: int = 60,
    *,
    staff_id: str = "ann",
    service_id: str = "cut",
    before: int = 0,
    after: int = 0,
) -> ExistingBooking:
    return ExistingBooking(
        staff_id=staff_id,
        service_id=service_id,
        start=start,
        end=start + timedelta(minutes=minutes),
        buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after),
    )


def day_slots(
    rules: ServiceRules,
    staff: Sequence[StaffSchedule],
    day: date,
    zone: ZoneInfo = LONDON,
    bookings: Sequence[ExistingBooking] | Mapping[str, BookedTime] = (),
    now: datetime | None = None,
    *,
    ignore_rules: bool = False,
) -> list[Slot]:
    """Slots of one local day in `zone`, asked for well in advance by default."""
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return available_slots(
        rules,
        staff,
        bookings,
        start,
        end,
        now or start - timedelta(days=1),
        ignore_rules=ignore_rules,
    )


# ------------------------------------------------------------------ DST
def test_london_spring_forward_skips_the_missing_hour() -> None:
    slots = day_slots(service(), [schedule(hours=[(time(0), time(4))])], LONDON_SPRING)
    assert walls(slots, LONDON) == [
        "00:00+0000",
        "00:30+0000",
        "02:00+0100",
        "02:30+0100",
        "03:00+0100",
        "03:30+0100",
    ]
    assert slots[2].start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_london_spring_forward_night_has_an_hour_less() -> None:
    staff = [schedule(hours=[(time(0), time(4))])]
    assert walls(day_slots(service(180), staff, LONDON_SPRING), LONDON) == ["00:00+0000"]
    assert day_slots(service(195), staff, LONDON_SPRING) == []
    # 00:30 GMT + 60 minutes is 02:30 BST: the slot spans the jump.
    slot = day_slots(service(60), staff, LONDON_SPRING)[1]
    assert (slot.start, slot.end) == (
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    )


def test_london_fall_back_offers_each_repeated_wall_time_once() -> None:
    slots = day_slots(service(), [schedule(hours=[(time(0), time(4))])], LONDON_AUTUMN)
    assert walls(slots, LONDON) == [
        "00:00+0100",
        "00:30+0100",
        "01:00+0100",  # the first 01:00 (fold=0) ...
        "01:30+0100",
        "02:00+0000",  # ... and none in the second pass through 01:00-02:00
        "02:30+0000",
        "03:00+0000",
        "03:30+0000",
    ]
    starts = [s.start for s in slots]
    assert len(set(starts)) == len(starts) == 8
    assert (
        slots[2].start
        == local(LONDON, LONDON_AUTUMN, 1)
        == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    )


def test_london_fall_back_night_has_an_hour_more() -> None:
    staff = [schedule(hours=[(time(0), time(4))])]
    # 00:00 BST to 04:00 GMT is five real hours.
    assert walls(day_slots(service(300), staff, LONDON_AUTUMN), LONDON) == ["00:00+0100"]
    assert day_slots(service(300), staff, LONDON_AUTUMN - timedelta(days=7)) == []
    # A 90-minute slot at 01:30 BST ends at 02:00 GMT, an hour and a half later.
    at = local(LONDON, LONDON_AUTUMN, 1, 30)
    slot = next(s for s in day_slots(service(90), staff, LONDON_AUTUMN) if s.start == at)
    assert slot.end == slot.start + timedelta(minutes=90) == local(LONDON, LONDON_AUTUMN, 2)
    # The last 90-minute slot ends exactly at 04:00 GMT.
    last = day_slots(service(90), staff, LONDON_AUTUMN)[-1]
    assert last.end == local(LONDON, LONDON_AUTUMN, 4)


def test_new_york_spring_forward_skips_two_to_three() -> None:
    staff = [schedule(zone="America/New_York", hours=[(time(1), time(5))])]
    slots = day_slots(service(), staff, NY_SPRING, NEW_YORK)
    assert walls(slots, NEW_YORK) == [
        "01:00-0500",
        "01:30-0500",
        "03:00-0400",
        "03:30-0400",
        "04:00-0400",
        "04:30-0400",
    ]
    assert slots[1].end == slots[2].start == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_new_york_fall_back_offers_each_repeated_wall_time_once() -> None:
    staff = [schedule(zone="America/New_York", hours=[(time(0), time(3))])]
    slots = day_slots(service(60, interval=15), staff, NY_AUTUMN, NEW_YORK)
    local_walls = walls(slots, NEW_YORK)
    assert local_walls[:4] == ["00:00-0400", "00:15-0400", "00:30-0400", "00:45-0400"]
    assert local_walls[4:8] == ["01:00-0400", "01:15-0400", "01:30-0400", "01:45-0400"]
    assert local_walls[8:] == ["02:00-0500"]  # 02:00 EST + 60 minutes is 03:00, the end
    assert len({s.start for s in slots}) == len(slots) == 9


def test_range_ending_in_the_skipped_hour_ends_when_the_clocks_jump() -> None:
    # 00:00-02:30 on a night when 02:00 becomes 03:00: work stops at the jump.
    staff = [schedule(zone="America/New_York", hours=[(time(0), time(2, 30))])]
    slots = day_slots(service(), staff, NY_SPRING, NEW_YORK)
    assert walls(slots, NEW_YORK) == ["00:00-0500", "00:30-0500", "01:00-0500", "01:30-0500"]
    assert slots[-1].end == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_range_starting_in_the_skipped_hour_starts_on_its_grid() -> None:
    staff = [schedule(zone="America/New_York", hours=[(time(2, 15), time(4))])]
    slots = day_slots(service(interval=15), staff, NY_SPRING, NEW_YORK)
    assert walls(slots, NEW_YORK)[:2] == ["03:00-0400", "03:15-0400"]
    assert walls(slots, NEW_YORK)[-1] == "03:30-0400"


def test_lord_howe_half_hour_changes() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    staff = [schedule(zone="Australia/Lord_Howe", hours=[(time(1), time(3, 30))])]
    spring = day_slots(service(), staff, date(2026, 10, 4), lord_howe)  # 02:00 → 02:30
    assert walls(spring, lord_howe) == [
        "01:00+1030",
        "01:30+1030",
        "02:30+1100",
        "03:00+1100",
    ]
    autumn = day_slots(service(), staff, date(2026, 4, 5), lord_howe)  # 02:00 → 01:30
    assert walls(autumn, lord_howe) == [
        "01:00+1100",
        "01:30+1100",
        "02:00+1030",
        "02:30+1030",
        "03:00+1030",
    ]


def test_changes_at_midnight() -> None:
    havana = ZoneInfo("America/Havana")  # 8 March 2026: 00:00 becomes 01:00
    staff = [schedule(zone="America/Havana", hours=[(time(0), time(2))])]
    assert walls(day_slots(service(), staff, date(2026, 3, 8), havana), havana) == [
        "01:00-0400",
        "01:30-0400",
    ]
    santiago = ZoneInfo("America/Santiago")  # Saturday 4 April 2026: 24:00 becomes 23:00
    staff = [schedule(zone="America/Santiago", hours=[(time(22), time.max)])]
    saturday = date(2026, 4, 4)
    assert walls(day_slots(service(60, interval=60), staff, saturday, santiago), santiago) == [
        "22:00-0300",
        "23:00-0300",
    ]
    three_hours = day_slots(service(180), staff, saturday, santiago)
    assert [s.end for s in three_hours] == [datetime(2026, 4, 5, 4, 0, tzinfo=UTC)]


def test_ordinary_days_keep_their_own_offset_on_either_side_of_a_change() -> None:
    staff = [schedule(hours=[(time(9), time(10))])]
    window = (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    slots = available_slots(service(60), staff, [], *window, window[0] - timedelta(days=1))
    assert [s.start.hour for s in slots] == [9, 9, 8, 8, 8]  # 09:00 GMT, then 09:00 BST


# ------------------------------------------------------------------ hours
def test_overrides_replace_the_weekly_hours_of_their_date() -> None:
    weekly = {0: [(time(9), time(12))]}
    staff = [
        schedule(
            weekly=weekly,
            overrides={
                MONDAY: [(time(14), time(15, 30))],  # special hours
                MONDAY + timedelta(days=7): [],  # closed
                MONDAY + timedelta(days=6): [(time(10), time(11))],  # open on a Sunday
            },
        )
    ]
    assert walls(day_slots(service(), staff, MONDAY), LONDON) == [
        "14:00+0100",
        "14:30+0100",
        "15:00+0100",
    ]
    assert day_slots(service(), staff, MONDAY + timedelta(days=7)) == []
    assert walls(day_slots(service(), staff, MONDAY + timedelta(days=6)), LONDON) == [
        "10:00+0100",
        "10:30+0100",
    ]
    assert len(day_slots(service(), staff, MONDAY + timedelta(days=14))) == 6  # weekly again
    assert day_slots(service(), staff, MONDAY + timedelta(days=1)) == []  # no weekly hours


def test_breaks_split_the_day_and_slots_do_not_cross_them() -> None:
    staff = [schedule(hours=[(time(13), time(17)), (time(9), time(12))])]
    slots = day_slots(service(60), staff, MONDAY)
    assert walls(slots, LONDON) == [
        f"{h:02d}:{m:02d}+0100"
        for h, m in [
            *[(9, 0), (9, 30), (10, 0), (10, 30), (11, 0)],
            *[(13, 0), (13, 30), (14, 0), (14, 30), (15, 0), (15, 30), (16, 0)],
        ]
    ]


def test_each_range_has_its_own_grid() -> None:
    staff = [schedule(hours=[(time(9), time(10)), (time(10, 10), time(11, 10))])]
    assert walls(day_slots(service(), staff, MONDAY), LONDON) == [
        "09:00+0100",
        "09:30+0100",
        "10:10+0100",
        "10:40+0100",
    ]


def test_overlapping_ranges_give_each_start_once_in_order() -> None:
    staff = [schedule(hours=[(time(9), time(11)), (time(10), time(12)), (time(9, 15), time(10))])]
    starts = [s.start for s in day_slots(service(), staff, MONDAY)]
    assert starts == sorted(set(starts))
    assert walls(day_slots(service(), staff, MONDAY), LONDON) == [
        "09:00+0100",
        "09:15+0100",
        "09:30+0100",
        "10:00+0100",
        "10:30+0100",
        "11:00+0100",
        "11:30+0100",
    ]


def test_end_of_day_as_time_max_or_midnight() -> None:
    for end in (time.max, time(0)):  # how "24:00" may be stored
        staff = [schedule(hours=[(time(22), end)])]
        assert walls(day_slots(service(60), staff, MONDAY), LONDON) == [
            "22:00+0100",
            "22:30+0100",
            "23:00+0100",
        ]


def test_a_range_that_ends_before_it_starts_is_empty() -> None:
    staff = [schedule(hours=[(time(12), time(9))])]
    assert day_slots(service(), staff, MONDAY) == []


# ------------------------------------------------------------------ bookings
def test_a_booking_blocks_the_slots_it_overlaps_and_touching_is_free() -> None:
    rules = service(30, interval=15)
    at_ten = local(LONDON, MONDAY, 10)
    slots = day_slots(rules, [schedule()], MONDAY, bookings=[booking(at_ten)])
    free = walls(slots, LONDON)
    assert "10:30+0100" not in free  # inside the 60-minute booking
    assert "09:45+0100" not in free  # would run into it
    assert "09:30+0100" in free  # ends at 10:00 as it starts
    assert "11:00+0100" in free  # starts at 11:00 as it ends


def test_the_bookings_buffer_after_blocks_the_next_slot() -> None:
    rules = service(30, interval=15)
    bookings = [booking(local(LONDON, MONDAY, 10), after=15)]
    free = walls(day_slots(rules, [schedule()], MONDAY, bookings=bookings), LONDON)
    assert "11:00+0100" not in free
    assert "11:15+0100" in free


def test_the_bookings_buffer_before_blocks_the_slot_ending_at_its_start() -> None:
    rules = service(30, interval=15)
    bookings = [booking(local(LONDON, MONDAY, 10), before=15)]
    free = walls(day_slots(rules, [schedule()], MONDAY, bookings=bookings), LONDON)
    assert "09:30+0100" not in free  # ends 10:00, inside the 09:45-10:00 buffer
    assert "09:15+0100" in free  # ends 09:45 as the buffer starts


def test_the_services_buffers_widen_the_candidate() -> None:
    bookings = [booking(local(LONDON, MONDAY, 10))]
    after = walls(
        day_slots(service(30, interval=15, after=15), [schedule()], MONDAY, bookings=bookings),
        LONDON,
    )
    assert "09:30+0100" not in after  # 09:30-10:00 + 15 minutes reaches 10:15
    assert "09:15+0100" in after  # its buffer ends 10:00 as the booking starts
    before = walls(
        day_slots(service(30, interval=15, before=15), [schedule()], MONDAY, bookings=bookings),
        LONDON,
    )
    assert "11:00+0100" not in before  # its buffer starts 10:45
    assert "11:15+0100" in before


def test_bookings_of_other_staff_never_block() -> None:
    bookings = [booking(local(LONDON, MONDAY, 9), 480, staff_id="bob")]
    assert len(day_slots(service(), [schedule()], MONDAY, bookings=bookings)) == 16


def test_a_booking_that_ends_before_it_starts_blocks_nothing() -> None:
    at_ten = local(LONDON, MONDAY, 10)
    broken = ExistingBooking("ann", "cut", at_ten, at_ten - timedelta(hours=1))
    real = booking(local(LONDON, MONDAY, 12))
    free = walls(day_slots(service(), [schedule()], MONDAY, bookings=[broken, real]), LONDON)
    assert "10:00+0100" in free
    assert "12:00+0100" not in free


# ------------------------------------------------------------------ BookedTime
def test_booked_time_by_staff_member_gives_the_same_slots_as_booking_objects() -> None:
    rules = service(30, interval=15, before=10, after=5, seats=2)
    bookings = [
        booking(local(LONDON, MONDAY, 12), 45, after=15),
        booking(local(LONDON, MONDAY, 10), before=20, service_id="dye"),
        booking(local(LONDON, MONDAY, 15), 30),  # same service: shares the 15:00 seats
        booking(local(LONDON, MONDAY, 9), 480, staff_id="bob"),
    ]
    staff = [schedule("ann"), schedule("bob"), schedule("cy")]
    booked = {
        "ann": BookedTime.of(b for b in bookings if b.staff_id == "ann"),
        "bob": BookedTime.of(b for b in bookings if b.staff_id == "bob"),
    }  # no entry for cy: no bookings
    from_objects = day_slots(rules, staff, MONDAY, bookings=bookings)
    assert day_slots(rules, staff, MONDAY, bookings=booked) == from_objects
    at_three = next(s for s in from_objects if s.start == local(LONDON, MONDAY, 15))
    assert (at_three.seats_left, at_three.staff_ids) == (2, ("ann", "cy"))


def test_booked_time_from_spans_drops_malformed_bookings() -> None:
    ten = local(LONDON, MONDAY, 10).timestamp()
    noon = local(LONDON, MONDAY, 12).timestamp()
    booked = BookedTime.from_spans([("cut", noon, noon, noon + 3600), ("cut", ten, ten, ten - 60)])
    assert list(booked.sorted_opens) == [noon]
    assert list(booked.sorted_closes) == [noon + 3600]
    assert booked.sharing("cut") == {noon: [(noon, noon + 3600)]}


# ------------------------------------------------------------------ seats
def test_seats_are_shared_by_bookings_of_the_service_at_the_same_start() -> None:
    rules = service(60, interval=60, seats=2)
    at_ten = local(LONDON, MONDAY, 10)

    def at_ten_slot(bookings: Sequence[ExistingBooking]) -> Slot | None:
        found = day_slots(rules, [schedule()], MONDAY, bookings=bookings)
        return next((s for s in found if s.start == at_ten), None)

    untouched = at_ten_slot([])
    assert untouched is not None
    assert untouched.seats_left == 2
    one = at_ten_slot([booking(at_ten)])
    assert one is not None
    assert one.seats_left == 1
    assert at_ten_slot([booking(at_ten), booking(at_ten)]) is None
    assert at_ten_slot([booking(at_ten, service_id="dye")]) is None  # another service
    assert at_ten_slot([booking(at_ten, 60, staff_id="bob")]) == untouched


def test_a_same_service_booking_at_another_start_blocks() -> None:
    rules = service(60, interval=30, seats=3)
    bookings = [booking(local(LONDON, MONDAY, 10))]
    slots = day_slots(rules, [schedule()], MONDAY, bookings=bookings)
    seats = {f"{s.start.astimezone(LONDON):%H:%M}": s.seats_left for s in slots}
    assert seats["10:00"] == 2
    assert "09:30" not in seats
    assert "10:30" not in seats
    assert seats["11:00"] == 3


# ------------------------------------------------------------------ rules
def test_minimum_notice_and_the_booking_window() -> None:
    now = local(LONDON, MONDAY, 9, 10)
    rules = service(notice=timedelta(hours=2), window=timedelta(days=1))
    slots = available_slots(
        rules,
        [schedule()],
        [],
        now - timedelta(days=1),
        now + timedelta(days=3),
        now,
    )
    assert slots[0].start == local(LONDON, MONDAY, 11, 30)
    assert slots[-1].start == local(LONDON, MONDAY + timedelta(days=1), 9)  # 09:10 is the limit
    exact = available_slots(
        rules, [schedule()], [], now, now + timedelta(days=1), now - 10 * MINUTE
    )
    assert exact[0].start == local(LONDON, MONDAY, 11)  # now + notice exactly is allowed


def test_ignore_rules_drops_notice_and_window_but_not_the_past() -> None:
    now = local(LONDON, MONDAY, 12)
    rules = service(notice=timedelta(days=1), window=timedelta(hours=1))
    window = (now - timedelta(days=1), now + timedelta(days=3))
    assert available_slots(rules, [schedule()], [], *window, now) == []
    slots = available_slots(rules, [schedule()], [], *window, now, ignore_rules=True)
    assert slots[0].start == now
    assert slots[-1].start == local(LONDON, MONDAY + timedelta(days=3), 11, 30)  # window end


def test_only_starts_inside_the_window() -> None:
    start = local(LONDON, MONDAY, 10, 7)
    end = local(LONDON, MONDAY, 11)
    slots = available_slots(
        service(60, interval=15), [schedule()], [], start, end, start - timedelta(days=1)
    )
    assert walls(slots, LONDON) == ["10:15+0100", "10:30+0100", "10:45+0100"]
    assert slots[-1].end > end  # a slot may end after the window


def test_results_do_not_depend_on_the_zone_of_the_arguments() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    start = local(LONDON, MONDAY, 0)
    args = (service(), [schedule()], [booking(local(LONDON, MONDAY, 11))])
    in_utc = available_slots(*args, start, start + timedelta(days=2), start - timedelta(days=1))
    in_tokyo = available_slots(
        *args,
        start.astimezone(tokyo),
        (start + timedelta(days=2)).astimezone(tokyo),
        (start - timedelta(days=1)).astimezone(tokyo),
    )
    assert in_utc == in_tokyo
    assert len(in_utc) == 30
    assert all(s.start.utcoffset() == s.end.utcoffset() == timedelta(0) for s in in_utc)


def test_naive_datetimes_and_impossible_services_are_refused() -> None:
    naive = datetime(2026, 6, 8, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        available_slots(service(), [schedule()], [], naive, naive, naive)
    aware = naive.replace(tzinfo=UTC)
    for broken in (service(0), service(interval=0), service(seats=0), service(before=-5)):
        with pytest.raises(ValueError, match=r"duration|slot_interval|seats|buffer_before"):
            available_slots(broken, [schedule()], [], aware, aware, aware)


def test_no_staff_or_an_empty_window_gives_no_slots() -> None:
    now = local(LONDON, MONDAY, 0)
    assert available_slots(service(), [], [], now, now + timedelta(days=1), now) == []
    assert available_slots(service(), [schedule()], [], now, now, now) == []


# ------------------------------------------------------------------ several staff
def test_several_staff_merge_by_start_in_argument_order() -> None:
    ann = schedule("ann", hours=[(time(9), time(12))])
    bob = schedule("bob", hours=[(time(10), time(13))])
    bookings = [booking(local(LONDON, MONDAY, 10), staff_id="ann")]
    slots = day_slots(service(60, interval=60), [ann, bob], MONDAY, bookings=bookings)
    assert [(f"{s.start.astimezone(LONDON):%H}", s.staff_ids) for s in slots] == [
        ("09", ("ann",)),
        ("10", ("bob",)),
        ("11", ("ann", "bob")),
        ("12", ("bob",)),
    ]
    reversed_order = day_slots(service(60, interval=60), [bob, ann], MONDAY, bookings=bookings)
    assert reversed_order[2].staff_ids == ("bob", "ann")


def test_merged_seats_left_is_the_largest() -> None:
    rules = service(60, interval=60, seats=3)
    at_ten = local(LONDON, MONDAY, 10)
    bookings = [
        booking(at_ten, staff_id="ann"),
        booking(at_ten, staff_id="bob"),
        booking(at_ten, staff_id="bob"),
    ]
    staff = [schedule("ann"), schedule("bob"), schedule("cy")]
    slot = next(s for s in day_slots(rules, staff, MONDAY, bookings=bookings) if s.start == at_ten)
    assert slot.seats_left == 3
    assert slot.staff_ids == ("ann", "bob", "cy")
    two = next(
        s for s in day_slots(rules, staff[:2], MONDAY, bookings=bookings) if s.start == at_ten
    )
    assert (two.seats_left, two.staff_ids) == (2, ("ann", "bob"))


def test_staff_in_different_zones_merge_by_instant() -> None:
    ann = schedule("ann", "Europe/London", hours=[(time(14), time(16))])
    cy = schedule("cy", "America/New_York", hours=[(time(9), time(11))])
    start = datetime(2026, 6, 8, tzinfo=UTC)
    slots = available_slots(
        service(60, interval=60), [cy, ann], [], start, start + timedelta(days=1), start
    )
    assert [(s.start.hour, s.staff_ids) for s in slots] == [
        (13, ("cy", "ann")),  # 14:00 BST = 09:00 EDT
        (14, ("cy", "ann")),
    ]


def test_many_staff_and_a_repeated_member() -> None:
    staff = [schedule(f"s{i}", hours=[(time(9 + i), time(10 + i))]) for i in range(6)]
    bookings = [booking(local(LONDON, MONDAY, 9 + i), staff_id=f"s{i}") for i in range(0, 6, 2)]
    slots = day_slots(service(60, interval=60), [*staff, staff[1]], MONDAY, bookings=bookings)
    assert [s.staff_ids for s in slots] == [("s1",), ("s3",), ("s5",)]


# ------------------------------------------------------------------ why_not_bookable
def code(
    rules: ServiceRules,
    staff: StaffSchedule,
    start: datetime,
    now: datetime,
    *,
    ignore_rules: bool = False,
) -> str | None:
    reason = why_not_bookable(rules, staff, start, now, ignore_rules=ignore_rules)
    if reason is not None:
        assert reason[1]  # always a message to show
    return None if reason is None else reason[0]


def test_why_not_bookable_codes() -> None:
    rules = service(60, interval=30, notice=timedelta(hours=2), window=timedelta(days=30))
    staff = schedule(
        hours=[(time(9), time(12)), (time(13), time(17))],
        overrides={MONDAY + timedelta(days=1): []},
    )
    now = local(LONDON, MONDAY, 8)
    assert code(rules, staff, local(LONDON, MONDAY, 7), now) == "in_the_past"
    assert code(rules, staff, local(LONDON, MONDAY, 9, 30), now) == "too_soon"
    assert code(rules, staff, local(LONDON, MONDAY, 10), now) is None  # exactly the notice
    assert code(rules, staff, local(LONDON, MONDAY + timedelta(days=30), 8), now) == "beyond_window"
    assert code(rules, staff, local(LONDON, MONDAY + timedelta(days=30), 7), now) == "outside_hours"
    assert code(rules, staff, local(LONDON, MONDAY, 12, 15), now) == "outside_hours"  # lunch
    assert code(rules, staff, local(LONDON, MONDAY, 11, 30), now) == "outside_hours"  # runs into it
    assert code(rules, staff, local(LONDON, MONDAY, 18), now) == "outside_hours"
    assert code(rules, staff, local(LONDON, MONDAY + timedelta(days=1), 10), now) == "outside_hours"
    assert code(rules, staff, local(LONDON, MONDAY, 10, 15), now) == "off_grid"
    assert code(rules, staff, local(LONDON, MONDAY, 10) + timedelta(seconds=1), now) == "off_grid"
    assert code(rules, staff, local(LONDON, MONDAY, 13, 30), now) is None


def test_why_not_bookable_with_ignore_rules_checks_only_the_past() -> None:
    rules = service(notice=timedelta(days=1))
    staff = schedule(hours=[(time(9), time(10))])
    now = local(LONDON, MONDAY, 8)
    assert code(rules, staff, local(LONDON, MONDAY, 22, 7), now, ignore_rules=True) is None
    assert code(rules, staff, local(LONDON, MONDAY, 7), now, ignore_rules=True) == "in_the_past"


def test_why_not_bookable_messages_are_friendly() -> None:
    rules = service(60, notice=timedelta(hours=2))
    staff = schedule(hours=[(time(9), time(12))], overrides={MONDAY + timedelta(days=1): []})
    now = local(LONDON, MONDAY, 8)
    reasons = {
        start: why_not_bookable(rules, staff, start, now)
        for start in (
            local(LONDON, MONDAY, 9),
            local(LONDON, MONDAY, 10, 10),
            local(LONDON, MONDAY, 11, 30),
            local(LONDON, MONDAY, 14),
            local(LONDON, MONDAY + timedelta(days=1), 10),
        )
    }
    assert list(reasons.values()) == [
        ("too_soon", "This service must be booked at least 2 hours in advance."),
        (
            "off_grid",
            "Appointments start every 30 minutes from 09:00; please choose one of those times.",
        ),
        (
            "outside_hours",
            "An appointment of 1 hour at 11:30 would end after working hours "
            "(09:00-12:00 on Monday 8 June); please choose an earlier time.",
        ),
        (
            "outside_hours",
            "14:00 is outside working hours (09:00-12:00 on Monday 8 June); "
            "please choose another time.",
        ),
        (
            "outside_hours",
            "There are no appointments on Tuesday 9 June; please choose another day.",
        ),
    ]


def test_why_not_bookable_across_dst() -> None:
    rules = service(window=timedelta(days=366))
    london = schedule(hours=[(time(0), time(4))])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert code(rules, london, local(LONDON, LONDON_AUTUMN, 1, 30), now) is None
    second = local(LONDON, LONDON_AUTUMN, 1, 30, fold=1)
    assert second == local(LONDON, LONDON_AUTUMN, 1, 30) + timedelta(hours=1)
    reason = why_not_bookable(rules, london, second, now)
    assert reason == (
        "off_grid",
        "01:30 happens twice on Sunday 25 October as the clocks go back; "
        "only the first 01:30 can be booked.",
    )
    assert code(rules, london, local(LONDON, LONDON_SPRING, 2), now) is None
    assert code(rules, london, local(LONDON, LONDON_AUTUMN, 3, 30), now) is None
    new_york = schedule(zone="America/New_York", hours=[(time(0), time(2, 30))])
    assert code(rules, new_york, local(NEW_YORK, NY_SPRING, 1, 30), now) is None  # ends at the jump
    assert code(rules, new_york, local(NEW_YORK, NY_SPRING, 3), now) == "outside_hours"


def test_why_not_bookable_agrees_with_available_slots() -> None:
    rules = service(45, interval=15, window=timedelta(days=366))
    staff = schedule(zone="America/New_York", hours=[(time(0), time(4)), (time(9), time(10))])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for day in (NY_SPRING, NY_AUTUMN, NY_AUTUMN + timedelta(days=1)):
        offered = {s.start for s in day_slots(rules, [staff], day, NEW_YORK, now=now)}
        assert len(offered) > 8
        start = datetime.combine(day, time(0), NEW_YORK).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), NEW_YORK).astimezone(UTC)
        moment = start
        while moment < end:
            assert (why_not_bookable(rules, staff, moment, now) is None) == (moment in offered), (
                moment
            )
            moment += 5 * MINUTE
