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


def test_opt_in_sends_the_confirmation_template(settings: Settings) -> None:
    message = template_for(
        _event("whatsapp.opted_in", {"phone": "+447911123456", "name": "Ada"}), settings
    )

    assert message == TemplateMessage(
        template="opt_in_confirmation", to="+447911123456", variables={"1": "Ada"}
    )


@pytest.mark.parametrize("data", [{}, {"name": None}, {"name": ""}])
def test_opt_in_without_a_name_greets_there(settings: Settings, data: dict[str, Any]) -> None:
    message = template_for(
        _event("whatsapp.opted_in", {"phone": "+447911123456", **data}), settings
    )

    assert message is not None
    assert message.variables == {"1": "there"}


def test_opt_in_uses_the_configured_template_id() -> None:
    settings = load_settings(
        {"MILLI_STAGE": "test", "WHATSAPP_TEMPLATE_OPT_IN_CONFIRMATION": " HX0123456789abcdef "}
    )

    message = template_for(_event("whatsapp.opted_in", {"phone": "+447911123456"}), settings)

    assert message is not None
    assert message.template == "HX0123456789abcdef"


def test_a_blank_template_setting_falls_back_to_the_name() -> None:
    settings = load_settings({"WHATSAPP_TEMPLATE_OPT_IN_CONFIRMATION": "  "})

    assert template_id(settings, "opt_in_confirmation") == "opt_in_confirmation"


@pytest.mark.parametrize(
    "detail_type", ["booking.created", "whatsapp.opted_out", "WHATSAPP.OPTED_IN", ""]
)
def test_other_events_send_nothing(settings: Settings, detail_type: str) -> None:
    assert template_for(_event(detail_type, {"phone": "+447911123456"}), settings) is None


def test_every_mapped_event_builds_a_message(settings: Settings) -> None:
    for detail_type, name in TEMPLATES.items():
        message = template_for(_event(detail_type, {"phone": "+447911123456"}), settings)
        assert message is not None, detail_type
        assert message.template == name
