"""Value types every capability shares, validated at the edge.

Bookings, WhatsApp, invoices and the CRM take ids, emails, phones, money
and free text from the public; each is checked here once, so no capability
re-implements (or forgets) a rule and none imports another to get it.

- `DocumentId`: what may name a Firestore document (never `__x__`, `.`,
  `..`, a slash or an over-long id), so bad ids are a 404/422, never a 500.
- `EmailAddress`, `clean_email`, `PhoneNumber` (E.164), `normalise_phone`.
- `Money`: integer minor units plus an ISO 4217 code.
- `BoundedDate`, `BoundedDateTime`: dates between 2000-01-01 and
  2100-12-31, so no input reaches date arithmetic that overflows (year 1
  or 9999 in a far zone was a 500).
- `PersonName`, `SingleLine`, `MultiLine`: text with control characters
  removed (they turned into fake lines in staff emails) and lengths capped.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from shared.errors import Invalid

# ------------------------------------------------------------------- ids
# Letters, digits, '_' and '-', starting with a letter or digit: no '.', '..',
# '/', '%', and never Firestore's reserved `__name__` form.
DOCUMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$"
DocumentId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=DOCUMENT_ID_PATTERN,
        description="letters, digits, '_' and '-'; at most 64 characters",
    ),
]


DOCUMENT_ID_MESSAGE = "is not a valid id: letters, digits, '_' and '-', at most 64 characters"


# ----------------------------------------------------------------- dates
# Wide enough for any booking, report or invoice; narrow enough that adding
# a few days or converting between the farthest zones (UTC-12..UTC+14)
# never leaves datetime's year 1..9999.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"must be between {EARLIEST_DATE} and {LATEST_DATE}"


def _bounded_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(DATE_RANGE_MESSAGE)
    return value


def _bounded_datetime(value: datetime) -> datetime:
    # Its own calendar date: in range, the UTC instant is at most a day off.
    if not EARLIEST_DATE <= value.date() <= LATEST_DATE:
        raise ValueError(DATE_RANGE_MESSAGE)
    return value


BoundedDate = Annotated[date, AfterValidator(_bounded_date)]
BoundedDateTime = Annotated[datetime, AfterValidator(_bounded_datetime)]


# ------------------------------------------------------------------ text
# Unicode categories removed from free text: control (Cc, including CR/LF
# where a single line is wanted), format (Cf: bidi overrides, zero-width),
# line/paragraph separators (Zl, Zp), private use and unassigned.
_DROPPED = frozenset({"Cc", "Cf", "Co", "Cn", "Zl", "Zp", "Cs"})


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` without control or invisible formatting characters.

    A single line becomes one line (tabs and newlines turn into spaces,
    runs of spaces collapse); multi-line text keeps its newlines (CR LF and
    CR become LF) and at most two blank lines in a row.
    """
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for char in value:
        if multiline and char == "\n":
            kept.append(char)
        elif char == "\t" or (not multiline and char in "\r\n\u2028\u2029\x85"):
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED:
            kept.append(char)
    text = "".join(kept)
    if multiline:
        lines = [re.sub(r"[ ]{2,}", " ", line).rstrip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r" {2,}", " ", text).strip()


def _single_line(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


def _multi_line(value: object) -> object:
    return clean_text(value, multiline=True) if isinstance(value, str) else value


# Cleaned before the length check, so the limits apply to what is stored.
PersonName = Annotated[str, BeforeValidator(_single_line), Field(min_length=1, max_length=120)]
SingleLine = Annotated[str, BeforeValidator(_single_line)]
MultiLine = Annotated[str, BeforeValidator(_multi_line)]


# ----------------------------------------------------------------- email
# One @, a dotted domain, no spaces: what a form needs. (email-validator
# would add ~30 ms to every cold start for checks we do not need here.)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[^@\s\x00-\x1f\x7f]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


def clean_email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("is not a valid email address, e.g. name@example.com")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalise_email(email: str) -> str:
    """The form contacts are keyed on: the whole address lower-cased."""
    return email.strip().lower()


EmailAddress = Annotated[str, AfterValidator(clean_email)]


# ----------------------------------------------------------------- phone
def normalise_phone(raw: str, default_region: str | None = None, field: str = "phone") -> str:
    """An E.164 phone number, or a 422 naming `field`."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as error:
        raise Invalid.field(
            field, "is not a phone number; include the country code, e.g. +44 7911 123456"
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise Invalid.field(field, "is not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _e164(value: str) -> str:
    try:
        return normalise_phone(value)
    except Invalid as error:
        raise ValueError(error.fields[0].message if error.fields else error.message) from error


PhoneNumber = Annotated[
    str,
    Field(min_length=4, max_length=32, description="with country code, e.g. +447911123456"),
    AfterValidator(_e164),
]


# ----------------------------------------------------------------- money
def _iso_currency(code: str) -> str:
    from shared.money import is_currency  # Babel loads only where a currency is checked

    if not is_currency(code):
        raise ValueError("is not an ISO 4217 currency code, e.g. GBP, EUR, USD or JPY")
    return code


# A real ISO 4217 code (CLDR's list through Babel), not just three capitals.
CurrencyCode = Annotated[
    str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code"), AfterValidator(_iso_currency)
]


class Money(BaseModel):
    amount: int = Field(ge=0, description="integer minor units (cents; yen have none)")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
