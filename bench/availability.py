"""Time `available_slots` (functions/bookings/availability.py), from the
booking documents the slots query decodes.

One service (30 minutes, 10-minute buffer after, 15-minute grid), one staff
member in Europe/London working Monday to Friday 09:00-12:30 and 13:30-17:30,
a 60-day window (which crosses the March clock change) with 50 overrides on
its dates (10 closed, 40 with other hours, one of them the Sunday the clocks
change), and existing bookings of mixed services, lengths and buffers in
that window.

The bookings are documents as the store decodes them (the fields the slots
query selects, made in start order, as the query returns them). Each timed
run covers everything done with them beyond decoding: reducing them to the
staff member's `BookedTime` (functions/bookings/rules.py, `booked_time`),
then `available_slots`.

Cases, timed in interleaved rounds so that drift on the machine hits each alike:

- no bookings: the floor (laying out the grid and building the slots);
- 2,000 bookings, all the staff member's (issue target: median under 5 ms);
- 20,000 bookings, all the staff member's (issue target: median under 2.5x
  the 2,000 case). So many bookings fill the 60 days several times over:
  both cases leave almost no free slot, so they differ only by bookings;
- 20,000 bookings of which the same 2,000 are the staff member's and 18,000
  a colleague's, as a query for several staff members returns them: they
  are grouped by staff member (`rules.by_staff`, timed) and go no further.

    PYTHONPATH=. python bench/availability.py [--runs 101]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from google.api_core.datetime_helpers import DatetimeWithNanoseconds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from functions.bookings.availability import (  # noqa: E402
    ServiceRules,
    StaffSchedule,
    available_slots,
)
from functions.bookings.rules import booked_time, by_staff  # noqa: E402

LONDON = ZoneInfo("Europe/London")
FIRST_DAY = date(2027, 3, 1)  # a Monday; the clocks go forward on Sunday 28 March
DAYS = 60
TARGET_MS = 5.0
TARGET_RATIO = 2.5

SERVICE = ServiceRules(
    service_id="cut",
    duration=timedelta(minutes=30),
    buffer_after=timedelta(minutes=10),
    slot_interval=timedelta(minutes=15),
    minimum_notice=timedelta(hours=2),
    booking_window=timedelta(days=DAYS),
)
NOW = datetime.combine(FIRST_DAY, time(8), LONDON).astimezone(UTC)
WINDOW = (NOW, NOW + timedelta(days=DAYS))


def schedule(rng: random.Random) -> StaffSchedule:
    weekday = [(time(9), time(12, 30)), (time(13, 30), time(17, 30))]
    dates = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
    clock_change = date(2027, 3, 28)
    chosen = [clock_change, *rng.sample([d for d in dates if d != clock_change], 49)]
    overrides: dict[date, list[tuple[time, time]]] = {}
    for n, day in enumerate(chosen):
        if n % 5 == 4:
            overrides[day] = []  # closed
        elif n % 2:
            overrides[day] = [(time(10), time(13)), (time(14), time(19))]
        else:
            overrides[day] = [(time(8), time(14))]
    return StaffSchedule(
        staff_id="ann",
        time_zone="Europe/London",
        weekly_hours=dict.fromkeys(range(5), weekday),
        overrides=overrides,
    )


Document = dict[str, Any]


def bookings(rng: random.Random, mine: int, others: int) -> list[Document]:
    """Booking documents between 08:00 and 18:00 local on the window's dates,
    in start order, as the store decodes them: the fields the slots query
    selects, timestamps as Firestore's DatetimeWithNanoseconds and the busy
    span as the floats `rules.busy_span` stores, each document's made with it."""
    rows = []
    for n in range(mine + others):
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        start = datetime.combine(day, time(8), LONDON) + timedelta(minutes=5 * rng.randrange(120))
        rows.append(
            (
                start.timestamp(),
                "ann" if n < mine else "bob",
                rng.choice(["cut", "cut", "colour", "consult"]),
                rng.choice([15, 30, 30, 45, 60, 90]),
                rng.choice([0, 0, 5]),
                rng.choice([0, 0, 10]),
            )
        )
    rows.sort()
    return [
        {
            "staff_id": staff_id,
            "service_id": service_id,
            "start_at": DatetimeWithNanoseconds.fromtimestamp(start, UTC),
            "end_at": DatetimeWithNanoseconds.fromtimestamp(start + 60 * length, UTC),
            "buffer_before_minutes": before,
            "buffer_after_minutes": after,
            "busy_from": start - 60 * before,
            "busy_until": start + 60 * (length + after),
        }
        for start, staff_id, service_id, length, before, after in rows
    ]


@dataclass
class Case:
    name: str
    documents: list[Document]
    samples: list[float]
    mixed: bool = False  # several staff members' documents: grouped first

    def run(self, staff: Sequence[StaffSchedule]) -> int:
        staff_ids = [s.staff_id for s in staff]
        started = clock.perf_counter()
        # One staff member's query filters by staff member: no grouping (see store.py).
        grouped = (
            by_staff(self.documents, staff_ids) if self.mixed else {staff_ids[0]: self.documents}
        )
        booked = {staff_id: booked_time(docs) for staff_id, docs in grouped.items()}
        slots = available_slots(SERVICE, staff, booked, *WINDOW, NOW)
        self.samples.append((clock.perf_counter() - started) * 1000)
        return len(slots)


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=101)
    args = parser.parse_args()
    rng = random.Random(2026)
    staff = [schedule(rng)]
    mine = bookings(rng, 2_000, 0)
    cases = [
        Case("no bookings", [], []),
        Case("2,000 bookings", mine, []),
        Case("20,000 bookings", bookings(rng, 20_000, 0), []),
        Case("20,000 (2,000 + 18,000 a colleague's)", [], [], mixed=True),
    ]
    others = bookings(rng, 0, 18_000)
    cases[3].documents = sorted([*mine, *others], key=lambda d: d["start_at"])
    slot_counts = {case.name: case.run(staff) for case in cases}  # warm-up, not counted
    for case in cases:
        case.samples.clear()
    for n in range(args.runs):
        for case in cases[n % len(cases) :] + cases[: n % len(cases)]:
            case.run(staff)

    def median(case: Case) -> float:
        return statistics.median(case.samples)

    base = median(cases[1])
    print(
        f"booked_time + available_slots from decoded booking documents: "
        f"1 service, 1 staff member, {DAYS} days, 15-minute grid, "
        f"{len(staff[0].overrides)} overrides\n"
        f"Python {platform.python_version()}, {os.cpu_count()} cores; "
        f"{args.runs} runs per case, interleaved\n"
    )
    header = f"{'case':40} {'slots':>5} {'median ms':>9} {'p90 ms':>7} {'runs':>5} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for case in cases:
        print(
            f"{case.name:40} {slot_counts[case.name]:5d} {median(case):9.2f} "
            f"{p90(case.samples):7.2f} {len(case.samples):5d} {median(case) / base:6.2f}"
        )
    ratio = median(cases[2]) / base
    per_booking_us = (median(cases[2]) - base) / 18_000 * 1000
    skipped_us = (median(cases[3]) - base) / 18_000 * 1000
    ok_time = base < TARGET_MS
    ok_ratio = ratio < TARGET_RATIO
    print(
        f"\n2,000 bookings: median {base:.2f} ms (target < {TARGET_MS:.0f} ms): "
        f"{'ok' if ok_time else 'OVER'}\n"
        f"20,000 / 2,000: {ratio:.2f}x (target < {TARGET_RATIO}x): {'ok' if ok_ratio else 'OVER'}\n"
        f"cost per extra booking: {per_booking_us:.2f} us the staff member's, "
        f"{skipped_us:.2f} us a colleague's"
    )
    return 0 if ok_time and ok_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
