"""Staged events on the emulator and moto: events staged together share one
`pending_events` document, a publish that failed leaves it for the sweep,
and documents in the earlier one-event-per-document form still go out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.stack import LocalStack
from shared import events as events_module
from shared.clock import FixedClock, use_clock
from shared.events import EventPublishError, Publisher
from shared.firestore import Collections, client, collection
from tests.integration.probes import drain, probe_queue

pytestmark = pytest.mark.integration


def probe(stack: LocalStack) -> str:
    return probe_queue(stack, "probe-staged", {"source": ["milliintell.probe"]})


def received(stack: LocalStack, url: str) -> list[tuple[str, str, dict[str, Any]]]:
    return sorted(
        (body["detail-type"], body["detail"]["event_id"], body["detail"]["data"])
        for body in drain(stack, url)
    )


def pending() -> list[dict[str, Any]]:
    return [doc.to_dict() or {} for doc in collection(Collections.PENDING_EVENTS).stream()]


def test_events_staged_together_share_a_document_and_go_out_with_it(
    clean_stack: LocalStack,
) -> None:
    url = probe(clean_stack)
    publisher = Publisher("probe")
    batch = client().batch()
    staged = publisher.stage_many(batch, [("a.made", {"n": 1}, "a:1"), ("b.made", {"n": 2}, "b:1")])
    batch.commit()
    [document] = pending()
    assert [e["detail_type"] for e in document["events"]] == ["a.made", "b.made"]
    publisher.flush(staged)
    assert pending() == []
    assert received(clean_stack, url) == [("a.made", "a:1", {"n": 1}), ("b.made", "b:1", {"n": 2})]


def test_a_failed_publish_leaves_the_document_for_the_sweep(
    clean_stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = probe(clean_stack)
    publisher = Publisher("probe")
    batch = client().batch()
    staged = publisher.stage_many(batch, [("a.made", {"n": 1}, "a:2"), ("b.made", {"n": 2}, "b:2")])
    batch.commit()

    def refuse(*_: object, **__: object) -> None:
        raise EventPublishError("EventBridge is down")

    with monkeypatch.context() as patch:
        patch.setattr(events_module.Publisher, "_put_many", refuse)
        with pytest.raises(EventPublishError):
            publisher.flush(staged)
    assert len(pending()) == 1
    assert received(clean_stack, url) == []
    with use_clock(FixedClock(datetime.now(UTC) + timedelta(minutes=5))):
        assert publisher.republish_pending() == 2
        assert publisher.republish_pending() == 0
    assert received(clean_stack, url) == [("a.made", "a:2", {"n": 1}), ("b.made", "b:2", {"n": 2})]


def test_a_document_in_the_one_event_form_is_still_republished(clean_stack: LocalStack) -> None:
    url = probe(clean_stack)
    publisher = Publisher("probe")
    envelope = publisher.envelope({"n": 3}, "c:1")
    collection(Collections.PENDING_EVENTS).document("old-form").set(
        {
            "source": publisher.source,
            "detail_type": "c.made",
            "envelope": envelope.model_dump(mode="json"),
            "staged_at": envelope.occurred_at,
        }
    )
    with use_clock(FixedClock(datetime.now(UTC) + timedelta(minutes=5))):
        assert publisher.republish_pending() == 1
    assert pending() == []
    assert received(clean_stack, url) == [("c.made", "c:1", {"n": 3})]
