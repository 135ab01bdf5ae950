"""The one way a WhatsApp message goes out, whoever sends it (the notifier
for events, staff replying from the inbox): send through the configured
provider under a dedupe key, and store the outcome in `wa_messages` under
an id made from that key, so a retry neither sends nor records twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from functions.whatsapp import store
from shared import metrics

if TYPE_CHECKING:
    from functions.whatsapp.models import OutboundDraft, StoredMessage
    from shared.providers import OutboundMessage, PermanentProviderError


@dataclass(frozen=True)
class Outcome:
    message_id: str
    record: StoredMessage  # as stored
    refused: PermanentProviderError | None = None  # the provider's refusal, recorded as failed


def send_and_record(
    message: OutboundMessage,
    draft: OutboundDraft,
    *,
    dedupe_key: str,
    metadata: dict[str, str] | None = None,
    pace: Callable[[], None] | None = None,
) -> Outcome:
    """Send `message` and store `draft` with the outcome: sent (the
    provider's status and id) or failed (its code and words). A temporary
    provider error raises and stores nothing: the caller retries or says so."""
    from shared.providers import PermanentProviderError, whatsapp_provider

    message_id = store.outbound_id(dedupe_key)
    if pace is not None:
        pace()
    try:
        result = whatsapp_provider().send(
            message.model_copy(update={"dedupe_key": dedupe_key, "metadata": metadata or {}})
        )
    except PermanentProviderError as error:
        failed = draft.recorded("failed", error_code=error.code, error=str(error))
        store.record_outbound(message_id, failed)
        metrics.count("WhatsAppMessagesRefused")
        return Outcome(message_id, failed, error)
    sent = draft.recorded(
        result.status, provider=result.provider, provider_message_id=result.provider_message_id
    )
    store.record_outbound(message_id, sent)
    metrics.count("WhatsAppMessagesSent")
    return Outcome(message_id, sent)
