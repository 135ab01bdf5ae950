"""Contacts shared by every capability (the seed of the CRM).

A person is one contact, found by normalised email first, then by E.164
phone. Key documents (`contact_keys/<hash>`) are read and written in the same
transaction as the contact, so two simultaneous sign-ups of one person make
one contact. Consent changes are appended to `consents`, never overwritten.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from shared import clock
from shared.firestore import Collections, collection, run_transaction
from shared.values import normalise_email

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction

ConsentAction = Literal["opt_in", "opt_out"]


@dataclass(frozen=True)
class Consent:
    channel: Literal["whatsapp", "email"]
    action: ConsentAction
    source: str
    wording: str
    at: datetime


def _key_ref(kind: str, value: str) -> DocumentReference:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    return collection(Collections.CONTACT_KEYS).document(digest)


def find_by_phone(phone: str) -> tuple[str, dict[str, Any]] | None:
    """The contact with this E.164 phone, as (id, document), if any."""
    key = _key_ref("phone", phone).get()
    if not key.exists:
        return None
    contact_id = str((key.to_dict() or {})["contact_id"])
    snapshot = collection(Collections.CONTACTS).document(contact_id).get()
    return (contact_id, snapshot.to_dict() or {}) if snapshot.exists else None


def upsert_contact(
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    source: str,
    consent: Consent | None = None,
    locale: str | None = None,
    also: Callable[[Transaction, str], None] | None = None,
) -> str:
    """Create or update the contact for this email/phone; returns its id.

    `also(transaction, contact_id)` runs inside the same transaction, after
    this function's reads and before its writes, so a caller can read (first)
    and write (then) things that commit with the contact, e.g. stage an event.
    `locale` (e.g. "es-ES", from a booking) is the language messages to them use;
    the latest one given wins.
    """
    if not email and not phone:
        raise ValueError("a contact needs an email or a phone")
    email = normalise_email(email) if email else None
    now = clock.now()
    keys = [("email", email), ("phone", phone)]

    def work(transaction: Transaction) -> str:
        contact_id: str | None = None
        key_refs = {kind: _key_ref(kind, value) for kind, value in keys if value}
        for kind in ("email", "phone"):
            if kind in key_refs:
                snapshot = key_refs[kind].get(transaction=transaction)
                if snapshot.exists:
                    contact_id = (snapshot.to_dict() or {})["contact_id"]
                    break
        is_new = contact_id is None
        contact_id = contact_id or uuid.uuid4().hex
        contact_ref = collection(Collections.CONTACTS).document(contact_id)
        existing = {} if is_new else (contact_ref.get(transaction=transaction).to_dict() or {})
        if also is not None:
            # Before our writes: a transaction reads everything before it writes.
            also(transaction, contact_id)

        update: dict[str, Any] = {"updated_at": now}
        if is_new:
            update |= {"created_at": now, "status": "lead", "sources": [source]}
        elif source not in existing.get("sources", []):
            update["sources"] = [*existing.get("sources", []), source]
        if name and not existing.get("name"):
            update["name"] = name.strip()
        if email and not existing.get("email"):
            update["email"] = email
        if phone and not existing.get("phone"):
            update["phone"] = phone
        if locale and existing.get("locale") != locale:
            update["locale"] = locale
        if consent:
            update[f"consent.{consent.channel}"] = {
                "state": "opted_in" if consent.action == "opt_in" else "opted_out",
                "at": consent.at,
                "source": consent.source,
            }
            transaction.set(
                collection(Collections.CONSENTS).document(),
                {
                    "contact_id": contact_id,
                    "channel": consent.channel,
                    "action": consent.action,
                    "source": consent.source,
                    "wording": consent.wording,
                    "at": consent.at,
                    "address": phone if consent.channel == "whatsapp" else email,
                },
            )
        if is_new:
            transaction.set(contact_ref, _expand(update))
        else:
            transaction.update(contact_ref, update)
        for ref in key_refs.values():
            transaction.set(ref, {"contact_id": contact_id}, merge=True)
        return contact_id

    return run_transaction(work)


def _expand(flat: dict[str, Any]) -> dict[str, Any]:
    """`{"consent.whatsapp": x}` → `{"consent": {"whatsapp": x}}` for a first write."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        head, _, tail = key.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            nested[key] = value
    return nested
