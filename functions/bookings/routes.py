"""Bookings HTTP routes: public catalogue and the staff booking list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, Query

from functions.bookings import store
from functions.bookings.models import BookingPage, BookingStatus, ServiceOut
from shared.auth import StaffUser, require_role
from shared.errors import Invalid
from shared.firestore import InvalidCursor

public = APIRouter(tags=["public"])
admin = APIRouter(prefix="/admin", tags=["staff"])

MAX_RANGE_DAYS = 62


@public.get("/services", summary="Active services clients can book")
def list_services() -> list[ServiceOut]:
    return store.active_services()


@admin.get("/bookings", summary="Bookings starting in a date range (UTC dates)")
def list_bookings(
    from_: datetime = Query(alias="from", description="ISO date or date-time; UTC if no offset"),
    to: datetime = Query(description="exclusive end, ISO date or date-time"),
    status: BookingStatus | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = None,
    _: StaffUser = Depends(require_role("staff", "admin")),
) -> BookingPage:
    start, end = _as_utc(from_), _as_utc(to)
    if end <= start:
        raise Invalid.field("to", "must be after from", "query")
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise Invalid.field("to", f"the range may span at most {MAX_RANGE_DAYS} days", "query")
    try:
        page = store.bookings_between(start, end, status, limit, cursor)
    except InvalidCursor as error:
        raise Invalid.field("cursor", str(error), "query") from error
    return BookingPage(
        items=[store.booking_from_document(doc.id, doc.to_dict() or {}) for doc in page.items],
        next_cursor=page.next_cursor,
    )


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
