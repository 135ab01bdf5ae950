"""What every booking use case shares: the events they publish and what
those carry, the service a booking is for, the client's manage link, and
how a status is said in messages. The use cases: create.py, reschedule.py,
status.py; each step is one atomic Firestore write (locks, booking and its
staged events together), then the events are published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from functions.bookings import locks, rules, store
from functions.bookings.models import StoredBooking, StoredService
from shared.config import get_settings
from shared.errors import Invalid, NotFound
from shared.events import Publisher

events = Publisher("bookings")


def said(status: str) -> str:
    """A status as people say it, for messages."""
    return {"pending_payment": "held for payment", "no_show": "no-show"}.get(status, status)


def aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid.field(field, "must include a UTC offset, e.g. 2026-12-01T10:00:00+00:00")
    return value.astimezone(UTC)


def load_service(
    service_id: str, *, for_staff: bool = False, location: str = "body"
) -> StoredService:
    service = store.get_service(service_id)
    if service is None or (not service.active and not for_staff):
        raise Invalid.field("service_id", "no bookable service has this id", location)
    return service


def event_detail(booking_id: str, booking: StoredBooking, **extra: Any) -> dict[str, Any]:
    """What every booking event carries: enough for consumers to act without a read."""
    return {
        "booking_id": booking_id,
        "service_id": booking.service_id,
        "service_name": booking.service_name,
        "staff_id": booking.staff_id,
        "status": booking.status,
        "start": booking.start_at.isoformat(),
        "end": booking.end_at.isoformat(),
        "tz": booking.tz,
        "customer": booking.customer.model_dump(exclude_unset=True),
        "contact_id": booking.contact_id,
        "whatsapp_opt_in": booking.whatsapp_opt_in,
        "whatsapp_consent": booking.whatsapp_consent,
        "locale": booking.locale,
        "price": booking.price.model_dump() if booking.price else None,
        "notes": booking.notes,
        **extra,
    }


def get_for_client(booking_id: str, token: str | None) -> StoredBooking:
    """The booking if `token` is its manage token; 404 otherwise (no hint which)."""
    booking = store.get_booking(booking_id)
    if booking is None or not rules.token_matches(token, booking.manage_token_hash):
        raise NotFound("no booking matches this link")
    return booking


def minimum_notice(booking: StoredBooking) -> timedelta:
    service = store.get_service(booking.service_id)
    if service is None:  # a booking of a service since deleted: its default
        return timedelta(minutes=StoredService.model_fields["minimum_notice_minutes"].default)
    return timedelta(minutes=service.minimum_notice_minutes)


def free_time(booking: StoredBooking) -> None:
    """Free the time of a booking that no longer needs it."""
    if booking.seat_id:
        locks.release((), booking.seat_id)
        service = store.get_service(booking.service_id)
        locks.release_group_if_empty(booking, service.seats if service else 1)
        return
    locks.release(booking.lock_ids, None)


def manage_url(booking_id: str, token: str) -> str:
    """The client's link. The token rides in the fragment, which browsers never
    send: it stays out of gateway and proxy logs and Referer headers, and the
    manage page sends it in the X-Manage-Token header instead."""
    return f"{get_settings().public_base_url}/manage/{booking_id}#token={token}"


def ics_url(booking_id: str) -> str:
    """The calendar file; fetch it with the manage token in X-Manage-Token."""
    return f"{get_settings().public_base_url}/api/bookings/{booking_id}/ics"
