"""WhatsApp through Meta's Cloud API on the emulators: the webhook handshake,
signatures computed as Meta documents (HMAC-SHA256 of the raw body with the
app secret), inbound messages and STOP on the path Twilio's take, statuses
out of order, and the real adapter sending from the notifier."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devstack.runner import QueueRunner
from devstack.stack import LocalStack
from shared.clock import FixedClock, use_clock
from shared.config import reset_settings
from shared.contacts import upsert_contact
from shared.firestore import Collections, client, collection

pytestmark = pytest.mark.integration

APP_SECRET = "meta-app-secret-not-secret"
VERIFY_TOKEN = "meta-verify-token-not-secret"
NUMBER_ID = "106540352242922"
WEBHOOK = "/api/whatsapp/meta/webhook"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PHONE = "+447911123456"


@pytest.fixture
def meta(clean_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WHATSAPP_PROVIDER", "meta")
    monkeypatch.setenv("META_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("META_VERIFY_TOKEN", VERIFY_TOKEN)
    monkeypatch.setenv("META_PHONE_NUMBER_ID", NUMBER_ID)
    reset_settings()
    with use_clock(FixedClock(NOW)):
        yield


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """X-Hub-Signature-256 as Meta computes it: sha256= + hex HMAC-SHA256(app secret, body)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def notification(value: dict[str, Any], number_id: str = NUMBER_ID) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": number_id,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def text_message(body: str, message_id: str, wa_id: str = "447911123456") -> dict[str, Any]:
    return notification(
        {
            "contacts": [{"profile": {"name": "Jo Bloggs"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": message_id,
                    "timestamp": "1796025600",
                    "type": "text",
                    "text": {"body": body},
                }
            ],
        }
    )


def post(api: TestClient, payload: dict[str, Any], signature: str | None = "sign") -> Any:
    # Non-ASCII escaped as Meta sends it; the signature covers these exact bytes.
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = sign(body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return api.post(WEBHOOK, content=body, headers=headers)


def wa_messages() -> list[dict[str, Any]]:
    return [doc.to_dict() or {} for doc in client().collection("wa_messages").stream()]


def outbox() -> list[dict[str, Any]]:
    return [doc.to_dict() or {} for doc in collection(Collections.OUTBOX).stream()]


def test_the_handshake_echoes_the_challenge_only_for_the_right_token(
    api: TestClient, meta: None
) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    answer = api.get(WEBHOOK, params=params)
    assert answer.status_code == 200
    assert answer.text == "1158201444"
    assert answer.headers["content-type"].startswith("text/plain")

    assert api.get(WEBHOOK, params=params | {"hub.verify_token": "guess"}).status_code == 403
    assert api.get(WEBHOOK, params=params | {"hub.mode": "unsubscribe"}).status_code == 403
    assert api.get(WEBHOOK, params={"hub.challenge": "1"}).status_code == 403


def test_the_handshake_is_refused_when_no_verify_token_is_configured(
    api: TestClient, meta: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("META_VERIFY_TOKEN")
    reset_settings()
    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert api.get(WEBHOOK, params=params).status_code == 403


def test_signatures_are_checked(api: TestClient, meta: None) -> None:
    payload = text_message("hi", "wamid.SIG1")
    body = json.dumps(payload).encode()

    assert post(api, payload, signature=None).status_code == 403  # missing
    assert post(api, payload, signature="sha256=" + "0" * 64).status_code == 403  # wrong
    wrong_secret = sign(body, secret="someone-elses-secret")
    assert post(api, payload, signature=wrong_secret).status_code == 403
    assert post(api, payload, signature=sign(body).removeprefix("sha256=")).status_code == 403
    altered = body.replace(b'"hi"', b'"hi, and something else"')
    refused = api.post(
        WEBHOOK,
        content=altered,
        headers={"X-Hub-Signature-256": sign(body), "Content-Type": "application/json"},
    )
    assert refused.status_code == 403  # body altered after signing
    assert wa_messages() == []

    accepted = post(api, payload)
    assert accepted.status_code == 200
    assert accepted.json() == {"messages": 1, "statuses": 0, "ignored": 0}


def test_signed_non_ascii_bodies_are_verified_over_the_raw_bytes(
    api: TestClient, meta: None
) -> None:
    payload = text_message("¿Hay aparcamiento? 🚗", "wamid.UTF8")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    response = api.post(
        WEBHOOK,
        content=body,
        headers={"X-Hub-Signature-256": sign(body), "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    [message] = wa_messages()
    assert message["body"] == "¿Hay aparcamiento? 🚗"


def test_a_signed_body_that_is_not_json_is_a_400(api: TestClient, meta: None) -> None:
    body = b"not json"
    response = api.post(WEBHOOK, content=body, headers={"X-Hub-Signature-256": sign(body)})
    assert response.status_code == 400


def test_an_inbound_message_creates_the_contact_and_opens_the_window_once(
    api: TestClient, meta: None
) -> None:
    assert (
        post(api, text_message("Hello, can I move my booking?", "wamid.IN1/x+=")).status_code == 200
    )
    assert (
        post(api, text_message("Hello, can I move my booking?", "wamid.IN1/x+=")).status_code == 200
    )

    [message] = [m for m in wa_messages() if m["direction"] == "in"]
    assert (message["body"], message["provider"]) == ("Hello, can I move my booking?", "meta")
    assert message["provider_message_id"] == "wamid.IN1/x+="
    assert message["phone"] == PHONE
    conversation = client().collection("wa_conversations").document(PHONE).get().to_dict()
    assert conversation is not None
    assert conversation["unread_count"] == 1
    assert conversation["window_expires_at"] == NOW + timedelta(hours=24)
    contact = collection(Collections.CONTACTS).document(message["contact_id"]).get().to_dict()
    assert contact is not None
    assert (contact["phone"], contact["name"]) == (PHONE, "Jo Bloggs")
    assert contact["sources"] == ["whatsapp"]


def test_messages_for_another_number_of_the_account_are_ignored(
    api: TestClient, meta: None
) -> None:
    payload = text_message("hi", "wamid.OTHER")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert post(api, payload).json() == {"messages": 0, "statuses": 0, "ignored": 1}
    assert wa_messages() == []


def test_an_unreadable_sender_is_skipped_without_failing_the_batch(
    api: TestClient, meta: None
) -> None:
    payload = text_message("hi", "wamid.BAD", wa_id="12")
    good = text_message("hello", "wamid.GOOD")["entry"][0]["changes"][0]["value"]["messages"]
    payload["entry"][0]["changes"][0]["value"]["messages"] += good
    assert post(api, payload).json() == {"messages": 1, "statuses": 0, "ignored": 1}
    assert [m["body"] for m in wa_messages()] == ["hello"]


def test_stop_through_meta_records_the_opt_out_and_confirms_in_their_language(
    api: TestClient, meta: None, queues: QueueRunner
) -> None:
    contact_id = upsert_contact(name="Ana", phone=PHONE, source="booking", locale="es-ES")
    requested = api.post(
        "/api/whatsapp/opt-in",
        json={"phone": PHONE, "consent_text": "Sí, escribidme por WhatsApp."},
    )
    assert requested.status_code == 202, requested.text
    queues.drain()  # the request to confirm
    assert post(api, text_message("Sí", "wamid.YES1")).status_code == 200
    contact = collection(Collections.CONTACTS).document(contact_id).get()
    assert (contact.to_dict() or {})["consent"]["whatsapp"]["state"] == "opted_in"
    queues.drain()
    assert [m["text"] for m in outbox() if m.get("text")] == [
        "Gracias: recibirás nuestros mensajes de WhatsApp. "
        "Responde STOP en cualquier momento para darte de baja."
    ]

    assert post(api, text_message("Stop", "wamid.STOP1")).status_code == 200
    contact = collection(Collections.CONTACTS).document(contact_id).get()
    assert (contact.to_dict() or {})["consent"]["whatsapp"]["state"] == "opted_out"
    [stopped] = [
        c.to_dict() or {}
        for c in collection(Collections.CONSENTS).stream()
        if (c.to_dict() or {})["action"] == "opt_out"
    ]
    assert (stopped["source"], stopped["address"]) == ("whatsapp_keyword", PHONE)

    queues.drain()
    texts = [m["text"] for m in outbox() if m.get("text")]
    assert texts[1:] == [
        "No recibirás más mensajes de WhatsApp de nuestra parte. "
        "Responde START para volver a suscribirte."
    ]
    confirmations = [m for m in wa_messages() if m.get("detail_type") == "message.received"]
    assert {(m["direction"], m["status"]) for m in confirmations} == {("out", "recorded")}

    # The same webhook again (Meta retries): no second opt-out event, no second reply.
    assert post(api, text_message("Stop", "wamid.STOP1")).status_code == 200
    queues.drain()
    assert len([m for m in outbox() if m.get("text")]) == 2

    assert post(api, text_message("START", "wamid.START1")).status_code == 200
    contact = collection(Collections.CONTACTS).document(contact_id).get()
    assert (contact.to_dict() or {})["consent"]["whatsapp"]["state"] == "opted_in"
    queues.drain()
    assert any("Vuelves a recibir" in m["text"] for m in outbox() if m.get("text"))


def test_the_opt_in_requests_quick_reply_button_confirms_through_meta(
    api: TestClient, meta: None, queues: QueueRunner
) -> None:
    from shared.contacts import find_by_phone

    assert (
        api.post(
            "/api/whatsapp/opt-in", json={"phone": PHONE, "consent_text": "Yes, message me please."}
        ).status_code
        == 202
    )
    queues.drain()
    pressed = notification(
        {
            "contacts": [{"profile": {"name": "Jo Bloggs"}, "wa_id": "447911123456"}],
            "messages": [
                {
                    "from": "447911123456",
                    "id": "wamid.BUTTON1",
                    "timestamp": "1796025600",
                    "type": "button",
                    "button": {"payload": "OPT_IN_CONFIRM", "text": "Confirm"},
                }
            ],
        }
    )
    assert post(api, pressed).status_code == 200
    found = find_by_phone(PHONE)
    assert found is not None
    assert found[1]["consent"]["whatsapp"]["state"] == "opted_in"
    queues.drain()
    assert [m["text"] for m in outbox() if m.get("text")] == [
        "Thank you: you will get WhatsApp messages from us. Reply STOP at any time to opt out."
    ]


def status_update(message_id: str, state: str, **extra: Any) -> dict[str, Any]:
    return notification(
        {
            "statuses": [
                {
                    "id": message_id,
                    "status": state,
                    "timestamp": "1796025600",
                    "recipient_id": "447911123456",
                    **extra,
                }
            ]
        }
    )


def test_statuses_only_move_forward(api: TestClient, meta: None) -> None:
    wamid = "wamid.OUT/1+="
    client().collection("wa_messages").document("out-x").set(
        {"direction": "out", "provider_message_id": wamid, "status": "accepted"}
    )

    def status_of() -> str:
        return str(
            (client().collection("wa_messages").document("out-x").get().to_dict() or {})["status"]
        )

    for state, expected in [
        ("delivered", "delivered"),
        ("sent", "delivered"),  # late
        ("read", "read"),
        ("delivered", "read"),  # late
        ("sent", "read"),  # late
    ]:
        assert post(api, status_update(wamid, state)).status_code == 200
        assert status_of() == expected
    assert post(api, status_update("wamid.unknown", "read")).json()["statuses"] == 1


def test_a_failed_status_records_metas_error_code(api: TestClient, meta: None) -> None:
    client().collection("wa_messages").document("out-y").set(
        {"direction": "out", "provider_message_id": "wamid.F", "status": "accepted"}
    )
    errors = [{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement"}]
    assert post(api, status_update("wamid.F", "failed", errors=errors)).status_code == 200
    doc = client().collection("wa_messages").document("out-y").get().to_dict() or {}
    assert (doc["status"], doc["error_code"]) == ("failed", "131047")


GRAPH = f"https://graph.facebook.com/v23.0/{NUMBER_ID}/messages"


@pytest.fixture
def real_meta(meta: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real Meta adapter; its HTTP is answered by respx at httpx's transport."""
    monkeypatch.setenv("META_ACCESS_TOKEN", "meta-access-token-not-secret")
    monkeypatch.setenv("META_TEMPLATE_LANGUAGE", "en_GB")
    reset_settings()


def _opt_in(api: TestClient) -> None:
    """A public opt-in: its one message is the request to confirm."""
    response = api.post(
        "/api/whatsapp/opt-in",
        json={"phone": PHONE, "name": "Jo", "consent_text": "Yes, message me on WhatsApp."},
    )
    assert response.status_code == 202, response.text


def test_the_notifier_sends_through_meta_and_statuses_follow_the_wamid(
    api: TestClient, real_meta: None, queues: QueueRunner
) -> None:
    import httpx
    import respx

    _opt_in(api)
    with respx.mock(assert_all_mocked=True) as graph:
        graph.post(GRAPH).mock(
            side_effect=[
                httpx.Response(500, json={"error": {"message": "oops", "code": 2}}),
                httpx.Response(200, json={"messages": [{"id": "wamid.SENT1"}]}),
            ]
        )
        queues.drain()
        assert len(graph.calls) == 2  # retried once by the queue, sent once
        sent = json.loads(graph.calls[-1].request.content)
    assert sent["template"]["name"] == "opt_in_request"
    assert sent["template"]["language"] == {"code": "en_GB"}
    # The business's name, never the name the caller typed.
    assert sent["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "MilliIntell"}
    ]
    [record] = [m for m in wa_messages() if m.get("direction") == "out"]
    assert (record["provider"], record["provider_message_id"]) == ("meta", "wamid.SENT1")

    assert post(api, status_update("wamid.SENT1", "read")).status_code == 200
    assert post(api, status_update("wamid.SENT1", "delivered")).status_code == 200
    [record] = [m for m in wa_messages() if m.get("direction") == "out"]
    assert record["status"] == "read"


def test_a_re_engagement_refusal_is_recorded_and_not_retried(
    api: TestClient, real_meta: None, queues: QueueRunner
) -> None:
    import httpx
    import respx

    _opt_in(api)
    refusal = {"error": {"message": "(#131047) Re-engagement message", "code": 131047}}
    with respx.mock() as graph:
        graph.post(GRAPH).mock(return_value=httpx.Response(400, json=refusal))
        queues.drain()
        assert len(graph.calls) == 1
    [failed] = [m for m in wa_messages() if m.get("direction") == "out"]
    assert (failed["status"], failed["error_code"]) == ("failed", "131047")
