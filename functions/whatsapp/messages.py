"""WhatsApp message rules. Pure: no I/O.

- which approved template each event sends, with which variables
  (template ids are Twilio ContentSids or Meta template names, from
  settings `WHATSAPP_TEMPLATE_<NAME>`, and for Meta a language code from
  `WHATSAPP_TEMPLATE_<NAME>_LANGUAGE` or `META_TEMPLATE_LANGUAGE`; locally
  the template's name stands in);
- whether a person may be messaged (consent);
- STOP / START keywords, and the confirmation sent back, in the contact's language;
- the 24-hour window for free-form replies;
- the order of delivery statuses (never back from `read` to `delivered`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.config import Settings
from shared.events import ReceivedEvent

WINDOW = timedelta(hours=24)
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop", "subscribe"})


@dataclass(frozen=True)
class TemplateMessage:
    template: str
    to: str
    variables: dict[str, str]
    language: str | None = None  # Meta's template language code; Twilio's ContentSid has one
    # Booking events carry the consent given on the form; None for events
    # that are themselves about consent (opt-in confirmations).
    consent_at_booking: datetime | None = None
    booked_with_opt_in: bool = False


TEMPLATES: dict[str, str] = {
    "whatsapp.opted_in": "opt_in_confirmation",
    "booking.confirmed": "booking_confirmed",
    "booking.rescheduled": "booking_rescheduled",
    "booking.cancelled": "booking_cancelled",
    "reminder.due": "booking_reminder",
}


@dataclass(frozen=True)
class ReplyTemplate:
    """An approved template staff may send when the 24-hour window is closed."""

    name: str
    description: str
    variables: tuple[tuple[str, str], ...]  # (placeholder, what staff fill in)


# What the staff inbox offers outside the window. Each needs an approved
# template at the provider (WHATSAPP_TEMPLATE_<NAME>), with these placeholders.
REPLY_TEMPLATES: tuple[ReplyTemplate, ...] = (
    ReplyTemplate(
        "follow_up",
        "Follow-up: we have an update, please reply",
        (("1", "Client's first name"),),
    ),
    ReplyTemplate(
        "booking_reminder",
        "Booking reminder",
        (("1", "Client's first name"), ("2", "Service"), ("3", "Date and time")),
    ),
)


def reply_template(name: str) -> ReplyTemplate | None:
    return next((template for template in REPLY_TEMPLATES if template.name == name), None)


def template_id(settings: Settings, name: str) -> str:
    return settings.get(f"WHATSAPP_TEMPLATE_{name.upper()}") or name


def template_language(settings: Settings, name: str) -> str | None:
    """Meta sends a template by name and language; None leaves the adapter's default."""
    return settings.get(f"WHATSAPP_TEMPLATE_{name.upper()}_LANGUAGE") or settings.get(
        "META_TEMPLATE_LANGUAGE"
    )


def _local(iso: str, tz: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(ZoneInfo(tz))
    return moment.strftime("%a %d %b, %H:%M")


def template_for(event: ReceivedEvent, settings: Settings) -> TemplateMessage | None:
    """The template message this event calls for, or None when it calls for none."""
    name = TEMPLATES.get(event.detail_type)
    if name is None:
        return None
    data: dict[str, Any] = event.data
    if event.detail_type == "whatsapp.opted_in":
        return TemplateMessage(
            template=template_id(settings, name),
            language=template_language(settings, name),
            to=str(data["phone"]),
            variables={"1": str(data.get("name") or "there")},
        )
    customer = data.get("customer") or {}
    phone = customer.get("phone")
    if not phone:
        return None
    consent = data.get("whatsapp_consent") or {}
    consent_at = consent.get("at")
    return TemplateMessage(
        template=template_id(settings, name),
        language=template_language(settings, name),
        to=str(phone),
        variables={
            "1": str(customer.get("name") or "there"),
            "2": str(data.get("service_name") or "your appointment"),
            "3": _local(data["start"], str(data.get("tz") or "UTC")),
        },
        consent_at_booking=datetime.fromisoformat(consent_at)
        if isinstance(consent_at, str)
        else consent_at,
        booked_with_opt_in=bool(data.get("whatsapp_opt_in")),
    )


def may_message(
    contact_consent: dict[str, Any] | None, message: TemplateMessage
) -> tuple[bool, str]:
    """(allowed, reason). Opt-in recorded and no later opt-out, on any path.

    `contact_consent` is the contact's latest WhatsApp consent
    ({"state", "at"}), or None when no contact or consent is known yet.
    """
    state = (contact_consent or {}).get("state")
    at = (contact_consent or {}).get("at")
    if message.consent_at_booking is None and not message.booked_with_opt_in:
        if message.template and state == "opted_in":
            return True, "opted in"
        if state == "opted_out":
            return False, "opted out"
        return False, "no WhatsApp opt-in recorded"
    if state == "opted_out" and (
        message.consent_at_booking is None or at is None or at >= message.consent_at_booking
    ):
        return False, "opted out after booking"
    return True, "opted in on the booking form"


def keyword(body: str) -> str | None:
    """ "stop" or "start" when the whole message is such a keyword (any case)."""
    word = body.strip().strip(".!").lower()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


# What a person gets back after STOP or START; English when their language is unknown.
KEYWORD_REPLIES: dict[str, dict[str, str]] = {
    "en": {
        "stop": "You will get no more WhatsApp messages from us. Reply START to subscribe again.",
        "start": "You are subscribed to WhatsApp messages from us again. Reply STOP to opt out.",
    },
    "es": {
        "stop": "No recibirás más mensajes de WhatsApp de nuestra parte. "
        "Responde START para volver a suscribirte.",
        "start": "Vuelves a recibir nuestros mensajes de WhatsApp. "
        "Responde STOP para darte de baja.",
    },
    "fr": {
        "stop": "Vous ne recevrez plus de messages WhatsApp de notre part. "
        "Répondez START pour vous réabonner.",
        "start": "Vous recevez de nouveau nos messages WhatsApp. "
        "Répondez STOP pour vous désabonner.",
    },
    "de": {
        "stop": "Sie erhalten keine WhatsApp-Nachrichten mehr von uns. "
        "Antworten Sie START, um sie wieder zu erhalten.",
        "start": "Sie erhalten wieder WhatsApp-Nachrichten von uns. "
        "Antworten Sie STOP, um sie abzubestellen.",
    },
}


def keyword_reply(word: str, locale: str | None) -> str:
    """The STOP / START confirmation in `locale` ("es", "es-ES", "es_MX"), else English."""
    language = (locale or "en").replace("-", "_").split("_")[0].lower()
    return KEYWORD_REPLIES.get(language, KEYWORD_REPLIES["en"])[word]


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < WINDOW


STATUS_RANK = {
    "accepted": 0,
    "queued": 0,
    "sending": 0,
    "sent": 1,
    "delivered": 2,
    "undelivered": 2,
    "failed": 2,
    "read": 3,
}


def status_moves_forward(current: str | None, new: str) -> bool:
    """Callbacks arrive out of order: apply one only if it moves the status on."""
    if new not in STATUS_RANK:
        return False
    if current is None or current not in STATUS_RANK:
        return True
    return STATUS_RANK[new] > STATUS_RANK[current]
