"""The real provider adapters, through their real SDKs, with HTTP intercepted
at the transport: `responses` for Twilio (requests), a loopback server for
SendGrid (its client speaks urllib)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
import responses

from shared.config import ConfigError, reset_settings
from shared.providers import (
    Attachment,
    OutboundMessage,
    PermanentProviderError,
    TemporaryProviderError,
    email_provider,
    whatsapp_provider,
)
from shared.providers.outbox import OutboxProvider
from shared.providers.sendgrid import SendGridProvider

SID = "AC" + "0" * 32
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"


@pytest.fixture
def twilio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "test-token-not-secret")
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", "+14155238886")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.com")
    reset_settings()


def template_message(**overrides: Any) -> OutboundMessage:
    return OutboundMessage(
        channel="whatsapp",
        to="+447911123456",
        template="HX" + "1" * 32,
        variables={"1": "Jo", "2": "Tue 1 Dec, 10:00"},
    ).model_copy(update=overrides)


@responses.activate
def test_twilio_sends_a_content_template(twilio_env: None) -> None:
    responses.post(MESSAGES_URL, json={"sid": "SM123", "status": "queued"}, status=201)
    result = whatsapp_provider().send(template_message())
    assert (result.provider, result.provider_message_id, result.status) == (
        "twilio",
        "SM123",
        "queued",
    )
    [call] = responses.calls
    form = {k: v[0] for k, v in parse_qs(str(call.request.body)).items()}
    assert form["To"] == "whatsapp:+447911123456"
    assert form["From"] == "whatsapp:+14155238886"
    assert form["ContentSid"] == "HX" + "1" * 32
    assert json.loads(form["ContentVariables"]) == {"1": "Jo", "2": "Tue 1 Dec, 10:00"}
    assert form["StatusCallback"] == "https://shop.example.com/api/whatsapp/twilio/status"
    assert "Body" not in form
    assert call.request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_twilio_free_form_text(twilio_env: None) -> None:
    responses.post(MESSAGES_URL, json={"sid": "SM9", "status": "queued"}, status=201)
    whatsapp_provider().send(template_message(template=None, text="See you soon!"))
    form = parse_qs(str(responses.calls[0].request.body))
    assert form["Body"] == ["See you soon!"]
    assert "ContentSid" not in form


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, 63016, PermanentProviderError),  # outside the 24-hour window
        (400, 21211, PermanentProviderError),  # invalid 'To' number
        (429, 20429, TemporaryProviderError),
        (500, 20500, TemporaryProviderError),
        (503, None, TemporaryProviderError),
    ],
)
@responses.activate
def test_twilio_errors_are_classified(
    twilio_env: None, status: int, code: int | None, kind: type[Exception]
) -> None:
    body: dict[str, Any] = {"message": "nope", "status": status}
    if code is not None:
        body["code"] = code
    responses.post(MESSAGES_URL, json=body, status=status)
    with pytest.raises(kind) as raised:
        whatsapp_provider().send(template_message())
    assert getattr(raised.value, "status", None) == status
    if code is not None:
        assert getattr(raised.value, "code", None) == str(code)


class _FakeSendGrid(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    reply_status = 202

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _FakeSendGrid.received.append(
            {
                "path": self.path,
                "auth": self.headers["Authorization"],
                "body": json.loads(self.rfile.read(length)),
            }
        )
        self.send_response(self.reply_status)
        self.send_header("X-Message-Id", "sg-msg-1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def sendgrid_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_FakeSendGrid]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSendGrid)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeSendGrid.received = []
    _FakeSendGrid.reply_status = 202
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.test-key-not-secret")
    monkeypatch.setenv("EMAIL_FROM", "hello@shop.example.com")
    monkeypatch.setenv("SENDGRID_API_HOST", f"http://127.0.0.1:{server.server_address[1]}")
    reset_settings()
    yield _FakeSendGrid
    server.shutdown()


def test_sendgrid_sends_html_text_and_an_attachment(sendgrid_env: type[_FakeSendGrid]) -> None:
    ics = base64.b64encode(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").decode()
    provider = email_provider()
    assert isinstance(provider, SendGridProvider)
    result = provider.send(
        OutboundMessage(
            channel="email",
            to="jo@example.com",
            subject="Your booking is confirmed",
            text="See you on Tuesday.",
            html="<p>See you on <b>Tuesday</b>.</p>",
            attachments=[
                Attachment(filename="booking.ics", content_type="text/calendar", content_base64=ics)
            ],
            dedupe_key="booking.confirmed:b1:email",
        )
    )
    assert (result.provider, result.provider_message_id) == ("sendgrid", "sg-msg-1")
    [request] = sendgrid_env.received
    assert request["path"] == "/v3/mail/send"
    assert request["auth"] == "Bearer SG.test-key-not-secret"
    body = request["body"]
    assert body["from"] == {"email": "hello@shop.example.com"}
    assert body["personalizations"][0]["to"] == [{"email": "jo@example.com"}]
    assert body["subject"] == "Your booking is confirmed"
    assert {c["type"]: c["value"] for c in body["content"]} == {
        "text/plain": "See you on Tuesday.",
        "text/html": "<p>See you on <b>Tuesday</b>.</p>",
    }
    assert body["attachments"] == [
        {
            "content": ics,
            "filename": "booking.ics",
            "type": "text/calendar",
            "disposition": "attachment",
        }
    ]
    assert body["custom_args"] == {"dedupe_key": "booking.confirmed:b1:email"}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, PermanentProviderError),
        (401, PermanentProviderError),
        (429, TemporaryProviderError),
        (500, TemporaryProviderError),
    ],
)
def test_sendgrid_errors_are_classified(
    sendgrid_env: type[_FakeSendGrid], status: int, kind: type[Exception]
) -> None:
    sendgrid_env.reply_status = status
    with pytest.raises(kind):
        email_provider().send(
            OutboundMessage(channel="email", to="jo@example.com", subject="x", text="y")
        )


def test_without_credentials_local_and_test_use_the_outbox_and_prod_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "SENDGRID_API_KEY",
        "EMAIL_FROM",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_WHATSAPP_FROM",
        "FIRESTORE_EMULATOR_HOST",
        "FIREBASE_AUTH_EMULATOR_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    assert isinstance(email_provider(), OutboxProvider)
    assert isinstance(whatsapp_provider(), OutboxProvider)
    monkeypatch.setenv("MILLI_STAGE", "prod")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "milliintell-prod")
    reset_settings()
    with pytest.raises(ConfigError, match="no email credentials"):
        email_provider()
    with pytest.raises(ConfigError, match="no whatsapp credentials"):
        whatsapp_provider()
