"""Twilio's webhooks: inbound WhatsApp messages and delivery statuses.

Both verify `X-Twilio-Signature` with Twilio's RequestValidator against the
public URL Twilio called (PUBLIC_BASE_URL + path: what the Twilio console
holds, whatever proxies, Netlify then API Gateway, rewrote on the way).
Anything unsigned or wrongly signed is 403, in every stage.

The signature covers the form's fields, so the form is parsed first, but
cheaply: the body is capped by the app (shared.web, 413) and the parse
stops at MAX_FORM_FIELDS (413), so a huge unsigned form costs nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from fastapi import APIRouter, HTTPException, Request, Response, status
from starlette.concurrency import run_in_threadpool

from functions.whatsapp import store
from functions.whatsapp.inbound import InboundMessage, receive
from shared import clock
from shared.config import get_settings
from shared.logging import get_logger

router = APIRouter(prefix="/twilio", tags=["twilio webhooks"])
logger = get_logger("whatsapp")
TWIML = "application/xml"
# Twilio's richest post (an inbound message with ten media) has about 50.
MAX_FORM_FIELDS = 100


async def verified_params(request: Request) -> dict[str, str]:
    """The form Twilio posted, or 403 when its signature does not match."""
    from twilio.request_validator import RequestValidator

    token = get_settings().get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("x-twilio-signature")
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        params = dict(parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
    except ValueError as error:  # more fields than Twilio ever sends: not Twilio
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_FORM_FIELDS} form fields"
        ) from error
    url = get_settings().public_base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        logger.warning("refused a Twilio webhook with a bad signature", extra={"url": url})
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid Twilio signature")
    return params


def twiml(reply: str | None = None) -> Response:
    inner = f"<Message>{escape(reply)}</Message>" if reply else ""
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>', 200, media_type=TWIML
    )


def _handle_inbound(params: dict[str, str]) -> str | None:
    """Store the message (the path every provider shares); the TwiML reply, if any."""
    sid = params.get("MessageSid") or params.get("SmsMessageSid") or ""
    sender = params.get("From", "")
    if not sid or not sender:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "MessageSid and From are required")
    received = receive(
        InboundMessage(
            provider="twilio",
            message_id=sid,
            sender=sender,
            body=params.get("Body", ""),
            profile_name=params.get("ProfileName") or None,
            button_payload=params.get("ButtonPayload") or None,
        )
    )
    return received.reply


@router.post("/inbound", summary="Twilio calls this for each inbound WhatsApp message")
async def twilio_inbound(request: Request) -> Response:
    params = await verified_params(request)
    reply = await run_in_threadpool(_handle_inbound, params)
    return twiml(reply)


@router.post("/status", summary="Twilio calls this as a message is sent, delivered and read")
async def twilio_status(request: Request) -> Response:
    params = await verified_params(request)
    sid = params.get("MessageSid", "")
    new_status = params.get("MessageStatus", "")
    if not sid or not new_status:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, "MessageSid and MessageStatus are required"
        )
    await run_in_threadpool(
        store.apply_status, sid, new_status, params.get("ErrorCode") or None, clock.now()
    )
    return Response(status_code=204)
