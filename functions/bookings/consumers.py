"""Bookings queue consumers (Lambda entry points; queues and rules in template.yaml).

- `record_contacts` (booking.created) upserts the client as a contact, with
  the WhatsApp consent given on the booking form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from shared.events import ReceivedEvent, parse_sqs_record
from shared.firestore import Collections, collection
from shared.idempotency import idempotent, register_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


@idempotent("event", event_key_jmespath="envelope.event_id")
def record_contact(*, event: ReceivedEvent) -> dict[str, Any]:
    """Upsert the booking's client as a contact (with WhatsApp consent if given)."""
    from shared.contacts import Consent, upsert_contact

    data = event.data
    customer = data["customer"]
    consent = None
    if data.get("whatsapp_opt_in") and data.get("whatsapp_consent"):
        given = data["whatsapp_consent"]
        consent = Consent(
            channel="whatsapp",
            action="opt_in",
            source=str(given.get("source", "booking_form")),
            wording=str(given.get("wording", "")),
            at=event.envelope.occurred_at,
        )
    contact_id = upsert_contact(
        name=customer.get("name"),
        email=customer.get("email"),
        phone=customer.get("phone"),
        source="booking",
        consent=consent,
    )
    collection(Collections.BOOKINGS).document(data["booking_id"]).update({"contact_id": contact_id})
    return {"contact_id": contact_id}


def _record(record: SQSRecord) -> None:
    record_contact(event=parse_sqs_record(record.raw_event))


def record_contacts(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    register_lambda_context(context)
    return dict(
        process_partial_response(
            event=event, record_handler=_record, processor=processor, context=context
        )
    )
