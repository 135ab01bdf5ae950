"""Firestore reads and writes of WhatsApp conversations and messages.

`wa_conversations/<E.164 phone>` holds the 24-hour window and the unread
count; `wa_messages/<id>` each message in or out (with skips and failures,
and the reason), newest status only moving forward;
`wa_opt_in_requests/<digits>-<yyyymmdd>` each day's pending opt-in request
for a number (its id is the once-a-day guard), until the number confirms.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Generic, TypeVar

from functions.whatsapp.messages import WINDOW, status_moves_forward
from functions.whatsapp.models import StoredConversation, StoredMessage, StoredOptInRequest
from shared.firestore import (
    Collections,
    collection,
    create_if_absent,
    field_filter,
    paginate,
    run_transaction,
)

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction, WriteBatch

# How long a request can still be confirmed by a YES; also how long it is kept.
REQUEST_VALID = timedelta(days=7)

T = TypeVar("T")
D = TypeVar("D")


def in_transaction(work: Callable[[Transaction], T]) -> T:
    """Run `work` in a Firestore transaction (retried on contention)."""
    return run_transaction(work)


@dataclass(frozen=True)
class Listed(Generic[D]):
    """A page of typed documents, as (id, document), and where the next starts."""

    items: list[tuple[str, D]]
    next_cursor: str | None


def outbound_id(dedupe_key: str) -> str:
    return "out-" + hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]


def record_outbound(message_id: str, message: StoredMessage) -> bool:
    """Store an outbound message (or skip, or failure); False if already recorded."""
    return create_if_absent(
        collection(Collections.WA_MESSAGES).document(message_id), message.model_dump()
    )


def _inbound_ref(provider: str, message_id: str) -> DocumentReference:
    """`in-<MessageSid>` for Twilio (ids are plain); hashed for others (a wamid may hold "/")."""
    if provider == "twilio":
        return collection(Collections.WA_MESSAGES).document(f"in-{message_id}")
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:32]
    return collection(Collections.WA_MESSAGES).document(f"in-{provider}-{digest}")


def inbound_seen(transaction: Transaction, provider: str, message_id: str) -> bool:
    """Whether this inbound message is stored already (a provider retrying its webhook)."""
    return bool(_inbound_ref(provider, message_id).get(transaction=transaction).exists)


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

    message = StoredMessage(
        direction="in",
        phone=phone,
        contact_id=contact_id,
        body=body,
        provider=provider,
        provider_message_id=message_id,
        status="received",
        created_at=now,
    )
    batch.create(_inbound_ref(provider, message_id), message.model_dump())
    batch.set(
        collection(Collections.WA_CONVERSATIONS).document(phone),
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


def get_conversation(phone: str) -> StoredConversation | None:
    snapshot = collection(Collections.WA_CONVERSATIONS).document(phone).get()
    return StoredConversation.model_validate(snapshot.to_dict()) if snapshot.exists else None


def apply_status(sid: str, status: str, error_code: str | None, now: datetime) -> bool:
    """Move the message its provider calls `sid` to `status`, unless it is already further on."""
    query = (
        collection(Collections.WA_MESSAGES)
        .where(filter=field_filter("provider_message_id", "==", sid))
        .limit(1)
    )
    found = list(query.stream())
    if not found:
        return False
    ref = found[0].reference

    def work(transaction: Transaction) -> bool:
        # Only the status is read: status callbacks may name any message.
        current = (ref.get(transaction=transaction).to_dict() or {}).get("status")
        if not status_moves_forward(current, status):
            return False
        changes: dict[str, object] = {"status": status, "status_at": now}
        if error_code:
            changes["error_code"] = error_code
        transaction.update(ref, changes)
        return True

    return run_transaction(work)


def touch_conversation(phone: str, now: datetime, preview: str) -> None:
    """An outbound message moves the conversation up the inbox (without opening the window)."""
    collection(Collections.WA_CONVERSATIONS).document(phone).set(
        {"phone": phone, "last_message_at": now, "last_message_preview": preview[:120]},
        merge=True,
    )


def conversations(limit: int, cursor: str | None) -> Listed[StoredConversation]:
    """A page of conversations, most recent first (InvalidCursor for a bad cursor)."""
    query = collection(Collections.WA_CONVERSATIONS).order_by(
        "last_message_at", direction="DESCENDING"
    )
    page = paginate(query, limit, cursor)
    return Listed(
        [(doc.id, StoredConversation.model_validate(doc.to_dict())) for doc in page.items],
        page.next_cursor,
    )


def messages_of(phone: str, limit: int, cursor: str | None) -> Listed[StoredMessage]:
    """A page of one conversation's messages, newest first."""
    query = (
        collection(Collections.WA_MESSAGES)
        .where(filter=field_filter("phone", "==", phone))
        .order_by("created_at", direction="DESCENDING")
    )
    page = paginate(query, limit, cursor)
    return Listed(
        [(doc.id, StoredMessage.model_validate(doc.to_dict())) for doc in page.items],
        page.next_cursor,
    )


def mark_read(phone: str) -> bool:
    """Zero the conversation's unread count; False when there is no such conversation."""
    from google.api_core.exceptions import NotFound

    try:
        collection(Collections.WA_CONVERSATIONS).document(phone).update({"unread_count": 0})
    except NotFound:
        return False
    return True


def contact_in(transaction: Transaction, contact_id: str) -> dict[str, object]:
    """The contact's document (consent, language), read in `transaction`."""
    snapshot = collection(Collections.CONTACTS).document(contact_id).get(transaction=transaction)
    return snapshot.to_dict() or {}


# ------------------------------------------------------------ opt-in requests
def _request_ref(phone: str, day: date) -> DocumentReference:
    return collection(Collections.WA_OPT_IN_REQUESTS).document(f"{phone.lstrip('+')}-{day:%Y%m%d}")


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
    request = StoredOptInRequest(
        phone=phone,
        wording=wording,
        source=source,
        name_given=name,
        requested_at=now,
        expires_at=now + REQUEST_VALID,
    )
    transaction.create(ref, request.model_dump())
    return str(ref.id)


def pending_opt_in(
    transaction: Transaction, phone: str, now: datetime
) -> tuple[str, StoredOptInRequest] | None:
    """The newest request for `phone` still pending and young enough to
    confirm, as (id, request)."""
    days = (now - REQUEST_VALID).date(), now.date()
    refs = [
        _request_ref(phone, days[0] + timedelta(days=offset))
        for offset in range((days[1] - days[0]).days + 1)
    ]
    found = []
    for snapshot in transaction.get_all(refs):
        if not snapshot.exists:
            continue
        request = StoredOptInRequest.model_validate(snapshot.to_dict())
        if request.status == "pending" and now - request.requested_at <= REQUEST_VALID:
            found.append((str(snapshot.id), request))
    return max(found, key=lambda item: item[1].requested_at, default=None)


def confirm_opt_in(
    transaction: Transaction, request_id: str, message_id: str, now: datetime
) -> None:
    transaction.update(
        collection(Collections.WA_OPT_IN_REQUESTS).document(request_id),
        {"status": "confirmed", "confirmed_at": now, "confirmed_by_message": message_id},
    )
