"""devstack.runner: Lambda-shaped events and the local SQS poller (on moto)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.aws import QueueAddress
from devstack.runner import (
    LocalLambdaContext,
    QueueRunner,
    ScheduleRunner,
    load_handler,
    scheduled_event,
    sqs_event,
)
from devstack.template import QueueConsumer, Schedule

QUEUE = QueueAddress(
    name="WorkQueue",
    url="https://sqs.us-east-1.amazonaws.com/000000000000/WorkQueue",
    arn="arn:aws:sqs:us-east-1:000000000000:WorkQueue",
)


def _message(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "MessageId": f"id-{n}",
        "ReceiptHandle": f"handle-{n}",
        "Body": json.dumps({"n": n}),
        **extra,
    }


def test_sqs_event_builds_lambda_shaped_records() -> None:
    event = sqs_event(
        [
            _message(1, Attributes={"ApproximateReceiveCount": "2"}, MD5OfBody="abc"),
            _message(2),
        ],
        QUEUE,
    )

    assert list(event) == ["Records"]
    first, second = event["Records"]
    assert first == {
        "messageId": "id-1",
        "receiptHandle": "handle-1",
        "body": '{"n": 1}',
        "attributes": {"ApproximateReceiveCount": "2"},
        "messageAttributes": {},
        "md5OfBody": "abc",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE.arn,
        "awsRegion": "us-east-1",
    }
    assert second["messageId"] == "id-2"
    assert second["attributes"] == {}
    assert second["md5OfBody"] == ""


def test_sqs_event_of_no_messages_has_no_records() -> None:
    assert sqs_event([], QUEUE) == {"Records": []}


def test_sqs_event_records_parse_with_powertools() -> None:
    from aws_lambda_powertools.utilities.data_classes import SQSEvent

    parsed = SQSEvent(sqs_event([_message(1)], QUEUE))
    [record] = list(parsed.records)

    assert record.message_id == "id-1"
    assert record.receipt_handle == "handle-1"
    assert record.json_body == {"n": 1}
    assert record.event_source_arn == QUEUE.arn
    assert record.queue_url.endswith("/000000000000/WorkQueue")


SCHEDULE = Schedule("BookingsCompletePastFunction.Every15Minutes", "m.h", "rate(15 minutes)")


def test_scheduled_event_shape() -> None:
    event = scheduled_event(SCHEDULE, at=datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))

    assert uuid.UUID(event.pop("id"))
    assert event == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "time": "2030-01-02T03:04:05Z",
        "resources": ["local:schedule/BookingsCompletePastFunction.Every15Minutes"],
        "detail": {},
    }


def test_scheduled_event_defaults_to_now() -> None:
    event = scheduled_event(SCHEDULE)

    at = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - at).total_seconds()) < 5
    assert scheduled_event(SCHEDULE)["id"] != event["id"]


def test_context_remaining_time_decreases_within_the_timeout() -> None:
    context = LocalLambdaContext("WorkerFunction", timeout_seconds=20)

    first = context.get_remaining_time_in_millis()
    time.sleep(0.02)
    second = context.get_remaining_time_in_millis()

    assert 0 < second < first <= 20_000
    assert first > 19_000


def test_context_remaining_time_counts_from_start() -> None:
    context = LocalLambdaContext("F", timeout_seconds=20, started=time.monotonic() - 5)

    assert 14_000 < context.get_remaining_time_in_millis() <= 15_000


def test_context_remaining_time_never_goes_negative() -> None:
    context = LocalLambdaContext("F", timeout_seconds=3, started=time.monotonic() - 60)

    assert context.get_remaining_time_in_millis() == 0


def test_context_describes_the_function() -> None:
    context = LocalLambdaContext("WorkerFunction")

    assert context.invoked_function_arn.endswith(":function:WorkerFunction")
    assert context.function_version == "$LATEST"
    assert context.log_group_name == "/aws/lambda/WorkerFunction"
    assert context.memory_limit_in_mb == 512
    assert uuid.UUID(context.aws_request_id)
    assert LocalLambdaContext("F").aws_request_id != context.aws_request_id


def test_load_handler() -> None:
    loaded: object = load_handler("json.dumps")
    assert loaded is json.dumps

    with pytest.raises(AttributeError):
        load_handler("json.no_such_thing")
    with pytest.raises(ModuleNotFoundError):
        load_handler("no_such_module.handler")


# ---------------------------------------------------------- ScheduleRunner

fired: list[tuple[dict[str, Any], LocalLambdaContext]] = []


def scheduled_handler(event: dict[str, Any], context: LocalLambdaContext) -> str:
    fired.append((event, context))
    return "done"


def test_schedule_runner_fire_calls_the_handler() -> None:
    fired.clear()
    schedule = Schedule("TickFunction.Every5", f"{__name__}.scheduled_handler", "rate(5 minutes)")
    runner = ScheduleRunner([schedule])

    assert runner.fired == {"TickFunction.Every5": 0}
    assert runner.fire(schedule) == "done"
    assert runner.fired == {"TickFunction.Every5": 1}
    [(event, context)] = fired
    assert event["resources"] == ["local:schedule/TickFunction.Every5"]
    assert context.function_name == "TickFunction"


# ------------------------------------------------------- QueueRunner on moto


class RecordingHandler:
    """Fails the messages whose body says so; raises when told to."""

    def __init__(self, raise_error: bool = False) -> None:
        self.raise_error = raise_error
        self.calls: list[list[dict[str, Any]]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert isinstance(context, LocalLambdaContext)
        records = event["Records"]
        self.calls.append(records)
        if self.raise_error:
            raise RuntimeError("handler broke")
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in records if json.loads(r["body"])["fail"]
            ]
        }


class Sqs:
    def __init__(self, client: Any) -> None:
        self.client = client

    def queue(self, name: str, attributes: dict[str, str] | None = None) -> QueueAddress:
        url = self.client.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
        arn = self.client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        return QueueAddress(name, url, arn)

    def send(self, queue: QueueAddress, body: dict[str, Any]) -> None:
        self.client.send_message(QueueUrl=queue.url, MessageBody=json.dumps(body))

    def count(self, queue: QueueAddress) -> int:
        attributes = self.client.get_queue_attributes(
            QueueUrl=queue.url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sqs]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield Sqs(boto3.client("sqs"))


def _runner(
    sqs: Sqs,
    handler: RecordingHandler,
    *,
    reports_batch_item_failures: bool = True,
    max_receive_count: int = 3,
) -> tuple[QueueRunner, QueueConsumer, QueueAddress, QueueAddress]:
    dlq = sqs.queue("WorkDLQ")
    redrive = {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": max_receive_count}
    queue = sqs.queue("WorkQueue", {"RedrivePolicy": json.dumps(redrive)})
    consumer = QueueConsumer(
        logical_id="WorkerFunction",
        handler="not.imported.because.preloaded",
        queue="WorkQueue",
        batch_size=10,
        reports_batch_item_failures=reports_batch_item_failures,
    )
    runner = QueueRunner(
        [consumer], {"WorkQueue": queue, "WorkDLQ": dlq}, sqs.client, retry_delay_seconds=0
    )
    runner._handlers[consumer.logical_id] = handler
    return runner, consumer, queue, dlq


def test_poll_of_an_empty_queue_calls_nothing(sqs: Sqs) -> None:
    handler = RecordingHandler()
    runner, consumer, _, _ = _runner(sqs, handler)

    assert runner.poll(consumer) == 0
    assert handler.calls == []


def test_poll_deletes_what_succeeded_and_keeps_reported_failures(sqs: Sqs) -> None:
    handler = RecordingHandler()
    runner, consumer, queue, _ = _runner(sqs, handler)
    sqs.send(queue, {"n": 1, "fail": False})
    sqs.send(queue, {"n": 2, "fail": True})

    assert runner.poll(consumer) == 2

    [records] = handler.calls
    assert {r["eventSourceARN"] for r in records} == {queue.arn}
    assert sqs.count(queue) == 1
    [left] = sqs.client.receive_message(QueueUrl=queue.url)["Messages"]
    assert json.loads(left["Body"])["n"] == 2


def test_failures_are_ignored_without_report_batch_item_failures(sqs: Sqs) -> None:
    handler = RecordingHandler()
    runner, consumer, queue, _ = _runner(sqs, handler, reports_batch_item_failures=False)
    sqs.send(queue, {"n": 1, "fail": True})

    assert runner.poll(consumer) == 1
    assert sqs.count(queue) == 0


def test_a_raising_handler_leaves_the_whole_batch(sqs: Sqs) -> None:
    handler = RecordingHandler(raise_error=True)
    runner, consumer, queue, _ = _runner(sqs, handler)
    sqs.send(queue, {"n": 1, "fail": False})
    sqs.send(queue, {"n": 2, "fail": False})

    assert runner.poll(consumer) == 2
    assert sqs.count(queue) == 2


def test_drain_retries_then_dead_letters_a_poison_message(sqs: Sqs) -> None:
    handler = RecordingHandler()
    runner, _, queue, dlq = _runner(sqs, handler, max_receive_count=3)
    sqs.send(queue, {"n": 1, "fail": True})
    sqs.send(queue, {"n": 2, "fail": False})

    delivered = runner.drain(max_rounds=20)

    assert delivered == 4  # the good message once, the poison one three times
    bodies = [json.loads(r["body"])["n"] for records in handler.calls for r in records]
    assert sorted(bodies) == [1, 1, 1, 2]
    assert sqs.count(queue) == 0
    [dead] = sqs.client.receive_message(QueueUrl=dlq.url)["Messages"]
    assert json.loads(dead["Body"])["n"] == 1
