"""WhatsApp queue consumers (Lambda entry points).

`notify` receives the events routed to WhatsappNotifyQueue (template.yaml):
booking confirmations, changes and reminders, and opt-in requests; it
sends the template each one calls for, when `messages.may_message` allows
(never after STOP). It also sends the STOP / START / YES confirmation for messages
that came through Meta (`message.received` with a keyword: Meta, unlike
Twilio, takes no reply in the webhook's response). SQS delivers at least
once, so each event is handled once per consumer (idempotency on its event
id), and the outbound message carries the event id as its dedupe key.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from functions.whatsapp.messages import template_for
from functions.whatsapp.models import OutboundDraft
from functions.whatsapp.pacing import Pacer, share_of_rate
from shared import metrics
from shared.config import get_settings
from shared.consumers import event_consumer
from shared.events import ReceivedEvent
from shared.idempotency import idempotent
from shared.logging import get_logger
from shared.providers import OutboundMessage

logger = get_logger("whatsapp")
_pacers: list[Pacer] = []


class Handled(TypedDict):
    """What the notifier answers for an event (kept by the idempotency record)."""

    sent: bool
    reason: NotRequired[str]
    provider_message_id: NotRequired[str]


def _pacer() -> Pacer:
    """One pacer per warm function instance (sends are paced across its invocations)."""
    if not _pacers:
        _pacers.append(Pacer(share_of_rate(get_settings().whatsapp_sends_per_second)))
    return _pacers[0]


@idempotent("event", event_key_jmespath="envelope.event_id")
def send_for_event(*, event: ReceivedEvent) -> Handled:
    """Send the template this event calls for, if the person may be messaged.

    Every outcome is recorded in `wa_messages`: sent, skipped (with why), or
    failed permanently (with the provider's code). Temporary provider errors
    raise, so the queue retries and, in the end, dead-letters the event.
    """
    from functions.whatsapp import store
    from functions.whatsapp.messages import may_message
    from shared import clock
    from shared.contacts import find_by_phone, whatsapp_consent

    if event.detail_type == "message.received":
        return _confirm_keyword(event)
    message = template_for(event, get_settings())
    if message is None:
        return {"sent": False, "reason": "no WhatsApp message for this event"}
    contact = find_by_phone(message.to)
    allowed, reason = may_message(whatsapp_consent(contact[1] if contact else None), message)
    draft = OutboundDraft(
        phone=message.to,
        contact_id=contact[0] if contact else None,
        template=message.template,
        variables=message.variables,
        event_id=event.event_id,
        detail_type=event.detail_type,
        created_at=clock.now(),
    )
    if not allowed:
        store.record_outbound(
            store.outbound_id(f"{event.event_id}:whatsapp"),
            draft.recorded("skipped", skip_reason=reason),
        )
        logger.info("WhatsApp message skipped", extra={"reason": reason})
        metrics.count("WhatsAppMessagesSkipped")
        return {"sent": False, "reason": reason}
    return _send_and_record(
        event,
        draft,
        OutboundMessage(
            channel="whatsapp",
            to=message.to,
            template=message.template,
            variables=message.variables,
            language=message.language,
        ),
    )


def _confirm_keyword(event: ReceivedEvent) -> Handled:
    """Answer STOP / START / YES through Meta with free text (they just wrote: the window is open).

    Sent even after STOP: confirming the opt-out is the one message it allows.
    """
    from functions.whatsapp import store
    from shared import clock

    data = event.data
    reply = data.get("reply")
    if data.get("provider") != "meta" or not data.get("keyword") or not reply:
        return {"sent": False, "reason": "nothing to confirm"}
    phone, now = str(data["phone"]), clock.now()
    contact_id = data.get("contact_id")
    draft = OutboundDraft(
        phone=phone,
        contact_id=str(contact_id) if contact_id else None,
        body=str(reply),
        event_id=event.event_id,
        detail_type=event.detail_type,
        created_at=now,
    )
    outcome = _send_and_record(
        event, draft, OutboundMessage(channel="whatsapp", to=phone, text=str(reply))
    )
    store.touch_conversation(phone, now, str(reply))
    return outcome


def _send_and_record(
    event: ReceivedEvent, draft: OutboundDraft, message: OutboundMessage
) -> Handled:
    """Send (paced, deduped on the event id) and store the outcome in `wa_messages`."""
    from functions.whatsapp.outbound import send_and_record

    outcome = send_and_record(
        message,
        draft,
        dedupe_key=f"{event.event_id}:whatsapp",
        metadata={"event_id": event.event_id, "detail_type": event.detail_type},
        pace=_pacer().wait,
    )
    if outcome.refused is not None:
        logger.warning("WhatsApp message refused", extra={"code": outcome.refused.code})
        return {"sent": False, "reason": str(outcome.refused)}
    return {"sent": True, "provider_message_id": str(outcome.record.provider_message_id)}


def _check_credentials() -> None:
    get_settings().require("whatsapp")


notify = logger.inject_lambda_context(event_consumer(send_for_event, before=_check_credentials))
