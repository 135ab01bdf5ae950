"""Booking rules that need no I/O: documents → domain values, manage tokens,
calendar files and links, reminder timing, what a client may still change."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from functions.bookings.availability import BookedTime, ServiceRules, Span, StaffSchedule

if TYPE_CHECKING:
    from functions.bookings.models import HoursRange, StoredService, StoredStaff

WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
HOLD_MINUTES = 15


def service_rules(service_id: str, doc: StoredService) -> ServiceRules:
    return ServiceRules(
        service_id=service_id,
        duration=timedelta(minutes=doc.duration_minutes),
        buffer_before=timedelta(minutes=doc.buffer_before_minutes),
        buffer_after=timedelta(minutes=doc.buffer_after_minutes),
        slot_interval=timedelta(minutes=doc.slot_interval_minutes),
        minimum_notice=timedelta(minutes=doc.minimum_notice_minutes),
        booking_window=timedelta(days=doc.booking_window_days),
        seats=doc.seats,
    )


def _clock(value: str) -> time:
    if value == "24:00":
        return time.max
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _ranges(ranges: Sequence[HoursRange]) -> list[tuple[time, time]]:
    return [(_clock(r.start), _clock(r.end)) for r in ranges]


def staff_schedule(staff_id: str, doc: StoredStaff) -> StaffSchedule:
    weekly = {WEEKDAY_INDEX[day]: _ranges(ranges) for day, ranges in doc.weekly_hours.items()}
    overrides = {o.date: _ranges(o.ranges) for o in doc.overrides}
    return StaffSchedule(
        staff_id=staff_id, time_zone=doc.time_zone, weekly_hours=weekly, overrides=overrides
    )


# The fields of a booking document that availability reads: the slots query
# asks Firestore for these only.
BOOKED_TIME_FIELDS = (
    "staff_id",
    "service_id",
    "start_at",
    "end_at",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "busy_from",
    "busy_until",
    "hold_expires_at",
)


def busy_span(
    start: datetime, end: datetime, before_minutes: int, after_minutes: int
) -> dict[str, float]:
    """The `busy_from` / `busy_until` fields a booking document stores: the
    time it keeps its staff member busy, buffers included, in epoch seconds.
    Stored so availability reads them as they are (see `booked_time`)."""
    return {
        "busy_from": start.timestamp() - 60 * before_minutes,
        "busy_until": end.timestamp() + 60 * after_minutes,
    }


def booked_time(
    documents: Sequence[Mapping[str, Any]],
    holds: Sequence[Mapping[str, Any]] = (),
    *,
    now: datetime | None = None,
) -> BookedTime:
    """One staff member's active booking documents → what availability reads.

    `documents` block as they are (confirmed bookings); `holds` (pending
    payment) block only until their `hold_expires_at`, which must be after
    `now`. The stored busy spans are read as two columns and sorted (cheapest
    in start order, as the slots query returns them); nothing is made per
    booking. A document stored without a busy span has it worked out.
    """
    if holds:
        if now is None:
            raise ValueError("now is needed to tell which holds have expired")
        live = [d for d in holds if d.get("hold_expires_at") is None or d["hold_expires_at"] > now]
        documents = [*documents, *live]

    def spans() -> Iterator[Span]:
        for doc in documents:
            span = doc if "busy_from" in doc else _busy_span_of(doc)
            start = doc["start_at"].timestamp()
            yield doc["service_id"], start, span["busy_from"], span["busy_until"]

    try:
        opens = sorted(map(_BUSY_FROM, documents))
        closes = sorted(map(_BUSY_UNTIL, documents))
    except KeyError:
        return BookedTime.from_spans(spans())
    return BookedTime(opens, closes, spans)


_BUSY_FROM = itemgetter("busy_from")
_BUSY_UNTIL = itemgetter("busy_until")


def _busy_span_of(doc: Mapping[str, Any]) -> dict[str, float]:
    return busy_span(
        doc["start_at"],
        doc["end_at"],
        doc.get("buffer_before_minutes") or 0,
        doc.get("buffer_after_minutes") or 0,
    )


def by_staff(
    documents: Sequence[Mapping[str, Any]], staff_ids: Collection[str]
) -> dict[str, list[Mapping[str, Any]]]:
    """Booking documents grouped by staff member, only `staff_ids`, order kept."""
    grouped: dict[str, list[Mapping[str, Any]]] = {staff_id: [] for staff_id in staff_ids}
    for doc in documents:
        found = grouped.get(doc.get("staff_id", ""))
        if found is not None:
            found.append(doc)
    return grouped


# ------------------------------------------------------------ manage tokens
def new_manage_token() -> tuple[str, str]:
    """A random token for the client's manage link, and the hash we store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str | None) -> bool:
    if not token or not stored_hash:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


# ------------------------------------------------------------ what may change
def client_may_change(status: str, start: datetime, now: datetime, notice: timedelta) -> bool:
    """Clients may cancel or reschedule an active booking outside the minimum notice."""
    return status in ("pending_payment", "confirmed") and start - now >= notice


# ------------------------------------------------------------ calendar
def _ics_text(value: str) -> str:
    return re.sub(r"[\r\n]+", " ", value).strip()


def ics_document(
    *,
    booking_id: str,
    summary: str,
    description: str,
    start: datetime,
    end: datetime,
    created: datetime,
    organizer_email: str | None,
    status: str,
    sequence: int,
    domain: str,
) -> bytes:
    """An iCalendar file for one booking, with a reminder alarm an hour before."""
    from icalendar import Alarm, Calendar, Event, vCalAddress

    calendar = Calendar()
    calendar.add("prodid", "-//MilliIntell//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if status == "cancelled" else "PUBLISH")
    event = Event()
    event.add("uid", f"{booking_id}@{domain}")
    event.add("summary", _ics_text(summary))
    event.add("description", description)
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("dtstamp", created.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if status == "cancelled" else "CONFIRMED")
    if organizer_email:
        event.add("organizer", vCalAddress(f"mailto:{organizer_email}"))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _ics_text(f"Reminder: {summary}"))
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def calendar_summary(service_name: str | None) -> str:
    """How a booking is titled in calendars."""
    return f"{service_name or 'Appointment'} with MilliIntell"


def booking_calendar(
    booking_id: str,
    *,
    service_name: str | None,
    status: str,
    sequence: int,
    start: datetime,
    end: datetime,
    created: datetime,
    description: str,
) -> bytes:
    """The one .ics of a booking, for the download link and the emails alike."""
    return ics_document(
        booking_id=booking_id,
        summary=calendar_summary(service_name),
        description=description,
        start=start,
        end=end,
        created=created,
        organizer_email=None,
        status=status,
        sequence=sequence,
        domain="milliintell",
    )


def google_calendar_url(summary: str, details: str, start: datetime, end: datetime) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    dates = f"{start.astimezone(UTC).strftime(stamp)}/{end.astimezone(UTC).strftime(stamp)}"
    query = urlencode({"action": "TEMPLATE", "text": summary, "dates": dates, "details": details})
    return f"https://calendar.google.com/calendar/render?{query}"


# ------------------------------------------------------------ reminders
# Offsets come from BOOKING_REMINDERS, parsed at start-up (shared/config.py).
def due_reminder(
    start: datetime,
    booked_at: datetime,
    now: datetime,
    offsets: Sequence[tuple[str, timedelta]],
) -> str | None:
    """The reminder kind due now for a booking starting at `start`, if any.

    A kind is due once `start - offset` has passed, if the booking already
    existed then (a booking made 3 hours ahead gets no "24h" reminder, and
    a rescheduled one is judged by when it was rescheduled). When several
    are due (the cron was down), only the latest, most relevant one is.
    """
    if now >= start:
        return None
    due = None
    for kind, offset in offsets:  # longest first, so the last match is the shortest
        remind_at = start - offset
        if booked_at <= remind_at <= now:
            due = kind
    return due


def hold_expiry(created: datetime) -> datetime:
    return created + timedelta(minutes=HOLD_MINUTES)
