"""The Meta WhatsApp Cloud API adapter, with its HTTP intercepted at httpx's
transport by `respx`: what goes over the wire, and how refusals are classed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from shared.config import ConfigError, reset_settings
from shared.providers import (
    OutboundMessage,
    PermanentProviderError,
    TemporaryProviderError,
    whatsapp_provider,
)
from shared.providers.meta import MetaWhatsAppProvider, graph_version
from shared.providers.outbox import OutboxProvider

TOKEN = "meta-test-token-not-secret"
NUMBER_ID = "106540352242922"
URL = f"https://graph.facebook.com/v23.0/{NUMBER_ID}/messages"


@pytest.fixture
def meta_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHATSAPP_PROVIDER", "meta")
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("META_PHONE_NUMBER_ID", NUMBER_ID)
    reset_settings()


@pytest.fixture
def graph(meta_env: None) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def accepted(message_id: str = "wamid.HBgLNDQ3OTExMTIzNDU2FQIAERgSQTE=") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": "+447911123456", "wa_id": "447911123456"}],
            "messages": [{"id": message_id, "message_status": "accepted"}],
        },
    )


def refused(status: int, code: int, message: str = "nope") -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": "details here"},
                "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
            }
        },
    )


def template_message(**overrides: Any) -> OutboundMessage:
    return OutboundMessage(
        channel="whatsapp",
        to="+447911123456",
        template="booking_reminder",
        language="es",
        variables={"1": "Jo", "2": "Deep clean", "3": "Tue 01 Dec, 10:00"},
    ).model_copy(update=overrides)


def sent_body(router: respx.MockRouter) -> dict[str, Any]:
    [call] = router.calls
    body: dict[str, Any] = json.loads(call.request.content)
    return body


def test_the_factory_picks_meta_by_settings(meta_env: None) -> None:
    assert isinstance(whatsapp_provider(), MetaWhatsAppProvider)


def test_without_credentials_the_test_stage_records_to_the_outbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WHATSAPP_PROVIDER", "meta")
    monkeypatch.delenv("META_ACCESS_TOKEN", raising=False)
    reset_settings()
    assert isinstance(whatsapp_provider(), OutboxProvider)


def test_prod_refuses_meta_without_its_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MILLI_STAGE", "prod")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "milliintell-prod")
    for name in ("FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WHATSAPP_PROVIDER", "meta")
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    monkeypatch.delenv("META_PHONE_NUMBER_ID", raising=False)
    reset_settings()
    with pytest.raises(ConfigError, match="META_PHONE_NUMBER_ID"):
        whatsapp_provider()


def test_a_template_goes_out_with_name_language_variables_and_the_bearer_token(
    graph: respx.MockRouter,
) -> None:
    route = graph.post(URL).mock(return_value=accepted("wamid.ABC/123+="))
    result = whatsapp_provider().send(template_message())

    assert (result.provider, result.provider_message_id, result.status) == (
        "meta",
        "wamid.ABC/123+=",
        "accepted",
    )
    assert route.called
    request = graph.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert sent_body(graph) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+447911123456",
        "type": "template",
        "template": {
            "name": "booking_reminder",
            "language": {"code": "es"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Jo"},
                        {"type": "text", "text": "Deep clean"},
                        {"type": "text", "text": "Tue 01 Dec, 10:00"},
                    ],
                }
            ],
        },
    }


def test_numbered_variables_go_in_numeric_order_and_named_ones_by_name(
    graph: respx.MockRouter,
) -> None:
    graph.post(URL).mock(return_value=accepted())
    provider = whatsapp_provider()
    variables = {str(n): f"v{n}" for n in (10, 2, 1)}
    provider.send(template_message(variables=variables))
    parameters = sent_body(graph)["template"]["components"][0]["parameters"]
    assert [p["text"] for p in parameters] == ["v1", "v2", "v10"]

    graph.calls.clear()
    provider.send(template_message(variables={"first_name": "Jo"}))
    parameters = sent_body(graph)["template"]["components"][0]["parameters"]
    assert parameters == [{"type": "text", "parameter_name": "first_name", "text": "Jo"}]


def test_a_template_without_variables_or_language_uses_the_default_language(
    graph: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("META_TEMPLATE_LANGUAGE", "en_GB")
    reset_settings()
    graph.post(URL).mock(return_value=accepted())
    whatsapp_provider().send(template_message(variables={}, language=None))
    assert sent_body(graph)["template"] == {
        "name": "booking_reminder",
        "language": {"code": "en_GB"},
    }


def test_free_form_text(graph: respx.MockRouter) -> None:
    graph.post(URL).mock(return_value=accepted())
    whatsapp_provider().send(template_message(template=None, text="See you soon!"))
    body = sent_body(graph)
    assert body["type"] == "text"
    assert body["text"] == {"preview_url": False, "body": "See you soon!"}
    assert "template" not in body


def test_the_host_and_version_can_be_set(meta_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_GRAPH_API_HOST", "http://127.0.0.1:9/")
    monkeypatch.setenv("META_GRAPH_VERSION", "21.0")
    reset_settings()
    with respx.mock() as router:
        router.post(f"http://127.0.0.1:9/v21.0/{NUMBER_ID}/messages").mock(return_value=accepted())
        whatsapp_provider().send(template_message())
    assert graph_version(None) == "v23.0"
    assert graph_version(" v22.0 ") == "v22.0"


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, 131047, PermanentProviderError),  # re-engagement: outside the 24-hour window
        (400, 131026, PermanentProviderError),  # undeliverable
        (400, 132001, PermanentProviderError),  # template does not exist
        (401, 190, PermanentProviderError),  # expired token
        (400, 130429, TemporaryProviderError),  # throughput limit, sent as a 400
        (400, 131056, TemporaryProviderError),  # pair rate limit
        (429, 80007, TemporaryProviderError),
        (500, 1, TemporaryProviderError),
        (503, 133004, TemporaryProviderError),
    ],
)
def test_refusals_are_classified(
    graph: respx.MockRouter, status: int, code: int, kind: type[Exception]
) -> None:
    graph.post(URL).mock(return_value=refused(status, code, f"(#{code}) something"))
    with pytest.raises(kind) as raised:
        whatsapp_provider().send(template_message())
    assert getattr(raised.value, "status", None) == status
    assert getattr(raised.value, "code", None) == str(code)
    assert "details here" in str(raised.value)


def test_a_5xx_without_a_json_body_is_temporary(graph: respx.MockRouter) -> None:
    graph.post(URL).mock(return_value=httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(TemporaryProviderError) as raised:
        whatsapp_provider().send(template_message())
    assert (raised.value.status, raised.value.code) == (502, None)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectTimeout("timed out"), httpx.ReadTimeout("timed out"), httpx.ConnectError("no")],
)
def test_timeouts_and_network_errors_are_temporary(
    graph: respx.MockRouter, failure: Exception
) -> None:
    graph.post(URL).mock(side_effect=failure)
    with pytest.raises(TemporaryProviderError) as raised:
        whatsapp_provider().send(template_message())
    assert raised.value.status is None


def test_an_answer_without_a_message_id_is_not_retried(graph: respx.MockRouter) -> None:
    graph.post(URL).mock(return_value=httpx.Response(200, json={"messages": []}))
    with pytest.raises(PermanentProviderError):
        whatsapp_provider().send(template_message())


def test_a_message_needs_a_template_or_text(meta_env: None) -> None:
    with pytest.raises(ValueError, match="template or text"):
        whatsapp_provider().send(template_message(template=None, text=None))


def test_importing_the_adapter_does_not_import_httpx() -> None:
    import subprocess
    import sys

    code = "import sys, shared.providers.meta; sys.exit(1 if 'httpx' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
