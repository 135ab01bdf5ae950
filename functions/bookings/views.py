"""Response bodies built from stored bookings, shared by the public and staff apps."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from functions.bookings import operations, rules
from functions.bookings.models import BookingCreated, BookingView
from shared import clock


def calendar_summary(data: dict[str, Any]) -> str:
    return f"{data.get('service_name', 'Appointment')} with MilliIntell"


def booking_view(booking_id: str, data: dict[str, Any], token: str) -> BookingView:
    zone = ZoneInfo(data.get("tz", "UTC"))
    now = clock.now()
    active = data["status"] in ("pending_payment", "confirmed")
    may_change = active and rules.client_may_change(
        data["status"], data["start_at"], now, operations.minimum_notice(data)
    )
    return BookingView(
        id=booking_id,
        status=data["status"],
        service_id=data["service_id"],
        service_name=data.get("service_name", ""),
        start=data["start_at"].astimezone(zone),
        end=data["end_at"].astimezone(zone),
        tz=data.get("tz", "UTC"),
        customer=data["customer"],
        notes=data.get("notes", ""),
        hold_expires_at=data.get("hold_expires_at"),
        can_cancel=may_change,
        can_reschedule=may_change,
        ics_url=operations.ics_url(booking_id),
        google_calendar_url=rules.google_calendar_url(
            calendar_summary(data),
            operations.manage_url(booking_id, token),
            data["start_at"],
            data["end_at"],
        ),
    )


def create_booking_response(booked: operations.Booked, tz: str) -> BookingCreated:
    data, token = booked.data, booked.manage_token or ""
    zone = ZoneInfo(tz)
    return BookingCreated(
        id=booked.booking_id,
        status=data["status"],
        start=data["start_at"].astimezone(zone),
        end=data["end_at"].astimezone(zone),
        manage_token=token,
        manage_url=operations.manage_url(booked.booking_id, token),
        ics_url=operations.ics_url(booked.booking_id),
        google_calendar_url=rules.google_calendar_url(
            calendar_summary(data),
            operations.manage_url(booked.booking_id, token),
            data["start_at"],
            data["end_at"],
        ),
        hold_expires_at=data.get("hold_expires_at"),
    )
