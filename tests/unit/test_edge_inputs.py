"""The bookings and WhatsApp apps refuse hostile input at the edge, before
any database: reserved and malformed ids, far dates, oversized and
over-many-field bodies, bad webhook signatures, control characters in text.
(Every route against the emulators: tests/integration/test_hostile_input.py.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from functions.bookings.models import (
    BookingCreate,
    CancelRequest,
    DateOverride,
    ServiceIn,
    StaffIn,
)
from functions.whatsapp.meta_webhooks import signature
from functions.whatsapp.models import OptInRequest
from functions.whatsapp.webhooks import MAX_FORM_FIELDS
from shared.config import reset_settings
from shared.values import DATE_RANGE_MESSAGE, DOCUMENT_ID_MESSAGE

BAD_IDS = ["__x__", "__main__", "%2e%2e", "..", "a" * 65, "-x", "a.b"]
CUSTOMER = {"name": "Ana", "email": "ana@example.com", "phone": "+447911123456"}
BOOKING: dict[str, Any] = {
    "service_id": "cut",
    "start": "2026-12-01T10:00:00+00:00",
    "customer": CUSTOMER,
    "tz": "Europe/London",
}
TWILIO_TOKEN = "twilio-unit-token"
BASE = "https://milli.example"
INBOUND = "/api/whatsapp/twilio/inbound"
META = "/api/whatsapp/meta/webhook"


@pytest.fixture
def bookings() -> TestClient:
    from functions.bookings.app import app

    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def whatsapp(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("META_APP_SECRET", "meta-unit-secret")
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    reset_settings()
    from functions.whatsapp.app import app

    return TestClient(app, raise_server_exceptions=False)


def _problems(response: Any) -> list[tuple[str, str, str]]:
    return [(f["field"], f["in"], f["message"]) for f in response.json()["error"]["fields"]]


# ---------------------------------------------------------------------- ids
@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("suffix", ["", "/ics"])
def test_a_path_id_that_cannot_name_a_booking_is_422(
    bookings: TestClient, bad: str, suffix: str
) -> None:
    response = bookings.get(f"/api/bookings/{bad}{suffix}", params={"token": "t"})

    if bad == ".." or (bad == "%2e%2e" and not suffix):
        # The client or the router resolves the dot segment: another route, or none.
        assert 400 <= response.status_code < 500
        return
    assert response.status_code == 422
    field, where, message = _problems(response)[0]
    assert (field, where) == ("booking_id", "path")
    assert message in (DOCUMENT_ID_MESSAGE, "String should have at most 64 characters")


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_query_or_body_id_that_cannot_name_a_service_is_422(
    bookings: TestClient, bad: str
) -> None:
    slots = bookings.get(
        "/api/bookings/slots",
        params={"service_id": bad, "from": "2026-12-01", "to": "2026-12-01", "tz": "UTC"},
    )
    booked = bookings.post("/api/bookings", json=BOOKING | {"service_id": bad})

    assert slots.status_code == 422
    assert [p[:2] for p in _problems(slots)] == [("service_id", "query")]
    assert booked.status_code == 422
    assert [p[:2] for p in _problems(booked)] == [("service_id", "body")]


# -------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    ("first", "last"),
    [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31"), ("1999-12-31", "2000-01-01")],
)
def test_slots_for_far_dates_are_422_naming_the_field(
    bookings: TestClient, first: str, last: str
) -> None:
    response = bookings.get(
        "/api/bookings/slots",
        params={"service_id": "cut", "from": first, "to": last, "tz": "Pacific/Kiritimati"},
    )

    assert response.status_code == 422
    assert ("from", "query", DATE_RANGE_MESSAGE) in _problems(response)


@pytest.mark.parametrize(
    "start",
    ["9999-12-31T23:59:00-14:00", "9999-12-31T23:59:00+14:00", "0001-01-01T00:00:00+14:00"],
)
def test_a_booking_or_reschedule_in_a_far_year_is_422(bookings: TestClient, start: str) -> None:
    booked = bookings.post("/api/bookings", json=BOOKING | {"start": start})
    moved = bookings.post(
        "/api/bookings/b1/reschedule", params={"token": "t"}, json={"start": start}
    )

    for response in (booked, moved):
        assert response.status_code == 422
        assert _problems(response) == [("start", "body", DATE_RANGE_MESSAGE)]


def test_the_bounds_themselves_are_accepted() -> None:
    assert DateOverride(date="2000-01-01").date.year == 2000
    assert DateOverride(date="2100-12-31").date.year == 2100
    with pytest.raises(ValueError, match="between 2000-01-01 and 2100-12-31"):
        DateOverride(date="2101-01-01")


# --------------------------------------------------------------------- text
INJECTED = "Ana\r\nBcc: victim@example.com\x00\u202e"


def test_control_characters_never_reach_a_stored_field_as_new_lines() -> None:
    booking = BookingCreate.model_validate(
        BOOKING
        | {
            "customer": CUSTOMER | {"name": INJECTED},
            "notes": "line one\r\nline two\x07",
        }
    )
    assert booking.customer.name == "Ana Bcc: victim@example.com"
    assert booking.notes == "line one\nline two"  # notes keep their lines, not CR or BEL
    assert CancelRequest(reason="no\r\nSubject: x").reason == "no Subject: x"
    assert DateOverride(date="2026-12-01", note="off\nX: y").note == "off X: y"
    staff = StaffIn(name=INJECTED, time_zone="Europe/London")
    assert staff.name == "Ana Bcc: victim@example.com"
    service = ServiceIn.model_validate(
        {
            "name": "Cut\r\nX-Evil: 1",
            "description": "a\u2028b",
            "duration_minutes": 30,
            "price": {"amount": 0, "currency": "GBP"},
            "staff_ids": ["alex"],
        }
    )
    assert service.name == "Cut X-Evil: 1"
    assert "\u2028" not in service.description
    opt_in = OptInRequest(
        phone="+447911123456", consent_text="Yes please, message me", name=INJECTED
    )
    assert opt_in.name == "Ana Bcc: victim@example.com"


def test_a_name_of_only_control_characters_is_refused(bookings: TestClient) -> None:
    response = bookings.post(
        "/api/bookings", json=BOOKING | {"customer": CUSTOMER | {"name": "\r\n\t\x00"}}
    )
    assert response.status_code == 422
    assert [p[:2] for p in _problems(response)] == [("customer.name", "body")]


# ---------------------------------------------------------------- webhooks
def _twilio_signature(params: dict[str, str]) -> dict[str, str]:
    return {
        "X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(
            BASE + INBOUND, params
        )
    }


def test_a_twilio_form_with_too_many_fields_is_413_even_when_signed(whatsapp: TestClient) -> None:
    params = {f"F{i}": "x" for i in range(MAX_FORM_FIELDS + 1)}
    unsigned = whatsapp.post(
        INBOUND,
        content=urlencode(params),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    signed = whatsapp.post(INBOUND, data=params, headers=_twilio_signature(params))

    for response in (unsigned, signed):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"


def test_a_huge_twilio_form_is_413_before_it_is_read(whatsapp: TestClient) -> None:
    body = "&".join(f"F{i}=x" for i in range(20_000)).encode()  # ~140 KB
    response = whatsapp.post(
        INBOUND, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


def test_a_twilio_post_with_a_bad_signature_is_403(whatsapp: TestClient) -> None:
    params = {"MessageSid": "SM1", "From": "whatsapp:+447911123456", "Body": "hi"}
    wrong = {"X-Twilio-Signature": "bm9wZQ=="}

    assert whatsapp.post(INBOUND, data=params, headers=wrong).status_code == 403
    assert whatsapp.post(INBOUND, data=params).status_code == 403


def test_a_meta_post_with_a_bad_signature_is_403_before_its_json_is_read(
    whatsapp: TestClient,
) -> None:
    not_json = b"{" * 1000
    response = whatsapp.post(
        META, content=not_json, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}
    )
    assert response.status_code == 403  # not the 400 a JSON parse would give
    signed = whatsapp.post(
        META,
        content=not_json,
        headers={"X-Hub-Signature-256": signature("meta-unit-secret", not_json)},
    )
    assert signed.status_code == 400


def test_meta_batches_have_their_own_larger_limit(whatsapp: TestClient) -> None:
    batch = b'{"entry": [], "pad": "' + b"x" * 200_000 + b'"}'  # over the 64 KiB default
    allowed = whatsapp.post(META, content=batch, headers={"X-Hub-Signature-256": "sha256=0"})
    huge = b"x" * (1024 * 1024 + 1)
    refused = whatsapp.post(META, content=huge, headers={"X-Hub-Signature-256": "sha256=0"})

    assert allowed.status_code == 403  # read, then refused for its signature
    assert refused.status_code == 413
    opt_in = whatsapp.post(
        "/api/whatsapp/opt-in", content=batch, headers={"content-type": "application/json"}
    )
    assert opt_in.status_code == 413


def test_whatsapp_answers_carry_the_security_headers(whatsapp: TestClient) -> None:
    response = whatsapp.post(INBOUND, data={"a": "b"})
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
