"""The canned events in tests/events are what the consumers really receive:
each parses as our envelope, and template.yaml routes it to the queue whose
consumer the integration tests hand it to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.template import load_template
from shared.events import parse_sqs_record
from tests.events import load, names


def matches(pattern: Any, value: Any) -> bool:
    """EventBridge's matching, for the literal lists and nested objects our rules use."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            matches(sub, value.get(key)) for key, sub in pattern.items()
        )
    return value in pattern


def routed_queues(event: dict[str, Any]) -> set[str]:
    return {
        queue
        for rule in load_template().rules
        if matches(rule.event_pattern, event)
        for queue in rule.target_queues
    }


@pytest.mark.parametrize("name", names())
def test_each_canned_sqs_event_parses_as_our_envelope(name: str) -> None:
    [record] = load(name)["Records"]
    event = parse_sqs_record(record)
    assert event.event_id
    assert event.source.startswith("milliintell.")
    assert event.data["booking_id"] == "bk-canned-1"


@pytest.mark.parametrize("name", names())
def test_each_canned_sqs_event_is_routed_to_the_queue_it_names(name: str) -> None:
    [record] = load(name)["Records"]
    queue = record["eventSourceARN"].rsplit(":", 1)[1]
    assert queue in routed_queues(json.loads(record["body"]))


def test_the_scheduled_event_is_an_eventbridge_scheduler_invocation() -> None:
    event = load("scheduled.json")
    assert event["source"] == "aws.scheduler"
    assert event["detail-type"] == "Scheduled Event"
