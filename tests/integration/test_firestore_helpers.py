"""shared.firestore, shared.contacts and shared.idempotency against the real emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from devstack.stack import LocalStack
from shared.contacts import upsert_contact
from shared.firestore import (
    Collections,
    InvalidCursor,
    client,
    collection,
    create_if_absent,
    paginate,
    run_transaction,
)
from shared.idempotency import idempotent

pytestmark = pytest.mark.integration


def test_create_if_absent_lets_exactly_one_racer_win(clean_stack: LocalStack) -> None:
    ref = client().collection("race").document("slot-1")
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda i: create_if_absent(ref, {"by": i}), range(16)))
    assert results.count(True) == 1
    assert ref.get().to_dict() == {"by": results.index(True)}


def test_transactions_serialise_concurrent_increments(clean_stack: LocalStack) -> None:
    ref = client().collection("counters").document("c")
    ref.set({"n": 0})

    def increment(_: int) -> None:
        def work(transaction: Any) -> None:
            value = ref.get(transaction=transaction).get("n")
            transaction.update(ref, {"n": value + 1})

        run_transaction(work, max_attempts=30)

    # Small on purpose: the emulator resolves each conflict after a ~2 s lock wait.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(increment, range(4)))
    assert ref.get().to_dict() == {"n": 4}


def test_paginate_walks_every_document_once_even_when_new_ones_arrive(
    clean_stack: LocalStack,
) -> None:
    things = client().collection("things")
    for i in range(25):
        things.document(f"t{i:02d}").set({"rank": i})
    query = things.order_by("rank")

    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = paginate(query, 10, cursor)
        seen += [doc.get("rank") for doc in page.items]
        pages += 1
        if pages == 1:
            things.document("early").set({"rank": -1})  # sorts before the cursor: not repeated
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(range(25))
    assert pages == 3


def test_paginate_refuses_cursors_it_did_not_issue(clean_stack: LocalStack) -> None:
    client().collection("things").document("a").set({"rank": 1})
    query = client().collection("things").order_by("rank")
    with pytest.raises(InvalidCursor):
        paginate(query, 10, "!!!")
    with pytest.raises(InvalidCursor):
        paginate(query, 10, "c2VydmljZXMvYQ")  # "services/a": another collection


def test_one_person_signing_up_twice_at_once_is_one_contact(clean_stack: LocalStack) -> None:
    def sign_up(i: int) -> str:
        return upsert_contact(
            name="Jo",
            email="Jo@Example.com " if i % 2 else "jo@example.com",
            phone="+447911123456",
            source=f"test{i}",
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        ids = set(pool.map(sign_up, range(3)))
    assert len(ids) == 1
    [contact] = [doc.to_dict() for doc in collection(Collections.CONTACTS).stream()]
    assert contact is not None
    assert contact["email"] == "jo@example.com"
    assert sorted(contact["sources"]) == sorted(f"test{i}" for i in range(3))
    # Found by phone alone too.
    assert upsert_contact(phone="+447911123456", source="whatsapp") in ids


def test_idempotent_runs_once_per_key_and_again_after_a_failure(clean_stack: LocalStack) -> None:
    calls: list[str] = []
    fail_next = {"flag": True}

    @idempotent("order", event_key_jmespath="id")
    def handle(*, order: dict[str, Any]) -> dict[str, Any]:
        calls.append(order["id"])
        if order["id"] == "flaky" and fail_next["flag"]:
            fail_next["flag"] = False
            raise RuntimeError("provider down")
        return {"handled": order["id"]}

    assert handle(order={"id": "a", "n": 1}) == {"handled": "a"}
    assert handle(order={"id": "a", "n": 1}) == {"handled": "a"}  # the saved result
    assert handle(order={"id": "b"}) == {"handled": "b"}
    with pytest.raises(RuntimeError):
        handle(order={"id": "flaky"})
    assert handle(order={"id": "flaky"}) == {"handled": "flaky"}  # a failure frees the key
    assert calls == ["a", "b", "flaky", "flaky"]


def test_idempotent_lets_one_of_two_concurrent_calls_run(clean_stack: LocalStack) -> None:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
    )

    calls: list[int] = []

    @idempotent("event", event_key_jmespath="id")
    def slow(*, event: dict[str, Any]) -> None:
        import time

        calls.append(1)
        time.sleep(0.5)

    def attempt(_: int) -> str:
        try:
            slow(event={"id": "same"})
            return "ran"
        except IdempotencyAlreadyInProgressError:
            return "in progress"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(4)))
    assert len(calls) == 1
    assert outcomes.count("in progress") >= 1
