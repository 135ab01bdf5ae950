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
from typing import TYPE_CHECKING, Any

from functions.bookings import rules
from shared import clock
from shared.config import get_settings
from shared.events import Publisher, StagedEvent
from shared.firestore import Collections, client, collection, field_filter, run_transaction
from shared.logging import get_logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from google.cloud.firestore import DocumentReference, Transaction

logger = get_logger("bookings")
events = Publisher("bookings")
BATCH = 200


# ------------------------------------------------------------ completion
def _complete(ref: DocumentReference) -> StagedEvent | None:
    """Flip one booking to completed, staging its event in the same transaction.

    Returns the staged event, or None when someone changed the booking
    meanwhile (an overlapping run, a cancel, a reschedule).
    """
    from functions.bookings.operations import event_detail

    def work(transaction: Transaction) -> StagedEvent | None:
        data = ref.get(transaction=transaction).to_dict() or {}
        if data.get("status") != "confirmed" or data["end_at"] > clock.now():
            return None
        transaction.update(ref, {"status": "completed", "updated_at": clock.now()})
        data["status"] = "completed"
        return events.stage(
            transaction,
            "booking.completed",
            event_detail(ref.id, data),
            event_id=f"booking.completed:{ref.id}",
        )

    return run_transaction(work)


def complete_past_bookings(event: dict[str, Any], context: LambdaContext | None) -> dict[str, int]:
    """Mark confirmed bookings whose end has passed as completed.

    Safe to run twice at once or to retry: each flip is a transaction and
    each `booking.completed` has a deterministic id; events a failed run
    staged but did not publish go out on the next run.
    """
    republished = events.republish_pending()
    completed = 0
    while True:
        query = (
            collection(Collections.BOOKINGS)
            .where(filter=field_filter("status", "==", "confirmed"))
            .where(filter=field_filter("end_at", "<=", clock.now()))
            .order_by("end_at")
            .limit(BATCH)
        )
        documents = list(query.stream())
        staged = [done for doc in documents if (done := _complete(doc.reference))]
        events.flush(staged)
        completed += len(staged)
        if len(documents) < BATCH or not staged:
            break
    logger.info(
        "completed past bookings", extra={"completed": completed, "republished": republished}
    )
    return {"completed": completed, "republished": republished}


# ------------------------------------------------------------ holds
def release_expired_holds(event: dict[str, Any], context: LambdaContext | None) -> dict[str, int]:
    """Cancel bookings held for payment past their expiry, freeing their slots."""
    from functions.bookings.operations import expire_hold

    query = (
        collection(Collections.BOOKINGS)
        .where(filter=field_filter("status", "==", "pending_payment"))
        .where(filter=field_filter("hold_expires_at", "<=", clock.now()))
        .limit(BATCH)
    )
    released = sum(1 for doc in query.stream() if expire_hold(doc.id) is not None)
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
    from google.api_core.exceptions import AlreadyExists, Conflict

    from functions.bookings.operations import event_detail

    offsets = rules.reminder_offsets(get_settings().get("BOOKING_REMINDERS"))
    now = clock.now()
    horizon = now + max(offset for _, offset in offsets)
    query = (
        collection(Collections.BOOKINGS)
        .where(filter=field_filter("status", "==", "confirmed"))
        .where(filter=field_filter("start_at", ">", now))
        .where(filter=field_filter("start_at", "<=", horizon))
        .order_by("start_at")
    )
    emitted = 0
    for doc in query.stream():
        data = doc.to_dict() or {}
        booked_at = data.get("booked_at") or data.get("created_at") or data["start_at"]
        kind = rules.due_reminder(data["start_at"], booked_at, now, offsets)
        if kind is None:
            continue
        start_key = int(data["start_at"].timestamp())
        marker = collection(Collections.REMINDERS_SENT).document(f"{doc.id}:{kind}:{start_key}")
        batch = client().batch()
        batch.create(marker, {"at": now, "expires_at": data["end_at"] + timedelta(days=30)})
        staged = events.stage(
            batch,
            "reminder.due",
            event_detail(doc.id, data, kind=kind),
            event_id=f"reminder.due:{doc.id}:{kind}:{start_key}",
        )
        try:
            batch.commit()
        except (AlreadyExists, Conflict):
            continue  # already emitted, by an earlier or a simultaneous run
        events.flush([staged])
        emitted += 1
    logger.info("reminders emitted", extra={"emitted": emitted})
    return {"emitted": emitted}
