"""What the bookings emails say. Pure: an event in, messages out.

Texts come from Jinja2 templates beside this file (HTML with a plain-text
twin); dates are shown in the client's zone and locale and money in its
currency, both formatted with Babel. The words are translated with gettext
catalogs (`locales/<lang>/LC_MESSAGES/messages.po`, compiled in memory on
first use, so there is no build step): the client's email in the booking's
`locale`, English when its language has no catalog; staff notices in
English. To add or change copy:

    pybabel extract -F functions/bookings/babel.cfg -k N_ \
        -o functions/bookings/locales/messages.pot functions/bookings
    pybabel update -i functions/bookings/locales/messages.pot -d functions/bookings/locales

then translate the new entries (a test fails while any catalog lacks one).
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
EN_DASH = "\u2013"
DEFAULT_LOCALE = "en_GB"  # the business's own: staff notices and unknown languages
STAFF_LANGUAGE = "en"


def N_(message: str) -> str:  # noqa: N802  (gettext's name for "mark, translate later")
    return message


# detail-type → (subject, lead line for the client, lead line for staff, attach .ics?)
CLIENT_TEXTS: dict[str, tuple[str, str, str, bool]] = {
    "booking.confirmed": (
        N_("Your booking is confirmed: %(service)s"),
        N_("Your booking is confirmed. We look forward to seeing you."),
        N_("New booking"),
        True,
    ),
    "booking.rescheduled": (
        N_("Your booking has moved: %(service)s"),
        N_("Your booking has been moved to a new time."),
        N_("Booking moved"),
        True,
    ),
    "booking.cancelled": (
        N_("Your booking is cancelled: %(service)s"),
        N_("Your booking has been cancelled."),
        N_("Booking cancelled"),
        False,
    ),
    "reminder.due": (
        N_("Reminder: %(service)s %(when)s"),
        N_("A reminder of your upcoming appointment."),
        "",
        False,
    ),
}
STAFF_SUBJECT = N_("%(lead)s: %(service)s, %(when)s")
NO_SERVICE_NAME = N_("Your appointment")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None
    attach_ics: bool


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The languages with a catalog ("de", "en", "es", "fr", …)."""
    return tuple(
        sorted(path.parent.parent.name for path in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    )


def email_locale(requested: str | None) -> tuple[str, str]:
    """(Babel locale, catalog language) for a booking's `locale`.

    "es-MX" → ("es_MX", "es"); a language without a catalog, or a locale
    Babel does not know, falls back to English throughout, so one email
    never mixes languages.
    """
    from babel import Locale, UnknownLocaleError

    wanted = (requested or DEFAULT_LOCALE).replace("-", "_")
    try:
        locale = Locale.parse(wanted)
    except (UnknownLocaleError, ValueError):
        return DEFAULT_LOCALE, "en"
    if locale.language not in languages():
        return DEFAULT_LOCALE, "en"
    return str(locale), locale.language


@lru_cache(maxsize=16)
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for `language`, compiled from its .po in memory; no catalog, no change."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not source.is_file():
        return gettext.NullTranslations()
    with source.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: their English shows instead
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@lru_cache(maxsize=16)
def _environment(language: str) -> Any:
    """One Jinja2 environment per language (translations are installed per environment)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # newstyle: {% trans %} variables are escaped in HTML like any other.
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


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
    """The client's email, in their language, and (except for reminders) the staff notice."""
    if detail_type not in CLIENT_TEXTS:
        return []
    subject, client_lead, staff_lead, attach = CLIENT_TEXTS[detail_type]
    locale, language = email_locale(data.get("locale"))
    _ = translations(language).gettext
    customer = data["customer"]
    service = str(data.get("service_name") or _(NO_SERVICE_NAME))
    context = _context(data, locale) | {
        "lang": language,
        "name": customer.get("name", ""),
        "email": customer.get("email", ""),
        "phone": customer.get("phone"),
        "service": service,
        "notes": data.get("notes"),
        "manage_url": manage_url if detail_type != "booking.cancelled" else None,
    }
    context["heading"] = _(subject) % {"service": service, "when": context["when_short"]}
    context["lead"] = _(client_lead)
    env = _environment(language)
    emails = [
        Email(
            to=customer["email"],
            subject=context["heading"],
            text=env.get_template("client.txt").render(context),
            html=env.get_template("client.html").render(context),
            attach_ics=attach,
        )
    ]
    if staff_lead and staff_email:
        # Staff read the business's language, whatever the client's.
        staff_ = translations(STAFF_LANGUAGE).gettext
        staff = context | _context(data, DEFAULT_LOCALE)
        staff |= {
            "lang": STAFF_LANGUAGE,
            "lead": staff_(staff_lead),
            "service": str(data.get("service_name") or staff_(NO_SERVICE_NAME)),
        }
        emails.append(
            Email(
                to=staff_email,
                subject=staff_(STAFF_SUBJECT)
                % {"lead": staff["lead"], "service": staff["service"], "when": staff["when_short"]},
                text=_environment(STAFF_LANGUAGE).get_template("staff.txt").render(staff),
                html=None,
                attach_ics=False,
            )
        )
    return emails


def _context(data: dict[str, Any], locale: str) -> dict[str, Any]:
    """The booking's times and price, formatted for `locale`."""
    tz = str(data.get("tz") or "UTC")
    start = datetime.fromisoformat(data["start"])
    end = datetime.fromisoformat(data["end"])
    when, when_short = _when(start, end, tz, locale)
    previous = None
    if data.get("previous_start"):
        previous_start = datetime.fromisoformat(data["previous_start"])
        previous = _when(previous_start, previous_start + (end - start), tz, locale)[0]
    return {
        "when": when,
        "when_short": when_short,
        "previous": previous,
        "price": _price(data.get("price"), locale),
    }
