"""Request and response bodies of the bookings HTTP API."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from shared.values import (
    BoundedDate,
    BoundedDateTime,
    CurrencyCode,
    DocumentId,
    EmailAddress,
    Money,
    MultiLine,
    PersonName,
    SingleLine,
)

BookingStatus = Literal["pending_payment", "confirmed", "completed", "cancelled", "no_show"]
BOOKING_STATUSES: tuple[BookingStatus, ...] = (
    "pending_payment",
    "confirmed",
    "completed",
    "cancelled",
    "no_show",
)
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _time_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError("is not an IANA time zone such as Europe/London")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("is not an IANA time zone such as Europe/London") from error
    return value


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def _five_minute_multiple(value: int) -> int:
    if value % 5:
        raise ValueError("must be a multiple of 5 minutes")
    return value


def _hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError("must be a time as HH:MM (24-hour)")
    if int(value[3:]) % 5:
        raise ValueError("must be on a 5-minute mark")
    return value


TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
Minutes5 = Annotated[int, AfterValidator(_five_minute_multiple)]
ClockTime = Annotated[str, AfterValidator(_hhmm)]


class PriceIn(Money):
    """A price staff set: the currency must be a real one (emails format it)."""

    currency: CurrencyCode


class StoredService(BaseModel):
    """A service as stored in `services/<id>` and as every read returns it.

    Its defaults are the only ones: what staff send (`ServiceIn`) inherits
    them, and no read falls back to its own."""

    model_config = ConfigDict(extra="ignore")

    name: SingleLine = Field(min_length=1, max_length=120)
    description: MultiLine = Field(default="", max_length=2000)
    duration_minutes: Minutes5 = Field(ge=5, le=720)
    price: Money
    buffer_before_minutes: Minutes5 = Field(default=0, ge=0, le=240)
    buffer_after_minutes: Minutes5 = Field(default=0, ge=0, le=240)
    minimum_notice_minutes: int = Field(default=60, ge=0, le=60 * 24 * 30)
    booking_window_days: int = Field(default=60, ge=1, le=365)
    slot_interval_minutes: Minutes5 = Field(default=15, ge=5, le=240)
    seats: int = Field(default=1, ge=1, le=100)
    prepayment_required: bool = False
    active: bool = True
    staff_ids: list[DocumentId] = Field(min_length=1, max_length=50)


class ServiceIn(StoredService):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    price: PriceIn


class ServiceOut(ServiceIn):
    id: str


class PublicService(BaseModel):
    id: str
    name: str
    description: str
    duration_minutes: int
    price: Money
    seats: int
    prepayment_required: bool
    minimum_notice_minutes: int
    booking_window_days: int


class HoursRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> HoursRange:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def _no_overlaps(ranges: list[HoursRange]) -> list[HoursRange]:
    ordered = sorted(ranges, key=lambda r: r.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(
                f"ranges {before.start}-{before.end} and {after.start}-{after.end} overlap"
            )
    return ordered


DayHours = Annotated[list[HoursRange], AfterValidator(_no_overlaps)]


class DateOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: BoundedDate
    ranges: DayHours = Field(default_factory=list, description="empty: closed all day")
    note: SingleLine = Field(default="", max_length=200)


class StoredStaff(BaseModel):
    """A staff member as stored in `staff/<id>` and as every read returns it
    (the time zone was checked when written; reading it again is not)."""

    model_config = ConfigDict(extra="ignore")

    name: PersonName
    email: str | None = None
    time_zone: str
    weekly_hours: dict[Weekday, DayHours] = Field(default_factory=dict)
    overrides: list[DateOverride] = Field(default_factory=list, max_length=1000)
    active: bool = True


class StaffIn(StoredStaff):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailAddress | None = None
    time_zone: TimeZoneName

    @model_validator(mode="after")
    def _unique_override_dates(self) -> StaffIn:
        dates = [o.date for o in self.overrides]
        if len(dates) != len(set(dates)):
            raise ValueError("overrides: each date may appear once")
        return self


class StaffOut(StaffIn):
    id: str


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: PersonName
    email: EmailAddress
    phone: str = Field(
        min_length=4, max_length=32, description="with country code, e.g. +447911123456"
    )


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    service_id: DocumentId
    start: BoundedDateTime = Field(description="ISO 8601 with offset, as returned by /slots")
    customer: CustomerIn
    whatsapp_opt_in: bool = False
    whatsapp_consent_text: MultiLine | None = Field(
        default=None, max_length=1000, description="the consent wording shown beside the checkbox"
    )
    notes: MultiLine = Field(default="", max_length=2000)
    tz: TimeZoneName = Field(description="the client's IANA time zone, for display")
    locale: str = Field(
        default="en-GB",
        pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$",
        description="the client's language for messages, e.g. en-GB, fr-FR",
    )


class StaffBookingCreate(BookingCreate):
    staff_id: DocumentId | None = Field(
        default=None, description="who performs it; any free one if empty"
    )
    override_rules: bool = Field(
        default=False, description="book outside hours, notice and window (never in the past)"
    )


class RescheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: BoundedDateTime


class StaffRescheduleRequest(RescheduleRequest):
    override_rules: bool = False


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: SingleLine = Field(default="", max_length=500)


# Response times keep an explicit offset ("+00:00" in London in winter, not
# pydantic's "Z"): the contract is "in the client's zone, with its offset".
OffsetDateTime = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class SlotOut(BaseModel):
    start: OffsetDateTime
    end: OffsetDateTime
    seats_left: int


class SlotsOut(BaseModel):
    service_id: str
    tz: str
    slots: list[SlotOut]


class Customer(BaseModel):
    name: str
    email: str
    phone: str | None = None


class StoredBooking(BaseModel):
    """A booking as stored in `bookings/<id>` and as every full read returns
    it, defaults set here once. (The slots query reads a few columns as they
    are, not this: see `rules.booked_time`.)"""

    model_config = ConfigDict(extra="ignore")

    service_id: str
    service_name: str = ""
    staff_id: str
    status: BookingStatus
    start_at: datetime
    end_at: datetime
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    tz: str = "UTC"
    locale: str = "en-GB"
    customer: Customer
    notes: str = ""
    whatsapp_opt_in: bool = False
    whatsapp_consent: dict[str, Any] | None = None
    manage_token_hash: str | None = None
    price: Money | None = None
    created_by: str = "client"
    created_at: datetime | None = None
    booked_at: datetime | None = None
    sequence: int = 0
    hold_expires_at: datetime | None = None
    lock_ids: list[str] = Field(default_factory=list)
    seat_id: str | None = None
    contact_id: str | None = None
    possible_duplicate_of: list[str] = Field(default_factory=list)
    cancel_reason: str | None = None


class BookingCreated(BaseModel):
    id: str
    status: BookingStatus
    start: OffsetDateTime
    end: OffsetDateTime
    manage_token: str = Field(description="shown once; keep it to view, reschedule or cancel")
    manage_url: str = Field(description="the client's link; the token is in its #token= fragment")
    ics_url: str = Field(description="the .ics file; send the manage token in X-Manage-Token")
    google_calendar_url: str
    hold_expires_at: OffsetDateTime | None = None


class BookingView(BaseModel):
    id: str
    status: BookingStatus
    service_id: str
    service_name: str
    start: OffsetDateTime
    end: OffsetDateTime
    tz: str
    customer: Customer
    notes: str
    hold_expires_at: OffsetDateTime | None = None
    can_cancel: bool
    can_reschedule: bool
    ics_url: str = Field(description="the .ics file; send the manage token in X-Manage-Token")
    google_calendar_url: str


class BookingOut(BaseModel):
    """A booking as staff see it."""

    id: str
    service_id: str
    service_name: str
    staff_id: str
    status: BookingStatus
    start: OffsetDateTime
    end: OffsetDateTime
    tz: str
    customer: Customer
    contact_id: str | None = None
    possible_duplicate_of: list[str] = Field(
        default_factory=list,
        description="contacts the typed email or phone belong to when they disagree "
        "(the booking is then linked to none of them): check and merge by hand",
    )
    notes: str = ""
    whatsapp_opt_in: bool = False
    created_by: str = "client"
    cancel_reason: str | None = None


class BookingPage(BaseModel):
    items: list[BookingOut]
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page")
