"""Outbound-message providers: what the functions send, behind one interface.

`email_provider()` and `whatsapp_provider()` pick the implementation from
settings. In the local and test stages it is the outbox, a Firestore
collection the local stack shows at `/api/dev/outbox`. In prod there is no
silent fallback: without a real adapter and its credentials the call fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from shared.config import ConfigError, get_settings

Channel = Literal["email", "whatsapp"]


class Attachment(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use: consumers start faster

    filename: str
    content_type: str
    content_base64: str


class OutboundMessage(BaseModel):
    model_config = ConfigDict(defer_build=True)

    channel: Channel
    to: str = Field(min_length=1, description="an email address or an E.164 phone number")
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    template: str | None = Field(
        default=None,
        description="a provider template id (a Twilio ContentSid, a Meta template name)",
    )
    variables: dict[str, str] = Field(default_factory=dict)
    language: str | None = Field(
        default=None,
        description="the template's language code where the provider asks for one (Meta)",
    )
    attachments: list[Attachment] = Field(default_factory=list)
    dedupe_key: str | None = Field(
        default=None, description="the same key twice sends once (e.g. event id + channel)"
    )
    metadata: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider: str
    provider_message_id: str
    status: str
    duplicate: bool = False


class ProviderError(RuntimeError):
    """A provider refused or failed a send."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class TemporaryProviderError(ProviderError):
    """Worth retrying later (429, 5xx, network): consumers let the queue retry."""


class PermanentProviderError(ProviderError):
    """Retrying cannot help (bad number, outside the WhatsApp window): record and move on."""


def classify(status: int | None, message: str, code: str | None = None) -> ProviderError:
    if status is None or status == 429 or status >= 500:
        return TemporaryProviderError(message, status=status, code=code)
    return PermanentProviderError(message, status=status, code=code)


class MessageProvider(Protocol):
    name: str

    def send(self, message: OutboundMessage) -> SendResult: ...


def _provider_for(channel: Channel) -> MessageProvider:
    """The real adapter when its credentials are set; the outbox only off prod.

    WhatsApp goes through the adapter WHATSAPP_PROVIDER names (twilio or meta).
    """
    settings = get_settings()
    if settings.has_credentials(channel):
        if channel == "email":
            from shared.providers.sendgrid import SendGridProvider

            return SendGridProvider(settings)
        if settings.whatsapp_provider == "meta":
            from shared.providers.meta import MetaWhatsAppProvider

            return MetaWhatsAppProvider(settings)
        from shared.providers.twilio import TwilioWhatsAppProvider

        return TwilioWhatsAppProvider(settings)
    if settings.uses_emulators:
        from shared.providers.outbox import OutboxProvider

        return OutboxProvider()
    names = ", ".join(settings.credentials(channel))
    raise ConfigError(f"stage 'prod' has no {channel} credentials ({names}); see README")


def email_provider() -> MessageProvider:
    return _provider_for("email")


def whatsapp_provider() -> MessageProvider:
    return _provider_for("whatsapp")
