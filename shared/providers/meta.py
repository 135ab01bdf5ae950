"""WhatsApp through Meta's Cloud API (Graph API), with `httpx`.

`POST {host}/{version}/{phone_number_id}/messages` with a bearer token.
Templates go out as `type: template` (approved name + language code, body
parameters); free-form text as `type: text`, which only works inside the
24-hour window (else Meta answers code 131047, re-engagement required).

httpx is imported on first send, not at import: the notifier's cold start
does not pay for it when nothing is sent.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from shared.providers import (
    OutboundMessage,
    PermanentProviderError,
    ProviderError,
    SendResult,
    TemporaryProviderError,
    classify,
)

if TYPE_CHECKING:
    import httpx

    from shared.config import Settings

DEFAULT_HOST = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"
REENGAGEMENT_REQUIRED = "131047"
# Graph answers throttling and outages with HTTP 400 and one of these codes;
# they pass, so retrying later helps (4 app rate limit, 80007 account rate
# limit, 130429 throughput, 131056 pair rate limit, 2 / 131016 / 133004
# service unavailable).
TEMPORARY_CODES = frozenset({"2", "4", "80007", "130429", "131016", "131056", "133004"})
TIMEOUT_SECONDS = 10.0

_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _http() -> httpx.Client:
    """One pooled client per warm instance (connections and TLS are reused)."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                import httpx

                _client = httpx.Client(timeout=TIMEOUT_SECONDS)
    return _client


def graph_version(raw: str | None) -> str:
    version = (raw or DEFAULT_VERSION).strip()
    return version if version.startswith("v") else f"v{version}"


class MetaWhatsAppProvider:
    name = "meta"

    def __init__(self, settings: Settings) -> None:
        # META_GRAPH_API_HOST is for tests and local stand-ins of the Graph API.
        host = (settings.get("META_GRAPH_API_HOST") or DEFAULT_HOST).rstrip("/")
        version = graph_version(settings.get("META_GRAPH_VERSION"))
        self.url = f"{host}/{version}/{settings.get('META_PHONE_NUMBER_ID')}/messages"
        self.headers = {"Authorization": f"Bearer {settings.get('META_ACCESS_TOKEN')}"}
        self.default_language = settings.get("META_TEMPLATE_LANGUAGE") or "en"

    def payload(self, message: OutboundMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to.removeprefix("whatsapp:"),
        }
        if message.template:
            template: dict[str, Any] = {
                "name": message.template,
                "language": {"code": message.language or self.default_language},
            }
            if message.variables:
                template["components"] = [
                    {"type": "body", "parameters": _parameters(message.variables)}
                ]
            body |= {"type": "template", "template": template}
        elif message.text:
            body |= {"type": "text", "text": {"preview_url": False, "body": message.text}}
        else:
            raise ValueError("a WhatsApp message needs a template or text")
        return body

    def send(self, message: OutboundMessage) -> SendResult:
        import httpx

        payload = self.payload(message)
        try:
            response = _http().post(self.url, json=payload, headers=self.headers)
        except httpx.HTTPError as error:  # timeouts, refused connections, broken TLS
            raise classify(None, f"Meta unreachable: {error!r}") from error
        if response.status_code >= 400:
            raise _error(response)
        try:
            sent = response.json()["messages"][0]
            message_id = str(sent["id"])
        except (ValueError, KeyError, IndexError, TypeError) as error:
            # Accepted but unreadable: retrying could send twice, so record it as refused.
            raise PermanentProviderError(
                f"Meta answered {response.status_code} without a message id",
                status=response.status_code,
            ) from error
        return SendResult(
            provider=self.name,
            provider_message_id=message_id,
            status=str(sent.get("message_status") or "accepted"),
        )


def _parameters(variables: dict[str, str]) -> list[dict[str, str]]:
    """Numbered variables ({{1}}, {{2}}) in order; named ones with their name."""
    if all(key.isdigit() for key in variables):
        return [{"type": "text", "text": variables[key]} for key in sorted(variables, key=int)]
    return [
        {"type": "text", "parameter_name": key, "text": value} for key, value in variables.items()
    ]


def _error(response: httpx.Response) -> ProviderError:
    try:
        data = response.json()
    except ValueError:
        data = None
    error: dict[str, Any] = (data.get("error") if isinstance(data, dict) else None) or {}
    code = str(error["code"]) if error.get("code") is not None else None
    details = (error.get("error_data") or {}).get("details")
    text = f"Meta refused the message: {error.get('message') or response.reason_phrase}"
    if details:
        text += f" ({details})"
    if code in TEMPORARY_CODES:
        return TemporaryProviderError(text, status=response.status_code, code=code)
    if code == REENGAGEMENT_REQUIRED:
        return PermanentProviderError(text, status=response.status_code, code=code)
    return classify(response.status_code, text, code)
