"""Domain events on the EventBridge bus.

A producer calls `Publisher("bookings").publish("booking.created", {...})`;
the event carries source `milliintell.bookings` and, as its detail, a
versioned envelope (event id, time, data). Rules in template.yaml route each
event to the SQS queue of every consumer; a consumer turns each SQS record
back into a `ReceivedEvent` with `parse_sqs_record`.

boto3 is imported on first publish, so consumers that never publish do not
pay for it at cold start.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import clock
from shared.config import get_settings

if TYPE_CHECKING:
    from google.cloud.firestore import (
        CollectionReference,
        DocumentReference,
        Transaction,
        WriteBatch,
    )
    from mypy_boto3_events import EventBridgeClient

SOURCE_PREFIX = "milliintell."
ENVELOPE_VERSION: Literal[1] = 1


class EventEnvelope(BaseModel):
    """What every event's `detail` holds; bump `version` on a breaking change."""

    # defer_build: the schema is built on first validation, not at import,
    # which keeps consumers' cold start small.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    version: Literal[1] = ENVELOPE_VERSION
    event_id: str = Field(min_length=1)
    occurred_at: datetime
    data: dict[str, Any]


class ReceivedEvent:
    """One domain event as a consumer sees it.

    A plain class rather than a second pydantic model (the envelope inside is
    what gets validated; every model class costs consumers cold-start time).
    `model_dump` is what Powertools idempotency hashes.
    """

    __slots__ = ("detail_type", "envelope", "source")

    def __init__(self, detail_type: str, source: str, envelope: EventEnvelope) -> None:
        self.detail_type = detail_type
        self.source = source
        self.envelope = envelope

    @property
    def event_id(self) -> str:
        return self.envelope.event_id

    @property
    def data(self) -> dict[str, Any]:
        return self.envelope.data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReceivedEvent) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"ReceivedEvent({self.detail_type!r}, {self.source!r}, {self.envelope.event_id!r})"

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        return {
            "detail_type": self.detail_type,
            "source": self.source,
            "envelope": self.envelope.model_dump(mode="json"),
        }


@dataclass(frozen=True)
class StagedEvent:
    """An event written beside the data it describes, waiting to be published.

    `detail` is the envelope as JSON, exactly what PutEvents sends;
    `pending_id` names the `pending_events` document that holds it (several
    events staged together share one).
    """

    detail_type: str
    envelope: EventEnvelope
    detail: str = ""
    pending_id: str = ""

    @classmethod
    def of(cls, detail_type: str, envelope: EventEnvelope, pending_id: str = "") -> StagedEvent:
        return cls(detail_type, envelope, envelope.model_dump_json(), pending_id)


class EventPublishError(RuntimeError):
    """EventBridge did not accept an event."""


_client: EventBridgeClient | None = None
_client_lock = threading.Lock()


def events_client() -> EventBridgeClient:
    """The process's one EventBridge client (made on first use)."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                import boto3
                from botocore.config import Config

                _client = boto3.client(
                    "events", config=Config(retries={"max_attempts": 5, "mode": "standard"})
                )
    return _client


def reset_client() -> None:
    global _client
    with _client_lock:
        _client = None


class Publisher:
    def __init__(self, capability: str) -> None:
        self.source = SOURCE_PREFIX + capability

    def envelope(self, data: dict[str, Any], event_id: str | None = None) -> EventEnvelope:
        return EventEnvelope(
            event_id=event_id or str(uuid.uuid4()), occurred_at=clock.now(), data=data
        )

    def publish(
        self, detail_type: str, detail: dict[str, Any], *, event_id: str | None = None
    ) -> EventEnvelope:
        """Put one event on the bus; raises EventPublishError if it was refused.

        Pass a deterministic `event_id` when a retry of the same work must be
        recognisable downstream as the same event.
        """
        envelope = self.envelope(detail, event_id)
        self._put(detail_type, envelope)
        return envelope

    def stage(
        self,
        writer: Transaction | WriteBatch,
        detail_type: str,
        detail: dict[str, Any],
        *,
        event_id: str,
    ) -> StagedEvent:
        """Record an event in a Firestore transaction or batch; `flush` publishes it.

        The event commits or rolls back with the data it describes, so a
        failed publish can never lose it: `republish_pending` sends whatever
        a crash left behind, and consumers dedupe on the event id.
        """
        return self.stage_many(writer, [(detail_type, detail, event_id)])[0]

    def stage_many(
        self,
        writer: Transaction | WriteBatch,
        events: list[tuple[str, dict[str, Any], str]],
    ) -> list[StagedEvent]:
        """`stage` for several events (detail type, detail, event id) at once,
        in one `pending_events` document: one write to stage, one to clear.

        The document holds each envelope as the JSON PutEvents sends (one
        string field, not a nested map: cheaper to write and to read back).
        """
        if not 0 < len(events) <= 10:  # one PutEvents call
            raise ValueError("stage 1 to 10 events at once")
        pending_id = _pending_id(events[0][2])
        staged = [
            StagedEvent.of(detail_type, self.envelope(detail, event_id), pending_id)
            for detail_type, detail, event_id in events
        ]
        writer.set(
            _pending_collection().document(pending_id),
            {
                "source": self.source,
                "events": [{"detail_type": e.detail_type, "detail": e.detail} for e in staged],
                "staged_at": staged[0].envelope.occurred_at,
            },
        )
        return staged

    def flush(self, staged: list[StagedEvent]) -> None:
        """Publish staged events (after their commit) and forget them.

        If this fails, the events stay staged and the next
        `republish_pending` sends them.
        """
        from shared.firestore import client

        for chunk in range(0, len(staged), 10):  # PutEvents takes 10 entries a call
            self._put_many(staged[chunk : chunk + 10])
        pending = dict.fromkeys(event.pending_id for event in staged)  # stage_many set them
        if pending:
            batch = client().batch()  # one commit, however many documents
            for pending_id in pending:
                batch.delete(_pending_collection().document(pending_id))
            batch.commit()

    def republish_pending(self, older_than: timedelta = timedelta(minutes=2)) -> int:
        """Publish this source's staged events that a crash left unsent."""
        from shared.firestore import Collections, collection, field_filter

        cutoff = clock.now() - older_than
        query = (
            collection(Collections.PENDING_EVENTS)
            .where(filter=field_filter("source", "==", self.source))
            .where(filter=field_filter("staged_at", "<=", cutoff))
            .order_by("staged_at")
            .limit(500)
        )
        count = 0
        for snapshot in query.stream():
            count += self._publish_pending(snapshot.reference, snapshot.to_dict() or {})
        return count

    def _publish_pending(self, ref: DocumentReference, pending: dict[str, Any]) -> int:
        """Publish one pending document's events, then delete it; how many it held."""
        if "events" in pending:
            events = [
                StagedEvent(
                    e["detail_type"], EventEnvelope.model_validate_json(e["detail"]), e["detail"]
                )
                for e in pending["events"]
            ]
        else:  # staged before events were stored as JSON, one per document
            envelope = EventEnvelope.model_validate(pending["envelope"])
            events = [StagedEvent.of(pending["detail_type"], envelope)]
        self._put_many(events)
        ref.delete()
        return len(events)

    def _put(self, detail_type: str, envelope: EventEnvelope) -> None:
        self._put_many([StagedEvent.of(detail_type, envelope)])

    def _put_many(self, events: list[StagedEvent]) -> None:
        bus = get_settings().event_bus_name
        response = events_client().put_events(
            Entries=[
                {
                    "EventBusName": bus,
                    "Source": self.source,
                    "DetailType": event.detail_type,
                    "Detail": event.detail or event.envelope.model_dump_json(),
                    "Time": event.envelope.occurred_at,
                }
                for event in events
            ]
        )
        if response.get("FailedEntryCount"):
            failed = [
                f"{event.detail_type}: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
                for event, entry in zip(events, response["Entries"], strict=False)
                if entry.get("ErrorCode")
            ]
            raise EventPublishError("EventBridge refused " + "; ".join(failed))


def _pending_id(event_id: str) -> str:
    """The pending document of the event (or first event) staged under `event_id`."""
    import hashlib

    return hashlib.sha256(event_id.encode()).hexdigest()


def _pending_collection() -> CollectionReference:
    from shared.firestore import Collections, collection

    pending: CollectionReference = collection(Collections.PENDING_EVENTS)
    return pending


def parse_eventbridge_event(event: dict[str, Any]) -> ReceivedEvent:
    return ReceivedEvent(
        detail_type=event["detail-type"],
        source=event["source"],
        envelope=EventEnvelope.model_validate(event["detail"]),
    )


def parse_sqs_record(record: dict[str, Any]) -> ReceivedEvent:
    """An SQS record whose body is the EventBridge event a rule delivered."""
    return parse_eventbridge_event(json.loads(record["body"]))
