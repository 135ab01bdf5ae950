"""Firestore reads and writes of services, staff and bookings."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.bookings import rules
from functions.bookings.availability import BookedTime
from functions.bookings.models import BookingOut, BookingStatus
from shared.firestore import Collections, Page, client, collection, field_filter, paginate

# Services and staff change rarely and every slot lookup and booking reads
# them; a short per-process cache saves a round trip on the hot path.
CATALOGUE_TTL_SECONDS = 10.0
_cache: dict[tuple[str, str], tuple[float, dict[str, Any] | None]] = {}
_cache_lock = threading.Lock()


def _cached_get(collection_name: Collections, ids: list[str]) -> dict[str, dict[str, Any] | None]:
    now = time.monotonic()
    found: dict[str, dict[str, Any] | None] = {}
    missing = []
    with _cache_lock:
        for doc_id in ids:
            hit = _cache.get((collection_name.value, doc_id))
            if hit and now - hit[0] < CATALOGUE_TTL_SECONDS:
                found[doc_id] = hit[1]
            else:
                missing.append(doc_id)
    if missing:
        refs = [collection(collection_name).document(doc_id) for doc_id in missing]
        for snapshot in client().get_all(refs):
            data = snapshot.to_dict() if snapshot.exists else None
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


def get_service(service_id: str) -> dict[str, Any] | None:
    return _cached_get(Collections.SERVICES, [service_id])[service_id]


def get_staff(staff_ids: list[str]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in _cached_get(Collections.STAFF, staff_ids).items() if v is not None}


def active_services() -> list[tuple[str, dict[str, Any]]]:
    query = (
        collection(Collections.SERVICES)
        .where(filter=field_filter("active", "==", True))
        .order_by("name")
    )
    return [(doc.id, doc.to_dict() or {}) for doc in query.stream()]


def all_documents(collection_name: Collections) -> list[tuple[str, dict[str, Any]]]:
    return [(doc.id, doc.to_dict() or {}) for doc in collection(collection_name).stream()]


def get_booking(booking_id: str) -> dict[str, Any] | None:
    snapshot = collection(Collections.BOOKINGS).document(booking_id).get()
    return snapshot.to_dict() if snapshot.exists else None


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


def booking_out(doc_id: str, data: dict[str, Any]) -> BookingOut:
    return BookingOut(
        id=doc_id,
        service_id=data["service_id"],
        service_name=data.get("service_name", ""),
        staff_id=data["staff_id"],
        status=data["status"],
        start=data["start_at"],
        end=data["end_at"],
        tz=data.get("tz", "UTC"),
        customer=data["customer"],
        contact_id=data.get("contact_id"),
        possible_duplicate_of=list(data.get("possible_duplicate_of") or []),
        notes=data.get("notes", ""),
        whatsapp_opt_in=bool(data.get("whatsapp_opt_in")),
        created_by=data.get("created_by", "client"),
        cancel_reason=data.get("cancel_reason"),
    )


def bookings_between(
    start: datetime,
    end: datetime,
    status: BookingStatus | None,
    staff_id: str | None,
    limit: int,
    cursor: str | None,
) -> Page:
    query = collection(Collections.BOOKINGS)
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
