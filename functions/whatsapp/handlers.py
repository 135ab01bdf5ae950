"""WhatsApp queue consumers (Lambda entry points).

`notify` receives the events routed to WhatsappNotifyQueue (template.yaml)
and sends the template message each one calls for. SQS delivers at least
once, so each event is handled once per consumer (idempotency on its event
id), and the outbound message carries the event id as its dedupe key.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.whatsapp.messages import template_for
from shared.config import get_settings
from shared.events import ReceivedEvent, parse_sqs_record
from shared.idempotency import idempotent, register_lambda_context
from shared.logging import get_logger
from shared.providers import OutboundMessage, whatsapp_provider

logger = get_logger("whatsapp")
processor = BatchProcessor(event_type=EventType.SQS)


@idempotent("event", event_key_jmespath="envelope.event_id")
def send_for_event(*, event: ReceivedEvent) -> dict[str, Any]:
    message = template_for(event, get_settings())
    if message is None:
        logger.info("no WhatsApp message for this event", extra={"detail_type": event.detail_type})
        return {"sent": False, "reason": "no template for this event"}
    result = whatsapp_provider().send(
        OutboundMessage(
            channel="whatsapp",
            to=message.to,
            template=message.template,
            variables=message.variables,
            dedupe_key=f"{event.event_id}:whatsapp",
            metadata={"event_id": event.event_id, "detail_type": event.detail_type},
        )
    )
    logger.info("WhatsApp message sent", extra={"provider_message_id": result.provider_message_id})
    return {"sent": True, "provider_message_id": result.provider_message_id}


def handle_record(record: SQSRecord) -> None:
    send_for_event(event=parse_sqs_record(record.raw_event))


@logger.inject_lambda_context
def notify(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    get_settings().require("whatsapp")
    register_lambda_context(context)
    response = process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
    return dict(response)
