"""WhatsApp message rules. Pure: no I/O.

- which approved template each event sends, with which variables
  (template ids are Twilio ContentSids or Meta template names, from
  settings `WHATSAPP_TEMPLATE_<NAME>`, and for Meta a language code from
  `WHATSAPP_TEMPLATE_<NAME>_LANGUAGE` or `META_TEMPLATE_LANGUAGE`; locally
  the template's name stands in);
- whether a person may be messaged (consent);
- STOP / START / YES keywords (and quick-reply buttons), and the
  confirmation sent back, in the contact's language;
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
from shared.values import clean_text

WINDOW = timedelta(hours=24)
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop", "subscribe"})
# A reply confirming a pending opt-in request (and only that: without a
# pending request, "yes" is an ordinary message).
YES_WORDS = frozenset({"yes", "y", "yes please", "confirm", "si", "sí", "oui", "ja"})
# The quick-reply button's payload on the opt-in request template.
CONFIRM_PAYLOAD = "OPT_IN_CONFIRM"
GREETING_NAME_LIMIT = 40
NAME_MARKS = "'\u2019-"  # apostrophes (straight and curly) and hyphens, as in O'Neill
DEFAULT_BUSINESS_NAME = "MilliIntell"


@dataclass(frozen=True)
class TemplateMessage:
    template: str
    to: str
    variables: dict[str, str]
    language: str | None = None  # Meta's template language code; Twilio's ContentSid has one
    # Booking events carry the consent given on the form; None for events
    # that are themselves about consent (opt-in requests).
    consent_at_booking: datetime | None = None
    booked_with_opt_in: bool = False
    # The one message a public opt-in may cause: asking the number to confirm.
    asks_consent: bool = False


TEMPLATES: dict[str, str] = {
    "whatsapp.opt_in_requested": "opt_in_request",
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


def business_name(settings: Settings) -> str:
    """Who the messages are from (BUSINESS_NAME), for template variables."""
    return clean_text(settings.get("BUSINESS_NAME") or DEFAULT_BUSINESS_NAME)[:60]


def greeting_name(name: object) -> str:
    """The first name a template greets, or "there".

    Booking templates greet the person by the name typed on the booking
    form: their own booking, but a form anyone can fill in with anyone's
    number. So only a first name goes in, cleaned of control and invisible
    characters, at most 40 characters, letters (and ' or -) only: never a
    link, a number or a sentence someone else chose.
    """
    words = clean_text(str(name or "")).split(" ")
    first = words[0].strip(",;:!?") if words else ""
    if 0 < len(first) <= GREETING_NAME_LIMIT and all(
        ch.isalpha() or ch in NAME_MARKS for ch in first
    ):
        return first
    return "there"


def template_for(event: ReceivedEvent, settings: Settings) -> TemplateMessage | None:
    """The template message this event calls for, or None when it calls for none.

    No variable carries free text from a public request: the opt-in request
    names the business only; booking templates a cleaned first name, the
    service (from the catalogue) and the time.
    """
    name = TEMPLATES.get(event.detail_type)
    if name is None:
        return None
    data: dict[str, Any] = event.data
    if event.detail_type == "whatsapp.opt_in_requested":
        return TemplateMessage(
            template=template_id(settings, name),
            language=template_language(settings, name),
            to=str(data["phone"]),
            variables={"1": business_name(settings)},
            asks_consent=True,
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
            "1": greeting_name(customer.get("name")),
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
    """(allowed, reason).

    `contact_consent` is the latest WhatsApp consent ({"state", "at"}) of the
    contact holding the number, or None when none is known. A STOP stands
    against everything (only the number's own START lifts it); the opt-in
    request may go to a number that did not say STOP; a booking's checkbox
    covers that booking's messages; anything else needs the number's own
    confirmed opt-in.
    """
    state = (contact_consent or {}).get("state")
    at = (contact_consent or {}).get("at")
    if state == "opted_out":
        booked_at = message.consent_at_booking
        if booked_at is not None and (at is None or at >= booked_at):
            return False, "opted out after booking"
        return False, "opted out"
    if message.asks_consent:
        return True, "asking the number to confirm an opt-in"
    if state == "opted_in":
        return True, "opted in"
    if message.booked_with_opt_in:
        return True, "opted in on the booking form"
    return False, "no WhatsApp opt-in recorded"


def keyword(body: str) -> str | None:
    """ "stop", "start" or "yes" when the whole message is such a keyword (any case)."""
    word = " ".join(body.strip().strip(".!").lower().split())
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in YES_WORDS:
        return "yes"
    return None


def inbound_keyword(body: str, button_payload: str | None = None) -> str | None:
    """The keyword of a message or of the quick-reply button pressed (its payload)."""
    if button_payload:
        if button_payload.strip().upper() == CONFIRM_PAYLOAD:
            return "yes"
        by_button = keyword(button_payload)
        if by_button is not None:
            return by_button
    return keyword(body)


# What a person gets back after STOP or START; English when their language is unknown.
KEYWORD_REPLIES: dict[str, dict[str, str]] = {
    "en": {
        "stop": "You will get no more WhatsApp messages from us. Reply START to subscribe again.",
        "start": "You are subscribed to WhatsApp messages from us again. Reply STOP to opt out.",
        "yes": "Thank you: you will get WhatsApp messages from us. "
        "Reply STOP at any time to opt out.",
    },
    "es": {
        "stop": "No recibirás más mensajes de WhatsApp de nuestra parte. "
        "Responde START para volver a suscribirte.",
        "start": "Vuelves a recibir nuestros mensajes de WhatsApp. "
        "Responde STOP para darte de baja.",
        "yes": "Gracias: recibirás nuestros mensajes de WhatsApp. "
        "Responde STOP en cualquier momento para darte de baja.",
    },
    "fr": {
        "stop": "Vous ne recevrez plus de messages WhatsApp de notre part. "
        "Répondez START pour vous réabonner.",
        "start": "Vous recevez de nouveau nos messages WhatsApp. "
        "Répondez STOP pour vous désabonner.",
        "yes": "Merci : vous recevrez nos messages WhatsApp. "
        "Répondez STOP à tout moment pour vous désabonner.",
    },
    "de": {
        "stop": "Sie erhalten keine WhatsApp-Nachrichten mehr von uns. "
        "Antworten Sie START, um sie wieder zu erhalten.",
        "start": "Sie erhalten wieder WhatsApp-Nachrichten von uns. "
        "Antworten Sie STOP, um sie abzubestellen.",
        "yes": "Danke: Sie erhalten nun WhatsApp-Nachrichten von uns. "
        "Antworten Sie jederzeit STOP, um sie abzubestellen.",
    },
}


def keyword_reply(word: str, locale: str | None) -> str:
    """The STOP / START / YES confirmation in `locale` ("es", "es-ES", "es_MX"), else English."""
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
