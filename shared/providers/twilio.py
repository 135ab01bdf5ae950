"""WhatsApp through Twilio, with the official `twilio` SDK.

Templates go out as Content API messages (`content_sid` + `content_variables`);
free-form text only works inside the 24-hour window (else Twilio answers 63016).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from shared.providers import OutboundMessage, SendResult, classify

if TYPE_CHECKING:
    from shared.config import Settings


class TwilioWhatsAppProvider:
    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        from twilio.rest import Client

        self.sender = _whatsapp_address(settings.get("TWILIO_WHATSAPP_FROM") or "")
        self.status_callback = f"{settings.public_base_url}/api/whatsapp/twilio/status"
        self.client = Client(settings.get("TWILIO_ACCOUNT_SID"), settings.get("TWILIO_AUTH_TOKEN"))

    def send(self, message: OutboundMessage) -> SendResult:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        fields: dict[str, str] = {
            "from_": self.sender,
            "to": _whatsapp_address(message.to),
            "status_callback": self.status_callback,
        }
        if message.template:
            fields["content_sid"] = message.template
            fields["content_variables"] = json.dumps(message.variables)
        elif message.text:
            fields["body"] = message.text
        else:
            raise ValueError("a WhatsApp message needs a template or text")
        try:
            sent = self.client.messages.create(**fields)
        except TwilioRestException as error:
            code = str(error.code) if error.code is not None else None
            raise classify(
                error.status, f"Twilio refused the message: {error.msg}", code
            ) from error
        except (TwilioException, OSError) as error:
            raise classify(None, f"Twilio unreachable: {error}") from error
        return SendResult(
            provider=self.name, provider_message_id=str(sent.sid), status=str(sent.status)
        )


def _whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"
