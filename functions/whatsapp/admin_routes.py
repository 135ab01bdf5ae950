"""The staff WhatsApp inbox under /api/whatsapp/admin (role staff or admin):
conversations, a conversation's messages, replies, and marking read."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from functions.whatsapp import store
from functions.whatsapp.messages import (
    REPLY_TEMPLATES,
    reply_template,
    template_id,
    template_language,
    window_open,
)
from functions.whatsapp.models import (
    ConversationOut,
    ConversationPage,
    MessageOut,
    MessagePage,
    OutboundDraft,
    Reply,
    StoredConversation,
    StoredMessage,
    TemplateOut,
    TemplateVariable,
)
from shared import clock
from shared.access import CurrentUser
from shared.config import get_settings
from shared.contacts import find_by_phone
from shared.errors import Conflict, Invalid, NotFound, Unavailable
from shared.firestore import InvalidCursor
from shared.params import CursorQuery, PhonePath
from shared.schema import CONFLICT
from shared.values import normalise_phone

# Roles come from shared/access.py's table (every route here: staff or admin).
inbox = APIRouter(prefix="/admin", tags=["staff inbox"])


def _phone(value: str) -> str:
    return normalise_phone(value, field="phone")


def _conversation_out(conversation: StoredConversation) -> ConversationOut:
    contact = find_by_phone(conversation.phone)
    consent = ((contact[1] if contact else {}).get("consent") or {}).get("whatsapp") or {}
    return ConversationOut(
        phone=conversation.phone,
        contact_id=conversation.contact_id,
        name=(contact[1] if contact else {}).get("name"),
        last_message_at=conversation.last_message_at,
        last_message_preview=conversation.last_message_preview,
        unread_count=conversation.unread_count,
        window_open=window_open(conversation.last_inbound_at, clock.now()),
        whatsapp_consent=str(consent.get("state", "unknown")),
    )


def _message_out(message_id: str, message: StoredMessage) -> MessageOut:
    return MessageOut(
        id=message_id,
        direction=message.direction,
        body=message.body,
        template=message.template,
        status=message.status,
        skip_reason=message.skip_reason,
        error_code=message.error_code,
        created_at=message.created_at,
    )


@inbox.get("/conversations", summary="Conversations, most recent first")
def list_conversations(
    limit: int = Query(default=30, ge=1, le=100), cursor: CursorQuery = None
) -> ConversationPage:
    try:
        page = store.conversations(limit, cursor)
    except InvalidCursor as error:
        raise Invalid.field("cursor", str(error), "query") from error
    return ConversationPage(
        items=[_conversation_out(conversation) for _, conversation in page.items],
        next_cursor=page.next_cursor,
    )


@inbox.get("/conversations/{phone}/messages", summary="A conversation's messages, newest first")
def list_messages(
    phone: PhonePath, limit: int = Query(default=50, ge=1, le=200), cursor: CursorQuery = None
) -> MessagePage:
    try:
        page = store.messages_of(_phone(phone), limit, cursor)
    except InvalidCursor as error:
        raise Invalid.field("cursor", str(error), "query") from error
    return MessagePage(
        items=[_message_out(message_id, message) for message_id, message in page.items],
        next_cursor=page.next_cursor,
    )


@inbox.get("/templates", summary="Approved templates staff may send outside the 24-hour window")
def list_templates() -> list[TemplateOut]:
    return [
        TemplateOut(
            name=template.name,
            description=template.description,
            variables=[TemplateVariable(key=key, label=label) for key, label in template.variables],
        )
        for template in REPLY_TEMPLATES
    ]


def _check_template(name: str, variables: dict[str, str]) -> None:
    template = reply_template(name)
    if template is None:
        known = ", ".join(t.name for t in REPLY_TEMPLATES)
        raise Invalid.field("template", f"is not a reply template; use one of {known}")
    missing = [label for key, label in template.variables if not variables.get(key, "").strip()]
    if missing:
        raise Invalid.field("variables", "needs " + ", ".join(missing))


@inbox.post(
    "/conversations/{phone}/reply",
    summary="Reply: free text inside the window, else a template",
    responses=CONFLICT,
)
def reply(phone: PhonePath, body: Reply, user: CurrentUser) -> MessageOut:
    from functions.whatsapp.outbound import send_and_record
    from shared.providers import OutboundMessage, TemporaryProviderError

    phone = _phone(phone)
    contact = find_by_phone(phone)
    consent = ((contact[1] if contact else {}).get("consent") or {}).get("whatsapp") or {}
    if consent.get("state") == "opted_out":
        raise Conflict("this person opted out of WhatsApp messages (they can send START)")
    now = clock.now()
    if body.text is not None:
        conversation = store.get_conversation(phone)
        if not window_open(conversation.last_inbound_at if conversation else None, now):
            raise Conflict(
                "the 24-hour window since their last message has closed; send an approved template"
            )
    if body.template is not None:
        _check_template(body.template, body.variables)
    settings = get_settings()
    template = template_id(settings, body.template) if body.template else None
    language = body.language or (
        template_language(settings, body.template) if body.template else None
    )
    draft = OutboundDraft(
        phone=phone,
        contact_id=contact[0] if contact else None,
        body=body.text,
        template=template,
        variables=body.variables,
        sent_by=user.uid,
        created_at=now,
    )
    message = OutboundMessage(
        channel="whatsapp",
        to=phone,
        text=body.text,
        template=template,
        variables=body.variables,
        language=language,
    )
    try:
        outcome = send_and_record(message, draft, dedupe_key=f"reply:{uuid.uuid4().hex}")
    except TemporaryProviderError as error:
        raise Unavailable(f"WhatsApp is not answering right now; try again ({error})") from error
    if outcome.refused is not None:
        raise Invalid.field("text" if body.text else "template", str(outcome.refused))
    store.touch_conversation(phone, now, body.text or f"[template {template}]")
    return _message_out(outcome.message_id, outcome.record)


@inbox.post("/conversations/{phone}/read", status_code=204, summary="Mark a conversation read")
def mark_read(phone: PhonePath) -> None:
    if not store.mark_read(_phone(phone)):
        raise NotFound("no conversation with this number")
