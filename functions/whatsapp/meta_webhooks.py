"""Meta's WhatsApp Cloud API webhook: inbound messages and delivery statuses.

- `GET /api/whatsapp/meta/webhook`: Meta's subscription handshake; echoes
  `hub.challenge` when `hub.verify_token` is META_VERIFY_TOKEN, else 403.
- `POST /api/whatsapp/meta/webhook`: `X-Hub-Signature-256` must be
  "sha256=" + HMAC-SHA256(META_APP_SECRET, raw body), else 403 in every
  stage. Messages take the same path as Twilio's (functions/whatsapp/inbound.py);
  statuses the same forward-only update. Meta cannot take a reply in the
  response, so a STOP / START confirmation goes out through the notifier
  queue (`message.received` with provider "meta"), and the answer stays fast.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from functions.whatsapp import store
from functions.whatsapp.inbound import InboundMessage, receive
from shared import clock
from shared.config import get_settings
from shared.errors import Invalid
from shared.logging import get_logger

router = APIRouter(prefix="/meta", tags=["meta webhooks"])
logger = get_logger("whatsapp")
MEDIA = ("image", "video", "document", "audio", "sticker")


def signature(secret: str, body: bytes) -> str:
    """What Meta puts in X-Hub-Signature-256 for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _matches(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


@router.get(
    "/webhook",
    response_class=PlainTextResponse,
    summary="Meta's webhook verification handshake",
)
def meta_verify(
    mode: str | None = Query(default=None, alias="hub.mode"),
    token: str | None = Query(default=None, alias="hub.verify_token"),
    challenge: str | None = Query(default=None, alias="hub.challenge"),
) -> PlainTextResponse:
    expected = get_settings().get("META_VERIFY_TOKEN")
    if mode != "subscribe" or not challenge or not _matches(token, expected):
        logger.warning("refused a Meta webhook verification")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "verification token does not match")
    return PlainTextResponse(challenge)


@router.post("/webhook", summary="Meta calls this with inbound messages and delivery statuses")
async def meta_webhook(request: Request) -> dict[str, int]:
    body = await request.body()
    secret = get_settings().get("META_APP_SECRET")
    given = request.headers.get("x-hub-signature-256")
    if not secret or not _matches(given, signature(secret, body)):
        logger.warning("refused a Meta webhook with a bad signature")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid X-Hub-Signature-256")
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not JSON") from error
    if not isinstance(payload, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not a JSON object")
    return await run_in_threadpool(process, payload)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def message_text(message: dict[str, Any]) -> str:
    """The words of an inbound message; a placeholder for what has none."""
    kind = str(message.get("type") or "unknown")
    found = message.get(kind)
    part: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "text":
        return str(part.get("body") or "")
    if kind == "button":  # a quick-reply button on a template
        return str(part.get("text") or "")
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return str(reply.get("title") or "")
    if kind in MEDIA and part.get("caption"):
        return str(part["caption"])
    return f"[{kind}]"


def button_payload(message: dict[str, Any]) -> str | None:
    """The payload (or id) of the quick-reply button a message answers, if any."""
    kind = str(message.get("type") or "")
    part = message.get(kind)
    if not isinstance(part, dict):
        return None
    if kind == "button":
        found = part.get("payload")
    elif kind == "interactive":
        reply = part.get("button_reply")
        found = reply.get("id") if isinstance(reply, dict) else None
    else:
        return None
    return str(found) if found else None


def process(payload: dict[str, Any]) -> dict[str, int]:
    """Take every message and status in a verified notification; counts of each."""
    own_number = get_settings().get("META_PHONE_NUMBER_ID")
    counts = {"messages": 0, "statuses": 0, "ignored": 0}
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            number_id = (value.get("metadata") or {}).get("phone_number_id")
            if own_number and number_id and str(number_id) != own_number:
                # Another number of the same business account: not this inbox.
                counts["ignored"] += 1
                continue
            names = {
                str(contact.get("wa_id")): (contact.get("profile") or {}).get("name")
                for contact in _dicts(value.get("contacts"))
            }
            for message in _dicts(value.get("messages")):
                counts["messages" if _take_message(message, names) else "ignored"] += 1
            for update in _dicts(value.get("statuses")):
                counts["statuses" if _take_status(update) else "ignored"] += 1
            for error in _dicts(value.get("errors")):
                logger.warning("Meta reported an error", extra={"code": error.get("code")})
    return counts


def _take_message(message: dict[str, Any], names: dict[str, Any]) -> bool:
    message_id, sender = message.get("id"), message.get("from")
    if not message_id or not sender:
        logger.warning("skipped a Meta message without an id or sender")
        return False
    name = names.get(str(sender))
    try:
        receive(
            InboundMessage(
                provider="meta",
                message_id=str(message_id),
                sender=str(sender),
                body=message_text(message),
                profile_name=str(name) if name else None,
                button_payload=button_payload(message),
            ),
            phone_field="from",
        )
    except Invalid:
        # A sender we cannot read: retrying will not help, so do not fail the batch.
        logger.warning("skipped a Meta message from an unreadable number")
        return False
    return True


def _take_status(update: dict[str, Any]) -> bool:
    message_id, new_status = update.get("id"), update.get("status")
    if not message_id or not new_status:
        return False
    errors = _dicts(update.get("errors"))
    code = errors[0].get("code") if errors else None
    store.apply_status(
        str(message_id), str(new_status), str(code) if code is not None else None, clock.now()
    )
    return True
