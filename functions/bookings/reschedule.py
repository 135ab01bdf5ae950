"""Moving a booking: the new time's locks are taken with the change, and
only then is the old time freed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.bookings import locks, rules, store
from functions.bookings.availability import why_not_bookable
from functions.bookings.common import (
    aware,
    event_detail,
    events,
    load_service,
    manage_url,
    minimum_notice,
    said,
)
from functions.bookings.locks import Claim, SlotTaken
from functions.bookings.models import StoredBooking
from shared import clock
from shared.errors import Conflict, Invalid, NotFound
from shared.events import StagedEvent


def reschedule(
    booking_id: str,
    new_start: datetime,
    *,
    by_staff: bool,
    override: bool = False,
    manage_token: str | None = None,
) -> StoredBooking:
    now = clock.now()
    new_start = aware(new_start, "start")
    booking = store.get_booking(booking_id)
    if booking is None:
        raise NotFound("no such booking")
    if booking.status not in locks.ACTIVE_STATUSES:
        raise Conflict(f"a {said(booking.status)} booking cannot be rescheduled")
    if not by_staff and not rules.client_may_change(
        booking.status, booking.start_at, now, minimum_notice(booking)
    ):
        raise Conflict("this booking is too close to its start to change online; please contact us")
    service = load_service(booking.service_id, for_staff=by_staff)
    rules_ = rules.service_rules(booking.service_id, service)
    staff = store.get_staff([booking.staff_id]).get(booking.staff_id)
    if staff is None:
        raise Conflict("the staff member of this booking is no longer available")
    reason = why_not_bookable(
        rules_, rules.staff_schedule(booking.staff_id, staff), new_start, now, ignore_rules=override
    )
    if reason is not None:
        raise Invalid.field("start", reason[1])
    new_end = new_start + rules_.duration
    if new_start == booking.start_at:
        return booking
    old_locks = tuple(booking.lock_ids)
    old_seat = booking.seat_id
    keep = old_locks if not old_seat else ()
    staged: list[StagedEvent] = []
    moved: list[StoredBooking] = []

    def write(batch: Any, claim: Claim) -> None:
        changes = {
            "start_at": new_start,
            "end_at": new_end,
            **rules.busy_span(
                new_start, new_end, booking.buffer_before_minutes, booking.buffer_after_minutes
            ),
            "lock_ids": list(claim.lock_ids),
            "seat_id": claim.seat_id,
            "updated_at": now,
            "booked_at": now,
            "sequence": booking.sequence + 1,
            "previous_start_at": booking.start_at,
        }
        updated = booking.model_copy(
            update={k: v for k, v in changes.items() if k in StoredBooking.model_fields}
        )
        moved[:] = [updated]
        store.add_booking_update(batch, booking_id, changes)
        event_id = (
            f"booking.rescheduled:{booking_id}:{int(new_start.timestamp())}:{updated.sequence}"
        )
        staged[:] = [
            events.stage(
                batch,
                "booking.rescheduled",
                event_detail(
                    booking_id,
                    updated,
                    previous_start=booking.start_at.isoformat(),
                    manage_url=manage_url(booking_id, manage_token) if manage_token else None,
                ),
                event_id=event_id,
            )
        ]

    try:
        claim = locks.claim_and_write(
            booking_id,
            booking.staff_id,
            booking.service_id,
            service,
            new_start,
            new_end,
            write,
            keep,
        )
    except SlotTaken:
        raise Conflict("the new time has just been taken; please pick another slot") from None
    # The new time is ours; only now free the old one.
    locks.release([i for i in old_locks if i not in claim.lock_ids], old_seat)
    if old_seat:
        locks.release_group_if_empty(booking, service.seats)
    events.flush(staged)
    return moved[0]
