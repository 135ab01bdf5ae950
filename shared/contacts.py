"""Contacts shared by every capability (the seed of the CRM).

A person is one contact, found by normalised email first, then by E.164
phone. Key documents (`contact_keys/<hash>`) are read and written in the same
transaction as the contact, so two simultaneous sign-ups of one person make
one contact. Consent changes are appended to `consents`, never overwritten.

Two ways in, by how far the data can be trusted:
- `upsert_contact`, for a trusted source (a message from the number itself,
  a staff action): finds or creates the contact and may give it keys that
  no other contact holds, and record consent.
- `match_form_contact`, for what the public typed into a form (a booking):
  it never changes an existing contact's keys or consent. Typed details that
  match one contact by every key given (or no contact at all) are that
  contact (or a new one); details that disagree with a contact (its email
  with another phone, a phone of someone else) are linked to nobody and
  come back as `possible_duplicate_of`, for staff to resolve. Before this,
  a booking with a victim's email and one's own phone re-pointed the phone
  to the victim: inbound WhatsApp then showed under the victim's name.
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
from shared.values import clean_text, normalise_email

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction

NAME_LIMIT = 120
ConsentAction = Literal["opt_in", "opt_out"]


@dataclass(frozen=True)
class Consent:
    channel: Literal["whatsapp", "email"]
    action: ConsentAction
    source: str
    wording: str
    at: datetime
    # How the person proved the address is theirs, e.g. "whatsapp_reply".
    confirmed_by: str | None = None


@dataclass(frozen=True)
class FormMatch:
    """What typed details were linked to: a contact, or nobody and why."""

    contact_id: str | None
    possible_duplicate_of: tuple[str, ...] = ()


def _key_ref(kind: str, value: str) -> DocumentReference:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    return collection(Collections.CONTACT_KEYS).document(digest)


def clean_name(name: str | None) -> str | None:
    """A name as stored: no control or invisible characters, at most 120 characters."""
    cleaned = clean_text(name or "")[:NAME_LIMIT].strip()
    return cleaned or None


def find_by_phone(
    phone: str, transaction: Transaction | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The contact with this E.164 phone, as (id, document), if any."""
    key = _key_ref("phone", phone).get(transaction=transaction)
    if not key.exists:
        return None
    contact_id = str((key.to_dict() or {})["contact_id"])
    snapshot = collection(Collections.CONTACTS).document(contact_id).get(transaction=transaction)
    return (contact_id, snapshot.to_dict() or {}) if snapshot.exists else None


def whatsapp_consent(contact: dict[str, Any] | None) -> dict[str, Any]:
    """A contact's latest WhatsApp consent ({"state", "at", "source"}), {} if none."""
    consent = ((contact or {}).get("consent") or {}).get("whatsapp")
    return consent if isinstance(consent, dict) else {}


def _consent_changes(
    transaction: Transaction, contact_id: str, consent: Consent, address: str | None
) -> dict[str, Any]:
    """Append `consent` to the log; the contact fields that record its latest state."""
    transaction.set(
        collection(Collections.CONSENTS).document(), _log_entry(consent, contact_id, address)
    )
    return {
        f"consent.{consent.channel}": {
            "state": "opted_in" if consent.action == "opt_in" else "opted_out",
            "at": consent.at,
            "source": consent.source,
        }
    }


def _key_owners(transaction: Transaction, refs: dict[str, DocumentReference]) -> dict[str, str]:
    """Which contact each key already names (`{"email": id, ...}`), read in `transaction`."""
    owners: dict[str, str] = {}
    for kind, ref in refs.items():
        snapshot = ref.get(transaction=transaction)
        if snapshot.exists:
            owners[kind] = str((snapshot.to_dict() or {})["contact_id"])
    return owners


def _profile_changes(
    existing: dict[str, Any] | None,
    *,
    source: str,
    name: str | None,
    locale: str | None,
    now: datetime,
) -> dict[str, Any]:
    """What a sighting of the person changes on the contact (None: a new one).

    A new source is added, a name fills only an empty one, the latest locale
    wins; keys and consent are the callers' to decide.
    """
    update: dict[str, Any] = {"updated_at": now}
    if existing is None:
        update |= {"created_at": now, "status": "lead", "sources": [source]}
    elif source not in existing.get("sources", []):
        update["sources"] = [*existing.get("sources", []), source]
    if name and not (existing or {}).get("name"):
        update["name"] = name
    if locale and (existing or {}).get("locale") != locale:
        update["locale"] = locale
    return update


def upsert_contact(
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    source: str,
    consent: Consent | None = None,
    locale: str | None = None,
    also: Callable[[Transaction, str], Consent | None] | None = None,
) -> str:
    """Create or update the contact for this email/phone; returns its id.

    For trusted sources only (see the module's docstring). A key that
    already names another contact is left as it is: keys are never re-pointed.
    `also(transaction, contact_id)` runs inside the same transaction, after
    this function's reads and before its writes, so a caller can read (first)
    and write (then) things that commit with the contact, e.g. stage an event;
    a Consent it returns is recorded (instead of `consent`), so consent can
    depend on what it read. `locale` (e.g. "es-ES", from a booking) is the
    language messages to them use; the latest one given wins.
    """
    if not email and not phone:
        raise ValueError("a contact needs an email or a phone")
    email = normalise_email(email) if email else None
    name = clean_name(name)
    now = clock.now()
    keys = [("email", email), ("phone", phone)]

    def work(transaction: Transaction) -> str:
        key_refs = {kind: _key_ref(kind, value) for kind, value in keys if value}
        owners = _key_owners(transaction, key_refs)
        contact_id = owners.get("email") or owners.get("phone")
        is_new = contact_id is None
        contact_id = contact_id or uuid.uuid4().hex
        contact_ref = collection(Collections.CONTACTS).document(contact_id)
        existing = {} if is_new else (contact_ref.get(transaction=transaction).to_dict() or {})
        given = consent
        if also is not None:
            # Before our writes: a transaction reads everything before it writes.
            given = also(transaction, contact_id) or consent

        update = _profile_changes(
            None if is_new else existing, source=source, name=name, locale=locale, now=now
        )
        free = {kind: ref for kind, ref in key_refs.items() if kind not in owners}
        if "email" in free and not existing.get("email"):
            update["email"] = email
        if "phone" in free and not existing.get("phone"):
            update["phone"] = phone
        if given:
            address = phone if given.channel == "whatsapp" else email
            update |= _consent_changes(transaction, contact_id, given, address)
        if is_new:
            transaction.set(contact_ref, _expand(update))
        else:
            transaction.update(contact_ref, update)
        for ref in free.values():  # read as absent in this transaction
            transaction.set(ref, {"contact_id": contact_id})
        return contact_id

    return run_transaction(work)


def match_form_contact(
    *,
    name: str | None,
    email: str | None,
    phone: str | None,
    source: str,
    locale: str | None = None,
) -> FormMatch:
    """Link details typed into a public form to a contact, without taking any over.

    Returns the contact both keys lead to (or a new one holding both, when
    neither is known). When they lead to different contacts, or one leads to
    a contact that lacks the other, no contact changes and no key is
    written: the result names nobody and lists the contacts they matched.
    Consent is not recorded here: a form's consent covers the form's own
    purpose (a booking's messages), never the contact's general consent.
    """
    if not email and not phone:
        raise ValueError("a contact needs an email or a phone")
    email = normalise_email(email) if email else None
    name = clean_name(name)
    now = clock.now()
    keys = {kind: value for kind, value in (("email", email), ("phone", phone)) if value}

    def work(transaction: Transaction) -> FormMatch:
        refs = {kind: _key_ref(kind, value) for kind, value in keys.items()}
        owners = _key_owners(transaction, refs)
        matched = sorted(set(owners.values()))
        if len(matched) > 1 or (matched and len(owners) < len(refs)):
            return FormMatch(contact_id=None, possible_duplicate_of=tuple(matched))
        if matched:
            contact_id = matched[0]
            contact_ref = collection(Collections.CONTACTS).document(contact_id)
            existing = contact_ref.get(transaction=transaction).to_dict() or {}
            profile = _profile_changes(existing, source=source, name=name, locale=locale, now=now)
            transaction.update(contact_ref, profile)
            return FormMatch(contact_id=contact_id)
        contact_id = uuid.uuid4().hex
        new = _profile_changes(None, source=source, name=name, locale=locale, now=now) | keys
        transaction.set(collection(Collections.CONTACTS).document(contact_id), new)
        for ref in refs.values():  # read as absent in this transaction
            transaction.set(ref, {"contact_id": contact_id})
        return FormMatch(contact_id=contact_id)

    return run_transaction(work)


def log_consent(
    *, document_id: str, consent: Consent, address: str, contact_id: str | None, **about: Any
) -> None:
    """Log a consent that does not change a contact's state (a booking's own
    consent), with what it is about (e.g. `booking_id`); once per `document_id`."""
    collection(Collections.CONSENTS).document(document_id).set(
        _log_entry(consent, contact_id, address) | about
    )


def _log_entry(consent: Consent, contact_id: str | None, address: str | None) -> dict[str, Any]:
    """One consent as the `consents` log keeps it (appended, never overwritten)."""
    entry: dict[str, Any] = {
        "contact_id": contact_id,
        "channel": consent.channel,
        "action": consent.action,
        "source": consent.source,
        "wording": consent.wording,
        "at": consent.at,
        "address": address,
    }
    if consent.confirmed_by:
        entry["confirmed_by"] = consent.confirmed_by
    return entry


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
