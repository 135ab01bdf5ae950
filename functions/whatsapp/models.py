"""Request and response bodies of the WhatsApp HTTP API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.values import MultiLine, PersonName


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
