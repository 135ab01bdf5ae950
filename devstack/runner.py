"""Runs template.yaml's queue consumers and schedules, as Lambda would.

`QueueRunner` receives from each consumer's SQS queue, calls the handler
with an SQS-shaped event, deletes what succeeded, and leaves each reported
`batchItemFailures` entry (or the whole batch, if the handler raised) to be
received again; after `maxReceiveCount` receives SQS redrives it to the
dead-letter queue. Locally a failed message comes back after
`retry_delay_seconds` rather than the queue's full visibility timeout, so a
retry is seen in seconds.

`ScheduleRunner` calls each scheduled handler once shortly after start and
then every period of its `rate(...)` expression.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from devstack.aws import QueueAddress
from devstack.template import QueueConsumer, Schedule
from shared.logging import get_logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

Handler = Callable[[dict[str, Any], Any], Any]
logger = get_logger("local-runner")


def load_handler(dotted: str) -> Handler:
    module_name, _, attribute = dotted.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    return handler


@dataclass
class LocalLambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    timeout_seconds: int = 20
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


def sqs_event(messages: Sequence[Mapping[str, Any]], queue: QueueAddress) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue.arn,
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
    }


class QueueRunner:
    def __init__(
        self,
        consumers: list[QueueConsumer],
        queues: dict[str, QueueAddress],
        sqs: SQSClient,
        retry_delay_seconds: int = 2,
    ) -> None:
        self.consumers = consumers
        self.queues = queues
        self.sqs = sqs
        self.retry_delay_seconds = retry_delay_seconds
        self._handlers: dict[str, Handler] = {}

    def handler(self, consumer: QueueConsumer) -> Handler:
        if consumer.logical_id not in self._handlers:
            self._handlers[consumer.logical_id] = load_handler(consumer.handler)
        return self._handlers[consumer.logical_id]

    def poll(self, consumer: QueueConsumer, wait_seconds: int = 0) -> int:
        """Deliver one batch to one consumer; returns how many messages it got."""
        queue = self.queues[consumer.queue]
        response = self.sqs.receive_message(
            QueueUrl=queue.url,
            MaxNumberOfMessages=min(consumer.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        failed: set[str]
        try:
            result = self.handler(consumer)(
                sqs_event(messages, queue), LocalLambdaContext(consumer.logical_id)
            )
            failed = {
                item["itemIdentifier"]
                for item in (result or {}).get("batchItemFailures", [])
                if consumer.reports_batch_item_failures
            }
        except Exception:
            logger.exception(
                "consumer raised; the whole batch will be retried",
                extra={"consumer": consumer.logical_id},
            )
            failed = {message["MessageId"] for message in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        if retry:
            self.sqs.change_message_visibility_batch(
                QueueUrl=queue.url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self.retry_delay_seconds,
                    }
                    for i, m in enumerate(retry)
                ],
            )
        return len(messages)

    def drain(self, max_rounds: int = 1000) -> int:
        """Poll every consumer until no queue hands out a message; returns messages delivered."""
        delivered = 0
        for _ in range(max_rounds):
            got = sum(self.poll(consumer) for consumer in self.consumers)
            delivered += got
            if not got:
                break
        return delivered

    def run(self, stop: threading.Event, idle_sleep: float = 0.25) -> None:
        while not stop.is_set():
            try:
                got = sum(self.poll(consumer) for consumer in self.consumers)
            except Exception:
                logger.exception("queue polling failed; retrying")
                got = 0
            if not got:
                stop.wait(idle_sleep)


def scheduled_event(schedule: Schedule, at: datetime | None = None) -> dict[str, Any]:
    """What EventBridge Scheduler hands a Lambda target when no input is set."""
    at = at or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [f"local:schedule/{schedule.logical_id}"],
        "detail": {},
    }


class ScheduleRunner:
    def __init__(self, schedules: list[Schedule], first_run_after_seconds: float = 5) -> None:
        self.schedules = schedules
        self.first_run_after_seconds = first_run_after_seconds
        self.fired: dict[str, int] = {schedule.logical_id: 0 for schedule in schedules}

    def fire(self, schedule: Schedule) -> Any:
        result = load_handler(schedule.handler)(
            scheduled_event(schedule), LocalLambdaContext(schedule.logical_id.split(".")[0])
        )
        self.fired[schedule.logical_id] += 1
        return result

    def run(self, stop: threading.Event) -> None:
        start = time.monotonic()
        due = {s.logical_id: start + self.first_run_after_seconds for s in self.schedules}
        while not stop.is_set():
            now = time.monotonic()
            for schedule in self.schedules:
                if now >= due[schedule.logical_id]:
                    due[schedule.logical_id] = now + schedule.period_seconds
                    try:
                        self.fire(schedule)
                    except Exception:
                        logger.exception(
                            "scheduled handler failed", extra={"schedule": schedule.logical_id}
                        )
            stop.wait(0.5)
