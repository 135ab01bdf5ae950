"""Request and response bodies of the WhatsApp HTTP API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.values import MultiLine, PersonName


class OptInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(
        min_length=4, max_length=32, description="with country code, e.g. +447700900123"
    )
    consent_text: MultiLine = Field(
        min_length=10, max_length=1000, description="the exact consent wording the person was shown"
    )
    name: PersonName | None = None
    source: str = Field(default="website", max_length=60, pattern=r"^[a-z0-9_\-]+$")


class OptInResponse(BaseModel):
    contact_id: str
    phone: str
    opted_in_at: datetime


class PublicConfig(BaseModel):
    enabled: bool
    wa_me_link: str | None
