"""PayPal webhook deliveries, checked by PayPal's own verification call.

`POST /v1/notifications/verify-webhook-signature` with the transmission
headers, our webhook id and the event; anything but `SUCCESS` is refused.
PayPal fetches and checks its certificate itself: we never download the
`cert_url` a delivery names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shared.providers import PermanentProviderError

if TYPE_CHECKING:
    from shared.providers.paypal import PayPal


class WebhookRejected(PermanentProviderError):
    """A webhook delivery PayPal did not vouch for: answer 400, never act on it."""


def verify(client: PayPal, headers: Mapping[str, str], raw_body: bytes) -> dict[str, Any]:
    """The event in `raw_body` once PayPal vouches for its signature; else WebhookRejected.

    The raw body is spliced into the verification request unchanged: PayPal
    checks the signature over the bytes it sent, and a re-serialised event
    (other key order, spacing, escapes) can fail verification.
    """
    if not client.config.webhook_id:
        raise PermanentProviderError("PAYPAL_WEBHOOK_ID is not set: webhooks cannot be verified")
    lower = {key.lower(): value for key, value in headers.items()}
    fields = {
        "auth_algo": lower.get("paypal-auth-algo"),
        "cert_url": lower.get("paypal-cert-url"),
        "transmission_id": lower.get("paypal-transmission-id"),
        "transmission_sig": lower.get("paypal-transmission-sig"),
        "transmission_time": lower.get("paypal-transmission-time"),
    }
    missing = sorted(name for name, value in fields.items() if not value)
    if missing:
        raise WebhookRejected(f"PayPal webhook without {', '.join(missing)}", status=400)
    try:
        event = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as error:
        raise WebhookRejected("PayPal webhook body is not JSON", status=400) from error
    if not isinstance(event, dict) or not event.get("id") or not event.get("event_type"):
        raise WebhookRejected("PayPal webhook body is not an event with an id", status=400)
    head = json.dumps({**fields, "webhook_id": client.config.webhook_id})[:-1]
    content = head.encode() + b',"webhook_event":' + raw_body.strip() + b"}"
    answer = client.call("POST", "/v1/notifications/verify-webhook-signature", content=content)
    status = answer.get("verification_status")
    if status != "SUCCESS":
        raise WebhookRejected(f"PayPal did not verify the webhook ({status})", status=400)
    return event
