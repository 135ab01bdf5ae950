"""Services several staff members perform: concurrent clients for one start
are spread over the staff, and stale locks (a crash, an expired hold) never
block a staff member for good, whichever member they block."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devstack.stack import LocalStack
from functions.bookings import locks, store
from shared.clock import FixedClock, use_clock
from shared.firestore import Collections, client, collection

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
STAFF = ["alex", "blair", "casey"]
CUSTOMER = {"name": "Jo Client", "email": "jo@example.com", "phone": "+44 7911 123456"}


@pytest.fixture
def team(clean_stack: LocalStack) -> Iterator[None]:
    store.clear_cache()
    hours = [{"start": "09:00", "end": "17:00"}]
    for staff_id in STAFF:
        collection(Collections.STAFF).document(staff_id).set(
            {
                "name": staff_id.title(),
                "time_zone": "UTC",
                "weekly_hours": {d: hours for d in ("mon", "tue", "wed", "thu", "fri")},
                "overrides": [],
                "active": True,
            }
        )
    collection(Collections.SERVICES).document("hour").set(
        {
            "name": "Consultation",
            "description": "",
            "duration_minutes": 60,
            "price": {"amount": 5000, "currency": "GBP"},
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 0,
            "minimum_notice_minutes": 0,
            "booking_window_days": 30,
            "slot_interval_minutes": 30,
            "seats": 1,
            "prepayment_required": False,
            "active": True,
            "staff_ids": STAFF,
        }
    )
    with use_clock(FixedClock(NOW)):
        yield
    store.clear_cache()


def book(api: TestClient, start: datetime = START) -> Any:
    body = {"service_id": "hour", "start": start.isoformat(), "customer": CUSTOMER, "tz": "UTC"}
    return api.post("/api/bookings", json=body)


def leave_stale_locks(staff_id: str, booking_id: str = "crashed-before-commit") -> None:
    """Locks whose booking does not exist, as a crash between steps could leave."""
    batch = client().batch()
    lock_ids = locks.span_lock_ids(staff_id, START, START + timedelta(hours=1), *[timedelta()] * 2)
    locks.add_lock_creates(batch, booking_id, lock_ids, None, 1, START + timedelta(days=2))
    batch.commit()


def staff_of_bookings() -> list[str]:
    return sorted(
        (doc.to_dict() or {})["staff_id"] for doc in collection(Collections.BOOKINGS).stream()
    )


def test_concurrent_clients_for_one_start_get_one_staff_member_each(
    api: TestClient, team: None, many_bookings: None
) -> None:
    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda _: book(api).status_code, range(12)))
    assert codes.count(201) == len(STAFF)
    assert codes.count(409) == 12 - len(STAFF)
    assert staff_of_bookings() == STAFF


def test_stale_locks_of_every_staff_member_are_cleared_and_the_first_is_booked(
    api: TestClient, team: None
) -> None:
    for staff_id in STAFF:
        leave_stale_locks(staff_id)
    response = book(api)
    assert response.status_code == 201, response.text
    assert staff_of_bookings() == ["alex"]


def test_a_stale_lock_does_not_hide_a_staff_member_once_the_others_are_taken(
    api: TestClient, team: None
) -> None:
    leave_stale_locks("alex")
    assert book(api).status_code == 201  # blair, without looking at alex's stale locks
    assert book(api).status_code == 201  # casey
    assert staff_of_bookings() == ["blair", "casey"]
    assert book(api).status_code == 201  # everyone refused: alex's stale locks go
    assert staff_of_bookings() == STAFF
    assert book(api).status_code == 409
