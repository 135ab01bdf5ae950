"""Response bodies built from stored bookings, shared by the public and staff apps."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from functions.bookings import common, rules
from functions.bookings.create import Booked
from functions.bookings.models import BookingCreated, BookingView, StoredBooking
from shared import clock


def booking_view(booking_id: str, booking: StoredBooking, token: str) -> BookingView:
    zone = ZoneInfo(booking.tz)
    now = clock.now()
    active = booking.status in ("pending_payment", "confirmed")
    may_change = active and rules.client_may_change(
        booking.status, booking.start_at, now, common.minimum_notice(booking)
    )
    return BookingView(
        id=booking_id,
        status=booking.status,
        service_id=booking.service_id,
        service_name=booking.service_name,
        start=booking.start_at.astimezone(zone),
        end=booking.end_at.astimezone(zone),
        tz=booking.tz,
        customer=booking.customer,
        notes=booking.notes,
        hold_expires_at=booking.hold_expires_at,
        can_cancel=may_change,
        can_reschedule=may_change,
        ics_url=common.ics_url(booking_id),
        google_calendar_url=rules.google_calendar_url(
            rules.calendar_summary(booking.service_name),
            common.manage_url(booking_id, token),
            booking.start_at,
            booking.end_at,
        ),
    )


def create_booking_response(booked: Booked, tz: str) -> BookingCreated:
    booking, token = booked.booking, booked.manage_token or ""
    zone = ZoneInfo(tz)
    return BookingCreated(
        id=booked.booking_id,
        status=booking.status,
        start=booking.start_at.astimezone(zone),
        end=booking.end_at.astimezone(zone),
        manage_token=token,
        manage_url=common.manage_url(booked.booking_id, token),
        ics_url=common.ics_url(booked.booking_id),
        google_calendar_url=rules.google_calendar_url(
            rules.calendar_summary(booking.service_name),
            common.manage_url(booked.booking_id, token),
            booking.start_at,
            booking.end_at,
        ),
        hold_expires_at=booking.hold_expires_at,
    )
