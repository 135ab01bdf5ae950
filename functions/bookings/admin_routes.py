"""Staff routes, served by their own function at /api/bookings/admin:
services, staff members and their hours, and bookings (list, book for a
client, reschedule, cancel, confirm, no-show). Who may call which route
(staff or admin; the catalogue, staff and hours are admin-only) is decided
by shared/access.py's table, which every app enforces."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from functions.bookings import create, reschedule, status_changes, store, views
from functions.bookings.models import (
    BookingCreated,
    BookingOut,
    BookingPage,
    BookingStatus,
    CancelRequest,
    DateOverride,
    ServiceIn,
    ServiceOut,
    StaffBookingCreate,
    StaffIn,
    StaffOut,
    StaffRescheduleRequest,
)
from shared.access import CurrentUser
from shared.errors import Invalid, NotFound
from shared.firestore import InvalidCursor
from shared.params import CursorQuery, DatePath, IdPath, OptionalIdQuery
from shared.schema import CONFLICT
from shared.values import BoundedDateTime

admin = APIRouter(tags=["staff"])
MAX_RANGE_DAYS = 62


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
    return f"{slug or 'item'}-{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------- services
@admin.get("/services", summary="Every service, active or not")
def list_services() -> list[ServiceOut]:
    return [ServiceOut(id=i, **doc.model_dump()) for i, doc in store.all_services()]


def _check_staff_exist(staff_ids: list[str]) -> None:
    found = store.get_staff(staff_ids)
    unknown = [i for i in staff_ids if i not in found]
    if unknown:
        raise Invalid.field("staff_ids", f"no staff member has the id {unknown[0]}")


@admin.post("/services", status_code=status.HTTP_201_CREATED, summary="Add a service")
def create_service(body: ServiceIn) -> ServiceOut:
    _check_staff_exist(body.staff_ids)
    service_id = _slug(body.name)
    store.create_service(service_id, body)
    return ServiceOut(id=service_id, **body.model_dump())


@admin.put("/services/{service_id}", summary="Replace a service's settings")
def update_service(service_id: IdPath, body: ServiceIn) -> ServiceOut:
    if store.get_service(service_id) is None:
        raise NotFound("no such service")
    _check_staff_exist(body.staff_ids)
    store.replace_service(service_id, body)
    return ServiceOut(id=service_id, **body.model_dump())


@admin.delete(
    "/services/{service_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire a service (kept for its bookings, no longer offered)",
)
def retire_service(service_id: IdPath) -> None:
    if store.get_service(service_id) is None:
        raise NotFound("no such service")
    store.retire_service(service_id)


# ------------------------------------------------------------------- staff
@admin.get("/staff", summary="Every staff member with hours and overrides")
def list_staff() -> list[StaffOut]:
    return [StaffOut(id=i, **doc.model_dump(mode="json")) for i, doc in store.all_staff()]


@admin.post("/staff", status_code=status.HTTP_201_CREATED, summary="Add a staff member")
def create_staff(body: StaffIn) -> StaffOut:
    staff_id = _slug(body.name)
    store.create_staff(staff_id, body)
    return StaffOut(id=staff_id, **body.model_dump(mode="json"))


@admin.put("/staff/{staff_id}", summary="Replace a staff member's details, hours and overrides")
def update_staff(staff_id: IdPath, body: StaffIn) -> StaffOut:
    if not store.get_staff([staff_id]):
        raise NotFound("no such staff member")
    store.replace_staff(staff_id, body)
    return StaffOut(id=staff_id, **body.model_dump(mode="json"))


@admin.put(
    "/staff/{staff_id}/overrides/{day}",
    summary="Set one date's hours (empty ranges: closed, e.g. a holiday)",
)
def set_override(staff_id: IdPath, day: DatePath, body: DateOverride) -> StaffOut:
    doc = store.get_staff([staff_id]).get(staff_id)
    if doc is None:
        raise NotFound("no such staff member")
    if body.date != day:
        raise Invalid.field("date", "must match the date in the path")
    overrides = [o for o in doc.overrides if o.date != day] + [body]
    staff = StaffIn.model_validate(
        doc.model_dump() | {"overrides": sorted(overrides, key=lambda o: o.date)}
    )
    store.replace_staff(staff_id, staff)
    return StaffOut(id=staff_id, **staff.model_dump(mode="json"))


@admin.delete(
    "/staff/{staff_id}/overrides/{day}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove one date's override (back to weekly hours)",
)
def delete_override(staff_id: IdPath, day: DatePath) -> None:
    doc = store.get_staff([staff_id]).get(staff_id)
    if doc is None:
        raise NotFound("no such staff member")
    overrides = [o for o in doc.overrides if o.date != day]
    store.set_staff_overrides(staff_id, overrides)


# ---------------------------------------------------------------- bookings
def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@admin.get("/bookings", summary="Bookings starting in a range, by status and staff member")
def list_bookings(
    from_: Annotated[
        BoundedDateTime,
        Query(alias="from", description="ISO date or date-time; UTC if no offset"),
    ],
    to: Annotated[BoundedDateTime, Query(description="exclusive end, ISO date or date-time")],
    status: BookingStatus | None = None,
    staff_id: OptionalIdQuery = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: CursorQuery = None,
) -> BookingPage:
    start, end = _as_utc(from_), _as_utc(to)
    if end <= start:
        raise Invalid.field("to", "must be after from", "query")
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise Invalid.field("to", f"the range may span at most {MAX_RANGE_DAYS} days", "query")
    try:
        page = store.bookings_between(start, end, status, staff_id, limit, cursor)
    except InvalidCursor as error:
        raise Invalid.field("cursor", str(error), "query") from error
    return BookingPage(
        items=[store.booking_out(i, booking) for i, booking in store.page_of_bookings(page)],
        next_cursor=page.next_cursor,
    )


@admin.get("/bookings/{booking_id}", summary="One booking")
def get_booking(booking_id: IdPath) -> BookingOut:
    data = store.get_booking(booking_id)
    if data is None:
        raise NotFound("no such booking")
    return store.booking_out(booking_id, data)


@admin.post(
    "/bookings",
    status_code=status.HTTP_201_CREATED,
    summary="Book for a client (may override hours, notice and window)",
    responses=CONFLICT,
)
def create_booking(body: StaffBookingCreate, user: CurrentUser) -> BookingCreated:
    booked = create.create_booking(body, created_by=f"staff:{user.uid}")
    return views.create_booking_response(booked, body.tz)


@admin.post("/bookings/{booking_id}/reschedule", summary="Move a booking", responses=CONFLICT)
def reschedule_booking(booking_id: IdPath, body: StaffRescheduleRequest) -> BookingOut:
    data = reschedule.reschedule(
        booking_id, body.start, by_staff=True, override=body.override_rules
    )
    return store.booking_out(booking_id, data)


@admin.post(
    "/bookings/{booking_id}/cancel",
    summary="Cancel a booking (no notice limit)",
    responses=CONFLICT,
)
def cancel_booking(booking_id: IdPath, body: CancelRequest | None = None) -> BookingOut:
    data = status_changes.cancel(booking_id, by_staff=True, reason=body.reason if body else "")
    return store.booking_out(booking_id, data)


@admin.post(
    "/bookings/{booking_id}/confirm",
    summary="Confirm a booking held for payment",
    responses=CONFLICT,
)
def confirm_booking(booking_id: IdPath) -> BookingOut:
    data = status_changes.confirm(booking_id)
    return store.booking_out(booking_id, data)


@admin.post(
    "/bookings/{booking_id}/no-show",
    summary="Mark that the client did not come",
    responses=CONFLICT,
)
def mark_no_show(booking_id: IdPath) -> BookingOut:
    data = status_changes.mark_no_show(booking_id)
    return store.booking_out(booking_id, data)
