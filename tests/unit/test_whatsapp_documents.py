"""WhatsApp's stored documents: one place for their defaults, and documents
written before a field existed still read."""

from __future__ import annotations

from functions.whatsapp.models import (
    OutboundDraft,
    StoredConversation,
    StoredMessage,
    StoredOptInRequest,
)
from tests.factories import NOW


def test_a_conversation_touched_by_an_outbound_message_alone_reads_with_defaults() -> None:
    stored = StoredConversation.model_validate(
        {"phone": "+447911123456", "last_message_at": NOW, "last_message_preview": "Hi"}
    )
    assert (stored.contact_id, stored.unread_count, stored.last_inbound_at) == (None, 0, None)


def test_an_outbound_record_keeps_what_the_sender_knew_and_the_outcome() -> None:
    draft = OutboundDraft(
        phone="+447911123456", template="booking_confirmed", variables={"1": "Jo"}, created_at=NOW
    )
    sent = draft.recorded("queued", provider="twilio", provider_message_id="SM1")
    assert (sent.direction, sent.status, sent.variables) == ("out", "queued", {"1": "Jo"})
    assert (sent.provider, sent.provider_message_id, sent.skip_reason) == ("twilio", "SM1", None)
    skipped = draft.recorded("skipped", skip_reason="no consent")
    assert StoredMessage.model_validate(skipped.model_dump()) == skipped


def test_a_record_from_before_the_typed_documents_reads() -> None:
    # The notifier once stored no body or sent_by, and unknown keys are ignored.
    old = {
        "direction": "out",
        "phone": "+447911123456",
        "template": "booking_reminder",
        "status": "skipped",
        "skip_reason": "opted out",
        "created_at": NOW,
        "retired_field": 1,
    }
    stored = StoredMessage.model_validate(old)
    assert (stored.body, stored.sent_by, stored.variables) == (None, None, {})


def test_an_opt_in_request_defaults_to_pending_from_the_website() -> None:
    request = StoredOptInRequest.model_validate(
        {"phone": "+447911123456", "requested_at": NOW, "expires_at": NOW}
    )
    assert (request.status, request.source, request.wording) == ("pending", "website", "")
