"""functions/bookings/rules.py and locks.span_lock_ids: pure booking rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from functions.bookings import rules
from functions.bookings.locks import span_lock_ids
from functions.bookings.models import ServiceIn, StoredBooking, StoredService, StoredStaff
from shared.config import parse_reminder_offsets

START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
OFFSETS = parse_reminder_offsets("24h,2h")


def test_reminder_offsets_parse_and_sort_longest_first() -> None:
    assert list(parse_reminder_offsets("2h,24h")) == [
        ("24h", timedelta(hours=24)),
        ("2h", timedelta(hours=2)),
    ]
    assert list(parse_reminder_offsets("90m,2d")) == [
        ("2d", timedelta(days=2)),
        ("90m", timedelta(minutes=90)),
    ]
    assert parse_reminder_offsets(None) == OFFSETS
    with pytest.raises(ValueError, match="like 24h"):
        parse_reminder_offsets("soon")


@pytest.mark.parametrize(
    ("booked_at", "now", "due"),
    [
        (START - timedelta(days=5), START - timedelta(hours=25), None),
        (START - timedelta(days=5), START - timedelta(hours=24), "24h"),
        (START - timedelta(days=5), START - timedelta(hours=3), "24h"),
        (START - timedelta(days=5), START - timedelta(hours=2), "2h"),
        (START - timedelta(days=5), START - timedelta(minutes=1), "2h"),
        (START - timedelta(days=5), START, None),
        # Booked 3 hours ahead: no "24h" reminder, only the 2-hour one.
        (START - timedelta(hours=3), START - timedelta(hours=2, minutes=55), None),
        (START - timedelta(hours=3), START - timedelta(hours=1), "2h"),
        # Booked 30 minutes ahead: no reminder at all.
        (START - timedelta(minutes=30), START - timedelta(minutes=10), None),
    ],
)
def test_due_reminder(booked_at: datetime, now: datetime, due: str | None) -> None:
    assert rules.due_reminder(START, booked_at, now, OFFSETS) == due


def test_manage_tokens_are_random_and_only_their_hash_matches() -> None:
    token, stored = rules.new_manage_token()
    other, _ = rules.new_manage_token()
    assert token != other
    assert len(token) >= 40
    assert token not in stored
    assert rules.token_matches(token, stored)
    assert not rules.token_matches(other, stored)
    assert not rules.token_matches(None, stored)
    assert not rules.token_matches(token, None)


@pytest.mark.parametrize(
    ("status", "now", "allowed"),
    [
        ("confirmed", START - timedelta(hours=2), True),
        ("confirmed", START - timedelta(minutes=59), False),
        ("pending_payment", START - timedelta(days=1), True),
        ("cancelled", START - timedelta(days=1), False),
        ("completed", START - timedelta(days=1), False),
    ],
)
def test_client_may_change(status: str, now: datetime, allowed: bool) -> None:
    assert rules.client_may_change(status, START, now, timedelta(hours=1)) is allowed


def test_ics_has_the_event_an_alarm_and_escapes_text() -> None:
    body = rules.ics_document(
        booking_id="b1",
        summary="Deep clean\r\nwith Alex",
        description="Manage: https://example.com/manage/b1#token=t",
        start=START,
        end=START + timedelta(hours=2),
        created=START - timedelta(days=1),
        organizer_email="hello@example.com",
        status="confirmed",
        sequence=2,
        domain="milliintell",
    ).decode()
    assert "BEGIN:VEVENT" in body
    assert "UID:b1@milliintell" in body
    assert "DTSTART:20261202T100000Z" in body
    assert "DTEND:20261202T120000Z" in body
    assert "SEQUENCE:2" in body
    assert "BEGIN:VALARM" in body
    assert "TRIGGER:-PT1H" in body
    assert "SUMMARY:Deep clean with Alex" in body
    cancelled = rules.ics_document(
        booking_id="b1",
        summary="x",
        description="",
        start=START,
        end=START,
        created=START,
        organizer_email=None,
        status="cancelled",
        sequence=3,
        domain="d",
    ).decode()
    assert "STATUS:CANCELLED" in cancelled
    assert "METHOD:CANCEL" in cancelled


def test_google_calendar_link() -> None:
    url = rules.google_calendar_url("Consultation", "see you", START, START + timedelta(hours=1))
    assert url.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert "dates=20261202T100000Z%2F20261202T110000Z" in url
    assert "text=Consultation" in url


def test_staff_documents_become_schedules() -> None:
    stored = {
        "name": "Alex",
        "time_zone": "Europe/London",
        "weekly_hours": {"mon": [{"start": "09:00", "end": "12:00"}], "sun": []},
        "overrides": [{"date": "2026-12-25", "ranges": []}],
    }
    schedule = rules.staff_schedule("alex", StoredStaff.model_validate(stored))
    assert schedule.weekly_hours[0] == [(time(9), time(12))]
    assert schedule.weekly_hours[6] == []
    assert schedule.overrides == {date(2026, 12, 25): []}


def test_span_lock_ids_cover_buffers_and_touching_spans_share_none() -> None:
    ten = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    hour = span_lock_ids("a", ten, ten + timedelta(hours=1), timedelta(0), timedelta(0))
    assert len(hour) == 12
    next_hour = span_lock_ids(
        "a", ten + timedelta(hours=1), ten + timedelta(hours=2), timedelta(0), timedelta(0)
    )
    assert not set(hour) & set(next_hour)
    half_past = span_lock_ids(
        "a", ten + timedelta(minutes=30), ten + timedelta(hours=1), timedelta(0), timedelta(0)
    )
    assert set(half_past) < set(hour)
    buffered = span_lock_ids(
        "a", ten, ten + timedelta(hours=1), timedelta(0), timedelta(minutes=15)
    )
    assert set(buffered) & set(next_hour)
    other_staff = span_lock_ids("b", ten, ten + timedelta(hours=1), timedelta(0), timedelta(0))
    assert not set(hour) & set(other_staff)


def test_booking_documents_become_booked_time() -> None:
    def doc(hour: int, **fields: object) -> dict[str, object]:
        start = START.replace(hour=hour)
        return {
            "service_id": "cut",
            "start_at": start,
            "end_at": start + timedelta(hours=1),
        } | fields

    now = START - timedelta(days=1)
    booked = rules.booked_time(
        [
            doc(9),  # no buffer fields: none
            doc(11, buffer_before_minutes=7, buffer_after_minutes=0, service_id="dye"),
        ],
        [
            doc(13, buffer_after_minutes=15, hold_expires_at=now + timedelta(minutes=1)),
            doc(15, hold_expires_at=now),  # expired: blocks nothing
            doc(16, hold_expires_at=None),  # a hold without an expiry blocks
        ],
        now=now,
    )
    at = START.replace
    assert list(booked.sorted_opens) == [
        at(hour=9).timestamp(),
        at(hour=10, minute=53).timestamp(),
        at(hour=13).timestamp(),
        at(hour=16).timestamp(),
    ]
    assert list(booked.sorted_closes) == [
        at(hour=10).timestamp(),
        at(hour=12).timestamp(),
        at(hour=14, minute=15).timestamp(),
        at(hour=17).timestamp(),
    ]
    assert [span[0] for span in booked.spans()] == ["cut", "dye", "cut", "cut"]
    # Stored busy spans are read as they are (and agree with the worked-out ones).
    stored = [
        doc(hour) | rules.busy_span(START.replace(hour=hour), START.replace(hour=hour + 1), 0, 0)
        for hour in (9, 8)
    ]
    from_stored = rules.booked_time(stored)
    assert list(from_stored.sorted_opens) == [at(hour=8).timestamp(), at(hour=9).timestamp()]
    assert list(from_stored.sorted_closes) == [at(hour=9).timestamp(), at(hour=10).timestamp()]
    with pytest.raises(ValueError, match="now"):
        rules.booked_time([], [doc(13)])


def test_booking_documents_are_grouped_by_staff_member_in_order() -> None:
    docs = [{"staff_id": s, "n": n} for n, s in enumerate(["ann", "bob", "ann", "cy", "ann"])]
    grouped = rules.by_staff(docs, ["ann", "bob", "dee"])
    assert {k: [d["n"] for d in v] for k, v in grouped.items()} == {
        "ann": [0, 2, 4],
        "bob": [1],
        "dee": [],
    }


def test_a_stored_service_has_one_set_of_defaults() -> None:
    """A document missing optional fields reads with ServiceIn's defaults
    (reads used to fall back to 0 minutes' notice where the model said 60)."""
    stored = StoredService.model_validate(
        {
            "name": "Consultation",
            "duration_minutes": 30,
            "price": {"amount": 5000, "currency": "GBP"},
            "staff_ids": ["alex"],
            "written_by_an_older_version": True,
        }
    )
    service = rules.service_rules("consultation", stored)
    assert service.minimum_notice == timedelta(minutes=60)
    assert service.booking_window == timedelta(days=60)
    assert (service.slot_interval, service.seats) == (timedelta(minutes=15), 1)
    assert stored.active
    assert not stored.prepayment_required
    for name, field in StoredService.model_fields.items():
        assert ServiceIn.model_fields[name].default == field.default, name


def test_a_stored_booking_reads_with_its_defaults_and_events_keep_its_shape() -> None:
    from functions.bookings.common import event_detail

    stored = StoredBooking.model_validate(
        {
            "service_id": "consultation",
            "staff_id": "alex",
            "status": "confirmed",
            "start_at": START,
            "end_at": START + timedelta(minutes=30),
            "customer": {"name": "Sam", "email": "sam@example.com"},
            "field_of_an_older_version": 1,
        }
    )
    assert (stored.tz, stored.locale, stored.sequence, stored.lock_ids) == ("UTC", "en-GB", 0, [])
    detail = event_detail("b1", stored)
    assert detail["customer"] == {"name": "Sam", "email": "sam@example.com"}
    assert (detail["service_name"], detail["price"], detail["notes"]) == ("", None, "")
