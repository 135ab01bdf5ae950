"""Lambda entry points for SQS queues of domain events.

    notify = event_consumer(send_for_event)

gives a handler that parses each record's EventBridge event, calls
`send_for_event(event=...)` (usually guarded by `@idempotent("event", ...)`)
and reports the records that raised as `batchItemFailures`, so SQS retries
only those and dead-letters them after `maxReceiveCount`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from shared.events import ReceivedEvent, parse_sqs_record
from shared.idempotency import register_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


def event_consumer(
    handle_event: Callable[..., Any], before: Callable[[], None] | None = None
) -> Handler:
    processor = BatchProcessor(event_type=EventType.SQS)

    def handle_record(record: SQSRecord) -> None:
        event: ReceivedEvent = parse_sqs_record(record.raw_event)
        handle_event(event=event)

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if before is not None:
            before()
        register_lambda_context(context)
        return dict(
            process_partial_response(
                event=event, record_handler=handle_record, processor=processor, context=context
            )
        )

    handler.__doc__ = f"SQS entry point for {handle_event.__name__}."
    return handler
