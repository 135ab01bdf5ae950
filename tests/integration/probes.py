"""A test-only queue subscribed to events on the local bus: what went out."""

from __future__ import annotations

import json
from typing import Any

from devstack.stack import BUS_NAME, LocalStack


def probe_queue(stack: LocalStack, name: str, pattern: dict[str, Any]) -> str:
    """A queue receiving every event that matches `pattern`; its URL."""
    events_client, sqs = stack.events_client(), stack.sqs_client()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events_client.put_rule(Name=name, EventBusName=BUS_NAME, EventPattern=json.dumps(pattern))
    events_client.put_targets(Rule=name, EventBusName=BUS_NAME, Targets=[{"Id": "p", "Arn": arn}])
    return str(url)


def drain(stack: LocalStack, url: str) -> list[dict[str, Any]]:
    """Every event waiting on the probe queue (bodies as EventBridge sent them), removed."""
    sqs = stack.sqs_client()
    found: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found
