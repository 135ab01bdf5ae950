"""Firestore reads and writes of services, staff and bookings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel

from functions.bookings import rules
from functions.bookings.availability import BookedTime
from functions.bookings.models import (
    BookingOut,
    BookingStatus,
    DateOverride,
    StoredBooking,
    StoredService,
    StoredStaff,
)
from shared.firestore import (
    Collections,
    Page,
    client,
    collection,
    field_filter,
    paginate,
    run_transaction,
)

if TYPE_CHECKING:
    from google.cloud.firestore import Transaction, WriteBatch

R = TypeVar("R")

# Services and staff change rarely and every slot lookup and booking reads
# them; a short per-process cache saves a round trip on the hot path. It
# holds the typed documents, so a hit costs no validation either.
CATALOGUE_TTL_SECONDS = 10.0
Catalogued = TypeVar("Catalogued", StoredService, StoredStaff)
_cache: dict[tuple[str, str], tuple[float, BaseModel | None]] = {}
_cache_lock = threading.Lock()


def _cached_get(
    collection_name: Collections, model: type[Catalogued], ids: list[str]
) -> dict[str, Catalogued | None]:
    now = time.monotonic()
    found: dict[str, Catalogued | None] = {}
    missing = []
    with _cache_lock:
        for doc_id in ids:
            hit = _cache.get((collection_name.value, doc_id))
            if hit and now - hit[0] < CATALOGUE_TTL_SECONDS:
                found[doc_id] = cast("Catalogued | None", hit[1])
            else:
                missing.append(doc_id)
    if missing:
        refs = [collection(collection_name).document(doc_id) for doc_id in missing]
        for snapshot in client().get_all(refs):
            data = model.model_validate(snapshot.to_dict()) if snapshot.exists else None
            found[snapshot.id] = data
            with _cache_lock:
                _cache[(collection_name.value, snapshot.id)] = (now, data)
    return found


def forget_cached(collection_name: Collections, doc_id: str) -> None:
    with _cache_lock:
        _cache.pop((collection_name.value, doc_id), None)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def get_service(service_id: str) -> StoredService | None:
    return _cached_get(Collections.SERVICES, StoredService, [service_id])[service_id]


def get_staff(staff_ids: list[str]) -> dict[str, StoredStaff]:
    found = _cached_get(Collections.STAFF, StoredStaff, staff_ids)
    return {k: v for k, v in found.items() if v is not None}


def active_services() -> list[tuple[str, StoredService]]:
    query = (
        collection(Collections.SERVICES)
        .where(filter=field_filter("active", "==", True))
        .order_by("name")
    )
    return [(doc.id, StoredService.model_validate(doc.to_dict())) for doc in query.stream()]


def all_services() -> list[tuple[str, StoredService]]:
    documents = collection(Collections.SERVICES).stream()
    return [(doc.id, StoredService.model_validate(doc.to_dict())) for doc in documents]


def all_staff() -> list[tuple[str, StoredStaff]]:
    documents = collection(Collections.STAFF).stream()
    return [(doc.id, StoredStaff.model_validate(doc.to_dict())) for doc in documents]


# How each is stored: a service as its fields, a staff member's dates as
# ISO strings. Writes drop this process's cached copy; other processes see
# the change within CATALOGUE_TTL_SECONDS.
def _service_fields(service: StoredService) -> dict[str, Any]:
    return service.model_dump()


def _staff_fields(staff: StoredStaff) -> dict[str, Any]:
    return staff.model_dump(mode="json")


def create_service(service_id: str, service: StoredService) -> None:
    collection(Collections.SERVICES).document(service_id).create(_service_fields(service))


def replace_service(service_id: str, service: StoredService) -> None:
    collection(Collections.SERVICES).document(service_id).set(_service_fields(service))
    forget_cached(Collections.SERVICES, service_id)


def retire_service(service_id: str) -> None:
    collection(Collections.SERVICES).document(service_id).update({"active": False})
    forget_cached(Collections.SERVICES, service_id)


def create_staff(staff_id: str, staff: StoredStaff) -> None:
    collection(Collections.STAFF).document(staff_id).create(_staff_fields(staff))


def replace_staff(staff_id: str, staff: StoredStaff) -> None:
    collection(Collections.STAFF).document(staff_id).set(_staff_fields(staff))
    forget_cached(Collections.STAFF, staff_id)


def set_staff_overrides(staff_id: str, overrides: list[DateOverride]) -> None:
    dumped = [override.model_dump(mode="json") for override in overrides]
    collection(Collections.STAFF).document(staff_id).update({"overrides": dumped})
    forget_cached(Collections.STAFF, staff_id)


def get_booking(booking_id: str) -> StoredBooking | None:
    snapshot = collection(Collections.BOOKINGS).document(booking_id).get()
    return StoredBooking.model_validate(snapshot.to_dict()) if snapshot.exists else None


# Firestore's `in` filter takes at most this many values.
_IN_LIMIT = 30


def booked_times(
    staff_ids: list[str], start: datetime, end: datetime, longest: timedelta, now: datetime
) -> dict[str, BookedTime]:
    """What availability reads of these staff members' active bookings that
    may touch [start, end): each member's `BookedTime`.

    One range query on start time per status (indexed with status and staff
    member), ordered by start, for these staff members only (up to 30; more
    are filtered here) and only the fields availability reads; bookings that
    start up to `longest` (the longest booking plus buffers) earlier are
    included. Payment holds that expired by `now` block nothing.
    """
    staff_ids = list(dict.fromkeys(staff_ids))
    if not staff_ids:
        return {}
    found: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for status in ("confirmed", "pending_payment"):
        query = (
            collection(Collections.BOOKINGS)
            .where(filter=field_filter("status", "==", status))
            .where(filter=field_filter("start_at", ">=", start - longest))
            .where(filter=field_filter("start_at", "<", end))
        )
        if len(staff_ids) == 1:
            query = query.where(filter=field_filter("staff_id", "==", staff_ids[0]))
        elif len(staff_ids) <= _IN_LIMIT:
            query = query.where(filter=field_filter("staff_id", "in", staff_ids))
        query = query.order_by("start_at").select(list(rules.BOOKED_TIME_FIELDS))
        documents: list[Mapping[str, Any]] = [doc.to_dict() or {} for doc in query.stream()]
        if len(staff_ids) == 1:  # the query kept that member's only
            found[status] = {staff_ids[0]: documents}
        else:
            found[status] = rules.by_staff(documents, staff_ids)
    return {
        staff_id: rules.booked_time(
            found["confirmed"][staff_id], found["pending_payment"][staff_id], now=now
        )
        for staff_id in staff_ids
    }


def booking_out(doc_id: str, booking: StoredBooking) -> BookingOut:
    return BookingOut(
        id=doc_id,
        service_id=booking.service_id,
        service_name=booking.service_name,
        staff_id=booking.staff_id,
        status=booking.status,
        start=booking.start_at,
        end=booking.end_at,
        tz=booking.tz,
        customer=booking.customer,
        contact_id=booking.contact_id,
        possible_duplicate_of=booking.possible_duplicate_of,
        notes=booking.notes,
        whatsapp_opt_in=booking.whatsapp_opt_in,
        created_by=booking.created_by,
        cancel_reason=booking.cancel_reason,
    )


def page_of_bookings(page: Page) -> list[tuple[str, StoredBooking]]:
    return [(doc.id, StoredBooking.model_validate(doc.to_dict())) for doc in page.items]


def bookings_between(
    start: datetime,
    end: datetime,
    status: BookingStatus | None,
    staff_id: str | None,
    limit: int,
    cursor: str | None,
) -> Page:
    query: Any = collection(Collections.BOOKINGS)  # a collection, then a Query
    if status:
        query = query.where(filter=field_filter("status", "==", status))
    if staff_id:
        query = query.where(filter=field_filter("staff_id", "==", staff_id))
    query = (
        query.where(filter=field_filter("start_at", ">=", start))
        .where(filter=field_filter("start_at", "<", end))
        .order_by("start_at")
    )
    return paginate(query, limit, cursor)


# ------------------------------------------------------------ scheduled work
def ended_confirmed_ids(now: datetime, limit: int) -> list[str]:
    """Confirmed bookings whose end has passed, earliest first."""
    query = (
        collection(Collections.BOOKINGS)
        .where(filter=field_filter("status", "==", "confirmed"))
        .where(filter=field_filter("end_at", "<=", now))
        .order_by("end_at")
        .limit(limit)
    )
    return [doc.id for doc in query.stream()]


def expired_hold_ids(now: datetime, limit: int) -> list[str]:
    query = (
        collection(Collections.BOOKINGS)
        .where(filter=field_filter("status", "==", "pending_payment"))
        .where(filter=field_filter("hold_expires_at", "<=", now))
        .limit(limit)
    )
    return [doc.id for doc in query.stream()]


def confirmed_starting_between(
    after: datetime, until: datetime
) -> Iterator[tuple[str, StoredBooking]]:
    """Confirmed bookings starting in (after, until], in start order."""
    query = (
        collection(Collections.BOOKINGS)
        .where(filter=field_filter("status", "==", "confirmed"))
        .where(filter=field_filter("start_at", ">", after))
        .where(filter=field_filter("start_at", "<=", until))
        .order_by("start_at")
    )
    for doc in query.stream():
        yield doc.id, StoredBooking.model_validate(doc.to_dict())


def mark_reminder_sent(
    marker_id: str, now: datetime, expires_at: datetime, stage: Callable[[WriteBatch], R]
) -> R | None:
    """Create the reminder's marker and `stage` its event in one atomic batch;
    None (nothing written) when the marker exists: the reminder went already."""
    from google.api_core.exceptions import AlreadyExists, Conflict

    batch = client().batch()
    batch.create(
        collection(Collections.REMINDERS_SENT).document(marker_id),
        {"at": now, "expires_at": expires_at},
    )
    staged = stage(batch)
    try:
        batch.commit()
    except (AlreadyExists, Conflict):
        return None
    return staged


# ------------------------------------------------------------ transitions
def transition(
    booking_id: str,
    decide: Callable[[StoredBooking | None], dict[str, Any] | None],
    stage: Callable[[Transaction, StoredBooking], R],
) -> tuple[StoredBooking, R] | None:
    """In one transaction: read the booking (None if there is none), let
    `decide` give the changes (None: leave it; it may raise to refuse),
    apply them and `stage` the event of the updated booking. Returns the
    updated booking and what `stage` returned, or None if nothing changed."""
    ref = collection(Collections.BOOKINGS).document(booking_id)

    def work(transaction: Transaction) -> tuple[StoredBooking, R] | None:
        snapshot = ref.get(transaction=transaction)
        booking = StoredBooking.model_validate(snapshot.to_dict()) if snapshot.exists else None
        changes = decide(booking)
        if changes is None or booking is None:
            return None
        transaction.update(ref, changes)
        updated = booking.model_copy(
            update={k: v for k, v in changes.items() if k in StoredBooking.model_fields}
        )
        return updated, stage(transaction, updated)

    return run_transaction(work)


def add_booking_create(batch: WriteBatch, booking_id: str, data: dict[str, Any]) -> None:
    batch.create(collection(Collections.BOOKINGS).document(booking_id), data)


def add_booking_update(batch: WriteBatch, booking_id: str, changes: dict[str, Any]) -> None:
    batch.update(collection(Collections.BOOKINGS).document(booking_id), changes)


def set_contact(booking_id: str, contact_id: str | None, possible_duplicate_of: list[str]) -> None:
    """Link the booking to its client's contact (None when the typed details
    disagree with existing contacts, which `possible_duplicate_of` lists)."""
    collection(Collections.BOOKINGS).document(booking_id).update(
        {"contact_id": contact_id, "possible_duplicate_of": possible_duplicate_of}
    )
