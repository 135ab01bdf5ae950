"""Public WhatsApp routes: opt-in (double: the number confirms), and the chat link."""

from __future__ import annotations

from fastapi import APIRouter, status

from functions.whatsapp.consent import request_opt_in
from functions.whatsapp.models import OptInRequest, OptInResponse, PublicConfig
from shared.config import get_settings
from shared.ratelimit import RATE_LIMITED, RateLimit
from shared.values import normalise_phone

router = APIRouter(tags=["whatsapp"])


@router.post(
    "/opt-in",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask to get WhatsApp messages: the number confirms on WhatsApp",
    description=(
        "Records a pending request with the wording shown and, at most once a day per "
        "number, sends it a WhatsApp message asking to reply YES. Consent starts only "
        "when that number replies. The answer is the same whatever the number's state."
    ),
    responses=RATE_LIMITED,
)
def opt_in(body: OptInRequest, limits: RateLimit) -> OptInResponse:
    phone = normalise_phone(body.phone)
    limits.hit("whatsapp_opt_in", phone=phone)
    request_opt_in(phone=phone, wording=body.consent_text, source=body.source, name=body.name)
    return OptInResponse(phone=phone)


@router.get("/public-config", summary="Whether WhatsApp is on, and the business's chat link")
def public_config() -> PublicConfig:
    number = get_settings().get("WHATSAPP_BUSINESS_NUMBER")
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return PublicConfig(
        enabled=bool(digits), wa_me_link=f"https://wa.me/{digits}" if digits else None
    )
