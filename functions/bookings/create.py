"""Booking a slot: check the rules, take the time's locks and write the
booking with its events in one commit, trying each free staff member."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from functions.bookings import locks, rules, store
from functions.bookings.availability import why_not_bookable
from functions.bookings.common import aware, event_detail, events, load_service, manage_url
from functions.bookings.locks import Claim, SlotTaken
from functions.bookings.models import (
    BookingCreate,
    StaffBookingCreate,
    StoredBooking,
    StoredService,
    StoredStaff,
)
from shared import clock, metrics
from shared.errors import Conflict, Invalid
from shared.events import StagedEvent
from shared.values import normalise_email, normalise_phone

# What the site's checkbox says (site/src/lib/data.ts), for callers that send no wording.
DEFAULT_CONSENT_TEXT = (
    "Send me this booking's confirmation, changes and reminders on WhatsApp. "
    "I can reply STOP at any time to opt out."
)


@dataclass(frozen=True)
class Booked:
    booking_id: str
    booking: StoredBooking
    manage_token: str | None


def _eligible_staff(service: StoredService, wanted: str | None) -> list[tuple[str, StoredStaff]]:
    staff_ids = list(service.staff_ids)
    if wanted is not None:
        if wanted not in staff_ids:
            raise Invalid.field("staff_id", "this staff member does not perform this service")
        staff_ids = [wanted]
    found = store.get_staff(staff_ids)
    return [(sid, found[sid]) for sid in staff_ids if sid in found and found[sid].active]


def _staff_with_stale_locks_cleared(
    staff_ids: list[str], service: StoredService, start: datetime, end: datetime
) -> list[str]:
    """Clear stale locks in these staff members' spans (one look at all their
    locks and holders); the members who had some, worth another try."""
    before = timedelta(minutes=service.buffer_before_minutes)
    after = timedelta(minutes=service.buffer_after_minutes)
    owner = {
        lock_id: staff_id
        for staff_id in staff_ids
        for lock_id in locks.span_lock_ids(staff_id, start, end, before, after)
    }
    cleared = {owner[i] for i in locks.cleared_stale_locks(list(owner), clock.now())}
    return [staff_id for staff_id in staff_ids if staff_id in cleared]


def create_booking(request: BookingCreate, *, created_by: str = "client") -> Booked:
    staff_request = isinstance(request, StaffBookingCreate)
    override = isinstance(request, StaffBookingCreate) and request.override_rules
    wanted_staff = request.staff_id if isinstance(request, StaffBookingCreate) else None
    now = clock.now()
    start = aware(request.start, "start")
    service = load_service(request.service_id, for_staff=staff_request)
    phone = normalise_phone(request.customer.phone, field="customer.phone")
    rules_ = rules.service_rules(request.service_id, service)
    end = start + rules_.duration
    candidates = _eligible_staff(service, wanted_staff)
    if not candidates:
        raise Invalid.field("service_id", "no staff member currently performs this service")

    reasons = []
    bookable = []
    for staff_id, staff_doc in candidates:
        schedule = rules.staff_schedule(staff_id, staff_doc)
        reason = why_not_bookable(rules_, schedule, start, now, ignore_rules=override)
        if reason is None:
            bookable.append(staff_id)
        else:
            reasons.append(reason)
    if not bookable:
        _, message = reasons[0]
        raise Invalid.field("start", message)

    booking_id = uuid.uuid4().hex
    token, token_hash = rules.new_manage_token()
    status = "pending_payment" if service.prepayment_required and not staff_request else "confirmed"
    consent = None
    if request.whatsapp_opt_in:
        consent = {
            "at": now,
            "source": "booking_form" if not staff_request else "staff",
            "wording": request.whatsapp_consent_text or DEFAULT_CONSENT_TEXT,
        }

    # Several staff members: first offer the time to each in turn and let the
    # commit's preconditions decide (a refusal costs one round trip); only if
    # every one refuses, clear stale locks (a crash, an expired hold) in all
    # their spans at once and try again those who had some. Concurrent
    # clients wanting the same start thus move on to the next staff member
    # at once, and a taken slot costs two reads, not two per staff member.
    def attempts() -> Iterator[tuple[bool, str]]:
        if service.seats > 1 or len(bookable) == 1:
            yield from ((True, staff_id) for staff_id in bookable)
            return
        yield from ((False, staff_id) for staff_id in bookable)
        retry = _staff_with_stale_locks_cleared(bookable, service, start, end)
        yield from ((True, staff_id) for staff_id in retry)

    for clear_stale, staff_id in attempts():
        data: dict[str, Any] = {
            "service_id": request.service_id,
            "service_name": service.name,
            "staff_id": staff_id,
            "status": status,
            "start_at": start,
            "end_at": end,
            "buffer_before_minutes": service.buffer_before_minutes,
            "buffer_after_minutes": service.buffer_after_minutes,
            **rules.busy_span(
                start, end, service.buffer_before_minutes, service.buffer_after_minutes
            ),
            "tz": request.tz,
            "locale": request.locale,
            "customer": {
                "name": request.customer.name,
                "email": normalise_email(request.customer.email),
                "phone": phone,
            },
            "notes": request.notes,
            "whatsapp_opt_in": request.whatsapp_opt_in,
            "whatsapp_consent": consent,
            "manage_token_hash": token_hash,
            "created_at": now,
            "updated_at": now,
            "booked_at": now,
            "created_by": created_by,
            "sequence": 0,
            "price": service.price.model_dump(),
        }
        if status == "pending_payment":
            data["hold_expires_at"] = rules.hold_expiry(now)
        staged: list[StagedEvent] = []

        def write(
            batch: Any,
            claim: Claim,
            data: dict[str, Any] = data,
            staged: list[StagedEvent] = staged,
        ) -> None:
            data["lock_ids"] = list(claim.lock_ids)
            data["seat_id"] = claim.seat_id
            store.add_booking_create(batch, booking_id, data)
            staged.clear()
            # The manage link travels on the private bus so the confirmation
            # email can carry it; only the token's hash is stored.
            booking = StoredBooking.model_validate(data)
            detail = event_detail(booking_id, booking, manage_url=manage_url(booking_id, token))
            kinds = ["booking.created"] + (["booking.confirmed"] if status == "confirmed" else [])
            staged.extend(
                events.stage_many(batch, [(kind, detail, f"{kind}:{booking_id}") for kind in kinds])
            )

        try:
            locks.claim_and_write(
                booking_id,
                staff_id,
                request.service_id,
                service,
                start,
                end,
                write,
                clear_stale=clear_stale,
            )
        except SlotTaken:
            continue
        events.flush(staged)
        metrics.count("BookingsCreated", by="staff" if staff_request else "client")
        return Booked(booking_id, StoredBooking.model_validate(data), token)
    metrics.count("BookingSlotTaken")
    raise Conflict("this time has just been taken; please pick another slot")
