"""functions/bookings/emails.py: what each booking email says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from functions.bookings import emails
from functions.bookings.emails import booking_emails, email_locale

DATA: dict[str, Any] = {
    "booking_id": "b1",
    "start": "2026-12-01T10:00:00+00:00",
    "end": "2026-12-01T11:00:00+00:00",
    "tz": "Europe/London",
    "locale": "en-GB",
    "customer": {"name": "Jo <Client>", "email": "jo@example.com", "phone": "+447911123456"},
    "service_name": "Deep clean",
    "price": {"amount": 9500, "currency": "GBP"},
    "notes": "door code 12",
}


def test_confirmation_has_time_price_link_and_calendar_file() -> None:
    client, staff = booking_emails(
        "booking.confirmed", DATA, manage_url="https://x/manage/b1#token=t", staff_email="a@x.com"
    )
    assert client.to == "jo@example.com"
    assert client.subject == "Your booking is confirmed: Deep clean"
    assert "Tuesday, 1 December 2026, 10:00" in client.text
    assert "£95.00" in client.text
    assert "https://x/manage/b1#token=t" in client.text
    assert client.attach_ics
    assert client.html is not None
    assert "Jo &lt;Client&gt;" in client.html  # escaped in HTML
    assert staff.to == "a@x.com"
    assert "door code 12" in staff.text
    assert staff.subject.startswith("New booking: Deep clean")


def test_zero_decimal_currency_and_the_clients_zone() -> None:
    data = DATA | {
        "price": {"amount": 5000, "currency": "JPY"},
        "tz": "Asia/Tokyo",
        "locale": "en-US",
    }
    [client] = booking_emails("booking.confirmed", data, manage_url=None, staff_email=None)
    assert "¥5,000" in client.text
    assert "7:00" in client.text  # 10:00 UTC is 19:00 in Tokyo
    assert "Asia/Tokyo" in client.text


def test_cancellation_has_no_manage_link_or_calendar_file() -> None:
    client, _ = booking_emails(
        "booking.cancelled", DATA, manage_url="https://x/manage/b1#token=t", staff_email="a@x.com"
    )
    assert "manage" not in client.text
    assert not client.attach_ics


def test_reminders_go_to_the_client_only_and_unknown_events_send_nothing() -> None:
    [reminder] = booking_emails("reminder.due", DATA, manage_url=None, staff_email="a@x.com")
    assert reminder.subject.startswith("Reminder: Deep clean")
    assert booking_emails("booking.created", DATA, manage_url=None, staff_email="a@x.com") == []


def test_a_rescheduled_booking_shows_the_previous_time() -> None:
    data = DATA | {"previous_start": "2026-11-30T09:00:00+00:00"}
    client, _ = booking_emails("booking.rescheduled", data, manage_url=None, staff_email="a@x.com")
    assert "Previously: Monday, 30 November 2026, 09:00" in client.text


def test_a_spanish_booking_gets_spanish_words_dates_and_money() -> None:
    client, staff = booking_emails(
        "booking.confirmed",
        DATA | {"locale": "es-ES"},
        manage_url="https://x/manage/b1#token=t",
        staff_email="a@x.com",
    )
    assert client.subject == "Tu reserva está confirmada: Deep clean"
    assert client.text.startswith("Hola, Jo <Client>:\n\nTu reserva está confirmada.")
    assert "martes, 1 de diciembre de 2026, 10:00" in client.text
    assert "95,00" in client.text
    assert "Ver o cambiar tu reserva: https://x/manage/b1#token=t" in client.text
    assert client.html is not None
    assert '<html lang="es">' in client.html
    assert "Hola, Jo &lt;Client&gt;:" in client.html  # escaped inside {% trans %} too
    assert "Ver o cambiar tu reserva</a>" in client.html
    assert "Hello" not in client.text + client.html
    # The staff notice stays in the business's language.
    assert staff.subject == "New booking: Deep clean, 1 Dec 2026 10:00"
    assert "Tuesday, 1 December 2026" in staff.text


def test_a_spanish_reminder_and_reschedule() -> None:
    [reminder] = booking_emails(
        "reminder.due", DATA | {"locale": "es-MX"}, manage_url=None, staff_email=None
    )
    assert reminder.subject.startswith("Recordatorio: Deep clean")
    data = DATA | {"locale": "es", "previous_start": "2026-11-30T09:00:00+00:00"}
    [moved] = booking_emails("booking.rescheduled", data, manage_url=None, staff_email=None)
    assert "Antes: lunes, 30 de noviembre de 2026" in moved.text


def test_french_and_german_copy() -> None:
    [french] = booking_emails(
        "booking.cancelled", DATA | {"locale": "fr-FR"}, manage_url=None, staff_email=None
    )
    assert french.subject == "Votre réservation est annulée : Deep clean"
    assert "mardi 1 décembre 2026" in french.text
    [german] = booking_emails(
        "booking.confirmed", DATA | {"locale": "de-AT"}, manage_url=None, staff_email=None
    )
    assert german.subject == "Ihre Buchung ist bestätigt: Deep clean"
    assert "Dienstag, 1. Dezember 2026" in german.text


def test_a_missing_service_name_is_translated_too() -> None:
    data = DATA | {"locale": "de-DE", "service_name": ""}
    [german] = booking_emails("booking.confirmed", data, manage_url=None, staff_email=None)
    assert german.subject == "Ihre Buchung ist bestätigt: Ihr Termin"


@pytest.mark.parametrize("locale", ["pt-BR", "ja", "xx-YY", "", None])
def test_unknown_locales_fall_back_to_english_throughout(locale: str | None) -> None:
    [client] = booking_emails(
        "booking.confirmed", DATA | {"locale": locale}, manage_url=None, staff_email=None
    )
    assert client.subject == "Your booking is confirmed: Deep clean"
    assert client.text.startswith("Hello Jo <Client>,")
    assert "Tuesday, 1 December 2026, 10:00" in client.text  # no Portuguese dates in English copy
    assert "£95.00" in client.text


def test_email_locale() -> None:
    assert email_locale("es-MX") == ("es_MX", "es")
    assert email_locale("fr") == ("fr", "fr")
    assert email_locale("en-US") == ("en_US", "en")
    assert email_locale("pt-BR") == ("en_GB", "en")
    assert email_locale("not a locale") == ("en_GB", "en")
    assert email_locale(None) == ("en_GB", "en")


# ------------------------------------------------------------- catalogs
BOOKINGS = Path(emails.__file__).parent
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _source_msgids() -> set[str]:
    """Every msgid in emails.py and the templates, extracted as `pybabel extract` does."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    found = extract_from_dir(
        str(BOOKINGS),
        method_map=[("emails.py", "python"), ("templates/**", "jinja2")],
        options_map={"templates/**": {"extensions": "jinja2.ext.i18n"}},
        keywords={**DEFAULT_KEYWORDS, "N_": None},
    )
    return {str(message) for _, _, message, _, _ in found}


def _catalog(path: Path) -> Any:
    from babel.messages.pofile import read_po

    with path.open("rb") as po:
        return read_po(po)


def test_the_template_holds_every_msgid_in_the_source() -> None:
    pot = {m.id for m in _catalog(BOOKINGS / "locales" / "messages.pot") if m.id}
    assert _source_msgids() == pot, "run pybabel extract (see functions/bookings/emails.py)"


@pytest.mark.parametrize("language", ["en", "es", "fr", "de"])
def test_every_catalog_translates_every_msgid(language: str) -> None:
    assert language in emails.languages()
    catalog = _catalog(BOOKINGS / "locales" / language / "LC_MESSAGES" / "messages.po")
    translated = {m.id: m for m in catalog if m.id}
    missing = sorted(_source_msgids() - set(translated))
    assert missing == [], f"{language} lacks these (pybabel update, then translate)"
    untranslated = sorted(i for i, m in translated.items() if not m.string or m.fuzzy)
    assert untranslated == [], f"{language} has empty or fuzzy entries"
    for msgid, message in translated.items():
        # The same %(name)s placeholders, or formatting would raise at send time.
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(
            PLACEHOLDER.findall(str(message.string))
        ), (language, msgid)
    assert [(message.id, errors) for message, errors in catalog.check() if errors] == []


def test_every_catalog_language_is_tested() -> None:
    assert set(emails.languages()) == {"en", "es", "fr", "de"}


def test_the_manage_link_keeps_its_token_out_of_the_query_string(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A query string reaches gateway logs and Referer headers; a fragment never
    leaves the browser (the manage page sends it in X-Manage-Token)."""
    from functions.bookings.operations import ics_url, manage_url
    from shared.config import reset_settings

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://book.example")
    reset_settings()
    url = manage_url("b1", "secret-token")
    assert url == "https://book.example/manage/b1#token=secret-token"
    assert "secret-token" not in ics_url("b1")
    client, _ = booking_emails("booking.confirmed", DATA, manage_url=url, staff_email="a@x.com")
    assert client.html is not None
    assert f'href="{url}"' in client.html
    assert url in client.text
    assert "?token=" not in client.text + client.html
