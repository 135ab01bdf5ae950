"""shared.events: publishing to EventBridge (on moto) and reading SQS records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from pydantic import ValidationError

from shared import events
from shared.clock import FixedClock, use_clock
from shared.config import reset_settings
from shared.events import (
    EventEnvelope,
    EventPublishError,
    Publisher,
    parse_eventbridge_event,
    parse_sqs_record,
)

BUS = "milliintell-test"
AT = datetime(2030, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)


@dataclass
class Bus:
    sqs: Any
    queue_url: str

    def receive(self) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_settings()
    events.reset_client()
    yield
    events.reset_client()


@pytest.fixture
def bus(aws_env: None) -> Iterator[Bus]:
    with mock_aws():
        eventbridge = boto3.client("events")
        sqs = boto3.client("sqs")
        eventbridge.create_event_bus(Name=BUS)
        queue_url = sqs.create_queue(QueueName="demo-consumer")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        eventbridge.put_rule(
            Name="demo-to-queue",
            EventBusName=BUS,
            EventPattern=json.dumps({"source": ["milliintell.demo"]}),
            State="ENABLED",
        )
        eventbridge.put_targets(
            Rule="demo-to-queue",
            EventBusName=BUS,
            Targets=[{"Id": "demo-consumer", "Arn": queue_arn}],
        )
        yield Bus(sqs=sqs, queue_url=queue_url)


def test_published_event_arrives_as_an_envelope(bus: Bus) -> None:
    with use_clock(FixedClock(AT)):
        sent = Publisher("demo").publish("thing.happened", {"a": 1})

    messages = bus.receive()
    assert len(messages) == 1
    received = parse_sqs_record({"body": messages[0]["Body"]})

    assert received.detail_type == "thing.happened"
    assert received.source == "milliintell.demo"
    assert received.envelope.version == 1
    assert received.event_id == sent.event_id
    assert received.event_id
    assert received.envelope.occurred_at == AT
    assert received.data == {"a": 1}
    assert sent.occurred_at == AT
    assert sent.data == {"a": 1}


def test_each_publish_gets_a_new_event_id(bus: Bus) -> None:
    first = Publisher("demo").publish("thing.happened", {"n": 1})
    second = Publisher("demo").publish("thing.happened", {"n": 2})

    received = {parse_sqs_record({"body": m["Body"]}).event_id for m in bus.receive()}
    assert first.event_id != second.event_id
    assert received == {first.event_id, second.event_id}


def test_a_deterministic_event_id_is_kept(bus: Bus) -> None:
    sent = Publisher("demo").publish("thing.happened", {"a": 1}, event_id="booking-42:created")

    [message] = bus.receive()
    assert sent.event_id == "booking-42:created"
    assert parse_sqs_record({"body": message["Body"]}).event_id == "booking-42:created"


def test_events_from_other_sources_are_not_routed(bus: Bus) -> None:
    Publisher("bookings").publish("thing.happened", {"a": 1})

    assert bus.receive() == []


def test_a_missing_bus_is_an_error(bus: Bus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENT_BUS_NAME", "no-such-bus")
    reset_settings()

    with pytest.raises(ClientError, match="no-such-bus"):
        Publisher("demo").publish("thing.happened", {"a": 1})


# ------------------------------------------------------- without AWS at all


class FakeEventBridge:
    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response
        self.calls: list[dict[str, Any]] = []

    def put_events(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return self.response


def test_publish_sends_one_entry_on_the_configured_bus(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEventBridge({"FailedEntryCount": 0, "Entries": [{"EventId": "x"}]})
    monkeypatch.setattr(events, "_client", fake)

    with use_clock(FixedClock(AT)):
        sent = Publisher("demo").publish("thing.happened", {"a": 1}, event_id="e1")

    [call] = fake.calls
    [entry] = call["Entries"]
    assert entry["EventBusName"] == BUS
    assert entry["Source"] == "milliintell.demo"
    assert entry["DetailType"] == "thing.happened"
    assert entry["Time"] == AT
    assert json.loads(entry["Detail"]) == {
        "version": 1,
        "event_id": "e1",
        "occurred_at": "2030-05-06T07:08:09.123000Z",
        "data": {"a": 1},
    }
    assert sent.event_id == "e1"


def test_a_refused_event_raises(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeEventBridge(
        {
            "FailedEntryCount": 1,
            "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try later"}],
        }
    )
    monkeypatch.setattr(events, "_client", fake)

    with pytest.raises(EventPublishError, match=r"refused thing\.happened: InternalFailure"):
        Publisher("demo").publish("thing.happened", {"a": 1})


# ------------------------------------------------------------------ parsing


def _record(detail: Any, detail_type: str = "thing.happened") -> dict[str, Any]:
    event = {
        "version": "0",
        "id": "eb-1",
        "detail-type": detail_type,
        "source": "milliintell.demo",
        "time": "2030-05-06T07:08:09Z",
        "detail": detail,
    }
    return {"messageId": "m1", "body": json.dumps(event)}


def _envelope(**overrides: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "event_id": "e1",
        "occurred_at": "2030-05-06T07:08:09Z",
        "data": {"a": 1},
        **overrides,
    }


def test_parse_sqs_record() -> None:
    received = parse_sqs_record(_record(_envelope()))

    assert received.detail_type == "thing.happened"
    assert received.source == "milliintell.demo"
    assert received.event_id == "e1"
    assert received.envelope.occurred_at == datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert received.data == {"a": 1}


def test_parse_eventbridge_event_matches_parse_sqs_record() -> None:
    record = _record(_envelope())

    assert parse_eventbridge_event(json.loads(record["body"])) == parse_sqs_record(record)


@pytest.mark.parametrize(
    "detail",
    [
        {"hello": "world"},
        {},
        _envelope(version=2),
        _envelope(event_id=""),
        _envelope(occurred_at="yesterday"),
        _envelope(data=[1, 2]),
        {k: v for k, v in _envelope().items() if k != "data"},
        "not an object",
    ],
)
def test_parse_rejects_a_detail_that_is_not_an_envelope(detail: Any) -> None:
    with pytest.raises(ValidationError):
        parse_sqs_record(_record(detail))


def test_parse_rejects_a_body_that_is_not_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        parse_sqs_record({"body": "not json"})


def test_envelope_forbids_extra_fields() -> None:
    with pytest.raises(ValidationError, match="extra"):
        EventEnvelope.model_validate(_envelope(tenant="acme"))

    with pytest.raises(ValidationError):
        parse_sqs_record(_record(_envelope(tenant="acme")))


def test_envelope_version_defaults_to_1() -> None:
    envelope = EventEnvelope(event_id="e1", occurred_at=AT, data={})

    assert envelope.version == 1
    assert EventEnvelope.model_validate_json(envelope.model_dump_json()) == envelope


def test_publisher_source_and_envelope() -> None:
    publisher = Publisher("bookings")

    with use_clock(FixedClock(AT)):
        envelope = publisher.envelope({"x": "y"})

    assert publisher.source == "milliintell.bookings"
    assert envelope.occurred_at == AT
    assert envelope.data == {"x": "y"}
    assert envelope.event_id
