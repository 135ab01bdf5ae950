"""What happens when a person writes to the business on WhatsApp, whichever
provider (Twilio or Meta) delivered the message.

In one transaction with the contact (found by phone, or made as a lead):
the message is stored once (a provider retry is recognised by its message
id), the conversation's 24-hour window opens, STOP / START (and YES to a
pending opt-in request, see `consent`) record the consent change, and
`message.received` (with `whatsapp.opted_in` / `whatsapp.opted_out` when
consent changed) is staged; then it is published. A message from the
number itself is the trusted source that may give a contact its phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from functions.whatsapp import store
from functions.whatsapp.consent import inbound_consent
from functions.whatsapp.messages import inbound_keyword, keyword_reply
from shared import clock
from shared.contacts import Consent, upsert_contact
from shared.events import Publisher, StagedEvent
from shared.values import normalise_phone

if TYPE_CHECKING:
    from google.cloud.firestore import Transaction

events = Publisher("whatsapp")


@dataclass(frozen=True)
class InboundMessage:
    provider: str  # "twilio" or "meta"
    message_id: str  # the provider's id: a Twilio MessageSid, a Meta wamid
    sender: str  # the phone as the provider gives it: "whatsapp:+44…", "44…"
    body: str
    profile_name: str | None = None  # the name on their WhatsApp profile, if sent
    button_payload: str | None = None  # the quick-reply button pressed, if any


@dataclass(frozen=True)
class Received:
    contact_id: str
    phone: str
    duplicate: bool
    keyword: str | None
    reply: str | None  # the STOP / START confirmation to send back, if any


def sender_phone(sender: str, field: str) -> str:
    """E.164 from "whatsapp:+447…" (Twilio) or "447…" (Meta's wa_id); 422 otherwise."""
    digits = sender.removeprefix("whatsapp:").strip()
    if digits and not digits.startswith("+"):
        digits = "+" + digits
    return normalise_phone(digits, field=field)


def receive(message: InboundMessage, *, phone_field: str = "From") -> Received:
    phone = sender_phone(message.sender, phone_field)
    now = clock.now()
    said = inbound_keyword(message.body, message.button_payload)
    staged: list[StagedEvent] = []
    duplicate = False
    word: str | None = None
    reply: str | None = None

    def record(transaction: Transaction, contact_id: str) -> Consent | None:
        nonlocal duplicate, word, reply
        # From scratch each time: the transaction runs again after contention.
        staged.clear()
        duplicate, word, reply = False, None, None
        if store.inbound_seen(transaction, message.provider, message.message_id):
            duplicate = True  # the provider retried a webhook we already took
            return None
        contact = store.contact_in(transaction, contact_id) if said is not None else {}
        decided = inbound_consent(
            transaction, phone=phone, word=said, body=message.body, contact=contact, now=now
        )
        # Reads are done: writes from here on.
        word = decided.keyword
        if word is not None:
            locale = contact.get("locale")
            reply = keyword_reply(word, locale if isinstance(locale, str) else None)
        store.add_inbound(
            transaction,
            message.provider,
            message.message_id,
            phone,
            contact_id,
            message.body,
            now,
        )
        if decided.confirms is not None:
            store.confirm_opt_in(transaction, decided.confirms, message.message_id, now)
        received: dict[str, object] = {
            "contact_id": contact_id,
            "phone": phone,
            "body": message.body,
            "sid": message.message_id,
            "provider": message.provider,
            "keyword": word,
            "reply": reply,
        }
        batch: list[tuple[str, dict[str, Any], str]] = [
            ("message.received", received, f"message.received:{message.message_id}")
        ]
        if decided.consent is not None:
            kind = (
                "whatsapp.opted_in" if decided.consent.action == "opt_in" else "whatsapp.opted_out"
            )
            changed: dict[str, Any] = {
                "contact_id": contact_id,
                "phone": phone,
                "source": decided.consent.source,
            }
            batch.append((kind, changed, f"{kind}:{message.message_id}"))
        staged.extend(events.stage_many(transaction, batch))
        return decided.consent

    contact_id = upsert_contact(
        name=message.profile_name,
        phone=phone,
        source="whatsapp",
        also=record,
    )
    events.flush(staged)
    return Received(
        contact_id=contact_id, phone=phone, duplicate=duplicate, keyword=word, reply=reply
    )
