"""Canned Lambda events, as AWS delivers them (aws-samples' serverless-test-samples
keep theirs in `events/`): SQS batches whose bodies are the EventBridge events
template.yaml's rules route, and an EventBridge Scheduler invocation.

    event = load("booking_confirmed.sqs.json")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parent


def load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def names(suffix: str = ".sqs.json") -> list[str]:
    return sorted(path.name for path in EVENTS.glob(f"*{suffix}"))
