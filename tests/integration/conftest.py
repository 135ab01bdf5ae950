"""The emulators, started once per test session on free ports.

`stack` is the same LocalStack `make run` uses (Firestore and Auth emulators,
moto's server with template.yaml's bus, queues and rules), in the `test`
stage. `clean_stack` wipes Firestore, Auth and every queue before a test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devstack.runner import QueueRunner, ScheduleRunner
from devstack.server import LocalGateway
from devstack.stack import LocalStack, reset_process_state


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    saved = dict(os.environ)
    local = LocalStack(stage="test", run_dir=Path(tmp_path_factory.mktemp("stack")))
    local.start()
    try:
        local.activate()
        local.provision()
        yield local
    finally:
        local.stop()
        os.environ.clear()
        os.environ.update(saved)
        reset_process_state()


@pytest.fixture
def clean_stack(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    stack.wipe()
    for name, value in stack.environment().items():
        monkeypatch.setenv(name, value)
    reset_process_state()
    return stack


@pytest.fixture
def gateway(clean_stack: LocalStack) -> LocalGateway:
    return LocalGateway(clean_stack.template)


@pytest.fixture
def api(gateway: LocalGateway) -> Iterator[TestClient]:
    with TestClient(gateway, base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.fixture
def queues(clean_stack: LocalStack) -> QueueRunner:
    """Drains template.yaml's queues into their consumers; failed messages come back at once."""
    return QueueRunner(
        clean_stack.template.consumers,
        clean_stack.queues,
        clean_stack.sqs_client(),
        retry_delay_seconds=0,
    )


@pytest.fixture
def schedules(clean_stack: LocalStack) -> ScheduleRunner:
    return ScheduleRunner(clean_stack.template.schedules)


@pytest.fixture
def many_bookings(clean_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raise (never remove) the booking limits, for tests that book in bulk
    from one test client with one customer (concurrency and seat tests)."""
    from shared.config import reset_settings

    for rule in ("BOOKINGS_ADDRESS", "BOOKINGS_EMAIL", "BOOKINGS_PHONE"):
        monkeypatch.setenv(f"RATE_LIMIT_{rule}", "1000/1m")
    reset_settings()


@pytest.fixture
def many_opt_ins(clean_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raise (never remove) the WhatsApp opt-in limits, for tests of what stands
    behind them (the once-a-day confirmation request)."""
    from shared.config import reset_settings

    for rule in ("WHATSAPP_OPT_IN_ADDRESS", "WHATSAPP_OPT_IN_PHONE"):
        monkeypatch.setenv(f"RATE_LIMIT_{rule}", "1000/1m")
    reset_settings()
