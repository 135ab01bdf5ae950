"""Every route of the bookings (public and staff) and WhatsApp apps, walked
with hostile ids and far dates: a 4xx each time, never a server error.

Deterministic: the same values on the same routes every run (the fuzzer
run is elsewhere). Path ids, query ids, body ids, cursors and dates are
each tried with Firestore-reserved names (`__x__`, `__main__`), dot
segments (`..`, `%2e%2e`), an over-long id and dates at the calendar's
ends in the farthest zones.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devstack.server import LocalGateway
from devstack.stack import LocalStack
from functions.bookings import store
from shared.clock import FixedClock, use_clock
from tests.integration.test_bookings_admin import token

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
BAD_IDS = ["__x__", "__main__", "%2e%2e", "..", ".", "a" * 65, "a%2Fb", "-x"]
FAR_DATES = ["0001-01-01", "9999-12-30", "9999-12-31", "1900-02-29", "20261301"]
FAR_TIMES = [
    "9999-12-31T23:59:00-14:00",
    "9999-12-31T23:59:00+14:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-12:00",
    "9999-12-31T23:59:59",
]
CURSORS = [
    base64.urlsafe_b64encode(path.encode()).decode().rstrip("=")
    for path in (
        "bookings/__x__",
        "bookings/..",
        "wa_conversations/__main__",
        "wa_messages/" + "a" * 2000,
        "bookings/a/b/c",
        "__x__/y",
    )
] + ["%%%", "=="]


def _body(path: str, method: str, service_id: str, staff_id: str) -> dict[str, Any] | None:
    """A body the route would accept, so the hostile part is what is tested."""
    customer = {"name": "Ana", "email": "ana@example.com", "phone": "+447911123456"}
    if path.endswith("/reschedule"):
        return {"start": "2026-12-01T10:00:00+00:00"}
    if path.endswith("/cancel"):
        return {"reason": "ill"}
    if path.endswith("/reply"):
        return {"text": "hello"}
    if path.endswith("/opt-in"):
        return {"phone": "+447911123456", "consent_text": "Yes, message me on WhatsApp"}
    if "/overrides/" in path:
        return {"date": "2026-12-01", "ranges": []}
    if path.endswith("/services") or "/services/" in path:
        return {
            "name": "Cut",
            "duration_minutes": 30,
            "price": {"amount": 100, "currency": "GBP"},
            "staff_ids": [staff_id],
        }
    if path.endswith("/staff") or "/staff/" in path:
        return {"name": "Robin", "time_zone": "Europe/London"}
    if path.endswith("/bookings") or path == "/api/bookings":
        return {
            "service_id": service_id,
            "start": "2026-12-01T10:00:00+00:00",
            "customer": customer,
            "tz": "Pacific/Kiritimati",
        }
    return {} if method in ("POST", "PUT") else None


def _variants(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The body with each id field, date and time in turn made hostile."""
    for key in body:
        if key in ("service_id", "staff_id"):
            for bad in BAD_IDS:
                yield body | {key: bad}
        if key == "staff_ids":
            for bad in BAD_IDS:
                yield body | {key: [bad]}
        if key == "start":
            for far in FAR_TIMES:
                yield body | {key: far}
        if key == "date":
            for far in FAR_DATES:
                yield body | {key: far}
    if "service_id" in body:
        yield body | {"staff_id": "__x__"}
        yield body | {"staff_id": "a" * 65}
    if "time_zone" in body:
        yield body | {"overrides": [{"date": far, "ranges": []} for far in FAR_DATES[:2]]}


def _operations(app: Any) -> Iterator[tuple[str, str, list[str]]]:
    """(method, path template, query parameter names) of every documented route."""
    for path, item in app.openapi()["paths"].items():
        if "/twilio/" in path:  # unsigned posts are 403 before anything is read
            continue
        for method, operation in item.items():
            params = operation.get("parameters", [])
            yield method.upper(), path, [p["name"] for p in params if p["in"] == "query"]


@pytest.fixture
def admin(clean_stack: LocalStack) -> Iterator[dict[str, str]]:
    store.clear_cache()
    with use_clock(FixedClock(NOW)):
        yield token(clean_stack, "owner@example.com", "admin")


@pytest.fixture
def api(gateway: LocalGateway) -> Iterator[TestClient]:
    """A client that reports a server error as its 500, to list them all."""
    with TestClient(
        gateway, base_url="http://127.0.0.1:8000", raise_server_exceptions=False
    ) as client:
        yield client


def test_no_route_answers_hostile_ids_or_far_dates_with_a_server_error(
    api: TestClient, admin: dict[str, str]
) -> None:
    from functions.bookings.admin_app import app as bookings_admin
    from functions.bookings.app import app as bookings
    from functions.whatsapp.app import app as whatsapp

    staff = api.post(
        "/api/bookings/admin/staff", headers=admin, json=_body("/staff", "POST", "", "")
    )
    staff_id = staff.json()["id"]
    service = api.post(
        "/api/bookings/admin/services",
        headers=admin,
        json=_body("/services", "POST", "", staff_id),
    )
    service_id = service.json()["id"]

    failures: list[str] = []
    tried = 0

    def send(method: str, url: str, **kwargs: Any) -> None:
        nonlocal tried
        tried += 1
        response = api.request(method, url, headers=admin, **kwargs)
        if response.status_code >= 500:
            failures.append(f"{method} {url} {kwargs} -> {response.status_code}")

    for app in (bookings, bookings_admin, whatsapp):
        for method, path, queries in _operations(app):
            names = re.findall(r"{(\w+)}", path)
            good = {"day": "2026-12-01", "phone": "+447911123456"}
            fill = {n: good.get(n, "x1") for n in names}
            body = _body(path, method, service_id, staff_id)
            # Hostile path parameters, one at a time.
            for name in names:
                for bad in BAD_IDS + (FAR_DATES if name == "day" else []):
                    url = path.format(**(fill | {name: bad}))
                    send(method, url, json=body)
            url = path.format(**fill)
            # Hostile query parameters: ids, dates and cursors.
            base = {
                "service_id": service_id,
                "from": "2026-12-01",
                "to": "2026-12-02",
                "tz": "Pacific/Kiritimati",
            }
            base = {k: v for k, v in base.items() if k in queries}
            for name in queries:
                values = {
                    "service_id": BAD_IDS,
                    "staff_id": BAD_IDS,
                    "from": FAR_DATES + FAR_TIMES,
                    "to": FAR_DATES + FAR_TIMES,
                    "cursor": CURSORS,
                    "token": ["__x__", "a" * 5000],
                }.get(name, [])
                for bad in values:
                    send(method, url, params=base | {name: bad})
            if {"from", "to"} <= set(queries):
                send(method, url, params=base | {"from": "0001-01-01", "to": "0001-01-01"})
                send(method, url, params=base | {"from": "9999-12-30", "to": "9999-12-31"})
            # Hostile body fields.
            for variant in _variants(body or {}):
                send(method, url, json=variant)
    assert tried > 300
    assert failures == []


def test_control_characters_in_a_booking_are_stored_as_one_line(
    api: TestClient, admin: dict[str, str]
) -> None:
    hours = [{"start": "09:00", "end": "17:00"}]
    staff = api.post(
        "/api/bookings/admin/staff",
        headers=admin,
        json={"name": "Robin\r\nBcc: x", "time_zone": "UTC", "weekly_hours": {"tue": hours}},
    ).json()
    service = api.post(
        "/api/bookings/admin/services",
        headers=admin,
        json={
            "name": "Cut\nX-Evil: 1",
            "duration_minutes": 30,
            "price": {"amount": 100, "currency": "GBP"},
            "minimum_notice_minutes": 0,
            "staff_ids": [staff["id"]],
        },
    ).json()
    booked = api.post(
        "/api/bookings",
        json={
            "service_id": service["id"],
            "start": "2026-12-01T10:00:00+00:00",
            "customer": {
                "name": "Ana\r\nBcc: victim@example.com",
                "email": "ana@example.com",
                "phone": "+447911123456",
            },
            "notes": "first line\r\nsecond\x1b[31m line",
            "tz": "UTC",
        },
    )
    assert booked.status_code == 201, booked.text
    cancelled = api.post(
        f"/api/bookings/admin/bookings/{booked.json()['id']}/cancel",
        headers=admin,
        json={"reason": "ill\r\nSubject: refund"},
    )
    assert cancelled.status_code == 200, cancelled.text

    stored = store.get_booking(booked.json()["id"]) or {}
    assert staff["name"] == "Robin Bcc: x"
    assert service["name"] == "Cut X-Evil: 1"
    assert stored["customer"]["name"] == "Ana Bcc: victim@example.com"
    assert stored["notes"] == "first line\nsecond[31m line"  # lines kept, ESC gone
    assert cancelled.json()["cancel_reason"] == "ill Subject: refund"


def test_staff_routes_name_the_bad_id_or_date(api: TestClient, admin: dict[str, str]) -> None:
    def problems(response: Any) -> list[tuple[str, str]]:
        assert response.status_code == 422, response.text
        return [(f["field"], f["in"]) for f in response.json()["error"]["fields"]]

    override = {"date": "2026-12-01", "ranges": []}
    base = "/api/bookings/admin"
    for day in ("2026-13-01", "0001-01-01", "9999-12-31", "tomorrow"):
        put = api.put(f"{base}/staff/alex/overrides/{day}", headers=admin, json=override)
        assert problems(put) == [("day", "path")]
        gone = api.delete(f"{base}/staff/alex/overrides/{day}", headers=admin)
        assert problems(gone) == [("day", "path")]
    assert problems(api.get(f"{base}/bookings/__x__", headers=admin)) == [("booking_id", "path")]
    long_id = api.put(f"{base}/staff/{'a' * 65}", headers=admin, json={})
    assert ("staff_id", "path") in problems(long_id)
    far = api.get(
        f"{base}/bookings", headers=admin, params={"from": "0001-01-01", "to": "9999-12-31"}
    )
    assert problems(far) == [("from", "query"), ("to", "query")]
    cursor = api.get(
        f"{base}/bookings",
        headers=admin,
        params={"from": "2026-12-01", "to": "2026-12-02", "cursor": "Ym9va2luZ3MvX194X18"},
    )
    assert problems(cursor) == [("cursor", "query")]
