"""Bookings on the real emulator: the HTTP contract, double-booking under
concurrency, reschedule, cancel, holds, reminders and the contacts consumer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devstack.runner import QueueRunner, ScheduleRunner
from devstack.stack import LocalStack
from functions.bookings import store
from shared.clock import FixedClock, use_clock
from shared.firestore import Collections, collection
from tests.integration.probes import drain, probe_queue

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday; London is on UTC in winter
HOURS = [{"start": "09:00", "end": "12:30"}, {"start": "13:30", "end": "17:30"}]
CUSTOMER = {"name": "Jo Client", "email": "Jo@Example.com", "phone": "+44 7911 123456"}


def service(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Consultation",
        "description": "",
        "duration_minutes": 60,
        "price": {"amount": 5000, "currency": "GBP"},
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "minimum_notice_minutes": 60,
        "booking_window_days": 30,
        "slot_interval_minutes": 30,
        "seats": 1,
        "prepayment_required": False,
        "active": True,
        "staff_ids": ["alex"],
    } | overrides


@pytest.fixture
def catalogue(clean_stack: LocalStack) -> Iterator[None]:
    store.clear_cache()
    collection(Collections.STAFF).document("alex").set(
        {
            "name": "Alex",
            "time_zone": "Europe/London",
            "weekly_hours": {d: HOURS for d in ("mon", "tue", "wed", "thu", "fri")},
            "overrides": [{"date": "2026-12-04", "ranges": [], "note": "holiday"}],
            "active": True,
        }
    )
    services = collection(Collections.SERVICES)
    services.document("hour").set(service())
    services.document("half").set(service(name="Quick chat", duration_minutes=30))
    services.document("class").set(service(name="Group class", seats=3))
    services.document("paid").set(service(name="Deep clean", prepayment_required=True))
    services.document("buffered").set(service(name="Buffered", buffer_after_minutes=30))
    services.document("retired").set(service(name="Old", active=False))
    with use_clock(FixedClock(NOW)):
        yield
    store.clear_cache()


def book(api: TestClient, start: str, service_id: str = "hour", **extra: Any) -> Any:
    body = {"service_id": service_id, "start": start, "customer": CUSTOMER, "tz": "Europe/London"}
    return api.post("/api/bookings", json=body | extra)


def slot_starts(api: TestClient, service_id: str = "hour", day: str = "2026-12-01") -> list[str]:
    response = api.get(
        "/api/bookings/slots",
        params={"service_id": service_id, "from": day, "to": day, "tz": "Europe/London"},
    )
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["slots"]]


def test_services_lists_only_active_ones(api: TestClient, catalogue: None) -> None:
    names = {s["id"] for s in api.get("/api/bookings/services").json()}
    assert names == {"hour", "half", "class", "paid", "buffered"}


def test_slots_come_in_the_clients_zone_with_offsets(api: TestClient, catalogue: None) -> None:
    starts = slot_starts(api)
    assert starts[0] == "2026-12-01T09:00:00+00:00"
    assert "2026-12-01T11:30:00+00:00" in starts
    assert "2026-12-01T12:00:00+00:00" not in starts  # would run into the lunch break
    response = api.get(
        "/api/bookings/slots",
        params={
            "service_id": "hour",
            "from": "2026-12-01",
            "to": "2026-12-01",
            "tz": "America/New_York",
        },
    )
    assert response.json()["slots"][0]["start"] == "2026-12-01T04:00:00-05:00"
    assert slot_starts(api, day="2026-12-04") == []  # the holiday override


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-12-01", "to": "2027-03-01", "tz": "Europe/London"}, "to"),
        ({"from": "2026-12-02", "to": "2026-12-01", "tz": "Europe/London"}, "to"),
        ({"from": "2026-12-01", "to": "2026-12-01", "tz": "Mars/Olympus"}, "tz"),
        ({"from": "12/01/2026", "to": "2026-12-01", "tz": "Europe/London"}, "from"),
    ],
)
def test_bad_slot_queries_name_the_field(
    api: TestClient, catalogue: None, params: dict[str, str], field: str
) -> None:
    response = api.get("/api/bookings/slots", params={"service_id": "hour"} | params)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]


def test_the_slots_query_reads_each_asked_staff_members_active_bookings(
    clean_stack: LocalStack,
) -> None:
    """store.booked_times: one query per status with the staff members
    filtered by Firestore (one: ==, up to 30: in) or, past 30, here."""
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    rows = [  # (staff, status, start, buffer after, hold expiry)
        ("alex", "confirmed", at + 3 * hour, 15, None),
        ("alex", "confirmed", at, 0, None),
        ("alex", "cancelled", at + hour, 0, None),
        ("alex", "confirmed", at - 2 * timedelta(days=1), 0, None),  # too early to matter
        ("sam", "confirmed", at + 2 * hour, 0, None),
        ("sam", "pending_payment", at + 4 * hour, 0, NOW + hour),
        ("sam", "pending_payment", at + 5 * hour, 0, NOW - hour),  # expired hold
        ("kim", "confirmed", at, 0, None),
    ]
    for n, (staff_id, status, start, after, expires) in enumerate(rows):
        collection(Collections.BOOKINGS).document(f"b{n}").set(
            {
                "staff_id": staff_id,
                "service_id": "hour",
                "status": status,
                "start_at": start,
                "end_at": start + hour,
                "buffer_before_minutes": 0,
                "buffer_after_minutes": after,
                "hold_expires_at": expires,
                "customer": CUSTOMER,
            }
        )
    window = (at, at + timedelta(days=1))
    expected = {
        "alex": ([at, at + 3 * hour], [at + hour, at + 4 * hour + timedelta(minutes=15)]),
        "sam": ([at + 2 * hour, at + 4 * hour], [at + 3 * hour, at + 5 * hour]),
    }
    many = ["alex", "sam", *(f"nobody{n}" for n in range(30))]
    for staff_ids in (["alex"], ["alex", "sam"], many):
        booked = store.booked_times(staff_ids, *window, timedelta(days=1), NOW)
        assert set(booked) == set(staff_ids)
        found = {k: (list(v.sorted_opens), list(v.sorted_closes)) for k, v in booked.items()}
        assert {k: found[k] for k in staff_ids if k in expected} == {
            k: ([t.timestamp() for t in opens], [t.timestamp() for t in closes])
            for k, (opens, closes) in expected.items()
            if k in staff_ids
        }
        assert all(not booked[k].sorted_opens for k in staff_ids if k not in expected)


def test_book_view_and_download_the_calendar_file(api: TestClient, catalogue: None) -> None:
    response = book(api, "2026-12-01T10:00:00+00:00", whatsapp_opt_in=True, notes="door code 12")
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "confirmed"
    assert created["start"] == "2026-12-01T10:00:00+00:00"
    assert created["end"] == "2026-12-01T11:00:00+00:00"
    # The token travels in the fragment (never sent to a server) and a header.
    assert created["manage_url"].endswith(
        f"/manage/{created['id']}#token={created['manage_token']}"
    )
    assert created["ics_url"].endswith(f"/api/bookings/{created['id']}/ics")
    assert "calendar.google.com" in created["google_calendar_url"]
    assert "2026-12-01T10:00:00+00:00" not in slot_starts(api)

    token = created["manage_token"]
    view = api.get(f"/api/bookings/{created['id']}", headers={"X-Manage-Token": token})
    assert view.status_code == 200
    # Links sent before the header existed still open the booking.
    assert api.get(f"/api/bookings/{created['id']}", params={"token": token}).json() == view.json()
    assert view.json()["customer"] == {
        "name": "Jo Client",
        "email": "jo@example.com",
        "phone": "+447911123456",
    }
    assert view.json()["can_cancel"] is True
    assert api.get(f"/api/bookings/{created['id']}", params={"token": "nope"}).status_code == 404
    assert api.get(f"/api/bookings/{created['id']}").status_code == 404
    wrong_header = {"X-Manage-Token": "nope"}
    assert api.get(f"/api/bookings/{created['id']}", headers=wrong_header).status_code == 404

    ics = api.get(
        created["ics_url"].removeprefix("http://127.0.0.1:8000"), headers={"X-Manage-Token": token}
    )
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VALARM" in ics.text
    assert "DTSTART:20261201T100000Z" in ics.text
    stored = collection(Collections.BOOKINGS).document(created["id"]).get().to_dict()
    assert stored is not None
    assert token not in json.dumps(stored, default=str)  # only its hash is kept


@pytest.mark.parametrize(
    ("start", "field", "words"),
    [
        ("2026-11-29T10:00:00+00:00", "start", "already passed"),
        ("2026-11-30T08:30:00+00:00", "start", "in advance"),
        ("2026-12-01T10:10:00+00:00", "start", "start every 30 minutes"),
        ("2026-12-01T20:00:00+00:00", "start", "outside working hours"),
        ("2026-12-01T12:00:00+00:00", "start", "would end after working hours"),
        ("2027-02-01T10:00:00+00:00", "start", "at most"),
        ("2026-12-01T10:00:00", "start", "UTC offset"),
    ],
)
def test_invalid_starts_are_422_with_the_reason(
    api: TestClient, catalogue: None, start: str, field: str, words: str
) -> None:
    response = book(api, start)
    assert response.status_code == 422, response.text
    [problem] = response.json()["error"]["fields"]
    assert problem["field"] == field
    assert words in problem["message"]


def test_bad_customer_details_name_their_field(api: TestClient, catalogue: None) -> None:
    response = book(api, "2026-12-01T10:00:00+00:00", customer=CUSTOMER | {"phone": "12345"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "customer.phone"
    response = book(api, "2026-12-01T10:00:00+00:00", customer=CUSTOMER | {"email": "x"})
    assert response.json()["error"]["fields"][0]["field"] == "customer.email"
    assert book(api, "2026-12-01T10:00:00+00:00", service_id="retired").status_code == 422


def test_fifty_concurrent_requests_for_one_slot_give_one_booking(
    api: TestClient, catalogue: None, many_bookings: None
) -> None:
    with ThreadPoolExecutor(max_workers=25) as pool:
        codes = list(
            pool.map(lambda _: book(api, "2026-12-01T10:00:00+00:00").status_code, range(50))
        )
    assert codes.count(201) == 1
    assert codes.count(409) == 49
    assert len(list(collection(Collections.BOOKINGS).stream())) == 1


def test_concurrent_requests_for_a_group_slot_fill_exactly_its_seats(
    api: TestClient, catalogue: None, many_bookings: None
) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(
            pool.map(
                lambda _: book(api, "2026-12-01T10:00:00+00:00", "class").status_code, range(10)
            )
        )
    assert codes.count(201) == 3
    assert codes.count(409) == 7
    # A different service cannot take the staff member's time meanwhile.
    assert book(api, "2026-12-01T10:30:00+00:00", "half").status_code == 409


def test_overlapping_bookings_of_different_lengths_collide(
    api: TestClient, catalogue: None
) -> None:
    assert book(api, "2026-12-01T10:00:00+00:00", "hour").status_code == 201
    assert book(api, "2026-12-01T10:30:00+00:00", "half").status_code == 409
    assert book(api, "2026-12-01T11:00:00+00:00", "half").status_code == 201


def test_buffers_widen_the_blocked_time(api: TestClient, catalogue: None) -> None:
    assert book(api, "2026-12-01T09:00:00+00:00", "buffered").status_code == 201
    # 09:00-10:00 plus 30 minutes after: 10:00 is taken, 10:30 is free.
    assert book(api, "2026-12-01T10:00:00+00:00", "half").status_code == 409
    assert book(api, "2026-12-01T10:30:00+00:00", "half").status_code == 201


def test_cancel_frees_the_slot(api: TestClient, catalogue: None) -> None:
    created = book(api, "2026-12-01T10:00:00+00:00").json()
    cancelled = api.post(
        f"/api/bookings/{created['id']}/cancel", params={"token": created["manage_token"]}, json={}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert "2026-12-01T10:00:00+00:00" in slot_starts(api)
    assert book(api, "2026-12-01T10:00:00+00:00").status_code == 201
    again = api.post(
        f"/api/bookings/{created['id']}/cancel", params={"token": created["manage_token"]}
    )
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "this booking is already cancelled"
    moved = api.post(
        f"/api/bookings/{created['id']}/reschedule",
        params={"token": created["manage_token"]},
        json={"start": "2026-12-01T11:00:00+00:00"},
    )
    assert moved.status_code == 409
    assert moved.json()["error"]["message"] == "a cancelled booking cannot be rescheduled"


def test_clients_cannot_cancel_inside_the_notice(api: TestClient, catalogue: None) -> None:
    created = book(api, "2026-12-01T10:00:00+00:00").json()
    with use_clock(FixedClock(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))):
        response = api.post(
            f"/api/bookings/{created['id']}/cancel", params={"token": created["manage_token"]}
        )
    assert response.status_code == 409


def test_reschedule_takes_the_new_slot_before_freeing_the_old(
    api: TestClient, catalogue: None
) -> None:
    created = book(api, "2026-12-01T10:00:00+00:00").json()
    token = created["manage_token"]
    moved = api.post(
        f"/api/bookings/{created['id']}/reschedule",
        params={"token": token},
        json={"start": "2026-12-01T10:30:00+00:00"},  # overlaps its own old time
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["start"] == "2026-12-01T10:30:00+00:00"
    starts = slot_starts(api)
    assert "2026-12-01T09:00:00+00:00" in starts
    assert "2026-12-01T10:00:00+00:00" not in starts  # would overlap 10:30-11:30
    assert "2026-12-01T11:30:00+00:00" in starts
    assert book(api, "2026-12-01T11:30:00+00:00").status_code == 201
    taken = api.post(
        f"/api/bookings/{created['id']}/reschedule",
        params={"token": token},
        json={"start": "2026-12-01T11:30:00+00:00"},
    )
    assert taken.status_code == 409
    assert api.get(f"/api/bookings/{created['id']}", params={"token": token}).json()["start"] == (
        "2026-12-01T10:30:00+00:00"
    )


def test_a_reschedule_racing_a_new_booking_leaves_one_winner(
    api: TestClient, catalogue: None
) -> None:
    first = book(api, "2026-12-02T09:00:00+00:00").json()

    def move() -> int:
        return api.post(  # type: ignore[no-any-return]
            f"/api/bookings/{first['id']}/reschedule",
            params={"token": first["manage_token"]},
            json={"start": "2026-12-02T14:00:00+00:00"},
        ).status_code

    def take() -> int:
        return int(book(api, "2026-12-02T14:00:00+00:00").status_code)

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(f.result() for f in [pool.submit(move), pool.submit(take)])
    assert outcomes in ([200, 409], [201, 409])
    at_two = [
        doc
        for doc in (d.to_dict() or {} for d in collection(Collections.BOOKINGS).stream())
        if doc["status"] == "confirmed"
        and doc["start_at"] == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    ]
    assert len(at_two) == 1


def test_an_expired_hold_frees_its_slot(
    api: TestClient, catalogue: None, schedules: ScheduleRunner
) -> None:
    held = book(api, "2026-12-01T10:00:00+00:00", "paid").json()
    assert held["status"] == "pending_payment"
    assert held["hold_expires_at"] == "2026-11-30T08:15:00+00:00"
    assert "2026-12-01T10:00:00+00:00" not in slot_starts(api, "paid")
    assert book(api, "2026-12-01T10:00:00+00:00", "paid").status_code == 409

    with use_clock(FixedClock(NOW + timedelta(minutes=16))):
        assert "2026-12-01T10:00:00+00:00" in slot_starts(api, "paid")
        # The next client gets the slot even before the sweep runs …
        assert book(api, "2026-12-01T10:00:00+00:00", "paid").status_code == 201
        # … and the sweep marks the old hold cancelled.
        [holds] = [s for s in schedules.schedules if "Holds" in s.logical_id]
        assert schedules.fire(holds) == {"released": 1}
    stored = collection(Collections.BOOKINGS).document(held["id"]).get().to_dict()
    assert stored is not None
    assert (stored["status"], stored["cancel_reason"]) == ("cancelled", "hold_expired")


def test_each_reminder_is_emitted_once_even_when_the_cron_runs_twice_at_once(
    api: TestClient, catalogue: None, schedules: ScheduleRunner, clean_stack: LocalStack
) -> None:
    url = probe_queue(
        clean_stack,
        "probe-reminders",
        {"source": ["milliintell.bookings"], "detail-type": ["reminder.due"]},
    )
    created = book(api, "2026-12-02T10:00:00+00:00").json()
    [reminders] = [s for s in schedules.schedules if "Reminders" in s.logical_id]

    def fire_twice_at(moment: datetime) -> None:
        with use_clock(FixedClock(moment)), ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda _: schedules.fire(reminders), range(2)))

    fire_twice_at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # 25 h before: nothing yet
    fire_twice_at(datetime(2026, 12, 1, 10, 5, tzinfo=UTC))  # 24 h reminder
    fire_twice_at(datetime(2026, 12, 1, 10, 10, tzinfo=UTC))
    fire_twice_at(datetime(2026, 12, 2, 8, 5, tzinfo=UTC))  # 2 h reminder
    kinds = [e["detail"]["data"]["kind"] for e in drain(clean_stack, url)]
    assert sorted(kinds) == ["24h", "2h"]

    # A reschedule re-arms; a cancel disarms.
    with use_clock(FixedClock(datetime(2026, 12, 1, 11, 0, tzinfo=UTC))):
        moved = api.post(
            f"/api/bookings/{created['id']}/reschedule",
            params={"token": created["manage_token"]},
            json={"start": "2026-12-03T10:00:00+00:00"},
        )
        assert moved.status_code == 200, moved.text
    fire_twice_at(datetime(2026, 12, 2, 10, 5, tzinfo=UTC))
    assert [e["detail"]["data"]["kind"] for e in drain(clean_stack, url)] == ["24h"]
    with use_clock(FixedClock(datetime(2026, 12, 2, 11, 0, tzinfo=UTC))):
        api.post(f"/api/bookings/{created['id']}/cancel", params={"token": created["manage_token"]})
    fire_twice_at(datetime(2026, 12, 3, 8, 5, tzinfo=UTC))
    assert drain(clean_stack, url) == []


def test_a_booking_becomes_a_contact_with_its_consent(
    api: TestClient, catalogue: None, queues: QueueRunner
) -> None:
    created = book(
        api,
        "2026-12-01T10:00:00+00:00",
        whatsapp_opt_in=True,
        whatsapp_consent_text="Yes, WhatsApp me about this booking.",
    ).json()
    queues.drain()
    booking = collection(Collections.BOOKINGS).document(created["id"]).get().to_dict()
    assert booking is not None
    assert booking["possible_duplicate_of"] == []
    contact = collection(Collections.CONTACTS).document(booking["contact_id"]).get().to_dict()
    assert contact is not None
    assert (contact["email"], contact["phone"]) == ("jo@example.com", "+447911123456")
    # The checkbox covers this booking's messages: it is logged, but it is not
    # the contact's general WhatsApp consent (only the number itself gives that).
    assert "whatsapp" not in (contact.get("consent") or {})
    [consent] = [c.to_dict() for c in collection(Collections.CONSENTS).stream()]
    assert consent is not None
    assert consent["wording"] == "Yes, WhatsApp me about this booking."
    assert (consent["scope"], consent["booking_id"]) == ("booking", created["id"])
    assert (consent["contact_id"], consent["address"]) == (booking["contact_id"], "+447911123456")


def _outbox(channel: str) -> list[dict[str, Any]]:
    return [
        doc.to_dict() or {}
        for doc in collection(Collections.OUTBOX).stream()
        if (doc.to_dict() or {}).get("channel") == channel
    ]


def test_booking_emails_reach_the_client_and_the_staff_member_once(
    api: TestClient, catalogue: None, queues: QueueRunner, clean_stack: LocalStack
) -> None:
    collection(Collections.STAFF).document("alex").update({"email": "alex@milliintell.local"})
    store.clear_cache()
    created = book(api, "2026-12-01T10:00:00+00:00", locale="fr-FR").json()
    # Deliver every email event twice, as SQS may.
    sqs = clean_stack.sqs_client()
    email_queue = clean_stack.queues["BookingsEmailQueue"].url
    pending = sqs.receive_message(QueueUrl=email_queue, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert len(pending.get("Messages", [])) == 1  # booking.confirmed
    for message in pending["Messages"]:
        sqs.send_message(QueueUrl=email_queue, MessageBody=message["Body"])
    queues.drain()
    emails = {(e["to"], e["subject"]) for e in _outbox("email")}
    assert len(_outbox("email")) == 2
    assert ("jo@example.com", "Votre réservation est confirmée : Consultation") in emails
    assert any(to == "alex@milliintell.local" for to, _ in emails)
    [client] = [e for e in _outbox("email") if e["to"] == "jo@example.com"]
    assert created["manage_url"] in client["text"]
    assert "mardi 1 décembre 2026" in client["text"]  # the client's locale and zone
    assert client["text"].startswith("Bonjour Jo")  # and language
    assert "50,00" in client["text"]
    [ics] = client["attachments"]
    assert ics["content_type"] == "text/calendar"

    api.post(f"/api/bookings/{created['id']}/cancel", params={"token": created["manage_token"]})
    queues.drain()
    subjects = [e["subject"] for e in _outbox("email") if e["to"] == "jo@example.com"]
    assert "Votre réservation est annulée : Consultation" in subjects
