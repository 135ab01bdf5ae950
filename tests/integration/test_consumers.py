"""Each queue consumer, called as Lambda calls it, with a canned SQS batch
(tests/events): it reports no failed record, does its work once, and a
redelivery of the same batch does nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.runner import LocalLambdaContext, load_handler
from devstack.stack import LocalStack
from shared.firestore import Collections, collection
from tests.events import load

pytestmark = pytest.mark.integration


def outbox(channel: str) -> list[dict[str, Any]]:
    return [
        data
        for doc in collection(Collections.OUTBOX).stream()
        if (data := doc.to_dict() or {}).get("channel") == channel
    ]


def deliver_twice(handler_path: str, event_name: str) -> None:
    handler = load_handler(handler_path)
    for _ in range(2):  # SQS delivers at least once
        result = handler(load(event_name), LocalLambdaContext(function_name="canned"))
        assert result == {"batchItemFailures": []}


@pytest.fixture
def staff_member(clean_stack: LocalStack) -> None:
    collection(Collections.STAFF).document("alex").set(
        {
            "name": "Alex Staff",
            "email": "alex.staff@example.com",
            "time_zone": "Europe/London",
            "weekly_hours": {},
            "overrides": [],
            "active": True,
        }
    )


def test_booking_contacts_consumer_records_the_client_once(clean_stack: LocalStack) -> None:
    collection(Collections.BOOKINGS).document("bk-canned-1").set({"status": "confirmed"})
    deliver_twice("functions.bookings.consumers.record_contacts", "booking_created.sqs.json")
    contacts = [doc.to_dict() or {} for doc in collection(Collections.CONTACTS).stream()]
    assert [c.get("email") for c in contacts] == ["sam.canned@example.com"]
    booking = collection(Collections.BOOKINGS).document("bk-canned-1").get().to_dict() or {}
    assert booking.get("contact_id")


def test_booking_email_consumer_emails_client_with_ics_and_staff_once(
    staff_member: None,
) -> None:
    deliver_twice("functions.bookings.consumers.send_emails", "booking_confirmed.sqs.json")
    emails = outbox("email")
    assert sorted(e["to"] for e in emails) == ["alex.staff@example.com", "sam.canned@example.com"]
    [client] = [e for e in emails if e["to"] == "sam.canned@example.com"]
    assert [a["filename"] for a in client["attachments"]] == ["booking.ics"]


def test_booking_email_consumer_tells_of_a_cancellation_without_a_manage_link(
    staff_member: None,
) -> None:
    deliver_twice("functions.bookings.consumers.send_emails", "booking_cancelled.sqs.json")
    [client] = [e for e in outbox("email") if e["to"] == "sam.canned@example.com"]
    assert "cancel" in client["subject"].lower()
    assert "#token=" not in client["text"]


def test_whatsapp_notify_consumer_sends_the_booking_template_once(
    clean_stack: LocalStack,
) -> None:
    deliver_twice("functions.whatsapp.handlers.notify", "reminder_due.sqs.json")
    [message] = outbox("whatsapp")
    assert message["to"] == "+447911123456"
    assert message["template"] == "booking_reminder"
