"""Bookings queue consumers (Lambda entry points; queues and rules in template.yaml).

- `record_contacts` (booking.created) links the client's contact (never
  taking over one) and logs the WhatsApp consent given on the booking form;
- `send_emails` (booking.confirmed, .rescheduled, .cancelled, reminder.due)
  emails the client, with the .ics, and notifies the staff member.
Each runs once per event (idempotency on the event id), however often SQS
delivers it.
"""

from __future__ import annotations

from typing import Any

from shared.consumers import event_consumer
from shared.events import ReceivedEvent
from shared.firestore import Collections, collection
from shared.idempotency import idempotent


@idempotent("event", event_key_jmespath="envelope.event_id")
def record_contact(*, event: ReceivedEvent) -> dict[str, Any]:
    """Link the booking to its client's contact, without letting a form take one over.

    The details were typed into a public form: they never change an existing
    contact's email, phone or consent (`contacts.match_form_contact`). When
    they disagree with existing contacts, the booking is linked to none and
    `possible_duplicate_of` lists them for staff. The WhatsApp box ticked on
    the form is logged as that booking's consent for the number it gave; it
    covers that booking's messages only and never lifts a STOP.
    """
    from shared.contacts import Consent, log_consent, match_form_contact

    data = event.data
    customer = data["customer"]
    match = match_form_contact(
        name=customer.get("name"),
        email=customer.get("email"),
        phone=customer.get("phone"),
        source="booking",
        locale=data.get("locale"),
    )
    given = data.get("whatsapp_consent")
    if data.get("whatsapp_opt_in") and given and customer.get("phone"):
        log_consent(
            document_id=f"booking-{data['booking_id']}-whatsapp",
            consent=Consent(
                channel="whatsapp",
                action="opt_in",
                source=str(given.get("source", "booking_form")),
                wording=str(given.get("wording", "")),
                at=event.envelope.occurred_at,
            ),
            address=str(customer["phone"]),
            contact_id=match.contact_id,
            scope="booking",
            booking_id=data["booking_id"],
        )
    collection(Collections.BOOKINGS).document(data["booking_id"]).update(
        {
            "contact_id": match.contact_id,
            "possible_duplicate_of": list(match.possible_duplicate_of),
        }
    )
    return {
        "contact_id": match.contact_id,
        "possible_duplicate_of": list(match.possible_duplicate_of),
    }


record_contacts = event_consumer(record_contact)


# ------------------------------------------------------------ emails
@idempotent("event", event_key_jmespath="envelope.event_id")
def email_for_event(*, event: ReceivedEvent) -> dict[str, Any]:
    """Send the client's email (with the .ics when the time is set) and the staff notice."""
    import base64
    from datetime import datetime

    from functions.bookings import rules, store
    from functions.bookings.emails import booking_emails
    from shared.providers import Attachment, OutboundMessage, email_provider

    data = event.data
    staff = store.get_staff([data["staff_id"]]).get(data["staff_id"]) or {}
    emails = booking_emails(
        event.detail_type, data, manage_url=data.get("manage_url"), staff_email=staff.get("email")
    )
    provider = email_provider()
    sent = []
    for email in emails:
        attachments = []
        if email.attach_ics:
            ics = rules.ics_document(
                booking_id=data["booking_id"],
                summary=f"{data.get('service_name', 'Appointment')} with MilliIntell",
                description=data.get("manage_url") or "",
                start=datetime.fromisoformat(data["start"]),
                end=datetime.fromisoformat(data["end"]),
                created=event.envelope.occurred_at,
                organizer_email=None,
                status=data["status"],
                sequence=int(data.get("sequence") or 0),
                domain="milliintell",
            )
            attachments.append(
                Attachment(
                    filename="booking.ics",
                    content_type="text/calendar",
                    content_base64=base64.b64encode(ics).decode(),
                )
            )
        result = provider.send(
            OutboundMessage(
                channel="email",
                to=email.to,
                subject=email.subject,
                text=email.text,
                html=email.html,
                attachments=attachments,
                dedupe_key=f"{event.event_id}:{email.to}",
                metadata={"event_id": event.event_id, "booking_id": data["booking_id"]},
            )
        )
        sent.append(result.provider_message_id)
    return {"sent": sent}


send_emails = event_consumer(email_for_event)
