"""WhatsApp consent is proven by the number's owner (double opt-in).

- A public opt-in (`request_opt_in`) records a *pending* request, with the
  wording shown, its source and time, and at most once per number per day
  asks the number to confirm (the `opt_in_request` template, which names
  the business only). It changes no contact and no consent. A number that
  said STOP, or is already opted in, gets nothing; the caller's answer is
  the same either way, so it tells nothing about the number.
- Consent becomes active only when that number answers: YES (or the
  quick-reply button) to a pending request, or START at any time
  (`inbound_consent`, run inside `inbound.receive`'s transaction).
- A STOP is lifted by the number's START only: a YES after STOP, a form or
  a booking's checkbox never lifts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from functions.whatsapp import store
from shared import clock
from shared.contacts import Consent, find_by_phone, whatsapp_consent
from shared.events import Publisher, StagedEvent

if TYPE_CHECKING:
    from google.cloud.firestore import Transaction

events = Publisher("whatsapp")


def request_opt_in(*, phone: str, wording: str, source: str, name: str | None) -> None:
    """Record a pending opt-in for `phone` and ask it to confirm, if it may be asked."""
    now = clock.now()

    def work(transaction: Transaction) -> list[StagedEvent]:
        found = find_by_phone(phone, transaction)
        state = whatsapp_consent(found[1] if found else None).get("state")
        if state in ("opted_out", "opted_in"):
            return []  # STOP stands; an opted-in number needs no request
        request_id = store.add_opt_in_request(
            transaction, phone, wording=wording, source=source, name=name, now=now
        )
        if request_id is None:
            return []  # already asked today
        return [
            events.stage(
                transaction,
                "whatsapp.opt_in_requested",
                {"phone": phone, "request_id": request_id, "source": source},
                event_id=f"whatsapp.opt_in_requested:{request_id}",
            )
        ]

    events.flush(store.in_transaction(work))


@dataclass(frozen=True)
class InboundConsent:
    """What a keyword from the number does to its consent."""

    keyword: str | None  # None when the message changes nothing (e.g. YES with no request)
    consent: Consent | None
    confirms: str | None = None  # the id of the opt-in request the YES confirms


def inbound_consent(
    transaction: Transaction,
    *,
    phone: str,
    word: str | None,
    body: str,
    contact: dict[str, object],  # the contact's document (shared/contacts.py's shape)
    now: datetime,
) -> InboundConsent:
    """Decide (reads only) what `word`, sent by `phone` itself, does to its consent."""
    said = body.strip()[:40]
    if word == "stop":
        return InboundConsent(
            "stop",
            Consent("whatsapp", "opt_out", "whatsapp_keyword", f"Sent '{said}' on WhatsApp", now),
        )
    if word == "start":
        return InboundConsent(
            "start",
            Consent(
                "whatsapp",
                "opt_in",
                "whatsapp_keyword",
                f"Sent '{said}' on WhatsApp",
                now,
                confirmed_by="whatsapp_keyword",
            ),
        )
    if word == "yes" and whatsapp_consent(contact).get("state") != "opted_out":
        pending = store.pending_opt_in(transaction, phone, now)
        if pending is not None:
            request_id, request = pending
            return InboundConsent(
                "yes",
                Consent(
                    "whatsapp",
                    "opt_in",
                    request.source,
                    request.wording,
                    now,
                    confirmed_by="whatsapp_reply",
                ),
                confirms=request_id,
            )
    return InboundConsent(None, None)
