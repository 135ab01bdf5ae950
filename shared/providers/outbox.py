"""The local provider: records each message in the `outbox` collection."""

from __future__ import annotations

import hashlib
import uuid

from shared import clock
from shared.firestore import Collections, collection, create_if_absent
from shared.providers import OutboundMessage, SendResult


class OutboxProvider:
    name = "outbox"

    def send(self, message: OutboundMessage) -> SendResult:
        if message.dedupe_key:
            doc_id = hashlib.sha256(f"{message.channel}:{message.dedupe_key}".encode()).hexdigest()[
                :32
            ]
        else:
            doc_id = uuid.uuid4().hex
        record = message.model_dump(mode="json") | {
            "provider": self.name,
            "status": "recorded",
            "recorded_at": clock.now(),
        }
        created = create_if_absent(collection(Collections.OUTBOX).document(doc_id), record)
        return SendResult(
            provider=self.name, provider_message_id=doc_id, status="recorded", duplicate=not created
        )
