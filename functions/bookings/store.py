"""Reading and writing bookings in Firestore (the I/O half of the capability)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.bookings.models import BookingOut, BookingStatus, ServiceOut
from shared.firestore import Collections, Page, collection, field_filter, paginate


def service_from_document(doc_id: str, data: dict[str, Any]) -> ServiceOut:
    return ServiceOut(
        id=doc_id,
        name=data["name"],
        description=data.get("description", ""),
        duration_minutes=data["duration_minutes"],
        price=data["price"],
    )


def booking_from_document(doc_id: str, data: dict[str, Any]) -> BookingOut:
    return BookingOut(
        id=doc_id,
        service_id=data["service_id"],
        staff_id=data["staff_id"],
        status=data["status"],
        start=data["start_at"],
        end=data["end_at"],
        customer=data["customer"],
    )


def active_services() -> list[ServiceOut]:
    query = (
        collection(Collections.SERVICES)
        .where(filter=field_filter("active", "==", True))
        .order_by("name")
    )
    return [service_from_document(doc.id, doc.to_dict() or {}) for doc in query.stream()]


def bookings_between(
    start: datetime,
    end: datetime,
    status: BookingStatus | None,
    limit: int,
    cursor: str | None,
) -> Page:
    query = collection(Collections.BOOKINGS)
    if status:
        query = query.where(filter=field_filter("status", "==", status))
    query = (
        query.where(filter=field_filter("start_at", ">=", start))
        .where(filter=field_filter("start_at", "<", end))
        .order_by("start_at")
    )
    return paginate(query, limit, cursor)
