"""WhatsApp consent on the emulators: double opt-in, STOP that no form can
undo, a booking's checkbox that covers its own messages only, and contacts
that a public form cannot take over."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devstack.runner import QueueRunner
from devstack.stack import LocalStack
from shared.contacts import find_by_phone
from shared.firestore import Collections, client, collection
from tests.integration.test_whatsapp import inbound, twilio, wa_messages

pytestmark = pytest.mark.integration
__all__ = ["twilio"]  # the fixture, imported for these tests

PHONE = "+447911123456"
OTHER = "+447400123456"
OPT_IN = "/api/whatsapp/opt-in"
WORDING = "Yes, send me WhatsApp messages about my appointments."
CRAFTED_NAME = "Your account is locked call 0900 123"


def opt_in(api: TestClient, phone: str = PHONE, **extra: Any) -> Any:
    return api.post(OPT_IN, json={"phone": phone, "consent_text": WORDING} | extra)


def book(api: TestClient, start: str, customer: dict[str, str], opt_in: bool = True) -> Any:
    response = api.post(
        "/api/bookings",
        json={
            "service_id": "hour",
            "start": start,
            "tz": "Europe/London",
            "customer": customer,
            "whatsapp_opt_in": opt_in,
            "whatsapp_consent_text": "WhatsApp me about this booking." if opt_in else None,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def consent_state(phone: str) -> str | None:
    found = find_by_phone(phone)
    consent = ((found[1] if found else {}).get("consent") or {}).get("whatsapp") or {}
    state = consent.get("state")
    return str(state) if state else None


def sent_out(phone: str = PHONE) -> list[dict[str, Any]]:
    """Outbound WhatsApp messages that went (or would have gone) to `phone`."""
    return [
        m
        for m in wa_messages()
        if m.get("direction") == "out" and m.get("phone") == phone and m["status"] != "skipped"
    ]


def whatsapp_outbox(phone: str = PHONE) -> list[dict[str, Any]]:
    return [
        doc.to_dict() or {}
        for doc in collection(Collections.OUTBOX).stream()
        if (doc.to_dict() or {}).get("channel") == "whatsapp"
        and (doc.to_dict() or {}).get("to") == phone
    ]


def staff_headers(stack: LocalStack) -> dict[str, str]:
    from firebase_admin import auth

    from devstack.tokens import sign_in, sign_up
    from shared.auth import firebase_app

    uid = sign_up(stack.auth_host, "desk@example.com", "pass-word-123")
    auth.set_custom_user_claims(uid, {"role": "staff"}, app=firebase_app())
    return {
        "Authorization": f"Bearer {sign_in(stack.auth_host, 'desk@example.com', 'pass-word-123')}"
    }


def test_thirty_opt_ins_send_one_request_and_only_a_yes_from_the_number_confirms(
    api: TestClient, twilio: None, queues: QueueRunner, many_opt_ins: None
) -> None:
    # Six at a time: the once-a-day guard is the database's, not a read-then-write.
    # (The rate limits, raised here, would refuse most of them before it.)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: opt_in(api, name=CRAFTED_NAME), range(30)))
    assert {a.status_code for a in answers} == {202}
    assert answers[0].json()["status"] == "pending"
    assert "WhatsApp" in answers[0].json()["message"]
    queues.drain()

    [request] = sent_out()
    assert request["template"] == "opt_in_request"
    assert len(whatsapp_outbox()) == 1
    # No caller-supplied text in any template variable.
    assert all(
        CRAFTED_NAME not in value and "0900" not in value for value in request["variables"].values()
    )
    [message] = whatsapp_outbox()
    assert all("0900" not in str(value) for value in (message.get("variables") or {}).values())
    assert consent_state(PHONE) != "opted_in"

    # A YES from another number confirms nothing for this one.
    inbound(api, "YES", "SM-other", phone=OTHER)
    assert consent_state(PHONE) != "opted_in"
    assert consent_state(OTHER) != "opted_in"

    reply = inbound(api, "Yes", "SM-yes")
    assert "Reply STOP" in reply.text
    assert consent_state(PHONE) == "opted_in"
    [given] = [
        c.to_dict() or {}
        for c in collection(Collections.CONSENTS).stream()
        if (c.to_dict() or {}).get("action") == "opt_in"
    ]
    assert (given["wording"], given["address"]) == (WORDING, PHONE)
    assert given["source"] == "website"
    assert given["confirmed_by"] == "whatsapp_reply"


def test_a_quick_reply_button_confirms_too(api: TestClient, twilio: None) -> None:
    from tests.integration.test_whatsapp import INBOUND, signed

    assert opt_in(api).status_code == 202
    params = {
        "MessageSid": "SM-button",
        "From": f"whatsapp:{PHONE}",
        "Body": "Confirm",
        "ButtonText": "Confirm",
        "ButtonPayload": "OPT_IN_CONFIRM",
    }
    assert api.post(INBOUND, data=params, headers=signed(INBOUND, params)).status_code == 200
    assert consent_state(PHONE) == "opted_in"


def test_after_stop_no_form_sends_or_changes_anything_until_start(
    api: TestClient, twilio: None, queues: QueueRunner
) -> None:
    inbound(api, "STOP", "SM-stop")
    assert consent_state(PHONE) == "opted_out"
    before = len(wa_messages())

    stopped = opt_in(api, name="Jo")
    fresh = opt_in(api, phone=OTHER, name="Jo")
    # The same neutral answer whatever the number's state: no probing consent.
    assert stopped.status_code == fresh.status_code == 202
    assert stopped.json() | {"phone": OTHER} == fresh.json()
    book(
        api,
        "2026-12-02T10:00:00+00:00",
        {"name": "Jo", "email": "jo@example.com", "phone": PHONE},
    )
    queues.drain()
    assert sent_out() == []
    assert whatsapp_outbox() == []
    assert consent_state(PHONE) == "opted_out"
    skipped = [m for m in wa_messages()[before:] if m.get("phone") == PHONE]
    assert {m["status"] for m in skipped} <= {"skipped"}
    # A YES after STOP is not a START.
    inbound(api, "YES", "SM-yes-after-stop")
    assert consent_state(PHONE) == "opted_out"

    assert "subscribed" in inbound(api, "START", "SM-start").text
    assert consent_state(PHONE) == "opted_in"


def test_a_booking_checkbox_covers_that_bookings_messages_only(
    api: TestClient, twilio: None, queues: QueueRunner
) -> None:
    customer = {"name": "Jo Client", "email": "jo@example.com", "phone": PHONE}
    book(api, "2026-12-02T10:00:00+00:00", customer, opt_in=True)
    queues.drain()
    assert [m["template"] for m in sent_out()] == ["booking_confirmed"]
    assert consent_state(PHONE) != "opted_in"  # no general consent from a form

    book(api, "2026-12-02T12:00:00+00:00", customer, opt_in=False)
    queues.drain()
    assert [m["template"] for m in sent_out()] == ["booking_confirmed"]
    [skipped] = [m for m in wa_messages() if m.get("status") == "skipped"]
    assert skipped["skip_reason"] == "no WhatsApp opt-in recorded"


def test_booking_template_names_are_first_names_cleaned_and_capped(
    api: TestClient, twilio: None, queues: QueueRunner
) -> None:
    book(
        api,
        "2026-12-02T10:00:00+00:00",
        {"name": "Jo\u202e Bloggs", "email": "jo@example.com", "phone": PHONE},
    )
    book(
        api,
        "2026-12-02T11:00:00+00:00",
        {"name": "www.evil.example/x Bloggs", "email": "jo2@example.com", "phone": OTHER},
    )
    queues.drain()
    assert [m["variables"]["1"] for m in sent_out()] == ["Jo"]
    assert [m["variables"]["1"] for m in sent_out(OTHER)] == ["there"]


def test_a_booking_with_someone_elses_email_does_not_take_over_their_contact(
    api: TestClient, twilio: None, queues: QueueRunner, clean_stack: LocalStack
) -> None:
    victim = {"name": "Vic Tim", "email": "vic@example.com", "phone": PHONE}
    book(api, "2026-12-02T10:00:00+00:00", victim, opt_in=False)
    queues.drain()
    inbound(api, "START", "SM-vic-start")
    victim_id, victim_doc = find_by_phone(PHONE) or ("", {})
    assert victim_doc["email"] == "vic@example.com"
    assert consent_state(PHONE) == "opted_in"

    attacker = {"name": "Mallory", "email": "Vic@Example.com", "phone": OTHER}
    attack = book(api, "2026-12-02T11:00:00+00:00", attacker, opt_in=True)
    queues.drain()
    assert opt_in(api, phone=OTHER).status_code == 202
    queues.drain()

    # The victim keeps their phone key, phone and consent.
    assert (find_by_phone(PHONE) or ("", {}))[0] == victim_id
    assert (find_by_phone(OTHER) or ("", {}))[0] != victim_id
    victim_now = collection(Collections.CONTACTS).document(victim_id).get().to_dict() or {}
    assert victim_now["phone"] == PHONE
    assert victim_now["consent"]["whatsapp"]["state"] == "opted_in"
    assert victim_now["consent"]["whatsapp"]["source"] == "whatsapp_keyword"

    # The attacker's own message is not shown under the victim's name.
    inbound(api, "hello", "SM-mallory", phone=OTHER)
    [incoming] = [m for m in wa_messages() if m.get("direction") == "in" and m["phone"] == OTHER]
    assert incoming["contact_id"] != victim_id
    staff = staff_headers(clean_stack)
    conversations = api.get("/api/whatsapp/admin/conversations", headers=staff).json()["items"]
    shown = {c["phone"]: c for c in conversations}[OTHER]
    assert shown["name"] != "Vic Tim"
    assert shown["contact_id"] != victim_id

    # The booking keeps what was typed and is flagged for staff.
    booking = api.get(f"/api/bookings/admin/bookings/{attack['id']}", headers=staff).json()
    assert booking["customer"]["phone"] == OTHER
    assert booking["customer"]["email"] == "vic@example.com"
    assert booking["possible_duplicate_of"] == [victim_id]
    assert booking["contact_id"] != victim_id
    stored = client().collection("bookings").document(attack["id"]).get().to_dict() or {}
    assert stored["possible_duplicate_of"] == [victim_id]
