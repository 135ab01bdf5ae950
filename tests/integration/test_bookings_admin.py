"""Staff routes of the bookings API with real emulator tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from devstack.stack import LocalStack
from functions.bookings import store
from shared.clock import FixedClock, use_clock
from tests.factories import NOW, staff_headers

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(clean_stack: LocalStack) -> Iterator[dict[str, str]]:
    store.clear_cache()
    with use_clock(FixedClock(NOW)):
        yield staff_headers(clean_stack, "owner@example.com", "admin")


def test_admin_sets_up_staff_and_a_service_and_books_for_a_client(
    api: TestClient, admin: dict[str, str], clean_stack: LocalStack
) -> None:
    hours = [{"start": "09:00", "end": "17:00"}]
    staff = api.post(
        "/api/bookings/admin/staff",
        headers=admin,
        json={
            "name": "Robin",
            "time_zone": "America/New_York",
            "weekly_hours": {"mon": hours, "tue": hours},
        },
    )
    assert staff.status_code == 201, staff.text
    staff_id = staff.json()["id"]
    service = api.post(
        "/api/bookings/admin/services",
        headers=admin,
        json={
            "name": "Haircut",
            "duration_minutes": 45,
            "price": {"amount": 3000, "currency": "USD"},
            "slot_interval_minutes": 15,
            "minimum_notice_minutes": 0,
            "staff_ids": [staff_id],
        },
    )
    assert service.status_code == 201, service.text
    service_id = service.json()["id"]

    slots = api.get(
        "/api/bookings/slots",
        params={
            "service_id": service_id,
            "from": "2026-12-01",
            "to": "2026-12-01",
            "tz": "America/New_York",
        },
    ).json()["slots"]
    assert slots[0]["start"] == "2026-12-01T09:00:00-05:00"
    assert slots[-1]["start"] == "2026-12-01T16:15:00-05:00"

    # Staff may book outside hours for a client when they say so.
    body = {
        "service_id": service_id,
        "start": "2026-12-01T20:00:00-05:00",
        "customer": {"name": "Ana", "email": "ana@example.com", "phone": "+1 212 555 0147"},
        "tz": "America/New_York",
    }
    refused = api.post("/api/bookings/admin/bookings", headers=admin, json=body)
    assert refused.status_code == 422
    booked = api.post(
        "/api/bookings/admin/bookings", headers=admin, json=body | {"override_rules": True}
    )
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["id"]

    listing = api.get(
        "/api/bookings/admin/bookings",
        headers=admin,
        params={"from": "2026-12-01", "to": "2026-12-03", "limit": 1},
    )
    assert listing.status_code == 200
    assert [b["id"] for b in listing.json()["items"]] == [booking_id]
    assert listing.json()["items"][0]["created_by"].startswith("staff:")

    no_show = api.post(f"/api/bookings/admin/bookings/{booking_id}/no-show", headers=admin)
    assert no_show.status_code == 200
    assert no_show.json()["status"] == "no_show"

    closed = api.put(
        f"/api/bookings/admin/staff/{staff_id}/overrides/2026-12-01",
        headers=admin,
        json={"date": "2026-12-01", "ranges": [], "note": "training day"},
    )
    assert closed.status_code == 200, closed.text
    assert (
        api.get(
            "/api/bookings/slots",
            params={
                "service_id": service_id,
                "from": "2026-12-01",
                "to": "2026-12-01",
                "tz": "America/New_York",
            },
        ).json()["slots"]
        == []
    )


def test_staff_can_read_but_only_admins_change_the_catalogue(
    api: TestClient, admin: dict[str, str], clean_stack: LocalStack
) -> None:
    staff = staff_headers(clean_stack, "helper@example.com", "staff")
    assert api.get("/api/bookings/admin/services", headers=staff).status_code == 200
    response = api.post(
        "/api/bookings/admin/services",
        headers=staff,
        json={
            "name": "X",
            "duration_minutes": 30,
            "price": {"amount": 0, "currency": "GBP"},
            "staff_ids": ["nobody"],
        },
    )
    assert response.status_code == 403
    assert api.get("/api/bookings/admin/services").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration_minutes": 32}, "duration_minutes"),
        ({"price": {"amount": -1, "currency": "GBP"}}, "price.amount"),
        ({"price": {"amount": 100, "currency": "pounds"}}, "price.currency"),
        ({"price": {"amount": 100, "currency": "ABC"}}, "price.currency"),
        ({"staff_ids": []}, "staff_ids"),
        ({"staff_ids": ["ghost"]}, "staff_ids"),
    ],
)
def test_bad_services_are_refused_field_by_field(
    api: TestClient, admin: dict[str, str], body: dict[str, object], field: str
) -> None:
    base = {
        "name": "Massage",
        "duration_minutes": 60,
        "price": {"amount": 6000, "currency": "GBP"},
        "staff_ids": ["ghost"],
    }
    response = api.post("/api/bookings/admin/services", headers=admin, json=base | body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field


def test_bad_hours_are_refused(api: TestClient, admin: dict[str, str]) -> None:
    response = api.post(
        "/api/bookings/admin/staff",
        headers=admin,
        json={
            "name": "Kim",
            "time_zone": "Europe/Paris",
            "weekly_hours": {
                "mon": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]
            },
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "weekly_hours.mon"
    response = api.post(
        "/api/bookings/admin/staff", headers=admin, json={"name": "Kim", "time_zone": "Paris"}
    )
    assert response.json()["error"]["fields"][0]["field"] == "time_zone"
