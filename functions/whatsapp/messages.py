"""Which WhatsApp template each event sends, and with what variables.

Pure mapping, no I/O: the consumer asks `template_for(event)` and sends what
it returns. Template ids are Twilio ContentSids in the cloud (settings
`WHATSAPP_TEMPLATE_<NAME>`); locally the template's name stands in.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import Settings
from shared.events import ReceivedEvent


@dataclass(frozen=True)
class TemplateMessage:
    template: str
    to: str
    variables: dict[str, str]


# detail-type → (template name, how to build its variables)
TEMPLATES: dict[str, str] = {
    "whatsapp.opted_in": "opt_in_confirmation",
}


def template_id(settings: Settings, name: str) -> str:
    return settings.get(f"WHATSAPP_TEMPLATE_{name.upper()}") or name


def template_for(event: ReceivedEvent, settings: Settings) -> TemplateMessage | None:
    """The template message this event calls for, or None when it calls for none."""
    name = TEMPLATES.get(event.detail_type)
    if name is None:
        return None
    data = event.data
    if event.detail_type == "whatsapp.opted_in":
        return TemplateMessage(
            template=template_id(settings, name),
            to=str(data["phone"]),
            variables={"1": str(data.get("name") or "there")},
        )
    return None
