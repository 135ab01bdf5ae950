"""Public bookings routes: the catalogue, free slots, booking, and the
client's manage link (view, reschedule, cancel, calendar file)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Response, status

from functions.bookings import common, create, reschedule, rules, status_changes, store, views
from functions.bookings.availability import available_slots
from functions.bookings.models import (
    BookingCreate,
    BookingCreated,
    BookingView,
    CancelRequest,
    PublicService,
    RescheduleRequest,
    SlotOut,
    SlotsOut,
    StoredBooking,
    TimeZoneName,
)
from shared import clock
from shared.errors import Invalid, NotFound
from shared.params import IdPath, IdQuery
from shared.ratelimit import RATE_LIMITED, Limiter, RateLimit
from shared.schema import CONFLICT
from shared.values import BoundedDate, normalise_email, normalise_phone

public = APIRouter(tags=["public"])
MAX_RANGE_DAYS = 62
LONGEST_BOOKING = timedelta(days=1)  # longest service plus buffers, for range queries
PUBLIC_SERVICE_FIELDS = set(PublicService.model_fields) - {"id"}


@public.get("/services", summary="Active services clients can book")
def list_services(response: Response) -> list[PublicService]:
    # The public catalogue holds no personal data: browsers and shared caches
    # may keep it a minute (every other answer is no-store, shared.web).
    response.headers["Cache-Control"] = "public, max-age=60"
    return [
        PublicService(id=service_id, **doc.model_dump(include=PUBLIC_SERVICE_FIELDS))
        for service_id, doc in store.active_services()
    ]


@public.get("/slots", summary="Free slots of a service between two dates in the client's zone")
def list_slots(
    service_id: IdQuery,
    from_: Annotated[
        BoundedDate, Query(alias="from", description="first day, YYYY-MM-DD, in `tz`")
    ],
    to: Annotated[BoundedDate, Query(description="last day (inclusive), YYYY-MM-DD, in `tz`")],
    # Annotated form: with `= Query()` FastAPI would drop TimeZoneName's validator.
    tz: Annotated[TimeZoneName, Query(description="the client's IANA time zone")],
) -> SlotsOut:
    if to < from_:
        raise Invalid.field("to", "must not be before from", "query")
    if (to - from_).days + 1 > MAX_RANGE_DAYS:
        raise Invalid.field("to", f"at most {MAX_RANGE_DAYS} days per call", "query")
    zone = ZoneInfo(tz)
    window_start = datetime.combine(from_, time(0), zone).astimezone(UTC)
    window_end = datetime.combine(to + timedelta(days=1), time(0), zone).astimezone(UTC)
    service = common.load_service(service_id, location="query")
    staff = store.get_staff(service.staff_ids)
    schedules = [
        rules.staff_schedule(staff_id, doc) for staff_id, doc in staff.items() if doc.active
    ]
    now = clock.now()
    booked = store.booked_times(
        [s.staff_id for s in schedules], window_start, window_end, LONGEST_BOOKING, now
    )
    slots = available_slots(
        rules.service_rules(service_id, service), schedules, booked, window_start, window_end, now
    )
    return SlotsOut(
        service_id=service_id,
        tz=tz,
        slots=[
            SlotOut(
                start=slot.start.astimezone(zone),
                end=slot.end.astimezone(zone),
                seats_left=slot.seats_left,
            )
            for slot in slots
        ],
    )


@public.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Book a slot",
    responses={
        **CONFLICT,
        **RATE_LIMITED,
    },
)
def create_booking(body: BookingCreate, limits: RateLimit) -> BookingCreated:
    limits.hit(
        "bookings",
        email=normalise_email(body.customer.email),
        phone=_phone_key(body.customer.phone),
    )
    return views.create_booking_response(create.create_booking(body), body.tz)


def _phone_key(raw: str) -> str | None:
    """The phone in E.164, so every spelling of one number counts as one target;
    None when it is not a number (the booking then answers 422 for it)."""
    try:
        return normalise_phone(raw)
    except Invalid:
        return None


def manage_token(
    x_manage_token: Annotated[
        str | None,
        Header(
            alias="X-Manage-Token",
            max_length=256,
            description="the manage token from the booking link's #token= fragment",
        ),
    ] = None,
    token: Annotated[
        str | None,
        Query(
            max_length=256,
            description="the manage token, as links before the X-Manage-Token header carried it",
        ),
    ] = None,
) -> str | None:
    """The header wins: query strings reach gateway logs and browser history."""
    return x_manage_token or token


ManageToken = Annotated[str | None, Depends(manage_token)]


def for_client(booking_id: str, token: str | None, limits: Limiter) -> StoredBooking:
    """The booking its token opens, counted against the manage limits.

    An address that sent too many wrong tokens is refused before anything is
    read; every wrong token counts for its address and its booking, and past
    the limit the answer is 429 rather than another 404, so guessing stops.
    A booking's own token keeps working while strangers guess at it.
    """
    limits.check("manage_failures")
    limits.hit("manage", booking=booking_id)
    try:
        return common.get_for_client(booking_id, token)
    except NotFound:
        limits.hit("manage_failures", booking=booking_id)
        raise


@public.get("/{booking_id}", summary="A booking, through its manage link", responses=RATE_LIMITED)
def get_booking(booking_id: IdPath, token: ManageToken, limits: RateLimit) -> BookingView:
    data = for_client(booking_id, token, limits)
    return views.booking_view(booking_id, data, token or "")


@public.post(
    "/{booking_id}/reschedule",
    summary="Move a booking to another free slot",
    responses={**CONFLICT, **RATE_LIMITED},
)
def reschedule_booking(
    booking_id: IdPath, body: RescheduleRequest, token: ManageToken, limits: RateLimit
) -> BookingView:
    for_client(booking_id, token, limits)
    data = reschedule.reschedule(booking_id, body.start, by_staff=False, manage_token=token)
    return views.booking_view(booking_id, data, token or "")


@public.post(
    "/{booking_id}/cancel", summary="Cancel a booking", responses={**CONFLICT, **RATE_LIMITED}
)
def cancel_booking(
    booking_id: IdPath, token: ManageToken, limits: RateLimit, body: CancelRequest | None = None
) -> BookingView:
    for_client(booking_id, token, limits)
    data = status_changes.cancel(booking_id, by_staff=False, reason=body.reason if body else "")
    return views.booking_view(booking_id, data, token or "")


@public.get(
    "/{booking_id}/ics",
    summary="The booking as an iCalendar file",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **RATE_LIMITED},
)
def booking_ics(booking_id: IdPath, token: ManageToken, limits: RateLimit) -> Response:
    booking = for_client(booking_id, token, limits)
    body = rules.booking_calendar(
        booking_id,
        service_name=booking.service_name,
        status=booking.status,
        sequence=booking.sequence,
        start=booking.start_at,
        end=booking.end_at,
        created=booking.created_at or booking.start_at,
        description=f"Manage or cancel: {common.manage_url(booking_id, token or '')}",
    )
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="booking-{booking_id}.ics"'},
    )
