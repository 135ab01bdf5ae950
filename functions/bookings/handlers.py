"""Bookings scheduled handlers (Lambda entry points; schedules in template.yaml).

- `send_reminders` (every 5 minutes) emits each `reminder.due` once per
  booking, kind and start time;
- `release_expired_holds` (every minute) frees slots held for payment;
- `complete_past_bookings` (every 15 minutes) marks finished bookings completed.

Queue consumers live in consumers.py, so these need not import the batch
utilities at cold start.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from functions.bookings import rules, store
from shared import clock
from shared.config import get_settings
from shared.events import Publisher, StagedEvent
from shared.logging import get_logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from google.cloud.firestore import Transaction

    from functions.bookings.models import StoredBooking

logger = get_logger("bookings")
events = Publisher("bookings")
BATCH = 200


# ------------------------------------------------------------ completion
def _complete(booking_id: str) -> StagedEvent | None:
    """Flip one booking to completed, staging its event in the same transaction.

    Returns the staged event, or None when someone changed the booking
    meanwhile (an overlapping run, a cancel, a reschedule).
    """
    from functions.bookings.common import event_detail

    def decide(booking: StoredBooking | None) -> dict[str, Any] | None:
        if booking is None or booking.status != "confirmed" or booking.end_at > clock.now():
            return None
        return {"status": "completed", "updated_at": clock.now()}

    def stage(transaction: Transaction, booking: StoredBooking) -> StagedEvent:
        return events.stage(
            transaction,
            "booking.completed",
            event_detail(booking_id, booking),
            event_id=f"booking.completed:{booking_id}",
        )

    done = store.transition(booking_id, decide, stage)
    return done[1] if done else None


def complete_past_bookings(event: dict[str, Any], context: LambdaContext | None) -> dict[str, int]:
    """Mark confirmed bookings whose end has passed as completed.

    Safe to run twice at once or to retry: each flip is a transaction and
    each `booking.completed` has a deterministic id; events a failed run
    staged but did not publish go out on the next run.
    """
    republished = events.republish_pending()
    completed = 0
    while True:
        ended = store.ended_confirmed_ids(clock.now(), BATCH)
        staged = [done for booking_id in ended if (done := _complete(booking_id))]
        events.flush(staged)
        completed += len(staged)
        if len(ended) < BATCH or not staged:
            break
    logger.info(
        "completed past bookings", extra={"completed": completed, "republished": republished}
    )
    return {"completed": completed, "republished": republished}


# ------------------------------------------------------------ holds
def release_expired_holds(event: dict[str, Any], context: LambdaContext | None) -> dict[str, int]:
    """Cancel bookings held for payment past their expiry, freeing their slots."""
    from functions.bookings.status_changes import expire_hold

    expired = store.expired_hold_ids(clock.now(), BATCH)
    released = sum(1 for booking_id in expired if expire_hold(booking_id) is not None)
    logger.info("released expired holds", extra={"released": released})
    return {"released": released}


# ------------------------------------------------------------ reminders
def send_reminders(event: dict[str, Any], context: LambdaContext | None) -> dict[str, int]:
    """Emit `reminder.due` for every confirmed booking whose reminder time has come.

    Exactly once per booking, kind and start time: the event is staged in
    the same atomic batch that `create()`s a marker document named after all
    three, so a second run (even a simultaneous one) finds the marker and
    skips; a reschedule changes the start and so re-arms the reminder; a
    cancelled booking is no longer confirmed and gets none.
    """
    from functions.bookings.common import event_detail

    offsets = get_settings().booking_reminders
    now = clock.now()
    horizon = now + max(offset for _, offset in offsets)
    emitted = 0
    for booking_id, booking in store.confirmed_starting_between(now, horizon):
        booked_at = booking.booked_at or booking.created_at or booking.start_at
        kind = rules.due_reminder(booking.start_at, booked_at, now, offsets)
        if kind is None:
            continue
        start_key = int(booking.start_at.timestamp())
        stage = partial(
            events.stage,
            detail_type="reminder.due",
            detail=event_detail(booking_id, booking, kind=kind),
            event_id=f"reminder.due:{booking_id}:{kind}:{start_key}",
        )
        marker = f"{booking_id}:{kind}:{start_key}"
        expires = booking.end_at + timedelta(days=30)
        staged = store.mark_reminder_sent(marker, now, expires, stage)
        if staged is None:
            continue  # already emitted, by an earlier or a simultaneous run
        events.flush([staged])
        emitted += 1
    logger.info("reminders emitted", extra={"emitted": emitted})
    return {"emitted": emitted}
