"""functions/bookings/emails.py: what each booking email says."""

from __future__ import annotations

from typing import Any

from functions.bookings.emails import booking_emails

DATA: dict[str, Any] = {
    "booking_id": "b1",
    "start": "2026-12-01T10:00:00+00:00",
    "end": "2026-12-01T11:00:00+00:00",
    "tz": "Europe/London",
    "locale": "en-GB",
    "customer": {"name": "Jo <Client>", "email": "jo@example.com", "phone": "+447911123456"},
    "service_name": "Deep clean",
    "price": {"amount": 9500, "currency": "GBP"},
    "notes": "door code 12",
}


def test_confirmation_has_time_price_link_and_calendar_file() -> None:
    client, staff = booking_emails(
        "booking.confirmed", DATA, manage_url="https://x/manage/b1?token=t", staff_email="a@x.com"
    )
    assert client.to == "jo@example.com"
    assert client.subject == "Your booking is confirmed: Deep clean"
    assert "Tuesday, 1 December 2026, 10:00" in client.text
    assert "£95.00" in client.text
    assert "https://x/manage/b1?token=t" in client.text
    assert client.attach_ics
    assert client.html is not None
    assert "Jo &lt;Client&gt;" in client.html  # escaped in HTML
    assert staff.to == "a@x.com"
    assert "door code 12" in staff.text
    assert staff.subject.startswith("New booking: Deep clean")


def test_zero_decimal_currency_and_the_clients_zone() -> None:
    data = DATA | {
        "price": {"amount": 5000, "currency": "JPY"},
        "tz": "Asia/Tokyo",
        "locale": "en-US",
    }
    [client] = booking_emails("booking.confirmed", data, manage_url=None, staff_email=None)
    assert "¥5,000" in client.text
    assert "7:00" in client.text  # 10:00 UTC is 19:00 in Tokyo
    assert "Asia/Tokyo" in client.text


def test_cancellation_has_no_manage_link_or_calendar_file() -> None:
    client, _ = booking_emails(
        "booking.cancelled", DATA, manage_url="https://x/manage/b1?token=t", staff_email="a@x.com"
    )
    assert "manage" not in client.text
    assert not client.attach_ics


def test_reminders_go_to_the_client_only_and_unknown_events_send_nothing() -> None:
    [reminder] = booking_emails("reminder.due", DATA, manage_url=None, staff_email="a@x.com")
    assert reminder.subject.startswith("Reminder: Deep clean")
    assert booking_emails("booking.created", DATA, manage_url=None, staff_email="a@x.com") == []


def test_a_rescheduled_booking_shows_the_previous_time() -> None:
    data = DATA | {"previous_start": "2026-11-30T09:00:00+00:00"}
    client, _ = booking_emails("booking.rescheduled", data, manage_url=None, staff_email="a@x.com")
    assert "Previously: Monday, 30 November 2026, 09:00" in client.text
