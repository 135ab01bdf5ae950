"""Request and response bodies of the WhatsApp HTTP API, public and staff inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.values import MultiLine, PersonName, SingleLine


class OptInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(
        min_length=4, max_length=32, description="with country code, e.g. +447700900123"
    )
    consent_text: Annotated[MultiLine, Field(min_length=10, max_length=1000)] = Field(
        description="the exact consent wording the person was shown"
    )
    name: PersonName | None = Field(
        default=None, description="kept with the request for staff; never sent in a message"
    )
    source: str = Field(default="website", max_length=60, pattern=r"^[a-z0-9_\-]+$")


class OptInResponse(BaseModel):
    """The same answer whatever the number's state (it must not reveal consent)."""

    status: Literal["pending"] = "pending"
    phone: str
    message: str = (
        "Check WhatsApp to confirm: if this number can get our messages, we have sent it "
        "one asking you to reply YES. Nothing starts until you do."
    )


class PublicConfig(BaseModel):
    enabled: bool
    wa_me_link: str | None


# ------------------------------------------------------------ staff inbox
class ConversationOut(BaseModel):
    phone: str
    contact_id: str | None
    name: str | None
    last_message_at: datetime | None
    last_message_preview: str
    unread_count: int
    window_open: bool
    whatsapp_consent: str = Field(description="opted_in, opted_out or unknown")


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class MessageOut(BaseModel):
    id: str
    direction: str
    body: str | None = None
    template: str | None = None
    status: str
    skip_reason: str | None = None
    error_code: str | None = None
    created_at: datetime | None = None


class TemplateVariable(BaseModel):
    key: str
    label: str


class TemplateOut(BaseModel):
    name: str
    description: str
    variables: list[TemplateVariable]


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A staff reply may keep its line breaks; template values may not (they
    # fill one line of an approved message, and Meta refuses newlines there).
    text: MultiLine | None = Field(default=None, min_length=1, max_length=1600)
    template: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    variables: dict[
        Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")],
        Annotated[SingleLine, Field(max_length=500)],
    ] = Field(default_factory=dict, max_length=10)
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$",
        description="the template's language code for Meta (e.g. es, en_GB); "
        "default WHATSAPP_TEMPLATE_<NAME>_LANGUAGE or META_TEMPLATE_LANGUAGE",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Reply:
        if (self.text is None) == (self.template is None):
            raise ValueError("send either text (inside the 24-hour window) or a template")
        return self


# ------------------------------------------------------------ stored documents
# What store.py reads and writes; defaults are set here once, so no caller
# falls back to its own (documents written before a field existed read the
# same way).
class StoredConversation(BaseModel):
    """`wa_conversations/<E.164 phone>`: the 24-hour window and the unread count.

    An outbound message alone (no reply yet) makes one with only the phone
    and the last message, hence the defaults."""

    model_config = ConfigDict(extra="ignore")

    phone: str
    contact_id: str | None = None
    last_inbound_at: datetime | None = None
    window_expires_at: datetime | None = None
    last_message_at: datetime | None = None
    last_message_preview: str = ""
    unread_count: int = 0


class StoredMessage(BaseModel):
    """`wa_messages/<id>`: a message in (`in-…`) or out (`out-…`), including
    an outbound one skipped (with why) or failed (with the provider's code)."""

    model_config = ConfigDict(extra="ignore")

    direction: Literal["in", "out"]
    phone: str
    contact_id: str | None = None
    body: str | None = None
    status: str  # received (in); skipped, failed or the provider's: queued, sent, read…
    created_at: datetime | None = None
    provider: str | None = None  # "twilio" or "meta", once a provider took it
    provider_message_id: str | None = None
    status_at: datetime | None = None
    error_code: str | None = None
    # Outbound only.
    template: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    skip_reason: str | None = None
    error: str | None = None  # the provider's words for a refusal
    sent_by: str | None = None  # the staff member's uid, for an inbox reply
    event_id: str | None = None  # the event that caused it, for the notifier's
    detail_type: str | None = None


class OutboundDraft(BaseModel):
    """An outbound message before the provider answers: what `outbound`
    completes with the outcome and stores as a `StoredMessage`."""

    model_config = ConfigDict(extra="forbid")

    phone: str
    contact_id: str | None = None
    body: str | None = None
    template: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    sent_by: str | None = None
    event_id: str | None = None
    detail_type: str | None = None
    created_at: datetime

    def recorded(
        self,
        status: str,
        *,
        skip_reason: str | None = None,
        error_code: str | None = None,
        error: str | None = None,
        provider: str | None = None,
        provider_message_id: str | None = None,
    ) -> StoredMessage:
        return StoredMessage(
            direction="out",
            status=status,
            skip_reason=skip_reason,
            error_code=error_code,
            error=error,
            provider=provider,
            provider_message_id=provider_message_id,
            **self.model_dump(),
        )


class StoredOptInRequest(BaseModel):
    """`wa_opt_in_requests/<digits>-<yyyymmdd>`: a public opt-in waiting for
    the number to confirm it (the id is the once-a-day guard)."""

    model_config = ConfigDict(extra="ignore")

    phone: str
    status: Literal["pending", "confirmed"] = "pending"
    wording: str = ""
    source: str = "website"
    name_given: str | None = None  # as typed, cleaned; never sent in a message
    requested_at: datetime
    # Deleted by the TTL policy in firestore.indexes.json (a confirmed
    # one's wording and source live on in `consents`).
    expires_at: datetime
    confirmed_at: datetime | None = None
    confirmed_by_message: str | None = None
