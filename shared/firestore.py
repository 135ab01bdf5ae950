"""Firestore access: one lazily created client per process, collection names
in one place, and the few patterns every capability needs.

`google.cloud.firestore` pulls in gRPC; it is imported on first use, not at
module import, so handlers that never touch the database start fast.
"""

from __future__ import annotations

import base64
import binascii
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from shared.config import get_settings

if TYPE_CHECKING:
    from google.cloud.firestore import (
        Client,
        CollectionReference,
        DocumentReference,
        Query,
        Transaction,
    )
    from google.cloud.firestore_v1.base_document import DocumentSnapshot

T = TypeVar("T")


class Collections(StrEnum):
    """Every top-level collection the platform uses (tests/unit/test_architecture.py
    checks no other module names one with a string)."""

    SERVICES = "services"
    STAFF = "staff"
    BOOKINGS = "bookings"
    CONTACTS = "contacts"
    CONSENTS = "consents"
    OUTBOX = "outbox"
    IDEMPOTENCY = "idempotency"
    PENDING_EVENTS = "pending_events"
    CONTACT_KEYS = "contact_keys"
    BOOKING_LOCKS = "booking_locks"
    BOOKING_SEATS = "booking_seats"
    REMINDERS_SENT = "reminders_sent"
    WA_CONVERSATIONS = "wa_conversations"
    WA_MESSAGES = "wa_messages"
    WA_OPT_IN_REQUESTS = "wa_opt_in_requests"
    RATE_LIMITS = "rate_limits"
    # invoices (functions/invoices/)
    INVOICES = "invoices"
    INVOICE_NUMBERS = "invoice_numbers"  # one document per number issued: the uniqueness guard
    INVOICE_PAYMENTS = "invoice_payments"  # one per provider payment/refund id: applied once
    INVOICE_SETTINGS = "invoice_settings"
    INVOICE_REMINDERS_SENT = "invoice_reminders_sent"
    PRODUCTS = "products"
    ORDERS = "orders"
    RECURRING_INVOICES = "recurring_invoices"
    PROVIDER_EVENTS = "provider_events"  # webhook event ids already applied (Stripe, PayPal)
    HEALTH = "_health"


_client: Client | None = None
_client_lock = threading.Lock()


def client() -> Client:
    """The process-wide Firestore client, created on first use."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                from google.cloud import firestore

                _client = firestore.Client(project=get_settings().project_id)
    return _client


def reset_client() -> None:
    """Drop the cached client (tests point the process at a new emulator)."""
    global _client
    with _client_lock:
        _client = None


def collection(name: Collections) -> CollectionReference:
    return client().collection(name.value)


def field_filter(field: str, op: str, value: Any) -> Any:
    """A FieldFilter for `query.where(filter=...)` (the positional form is deprecated)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    return FieldFilter(field, op, value)


def create_if_absent(ref: DocumentReference, data: dict[str, Any]) -> bool:
    """Create `ref` with `data` unless it exists; True when this call created it.

    The database decides (a `create()` precondition), so two callers racing
    on one id get exactly one True.
    """
    from google.api_core.exceptions import AlreadyExists

    try:
        ref.create(data)
    except AlreadyExists:
        return False
    return True


# Backoff between transaction rounds: "full jitter" (a random wait up to an
# exponentially growing ceiling), so writers that collided spread out.
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 2.0


def is_retryable(error: BaseException, *, committing: bool) -> bool:
    """Whether a failed transaction may simply be run again.

    Contention shows up in two forms: a read inside the transaction that
    waited too long for a lock raises `Aborted` itself ("Transaction lock
    timeout"), while a commit that kept aborting comes out of the client's
    own retry loop as a `ValueError` caused by `Aborted`. `ServiceUnavailable`
    means the request was not served. `DeadlineExceeded` is safe to retry
    only before the commit was sent: a timed-out commit may have landed.
    """
    from google.api_core.exceptions import Aborted, DeadlineExceeded, ServiceUnavailable

    if isinstance(error, ValueError) and isinstance(error.__cause__, Aborted):
        return True
    if isinstance(error, Aborted | ServiceUnavailable):
        return True
    return isinstance(error, DeadlineExceeded) and not committing


def backoff_seconds(round_: int, rng: random.Random | None = None) -> float:
    """How long to wait before transaction round `round_ + 1` (full jitter, capped)."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**round_)
    return (rng or random).uniform(0, ceiling)


def run_transaction(
    work: Callable[[Transaction], T], max_attempts: int = 5, backoff_rounds: int = 6
) -> T:
    """Run `work(transaction)` in a read-write transaction, retried on contention.

    The client retries an aborted commit at once, `max_attempts` times, but
    not a read that timed out waiting for a lock; either way, when a
    document is that hot we back off with jitter and run `work` again in a
    fresh transaction (at most `backoff_rounds` times, a few seconds in all),
    so a burst of writers spreads out instead of failing together.
    """
    from google.cloud import firestore

    committing = False

    @firestore.transactional
    def attempt(transaction: Transaction) -> T:
        nonlocal committing
        committing = False
        result = work(transaction)
        committing = True  # the client commits as soon as this returns
        return result

    for round_ in range(backoff_rounds + 1):
        try:
            result: T = attempt(client().transaction(max_attempts=max_attempts))
            return result
        except Exception as error:
            if round_ == backoff_rounds or not is_retryable(error, committing=committing):
                raise
        time.sleep(backoff_seconds(round_))
    raise AssertionError("unreachable")


class InvalidCursor(ValueError):
    """A pagination cursor that this service did not issue."""


@dataclass(frozen=True)
class Page:
    items: list[DocumentSnapshot[Any]]
    next_cursor: str | None


def encode_cursor(document_path: str) -> str:
    return base64.urlsafe_b64encode(document_path.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor("cursor is not valid") from error


def _readable_id(document_id: str) -> bool:
    """Whether Firestore accepts `document_id` in a read (ours are all short)."""
    return (
        0 < len(document_id) <= 128
        and document_id not in (".", "..")
        and not (document_id.startswith("__") and document_id.endswith("__"))
        and document_id.isprintable()
    )


def paginate(query: Query, limit: int, cursor: str | None = None) -> Page:
    """One page of an ordered query, continuing after `cursor`.

    The cursor names the last document of the previous page; Firestore
    resumes from that snapshot's order-by values, so pages neither skip nor
    repeat documents when new ones arrive.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if cursor:
        path = decode_cursor(cursor)
        collection_id = query._parent.id  # the queried collection's name
        if path.count("/") != 1 or path.split("/")[0] != collection_id:
            raise InvalidCursor("cursor does not belong to this listing")
        if not _readable_id(path.split("/")[1]):
            # `__x__`, `..` or an over-long id: Firestore would refuse the read (a 500).
            raise InvalidCursor("cursor does not belong to this listing")
        snapshot = client().document(path).get()
        if not snapshot.exists:
            raise InvalidCursor("cursor points at a document that no longer exists")
        query = query.start_after(snapshot)
    documents = list(query.limit(limit + 1).stream())
    has_more = len(documents) > limit
    items = documents[:limit]
    next_cursor = encode_cursor(items[-1].reference.path) if has_more and items else None
    return Page(items=items, next_cursor=next_cursor)
