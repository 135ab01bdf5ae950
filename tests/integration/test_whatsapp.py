"""WhatsApp on the emulators: Twilio's webhooks with real signatures, STOP and
START honoured on every path, out-of-order statuses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from devstack.runner import QueueRunner, ScheduleRunner
from devstack.stack import LocalStack
from functions.bookings import store as bookings_store
from shared.clock import FixedClock, use_clock
from shared.config import reset_settings
from shared.firestore import Collections, client, collection
from tests.factories import NOW, staff_headers

pytestmark = pytest.mark.integration

TOKEN = "twilio-test-token-not-secret"
BASE = "http://127.0.0.1:8000"
INBOUND = "/api/whatsapp/twilio/inbound"
STATUS = "/api/whatsapp/twilio/status"
HOURS = [{"start": "09:00", "end": "17:00"}]


@pytest.fixture
def twilio(clean_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    reset_settings()
    bookings_store.clear_cache()
    collection(Collections.STAFF).document("alex").set(
        {
            "name": "Alex",
            "time_zone": "Europe/London",
            "active": True,
            "overrides": [],
            "weekly_hours": {d: HOURS for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    )
    collection(Collections.SERVICES).document("hour").set(
        {
            "name": "Consultation",
            "duration_minutes": 60,
            "price": {"amount": 0, "currency": "GBP"},
            "minimum_notice_minutes": 60,
            "booking_window_days": 30,
            "slot_interval_minutes": 60,
            "seats": 1,
            "active": True,
            "staff_ids": ["alex"],
        }
    )
    with use_clock(FixedClock(NOW)):
        yield
    bookings_store.clear_cache()


def signed(path: str, params: dict[str, str], url: str | None = None) -> dict[str, str]:
    signature = RequestValidator(TOKEN).compute_signature(url or BASE + path, params)
    return {"X-Twilio-Signature": signature}


def inbound(api: TestClient, body: str, sid: str, phone: str = "+447911123456") -> Any:
    params = {
        "MessageSid": sid,
        "From": f"whatsapp:{phone}",
        "To": "whatsapp:+14155238886",
        "Body": body,
    }
    return api.post(INBOUND, data=params, headers=signed(INBOUND, params))


def wa_messages() -> list[dict[str, Any]]:
    return [doc.to_dict() or {} for doc in client().collection("wa_messages").stream()]


def test_signatures_are_checked(api: TestClient, twilio: None) -> None:
    params = {"MessageSid": "SM1", "From": "whatsapp:+447911123456", "Body": "hi"}
    assert api.post(INBOUND, data=params, headers=signed(INBOUND, params)).status_code == 200
    assert api.post(INBOUND, data=params).status_code == 403  # missing
    assert (
        api.post(INBOUND, data=params, headers={"X-Twilio-Signature": "bm9wZQ=="}).status_code
        == 403
    )
    elsewhere = signed(INBOUND, params, url="https://evil.example.com" + INBOUND)
    assert api.post(INBOUND, data=params, headers=elsewhere).status_code == 403  # URL mismatch
    altered = params | {"Body": "hi, and something else"}
    assert api.post(INBOUND, data=altered, headers=signed(INBOUND, params)).status_code == 403
    assert api.post(STATUS, data={"MessageSid": "SM1", "MessageStatus": "read"}).status_code == 403


def test_an_inbound_message_is_stored_once_and_opens_the_window(
    api: TestClient, twilio: None
) -> None:
    response = inbound(api, "Hello, can I move my booking?", "SM100")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.endswith("<Response></Response>")
    assert inbound(api, "Hello, can I move my booking?", "SM100").status_code == 200  # a retry
    [message] = [m for m in wa_messages() if m["direction"] == "in"]
    assert message["body"] == "Hello, can I move my booking?"
    conversation = client().collection("wa_conversations").document("+447911123456").get().to_dict()
    assert conversation is not None
    assert conversation["unread_count"] == 1
    assert conversation["window_expires_at"] == NOW + timedelta(hours=24)
    contact = collection(Collections.CONTACTS).document(message["contact_id"]).get().to_dict()
    assert contact is not None
    assert contact["phone"] == "+447911123456"  # a lead made from the message


def test_stop_is_honoured_on_whatsapp_while_email_still_goes_and_start_restores(
    api: TestClient, twilio: None, queues: QueueRunner, schedules: ScheduleRunner
) -> None:
    body = {
        "service_id": "hour",
        "start": "2026-12-02T10:00:00+00:00",
        "tz": "Europe/London",
        "customer": {"name": "Jo", "email": "jo@example.com", "phone": "+447911123456"},
        "whatsapp_opt_in": True,
    }
    created = api.post("/api/bookings", json=body)
    assert created.status_code == 201, created.text
    queues.drain()
    sent = [m for m in wa_messages() if m.get("template") == "booking_confirmed"]
    assert [m["status"] for m in sent] == ["recorded"]

    reply = inbound(api, "STOP", "SM200")
    assert "no more WhatsApp messages" in reply.text
    [stopped] = [
        c.to_dict()
        for c in collection(Collections.CONSENTS).stream()
        if (c.to_dict() or {})["action"] == "opt_out"
    ]
    assert stopped is not None
    assert stopped["source"] == "whatsapp_keyword"

    [reminders] = [s for s in schedules.schedules if "Reminders" in s.logical_id]
    with use_clock(FixedClock(datetime(2026, 12, 1, 10, 5, tzinfo=UTC))):
        schedules.fire(reminders)
    queues.drain()
    [skipped] = [m for m in wa_messages() if m.get("template") == "booking_reminder"]
    assert (skipped["status"], skipped["skip_reason"]) == ("skipped", "opted out after booking")
    emails = [doc.to_dict() or {} for doc in collection(Collections.OUTBOX).stream()]
    assert any(e["channel"] == "email" and e["subject"].startswith("Reminder") for e in emails)

    assert "subscribed to WhatsApp messages from us again" in inbound(api, "start", "SM201").text
    with use_clock(FixedClock(datetime(2026, 12, 2, 8, 5, tzinfo=UTC))):
        schedules.fire(reminders)
    queues.drain()
    statuses = sorted(m["status"] for m in wa_messages() if m.get("template") == "booking_reminder")
    assert statuses == ["recorded", "skipped"]


def test_status_callbacks_only_move_forward(api: TestClient, twilio: None) -> None:
    client().collection("wa_messages").document("out-x").set(
        {"direction": "out", "provider_message_id": "SM300", "status": "queued"}
    )

    def report(status: str, **extra: str) -> int:
        params = {"MessageSid": "SM300", "MessageStatus": status, **extra}
        return int(api.post(STATUS, data=params, headers=signed(STATUS, params)).status_code)

    assert report("delivered") == 204
    assert report("sent") == 204  # late, ignored
    assert report("read") == 204
    assert report("delivered") == 204  # late, ignored
    doc = client().collection("wa_messages").document("out-x").get().to_dict()
    assert doc is not None
    assert doc["status"] == "read"


SID = "AC" + "0" * 32
TWILIO_MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"


@pytest.fixture
def real_twilio(twilio: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real Twilio adapter, its HTTP answered by `responses`."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", "+14155238886")
    reset_settings()


def _opt_in(api: TestClient) -> None:
    """A public opt-in: its one message is the request to confirm."""
    response = api.post(
        "/api/whatsapp/opt-in",
        json={"phone": "+447911123456", "consent_text": "Yes, message me on WhatsApp please."},
    )
    assert response.status_code == 202, response.text


def test_a_provider_failing_three_times_then_succeeding_delivers_once(
    api: TestClient, real_twilio: None, queues: QueueRunner
) -> None:
    import responses

    _opt_in(api)
    with responses.RequestsMock() as mock:
        for _ in range(3):
            mock.post(TWILIO_MESSAGES, json={"message": "busy", "code": 20500}, status=500)
        mock.post(TWILIO_MESSAGES, json={"sid": "SM900", "status": "queued"}, status=201)
        queues.drain()
        assert len(mock.calls) == 4
    [sent] = [m for m in wa_messages() if m.get("template") == "opt_in_request"]
    assert (sent["status"], sent["provider_message_id"]) == ("queued", "SM900")


def test_a_provider_failing_forever_ends_in_the_dead_letter_queue(
    api: TestClient, real_twilio: None, queues: QueueRunner, clean_stack: LocalStack
) -> None:
    import json

    import responses

    _opt_in(api)
    with responses.RequestsMock() as mock:
        mock.post(TWILIO_MESSAGES, json={"message": "down", "code": 20500}, status=500)
        queues.drain()
        assert len(mock.calls) == 5  # maxReceiveCount in template.yaml
    sqs = clean_stack.sqs_client()
    dead = sqs.receive_message(
        QueueUrl=clean_stack.queues["WhatsappNotifyDLQ"].url, MaxNumberOfMessages=10
    ).get("Messages", [])
    assert [json.loads(m["Body"])["detail-type"] for m in dead] == ["whatsapp.opt_in_requested"]
    assert [m for m in wa_messages() if m.get("direction") == "out"] == []


def test_a_permanent_refusal_is_recorded_and_not_retried(
    api: TestClient, real_twilio: None, queues: QueueRunner
) -> None:
    import responses

    _opt_in(api)
    with responses.RequestsMock() as mock:
        mock.post(
            TWILIO_MESSAGES,
            json={"message": "outside the allowed window", "code": 63016, "status": 400},
            status=400,
        )
        queues.drain()
        assert len(mock.calls) == 1
    [failed] = [m for m in wa_messages() if m.get("direction") == "out"]
    assert (failed["status"], failed["error_code"]) == ("failed", "63016")


def test_the_staff_inbox(api: TestClient, twilio: None, clean_stack: LocalStack) -> None:
    staff = staff_headers(clean_stack)
    assert api.get("/api/whatsapp/admin/conversations").status_code == 401

    inbound(api, "Is there parking?", "SM400")
    with use_clock(FixedClock(NOW + timedelta(minutes=1))):
        inbound(api, "Hi!", "SM401", phone="+447400123456")
    [first, second] = api.get("/api/whatsapp/admin/conversations", headers=staff).json()["items"]
    assert first["phone"] == "+447400123456"  # newest first
    assert (second["unread_count"], second["window_open"]) == (1, True)

    thread = "/api/whatsapp/admin/conversations/+447911123456"
    sent = api.post(f"{thread}/reply", headers=staff, json={"text": "Yes, two spaces."})
    assert sent.status_code == 200, sent.text
    outbox = [doc.to_dict() or {} for doc in collection(Collections.OUTBOX).stream()]
    assert [(m["to"], m["text"]) for m in outbox] == [("+447911123456", "Yes, two spaces.")]
    messages = api.get(f"{thread}/messages", headers=staff, params={"limit": 1}).json()
    assert [m["body"] for m in messages["items"]] == ["Yes, two spaces."]
    assert messages["next_cursor"]
    older = api.get(
        f"{thread}/messages", headers=staff, params={"limit": 5, "cursor": messages["next_cursor"]}
    ).json()
    assert [m["body"] for m in older["items"]] == ["Is there parking?"]

    assert api.post(f"{thread}/read", headers=staff).status_code == 204
    conversations = api.get("/api/whatsapp/admin/conversations", headers=staff).json()["items"]
    assert {c["phone"]: c["unread_count"] for c in conversations}["+447911123456"] == 0

    with use_clock(FixedClock(NOW + timedelta(hours=25))):
        closed = api.post(f"{thread}/reply", headers=staff, json={"text": "Still there?"})
        assert closed.status_code == 409
        assert "24-hour window" in closed.json()["error"]["message"]
        offered = api.get("/api/whatsapp/admin/templates", headers=staff).json()
        assert {t["name"] for t in offered} >= {"follow_up", "booking_reminder"}
        unknown = api.post(f"{thread}/reply", headers=staff, json={"template": "made_up"})
        assert unknown.status_code == 422
        assert unknown.json()["error"]["fields"][0]["field"] == "template"
        incomplete = api.post(
            f"{thread}/reply",
            headers=staff,
            json={"template": "booking_reminder", "variables": {"1": "Jo"}},
        )
        assert incomplete.status_code == 422
        assert "Service" in incomplete.json()["error"]["fields"][0]["message"]
        template = api.post(
            f"{thread}/reply",
            headers=staff,
            json={"template": "follow_up", "variables": {"1": "Jo"}},
        )
        assert template.status_code == 200, template.text
    both = api.post(f"{thread}/reply", headers=staff, json={"text": "x", "template": "y"})
    assert both.status_code == 422

    inbound(api, "STOP", "SM402")
    refused = api.post(f"{thread}/reply", headers=staff, json={"text": "Sorry to see you go"})
    assert refused.status_code == 409


def test_a_conversation_staff_started_lists_with_the_stored_defaults(
    api: TestClient, twilio: None, clean_stack: LocalStack
) -> None:
    """A template to a number that never wrote makes a conversation holding
    only the phone and the last message: the inbox reads the rest from
    StoredConversation's defaults (no contact, nothing unread, window shut)."""
    staff = staff_headers(clean_stack)
    thread = "/api/whatsapp/admin/conversations/+447400999888"
    sent = api.post(
        f"{thread}/reply", headers=staff, json={"template": "follow_up", "variables": {"1": "Jo"}}
    )
    assert sent.status_code == 200, sent.text
    assert (sent.json()["direction"], sent.json()["body"]) == ("out", None)
    [conversation] = api.get("/api/whatsapp/admin/conversations", headers=staff).json()["items"]
    del conversation["last_message_at"]
    assert conversation == {
        "phone": "+447400999888",
        "contact_id": None,
        "name": None,
        "last_message_preview": f"[template {sent.json()['template']}]",
        "unread_count": 0,
        "window_open": False,
        "whatsapp_consent": "unknown",
    }
    [message] = api.get(f"{thread}/messages", headers=staff).json()["items"]
    assert message == sent.json()


def test_a_staff_reply_goes_out_by_the_notifiers_send_path(
    api: TestClient, real_twilio: None, clean_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    """The inbox reply and the notifier share one send path: a refusal is
    recorded as failed (and a 422 naming the field), a provider that is down
    records nothing (a 503 to try again), a sent reply is counted."""
    import json
    import re

    import responses
    from firebase_admin import auth

    from devstack.tokens import sign_in, sign_up
    from shared.auth import firebase_app

    uid = sign_up(clean_stack.auth_host, "desk@example.com", "pass-word-123")
    auth.set_custom_user_claims(uid, {"role": "staff"}, app=firebase_app())
    token = sign_in(clean_stack.auth_host, "desk@example.com", "pass-word-123")
    staff = {"Authorization": f"Bearer {token}"}
    inbound(api, "Is there parking?", "SM500")
    thread = "/api/whatsapp/admin/conversations/+447911123456"
    local = re.compile(r"http://(127\.0\.0\.1|localhost)[:/]")

    with responses.RequestsMock() as mock:
        mock.add_passthru(local)  # the Auth emulator (staff token checks)
        mock.post(TWILIO_MESSAGES, json={"message": "down", "code": 20500}, status=500)
        down = api.post(f"{thread}/reply", headers=staff, json={"text": "Yes, two spaces."})
    assert down.status_code == 503, down.text
    assert "WhatsApp is not answering" in down.json()["error"]["message"]
    assert [m for m in wa_messages() if m.get("direction") == "out"] == []

    with responses.RequestsMock() as mock:
        mock.add_passthru(local)  # the Auth emulator (staff token checks)
        mock.post(TWILIO_MESSAGES, json={"message": "blocked", "code": 63024}, status=400)
        refused = api.post(f"{thread}/reply", headers=staff, json={"text": "Yes, two spaces."})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"][0]["field"] == "text"
    [failed] = [m for m in wa_messages() if m.get("direction") == "out"]
    assert (failed["status"], failed["error_code"], failed["sent_by"]) == ("failed", "63024", uid)

    capsys.readouterr()
    with responses.RequestsMock() as mock:
        mock.add_passthru(local)  # the Auth emulator (staff token checks)
        mock.post(TWILIO_MESSAGES, json={"sid": "SM501", "status": "queued"}, status=201)
        sent = api.post(f"{thread}/reply", headers=staff, json={"text": "Yes, two spaces."})
    assert sent.status_code == 200, sent.text
    assert (sent.json()["status"], sent.json()["body"]) == ("queued", "Yes, two spaces.")
    counted = [
        metric["Name"]
        for line in capsys.readouterr().out.splitlines()
        if '"_aws"' in line
        for metric in json.loads(line)["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    ]
    assert counted == ["WhatsAppMessagesSent"]
