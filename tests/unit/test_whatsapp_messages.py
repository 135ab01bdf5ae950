"""functions.whatsapp.messages: which template an event sends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.whatsapp.messages import TEMPLATES, TemplateMessage, template_for, template_id
from shared.config import Settings, load_settings
from shared.events import EventEnvelope, ReceivedEvent


def _event(detail_type: str, data: dict[str, Any]) -> ReceivedEvent:
    return ReceivedEvent(
        detail_type=detail_type,
        source="milliintell.whatsapp",
        envelope=EventEnvelope(
            event_id="e1", occurred_at=datetime(2030, 1, 1, tzinfo=UTC), data=data
        ),
    )


@pytest.fixture
def settings() -> Settings:
    return load_settings({"MILLI_STAGE": "test"})


def test_an_opt_in_request_names_the_business_and_nothing_the_caller_typed(
    settings: Settings,
) -> None:
    data = {"phone": "+447911123456", "name": "Call 0900 now", "source": "website"}
    message = template_for(_event("whatsapp.opt_in_requested", data), settings)

    assert message == TemplateMessage(
        template="opt_in_request",
        to="+447911123456",
        variables={"1": "MilliIntell"},
        asks_consent=True,
    )
    named = load_settings({"MILLI_STAGE": "test", "BUSINESS_NAME": " Ada's\x07 Salon "})
    again = template_for(_event("whatsapp.opt_in_requested", data), named)
    assert again is not None
    assert again.variables == {"1": "Ada's Salon"}


def test_a_confirmed_opt_in_sends_no_template(settings: Settings) -> None:
    # The YES / START reply already confirms; a template would be a second message.
    assert template_for(_event("whatsapp.opted_in", {"phone": "+447911123456"}), settings) is None


def test_opt_in_request_uses_the_configured_template_id() -> None:
    settings = load_settings(
        {"MILLI_STAGE": "test", "WHATSAPP_TEMPLATE_OPT_IN_REQUEST": " HX0123456789abcdef "}
    )

    message = template_for(
        _event("whatsapp.opt_in_requested", {"phone": "+447911123456"}), settings
    )

    assert message is not None
    assert message.template == "HX0123456789abcdef"


def test_a_blank_template_setting_falls_back_to_the_name() -> None:
    settings = load_settings({"WHATSAPP_TEMPLATE_OPT_IN_REQUEST": "  "})

    assert template_id(settings, "opt_in_request") == "opt_in_request"


@pytest.mark.parametrize(
    "detail_type",
    ["booking.created", "whatsapp.opted_in", "whatsapp.opted_out", "WHATSAPP.OPT_IN_REQUESTED", ""],
)
def test_other_events_send_nothing(settings: Settings, detail_type: str) -> None:
    assert template_for(_event(detail_type, {"phone": "+447911123456"}), settings) is None


BOOKING = {
    "customer": {"name": "Jo", "phone": "+447911123456"},
    "service_name": "Deep clean",
    "start": "2026-12-01T10:00:00+00:00",
    "tz": "Europe/London",
    "whatsapp_opt_in": True,
    "whatsapp_consent": {"at": "2026-11-25T09:00:00+00:00", "source": "booking_form"},
}


def test_every_mapped_event_builds_a_message(settings: Settings) -> None:
    for detail_type, name in TEMPLATES.items():
        data = {"phone": "+447911123456"} if detail_type.startswith("whatsapp.") else BOOKING
        message = template_for(_event(detail_type, data), settings)
        assert message is not None, detail_type
        assert message.template == name
        assert message.to == "+447911123456"


def test_booking_templates_carry_name_service_and_local_time(settings: Settings) -> None:
    message = template_for(_event("reminder.due", BOOKING), settings)
    assert message is not None
    assert message.variables == {"1": "Jo", "2": "Deep clean", "3": "Tue 01 Dec, 10:00"}
    assert message.booked_with_opt_in


def test_consent_rules(settings: Settings) -> None:
    from datetime import UTC, datetime

    from functions.whatsapp.messages import may_message

    booked = template_for(_event("booking.confirmed", BOOKING), settings)
    assert booked is not None
    before = datetime(2026, 11, 24, tzinfo=UTC)
    after = datetime(2026, 11, 26, tzinfo=UTC)
    assert may_message(None, booked) == (True, "opted in on the booking form")
    # A STOP stands against a later booking's checkbox: only START lifts it.
    assert may_message({"state": "opted_out", "at": before}, booked) == (False, "opted out")
    assert may_message({"state": "opted_out", "at": after}, booked) == (
        False,
        "opted out after booking",
    )
    no_opt_in = template_for(
        _event("booking.confirmed", BOOKING | {"whatsapp_opt_in": False, "whatsapp_consent": None}),
        settings,
    )
    assert no_opt_in is not None
    assert may_message(None, no_opt_in) == (False, "no WhatsApp opt-in recorded")
    assert may_message({"state": "opted_in", "at": before}, no_opt_in)[0]
    assert not may_message({"state": "opted_out", "at": before}, no_opt_in)[0]

    request = template_for(
        _event("whatsapp.opt_in_requested", {"phone": "+447911123456"}), settings
    )
    assert request is not None
    assert may_message(None, request)[0]
    assert may_message({"state": "opted_out", "at": before}, request) == (False, "opted out")


@pytest.mark.parametrize(
    ("typed", "greeted"),
    [
        ("Jo Bloggs", "Jo"),
        ("  Zoë  ", "Zoë"),
        ("Ana-María López", "Ana-María"),
        ("O\u2019Neill", "O\u2019Neill"),
        ("Jo\u202e\u200b Bloggs", "Jo"),
        ("Jo\nVisit evil.example", "Jo"),
        ("www.evil.example/x Bloggs", "there"),
        ("0900123456", "there"),
        ("evil.example", "there"),
        ("A" * 41, "there"),
        ("", "there"),
        (None, "there"),
    ],
)
def test_booking_templates_greet_by_a_clean_first_name_only(
    settings: Settings, typed: str | None, greeted: str
) -> None:
    data = BOOKING | {"customer": {"name": typed, "phone": "+447911123456"}}
    message = template_for(_event("booking.confirmed", data), settings)
    assert message is not None
    assert message.variables["1"] == greeted


def test_keywords_status_order_and_window() -> None:
    from datetime import UTC, datetime, timedelta

    from functions.whatsapp.messages import keyword, status_moves_forward, window_open

    assert [keyword(w) for w in ("STOP", " stop. ", "Unsubscribe", "StopAll", "START", "hi")] == [
        "stop",
        "stop",
        "stop",
        "stop",
        "start",
        None,
    ]
    assert keyword("please stop sending") is None
    assert [keyword(w) for w in ("YES", "Yes!", "yes  please", "oui", "yes, but later")] == [
        "yes",
        "yes",
        "yes",
        "yes",
        None,
    ]
    assert status_moves_forward(None, "queued")
    assert status_moves_forward("sent", "delivered")
    assert status_moves_forward("delivered", "read")
    assert not status_moves_forward("read", "delivered")
    assert not status_moves_forward("delivered", "sent")
    assert status_moves_forward("sent", "failed")
    assert not status_moves_forward("sent", "bogus")
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert window_open(now - timedelta(hours=23), now)
    assert not window_open(now - timedelta(hours=24), now)
    assert not window_open(None, now)


def test_meta_template_language_per_template_or_default() -> None:
    from functions.whatsapp.messages import template_language

    settings = load_settings(
        {
            "MILLI_STAGE": "test",
            "META_TEMPLATE_LANGUAGE": "en_GB",
            "WHATSAPP_TEMPLATE_BOOKING_REMINDER_LANGUAGE": "es",
        }
    )
    assert template_language(settings, "booking_reminder") == "es"
    assert template_language(settings, "booking_confirmed") == "en_GB"
    assert template_language(load_settings({"MILLI_STAGE": "test"}), "booking_confirmed") is None

    message = template_for(
        _event("whatsapp.opt_in_requested", {"phone": "+447911123456"}), settings
    )
    assert message is not None
    assert message.language == "en_GB"


@pytest.mark.parametrize(
    ("locale", "start_of_stop_reply"),
    [
        (None, "You will get no more"),
        ("en-GB", "You will get no more"),
        ("es-ES", "No recibirás más"),
        ("es_MX", "No recibirás más"),
        ("fr", "Vous ne recevrez plus"),
        ("de-AT", "Sie erhalten keine"),
        ("pt-BR", "You will get no more"),  # unknown: English
    ],
)
def test_keyword_replies_in_the_contacts_language(
    locale: str | None, start_of_stop_reply: str
) -> None:
    from functions.whatsapp.messages import KEYWORD_REPLIES, keyword_reply

    assert keyword_reply("stop", locale).startswith(start_of_stop_reply)
    assert "STOP" in keyword_reply("start", locale)
    assert "STOP" in keyword_reply("yes", locale)
    for texts in KEYWORD_REPLIES.values():
        assert set(texts) == {"stop", "start", "yes"}
        assert "START" in texts["stop"]


def test_a_quick_reply_button_counts_by_its_payload() -> None:
    from functions.whatsapp.messages import inbound_keyword

    assert inbound_keyword("Confirm me", "OPT_IN_CONFIRM") == "yes"
    assert inbound_keyword("Yes", "YES") == "yes"
    assert inbound_keyword("Stop promotions", "STOP") == "stop"
    assert inbound_keyword("START", "some-other-button") == "start"
    assert inbound_keyword("hello", None) is None
