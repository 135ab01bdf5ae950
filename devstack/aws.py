"""Builds template.yaml's bus, queues, dead-letter queues and rules on moto."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devstack.template import StackTemplate

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class QueueAddress:
    name: str
    url: str
    arn: str


def provision(
    stack: StackTemplate, bus_name: str, events: EventBridgeClient, sqs: SQSClient
) -> dict[str, QueueAddress]:
    """Create everything (idempotently) and return each queue's address by logical id."""
    existing_buses = {bus["Name"] for bus in events.list_event_buses()["EventBuses"]}
    if bus_name not in existing_buses:
        events.create_event_bus(Name=bus_name)

    addresses: dict[str, QueueAddress] = {}
    # Dead-letter queues first: a source queue's redrive policy names its DLQ's ARN.
    ordered = sorted(stack.queues.values(), key=lambda q: q.dead_letter_queue is not None)
    for queue in ordered:
        attributes: dict[Any, str] = {"VisibilityTimeout": str(queue.visibility_timeout)}
        if queue.dead_letter_queue:
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": addresses[queue.dead_letter_queue].arn,
                    "maxReceiveCount": queue.max_receive_count,
                }
            )
        url = sqs.create_queue(QueueName=queue.logical_id, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        addresses[queue.logical_id] = QueueAddress(queue.logical_id, url, arn)

    for rule in stack.rules:
        events.put_rule(
            Name=rule.logical_id,
            EventBusName=bus_name,
            EventPattern=json.dumps(rule.event_pattern),
            State="ENABLED",
        )
        events.put_targets(
            Rule=rule.logical_id,
            EventBusName=bus_name,
            Targets=[
                {"Id": queue_id, "Arn": addresses[queue_id].arn} for queue_id in rule.target_queues
            ],
        )
    return addresses
