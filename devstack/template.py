"""Reads template.yaml into the few facts the local stack needs.

There is no second, hand-kept list of queues, rules or schedules: whatever
the SAM template declares is what the local stack builds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


@dataclass(frozen=True)
class HttpFunction:
    logical_id: str
    handler: str  # "functions.bookings.app.handler"
    path_prefix: str  # "/api/bookings"

    @property
    def app_module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


@dataclass(frozen=True)
class Queue:
    logical_id: str
    visibility_timeout: int
    dead_letter_queue: str | None  # logical id
    max_receive_count: int | None


@dataclass(frozen=True)
class QueueConsumer:
    logical_id: str
    handler: str
    queue: str  # logical id
    batch_size: int
    reports_batch_item_failures: bool


@dataclass(frozen=True)
class Rule:
    logical_id: str
    event_pattern: dict[str, Any]
    target_queues: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    logical_id: str
    handler: str
    expression: str

    @property
    def period_seconds(self) -> int:
        return rate_to_seconds(self.expression)


@dataclass
class StackTemplate:
    http_functions: list[HttpFunction] = field(default_factory=list)
    queues: dict[str, Queue] = field(default_factory=dict)
    consumers: list[QueueConsumer] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    bus_logical_id: str | None = None


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_to_seconds(expression: str) -> int:
    match = _RATE.match(expression.strip())
    if not match:
        raise ValueError(f"the local stack runs rate(...) schedules only, not {expression!r}")
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    return amount * _UNIT_SECONDS[unit]


def _logical_id(reference: Any) -> str:
    """`!GetAtt Q.Arn` or `!Ref Q` as decoded by cfn-lint → "Q"."""
    if isinstance(reference, dict):
        if "Fn::GetAtt" in reference:
            target = reference["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
        if "Ref" in reference:
            return str(reference["Ref"])
    raise ValueError(f"expected !GetAtt or !Ref, got {reference!r}")


def _plain(value: Any) -> Any:
    """cfn-lint's decoded nodes as plain dicts, lists and strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def load_template(path: Path = TEMPLATE_PATH) -> StackTemplate:
    from cfnlint.decode import cfn_yaml

    document = _plain(cfn_yaml.load(str(path)))
    globals_ = document.get("Globals", {}).get("Function", {})
    stack = StackTemplate()
    resources: dict[str, Any] = document["Resources"]
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::Events::EventBus":
            stack.bus_logical_id = logical_id
        elif kind == "AWS::SQS::Queue":
            redrive = props.get("RedrivePolicy") or {}
            stack.queues[logical_id] = Queue(
                logical_id=logical_id,
                visibility_timeout=int(props.get("VisibilityTimeout", 30)),
                dead_letter_queue=_logical_id(redrive["deadLetterTargetArn"]) if redrive else None,
                max_receive_count=int(redrive["maxReceiveCount"]) if redrive else None,
            )
        elif kind == "AWS::Events::Rule" and "EventPattern" in props:
            stack.rules.append(
                Rule(
                    logical_id=logical_id,
                    event_pattern=props["EventPattern"],
                    target_queues=tuple(_logical_id(t["Arn"]) for t in props.get("Targets", [])),
                )
            )
        elif kind == "AWS::Serverless::Function":
            handler = props.get("Handler") or globals_.get("Handler")
            for event_id, event in (props.get("Events") or {}).items():
                event_props = event.get("Properties", {})
                if event["Type"] == "HttpApi":
                    prefix = event_props["Path"].split("/{", 1)[0]
                    if not any(f.logical_id == logical_id for f in stack.http_functions):
                        stack.http_functions.append(HttpFunction(logical_id, handler, prefix))
                elif event["Type"] == "SQS":
                    stack.consumers.append(
                        QueueConsumer(
                            logical_id=logical_id,
                            handler=handler,
                            queue=_logical_id(event_props["Queue"]),
                            batch_size=int(event_props.get("BatchSize", 10)),
                            reports_batch_item_failures="ReportBatchItemFailures"
                            in event_props.get("FunctionResponseTypes", []),
                        )
                    )
                elif event["Type"] in ("Schedule", "ScheduleV2"):
                    stack.schedules.append(
                        Schedule(
                            logical_id=f"{logical_id}.{event_id}",
                            handler=handler,
                            expression=event_props["ScheduleExpression"]
                            if "ScheduleExpression" in event_props
                            else event_props["Schedule"],
                        )
                    )
    return stack
