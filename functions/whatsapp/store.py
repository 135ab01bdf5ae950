"""Firestore reads and writes of WhatsApp conversations and messages.

`wa_conversations/<E.164 phone>` holds the 24-hour window and the unread
count; `wa_messages/<id>` each message in or out (with skips and failures,
and the reason), newest status only moving forward;
`wa_opt_in_requests/<digits>-<yyyymmdd>` each day's pending opt-in request
for a number (its id is the once-a-day guard), until the number confirms.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from functions.whatsapp.messages import WINDOW, status_moves_forward
from shared.firestore import client, create_if_absent, field_filter, run_transaction

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction, WriteBatch

CONVERSATIONS = "wa_conversations"
MESSAGES = "wa_messages"
OPT_IN_REQUESTS = "wa_opt_in_requests"
# How long a request can still be confirmed by a YES; also how long it is kept.
REQUEST_VALID = timedelta(days=7)


def outbound_id(dedupe_key: str) -> str:
    return "out-" + hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]


def record_outbound(message_id: str, data: dict[str, Any]) -> bool:
    """Store an outbound message (or skip, or failure); False if already recorded."""
    return create_if_absent(client().collection(MESSAGES).document(message_id), data)


def inbound_ref(provider: str, message_id: str) -> Any:
    """`in-<MessageSid>` for Twilio (ids are plain); hashed for others (a wamid may hold "/")."""
    if provider == "twilio":
        return client().collection(MESSAGES).document(f"in-{message_id}")
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:32]
    return client().collection(MESSAGES).document(f"in-{provider}-{digest}")


def add_inbound(
    batch: Transaction | WriteBatch,
    provider: str,
    message_id: str,
    phone: str,
    contact_id: str,
    body: str,
    now: datetime,
) -> None:
    from google.cloud.firestore import Increment

    batch.create(
        inbound_ref(provider, message_id),
        {
            "direction": "in",
            "phone": phone,
            "contact_id": contact_id,
            "body": body,
            "provider": provider,
            "provider_message_id": message_id,
            "status": "received",
            "created_at": now,
        },
    )
    batch.set(
        client().collection(CONVERSATIONS).document(phone),
        {
            "phone": phone,
            "contact_id": contact_id,
            "last_inbound_at": now,
            "window_expires_at": now + WINDOW,
            "last_message_at": now,
            "last_message_preview": body[:120],
            "unread_count": Increment(1),
        },
        merge=True,
    )


def last_inbound_at(phone: str) -> datetime | None:
    snapshot = client().collection(CONVERSATIONS).document(phone).get()
    value = (snapshot.to_dict() or {}).get("last_inbound_at") if snapshot.exists else None
    return value if isinstance(value, datetime) else None


def apply_status(sid: str, status: str, error_code: str | None, now: datetime) -> bool:
    """Move the message its provider calls `sid` to `status`, unless it is already further on."""
    query = (
        client()
        .collection(MESSAGES)
        .where(filter=field_filter("provider_message_id", "==", sid))
        .limit(1)
    )
    found = list(query.stream())
    if not found:
        return False
    ref = found[0].reference

    def work(transaction: Transaction) -> bool:
        current = (ref.get(transaction=transaction).to_dict() or {}).get("status")
        if not status_moves_forward(current, status):
            return False
        changes: dict[str, Any] = {"status": status, "status_at": now}
        if error_code:
            changes["error_code"] = error_code
        transaction.update(ref, changes)
        return True

    return run_transaction(work)


def touch_conversation(phone: str, now: datetime, preview: str) -> None:
    """An outbound message moves the conversation up the inbox (without opening the window)."""
    client().collection(CONVERSATIONS).document(phone).set(
        {"phone": phone, "last_message_at": now, "last_message_preview": preview[:120]},
        merge=True,
    )


# ------------------------------------------------------------ opt-in requests
@dataclass(frozen=True)
class PendingOptIn:
    """A public opt-in waiting for the number to confirm it."""

    request_id: str
    phone: str
    wording: str
    source: str
    requested_at: datetime


def _request_ref(phone: str, day: date) -> DocumentReference:
    return client().collection(OPT_IN_REQUESTS).document(f"{phone.lstrip('+')}-{day:%Y%m%d}")


def add_opt_in_request(
    transaction: Transaction,
    phone: str,
    *,
    wording: str,
    source: str,
    name: str | None,
    now: datetime,
) -> str | None:
    """Record today's request for `phone`; its id, or None if today's exists.

    The deterministic id (number + UTC date) read in the transaction is the
    guard: however many requests race, one per number per day is recorded.
    Reads first, then writes: call it after the transaction's other reads.
    """
    ref = _request_ref(phone, now.date())
    if ref.get(transaction=transaction).exists:
        return None
    transaction.create(
        ref,
        {
            "phone": phone,
            "status": "pending",
            "wording": wording,
            "source": source,
            "name_given": name,  # as typed, cleaned; never sent in a message
            "requested_at": now,
            # Deleted by the TTL policy in firestore.indexes.json (a confirmed
            # one's wording and source live on in `consents`).
            "expires_at": now + REQUEST_VALID,
        },
    )
    return str(ref.id)


def pending_opt_in(transaction: Transaction, phone: str, now: datetime) -> PendingOptIn | None:
    """The newest request for `phone` still pending and young enough to confirm."""
    days = (now - REQUEST_VALID).date(), now.date()
    refs = [
        _request_ref(phone, days[0] + timedelta(days=offset))
        for offset in range((days[1] - days[0]).days + 1)
    ]
    found = []
    for snapshot in transaction.get_all(refs):
        data = snapshot.to_dict() if snapshot.exists else None
        if not data or data.get("status") != "pending":
            continue
        requested_at = data.get("requested_at")
        if isinstance(requested_at, datetime) and now - requested_at <= REQUEST_VALID:
            found.append(
                PendingOptIn(
                    request_id=snapshot.id,
                    phone=phone,
                    wording=str(data.get("wording") or ""),
                    source=str(data.get("source") or "website"),
                    requested_at=requested_at,
                )
            )
    return max(found, key=lambda request: request.requested_at, default=None)


def confirm_opt_in(
    transaction: Transaction, request: PendingOptIn, message_id: str, now: datetime
) -> None:
    transaction.update(
        client().collection(OPT_IN_REQUESTS).document(request.request_id),
        {"status": "confirmed", "confirmed_at": now, "confirmed_by_message": message_id},
    )
