"""What the bookings emails say. Pure: an event in, messages out.

Texts come from Jinja2 templates beside this file (HTML with a plain-text
twin); dates are shown in the client's zone and locale and money in its
currency, both formatted with Babel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TEMPLATES = Path(__file__).parent / "templates"
EN_DASH = "\u2013"

# detail-type → (subject, lead line for the client, lead line for staff, attach .ics?)
CLIENT_TEXTS: dict[str, tuple[str, str, str, bool]] = {
    "booking.confirmed": (
        "Your booking is confirmed: {service}",
        "Your booking is confirmed. We look forward to seeing you.",
        "New booking",
        True,
    ),
    "booking.rescheduled": (
        "Your booking has moved: {service}",
        "Your booking has been moved to a new time.",
        "Booking moved",
        True,
    ),
    "booking.cancelled": (
        "Your booking is cancelled: {service}",
        "Your booking has been cancelled.",
        "Booking cancelled",
        False,
    ),
    "reminder.due": (
        "Reminder: {service} {when_short}",
        "A reminder of your upcoming appointment.",
        "",
        False,
    ),
}


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None
    attach_ics: bool


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )


def _when(start: datetime, end: datetime, tz: str, locale: str) -> tuple[str, str]:
    """("Tuesday 1 December 2026, 10:00 - 11:00 (Europe/London)", "1 Dec 2026 10:00"),
    the dash being an en dash."""
    from babel.dates import format_date, format_time

    zone = ZoneInfo(tz)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    start_time = format_time(local_start, "short", locale=locale)
    long = (
        f"{format_date(local_start, 'full', locale=locale)}, {start_time} {EN_DASH} "
        f"{format_time(local_end, 'short', locale=locale)} ({tz})"
    )
    return long, f"{format_date(local_start, 'medium', locale=locale)} {start_time}"


def _price(price: dict[str, Any] | None, locale: str) -> str | None:
    if not price or not price.get("amount"):
        return None
    from babel.numbers import format_currency, get_currency_precision

    amount = price["amount"] / 10 ** get_currency_precision(price["currency"])
    return str(format_currency(amount, price["currency"], locale=locale))


def booking_emails(
    detail_type: str,
    data: dict[str, Any],
    *,
    manage_url: str | None,
    staff_email: str | None,
) -> list[Email]:
    """The client's email and (except for reminders) the staff member's notice."""
    if detail_type not in CLIENT_TEXTS:
        return []
    subject, client_lead, staff_lead, attach = CLIENT_TEXTS[detail_type]
    locale = str(data.get("locale") or "en_GB").replace("-", "_")
    tz = str(data.get("tz") or "UTC")
    start = datetime.fromisoformat(data["start"])
    end = datetime.fromisoformat(data["end"])
    when, when_short = _when(start, end, tz, locale)
    previous = None
    if data.get("previous_start"):
        previous_start = datetime.fromisoformat(data["previous_start"])
        previous = _when(previous_start, previous_start + (end - start), tz, locale)[0]
    customer = data["customer"]
    service = str(data.get("service_name") or "Your appointment")
    context = {
        "lang": locale.split("_")[0],
        "heading": subject.format(service=service, when_short=when_short),
        "name": customer.get("name", ""),
        "email": customer.get("email", ""),
        "phone": customer.get("phone"),
        "service": service,
        "when": when,
        "previous": previous,
        "price": _price(data.get("price"), locale),
        "notes": data.get("notes"),
        "manage_url": manage_url if detail_type != "booking.cancelled" else None,
    }
    env = _environment()
    emails = [
        Email(
            to=customer["email"],
            subject=context["heading"],
            text=env.get_template("client.txt").render(context | {"lead": client_lead}),
            html=env.get_template("client.html").render(context | {"lead": client_lead}),
            attach_ics=attach,
        )
    ]
    if staff_lead and staff_email:
        emails.append(
            Email(
                to=staff_email,
                subject=f"{staff_lead}: {service}, {when_short}",
                text=env.get_template("staff.txt").render(context | {"lead": staff_lead}),
                html=None,
                attach_ics=False,
            )
        )
    return emails
