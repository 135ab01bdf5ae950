"""Bookings cron handlers (Lambda entry points, schedules in template.yaml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared import clock
from shared.events import Publisher
from shared.firestore import Collections, collection, field_filter, run_transaction
from shared.logging import get_logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from google.cloud.firestore import DocumentReference, Transaction

logger = get_logger("bookings")
events = Publisher("bookings")
BATCH = 200


def _complete(ref: DocumentReference) -> str | None:
    """Flip one booking to completed, staging its event in the same transaction.

    Returns the staged event id, or None when someone changed the booking
    meanwhile (an overlapping run, a cancel, a reschedule).
    """

    def work(transaction: Transaction) -> str | None:
        data = ref.get(transaction=transaction).to_dict() or {}
        if data.get("status") != "confirmed" or data["end_at"] > clock.now():
            return None
        transaction.update(ref, {"status": "completed", "updated_at": clock.now()})
        return events.stage(
            transaction,
            "booking.completed",
            {
                "booking_id": ref.id,
                "service_id": data["service_id"],
                "staff_id": data["staff_id"],
                "contact_id": data.get("contact_id"),
                "start": data["start_at"].isoformat(),
                "end": data["end_at"].isoformat(),
            },
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
        staged = [event_id for doc in documents if (event_id := _complete(doc.reference))]
        events.flush(staged)
        completed += len(staged)
        if len(documents) < BATCH or not staged:
            break
    logger.info(
        "completed past bookings", extra={"completed": completed, "republished": republished}
    )
    return {"completed": completed, "republished": republished}
