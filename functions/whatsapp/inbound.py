"""What happens when a person writes to the business on WhatsApp, whichever
provider (Twilio or Meta) delivered the message.

In one transaction with the contact (found by phone, or made as a lead):
the message is stored once (a provider retry is recognised by its message
id), the conversation's 24-hour window opens, STOP / START record the
consent change, and `message.received` is staged; then it is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from functions.whatsapp import store
from functions.whatsapp.messages import keyword, keyword_reply
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
    word = keyword(message.body)
    consent = None
    if word is not None:
        consent = Consent(
            channel="whatsapp",
            action="opt_out" if word == "stop" else "opt_in",
            source="whatsapp_keyword",
            wording=f"Sent '{message.body.strip()}' on WhatsApp",
            at=now,
        )
    staged: list[StagedEvent] = []
    duplicate = False
    reply: str | None = None

    def record(transaction: Transaction, contact_id: str) -> None:
        nonlocal duplicate, reply
        # From scratch each time: the transaction runs again after contention.
        staged.clear()
        duplicate, reply = False, None
        if (
            store.inbound_ref(message.provider, message.message_id)
            .get(transaction=transaction)
            .exists
        ):
            duplicate = True  # the provider retried a webhook we already took
            return
        if word is not None:
            reply = keyword_reply(word, store.contact_locale(transaction, contact_id))
        store.add_inbound(
            transaction,
            message.provider,
            message.message_id,
            phone,
            contact_id,
            message.body,
            now,
        )
        staged.append(
            events.stage(
                transaction,
                "message.received",
                {
                    "contact_id": contact_id,
                    "phone": phone,
                    "body": message.body,
                    "sid": message.message_id,
                    "provider": message.provider,
                    "keyword": word,
                    "reply": reply,
                },
                event_id=f"message.received:{message.message_id}",
            )
        )

    contact_id = upsert_contact(
        name=message.profile_name,
        phone=phone,
        source="whatsapp",
        consent=consent,
        also=record,
    )
    events.flush(staged)
    return Received(
        contact_id=contact_id, phone=phone, duplicate=duplicate, keyword=word, reply=reply
    )
