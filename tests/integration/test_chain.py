"""The whole chain, wired as template.yaml wires it in AWS:
HTTP write → Firestore → event on the bus → rule → SQS → consumer → outbox;
a schedule fires; a staff route admits only a valid staff token."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from devstack.runner import QueueRunner, ScheduleRunner
from devstack.server import LocalGateway
from devstack.stack import BUS_NAME, LocalStack
from devstack.tokens import sign_in, sign_up
from shared.auth import firebase_app
from shared.clock import FixedClock, use_clock
from shared.firestore import Collections, client, collection
from tests.integration.probes import drain, probe_queue

pytestmark = pytest.mark.integration

OPT_IN = {
    "phone": "+44 7911 123456",
    "consent_text": "Yes, send me booking updates on WhatsApp. Reply STOP to opt out.",
    "name": "Jo",
}


def opt_in_requests() -> list[dict[str, object]]:
    return [doc.to_dict() or {} for doc in client().collection("wa_opt_in_requests").stream()]


def outbox() -> list[dict[str, object]]:
    return [doc.to_dict() or {} for doc in collection(Collections.OUTBOX).stream()]


def test_http_write_reaches_the_consumer_through_bus_and_queue(
    api: TestClient, queues: QueueRunner
) -> None:
    response = api.post("/api/whatsapp/opt-in", json=OPT_IN)
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["phone"], body["status"]) == ("+447911123456", "pending")

    # Pending until the number confirms: the request is kept, no consent yet.
    [request] = opt_in_requests()
    assert (request["status"], request["wording"]) == ("pending", OPT_IN["consent_text"])
    assert collection(Collections.CONSENTS).get() == []

    assert queues.drain() == 1
    [message] = outbox()
    assert message["channel"] == "whatsapp"
    assert message["to"] == "+447911123456"
    assert message["template"] == "opt_in_request"
    assert message["variables"] == {"1": "MilliIntell"}  # the business, never the caller's text


def test_a_redelivered_event_sends_once(
    api: TestClient, queues: QueueRunner, clean_stack: LocalStack
) -> None:
    assert api.post("/api/whatsapp/opt-in", json=OPT_IN).status_code == 202
    sqs = clean_stack.sqs_client()
    queue_url = clean_stack.queues["WhatsappNotifyQueue"].url
    # Receive the event, then put an exact copy back, as an at-least-once redelivery would.
    [message] = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0)["Messages"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])
    assert queues.drain() == 2
    assert len(outbox()) == 1


def test_a_poison_message_goes_to_the_dead_letter_queue_without_blocking_its_batch(
    api: TestClient, queues: QueueRunner, clean_stack: LocalStack
) -> None:
    sqs = clean_stack.sqs_client()
    queue_url = clean_stack.queues["WhatsappNotifyQueue"].url
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"not": "an event"}))
    assert api.post("/api/whatsapp/opt-in", json=OPT_IN).status_code == 202

    queues.drain()

    assert len(outbox()) == 1  # the good message in the same batch went through
    dead_url = clean_stack.queues["WhatsappNotifyDLQ"].url
    dead = sqs.receive_message(QueueUrl=dead_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"]) for m in dead] == [{"not": "an event"}]
    left = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert left["ApproximateNumberOfMessages"] == "0"
    assert left["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_schedule_fires_and_its_event_reaches_the_bus(
    schedules: ScheduleRunner, clean_stack: LocalStack
) -> None:
    # A test-only queue subscribed to bookings events lets us see what went on the bus.
    events_client, sqs = clean_stack.events_client(), clean_stack.sqs_client()
    probe_url = probe_queue(clean_stack, "probe-bookings", {"source": ["milliintell.bookings"]})
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    bookings = collection(Collections.BOOKINGS)
    for booking_id, end, status in [
        ("ended", now - timedelta(minutes=5), "confirmed"),
        ("running", now + timedelta(minutes=5), "confirmed"),
        ("cancelled", now - timedelta(hours=1), "cancelled"),
    ]:
        bookings.document(booking_id).set(
            {
                "service_id": "consultation",
                "staff_id": "alex",
                "status": status,
                "start_at": end - timedelta(minutes=30),
                "end_at": end,
                "customer": {"name": "Sam", "email": "sam@example.com"},
            }
        )

    [schedule] = [s for s in schedules.schedules if "CompletePast" in s.logical_id]
    with use_clock(FixedClock(now)):
        assert schedules.fire(schedule) == {"completed": 1, "republished": 0}
        assert schedules.fire(schedule) == {"completed": 0, "republished": 0}

    statuses = {doc.id: (doc.to_dict() or {})["status"] for doc in bookings.stream()}
    assert statuses == {"ended": "completed", "running": "confirmed", "cancelled": "cancelled"}
    [event] = drain(clean_stack, probe_url)
    assert event["detail-type"] == "booking.completed"
    assert event["detail"]["event_id"] == "booking.completed:ended"
    assert event["detail"]["data"]["booking_id"] == "ended"
    sqs.delete_queue(QueueUrl=probe_url)
    events_client.remove_targets(Rule="probe-bookings", EventBusName=BUS_NAME, Ids=["p"])
    events_client.delete_rule(Name="probe-bookings", EventBusName=BUS_NAME)


def _staff_token(stack: LocalStack, email: str, role: str | None) -> str:
    from firebase_admin import auth

    uid = sign_up(stack.auth_host, email, "correct-horse-battery")
    if role is not None:
        auth.set_custom_user_claims(uid, {"role": role}, app=firebase_app())
    return sign_in(stack.auth_host, email, "correct-horse-battery")


def test_staff_route_needs_a_valid_token_with_a_staff_role(
    api: TestClient, clean_stack: LocalStack
) -> None:
    url = "/api/bookings/admin/bookings?from=2026-11-01&to=2026-12-01"

    missing = api.get(url)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["error"]["code"] == "unauthorized"

    customer = _staff_token(clean_stack, "client@example.com", "customer")
    assert api.get(url, headers={"Authorization": f"Bearer {customer}"}).status_code == 403
    no_role = _staff_token(clean_stack, "nobody@example.com", None)
    assert api.get(url, headers={"Authorization": f"Bearer {no_role}"}).status_code == 403

    staff = _staff_token(clean_stack, "staff@example.com", "staff")
    tampered = staff[:-4] + ("AAAA" if not staff.endswith("AAAA") else "BBBB")
    assert api.get(url, headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    assert api.get(url, headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401

    ok = api.get(url, headers={"Authorization": f"Bearer {staff}"})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"items": [], "next_cursor": None}
    admin = _staff_token(clean_stack, "admin@example.com", "admin")
    assert api.get(url, headers={"Authorization": f"Bearer {admin}"}).status_code == 200


def test_health_reports_every_dependency(api: TestClient) -> None:
    response = api.get("/api/health")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert {name: check["ok"] for name, check in checks.items()} == {
        "firestore": True,
        "auth": True,
        "event_bus": True,
    }


def test_dev_outbox_is_hidden_outside_the_local_stage(api: TestClient) -> None:
    response = api.get("/api/dev/outbox")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_event_whose_publish_failed_is_sent_by_the_next_sweep(
    gateway: LocalGateway,
    queues: QueueRunner,
    schedules: ScheduleRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared import events
    from shared.events import EventPublishError

    def refuse(*_: object, **__: object) -> None:
        raise EventPublishError("EventBridge is down")

    with monkeypatch.context() as patch:
        patch.setattr(events.Publisher, "_put_many", refuse)
        client = TestClient(gateway, raise_server_exceptions=False)
        response = client.post("/api/whatsapp/opt-in", json=OPT_IN)
    assert response.status_code == 500  # the client retries; the request is already kept
    assert opt_in_requests()  # committed with its staged event
    assert queues.drain() == 0

    [sweep] = [s for s in schedules.schedules if s.handler.endswith("republish_events")]
    later = datetime.now(UTC) + timedelta(minutes=5)
    with use_clock(FixedClock(later)):
        assert schedules.fire(sweep) == {"republished": 1}
        assert schedules.fire(sweep) == {"republished": 0}
    assert queues.drain() == 1
    assert len(outbox()) == 1
