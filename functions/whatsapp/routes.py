"""Public WhatsApp routes: opt-in with the wording shown, and the chat link."""

from __future__ import annotations

from fastapi import APIRouter, status

from functions.whatsapp.models import OptInRequest, OptInResponse, PublicConfig
from shared import clock
from shared.config import get_settings
from shared.contacts import Consent, normalise_phone, upsert_contact
from shared.events import Publisher

router = APIRouter(tags=["whatsapp"])
events = Publisher("whatsapp")


@router.post(
    "/opt-in",
    status_code=status.HTTP_201_CREATED,
    summary="Record a person's consent to WhatsApp messages",
)
def opt_in(body: OptInRequest) -> OptInResponse:
    phone = normalise_phone(body.phone)
    at = clock.now()
    contact_id = upsert_contact(
        name=body.name,
        phone=phone,
        source=body.source,
        consent=Consent(
            channel="whatsapp",
            action="opt_in",
            source=body.source,
            wording=body.consent_text,
            at=at,
        ),
    )
    events.publish(
        "whatsapp.opted_in",
        {"contact_id": contact_id, "phone": phone, "name": body.name, "source": body.source},
    )
    return OptInResponse(contact_id=contact_id, phone=phone, opted_in_at=at)


@router.get("/public-config", summary="Whether WhatsApp is on, and the business's chat link")
def public_config() -> PublicConfig:
    number = get_settings().get("WHATSAPP_BUSINESS_NUMBER")
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return PublicConfig(
        enabled=bool(digits), wa_me_link=f"https://wa.me/{digits}" if digits else None
    )
