"""Public WhatsApp routes: opt-in with the wording shown, and the chat link."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from fastapi import APIRouter, status

from functions.whatsapp.models import OptInRequest, OptInResponse, PublicConfig
from shared import clock
from shared.config import get_settings
from shared.contacts import Consent, upsert_contact
from shared.events import Publisher, StagedEvent
from shared.ratelimit import RATE_LIMITED, RateLimit
from shared.values import normalise_phone

if TYPE_CHECKING:
    from google.cloud.firestore import Transaction

router = APIRouter(tags=["whatsapp"])
events = Publisher("whatsapp")


@router.post(
    "/opt-in",
    status_code=status.HTTP_201_CREATED,
    summary="Record a person's consent to WhatsApp messages",
    responses=RATE_LIMITED,
)
def opt_in(body: OptInRequest, limits: RateLimit) -> OptInResponse:
    phone = normalise_phone(body.phone)
    limits.hit("whatsapp_opt_in", phone=phone)
    at = clock.now()
    staged: list[StagedEvent] = []
    opt_in_id = uuid.uuid4().hex

    def stage_event(transaction: Transaction, contact_id: str) -> None:
        # Staged in the consent's own transaction: if publishing fails below,
        # the event still goes out later (events.republish_pending).
        staged[:] = [
            events.stage(
                transaction,
                "whatsapp.opted_in",
                {
                    "contact_id": contact_id,
                    "phone": phone,
                    "name": body.name,
                    "source": body.source,
                },
                event_id=f"whatsapp.opted_in:{opt_in_id}",
            )
        ]

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
        also=stage_event,
    )
    events.flush(staged)
    return OptInResponse(contact_id=contact_id, phone=phone, opted_in_at=at)


@router.get("/public-config", summary="Whether WhatsApp is on, and the business's chat link")
def public_config() -> PublicConfig:
    number = get_settings().get("WHATSAPP_BUSINESS_NUMBER")
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return PublicConfig(
        enabled=bool(digits), wa_me_link=f"https://wa.me/{digits}" if digits else None
    )
