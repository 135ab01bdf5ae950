"""What a booking can go through: create, reschedule, cancel, confirm,
no-show. Each step is one atomic Firestore write (locks, booking and its
staged events together), then the events are published."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from functions.bookings import locks, rules, store
from functions.bookings.availability import why_not_bookable
from functions.bookings.locks import Claim, SlotTaken
from functions.bookings.models import BookingCreate, StaffBookingCreate
from shared import clock
from shared.config import get_settings
from shared.errors import Conflict, Invalid, NotFound
from shared.events import Publisher, StagedEvent
from shared.firestore import Collections, client, collection
from shared.values import normalise_phone

events = Publisher("bookings")
DEFAULT_CONSENT_TEXT = (
    "Send me booking confirmations and reminders on WhatsApp. Reply STOP at any time to opt out."
)
LOCK_TTL = timedelta(days=2)  # locks outlive their booking's end by this, then TTL deletes them


def _said(status: str) -> str:
    """A status as people say it, for messages."""
    return {"pending_payment": "held for payment", "no_show": "no-show"}.get(status, status)


@dataclass(frozen=True)
class Booked:
    booking_id: str
    data: dict[str, Any]
    manage_token: str | None


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid.field(field, "must include a UTC offset, e.g. 2026-12-01T10:00:00+00:00")
    return value.astimezone(UTC)


def load_service(
    service_id: str, *, for_staff: bool = False, location: str = "body"
) -> dict[str, Any]:
    service = store.get_service(service_id)
    if service is None or (not service.get("active", False) and not for_staff):
        raise Invalid.field("service_id", "no bookable service has this id", location)
    return service


def event_detail(booking_id: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What every booking event carries: enough for consumers to act without a read."""
    return {
        "booking_id": booking_id,
        "service_id": data["service_id"],
        "service_name": data.get("service_name", ""),
        "staff_id": data["staff_id"],
        "status": data["status"],
        "start": data["start_at"].isoformat(),
        "end": data["end_at"].isoformat(),
        "tz": data.get("tz", "UTC"),
        "customer": data["customer"],
        "contact_id": data.get("contact_id"),
        "whatsapp_opt_in": bool(data.get("whatsapp_opt_in")),
        "whatsapp_consent": data.get("whatsapp_consent"),
        "locale": data.get("locale", "en-GB"),
        "price": data.get("price"),
        "notes": data.get("notes", ""),
        **extra,
    }


def _eligible_staff(
    service: dict[str, Any], wanted: str | None
) -> list[tuple[str, dict[str, Any]]]:
    staff_ids = list(service.get("staff_ids", []))
    if wanted is not None:
        if wanted not in staff_ids:
            raise Invalid.field("staff_id", "this staff member does not perform this service")
        staff_ids = [wanted]
    found = store.get_staff(staff_ids)
    return [
        (sid, found[sid]) for sid in staff_ids if sid in found and found[sid].get("active", True)
    ]


def _claim_and_write(
    booking_id: str,
    staff_id: str,
    service_id: str,
    service: dict[str, Any],
    start: datetime,
    end: datetime,
    write: Any,
    keep: tuple[str, ...] = (),
    clear_stale: bool = True,
) -> Claim:
    """Take the locks for this span and run `write(batch, claim)` in the same commit.

    `keep` are locks the booking already holds (a reschedule onto an
    overlapping time). Raises SlotTaken when the time is held by someone else
    (with `clear_stale=False`, as soon as the commit is refused, without
    looking for stale locks).
    """
    from google.api_core.exceptions import AlreadyExists
    from google.api_core.exceptions import Conflict as GrpcConflict

    before = timedelta(minutes=service.get("buffer_before_minutes", 0))
    after = timedelta(minutes=service.get("buffer_after_minutes", 0))
    lock_ids = locks.span_lock_ids(staff_id, start, end, before, after)
    seats = int(service.get("seats", 1))
    group = locks.group_of(service_id, staff_id, start) if seats > 1 else None
    expires = end + after + LOCK_TTL
    for attempt in range(4):
        batch = client().batch()
        if group is None:
            claim = Claim(lock_ids)
            locks.add_lock_creates(
                batch, booking_id, [i for i in lock_ids if i not in keep], None, 1, expires
            )
        else:
            free = locks.free_seats(group, seats)
            if not free:
                raise SlotTaken(group)
            missing = locks.missing_group_locks(lock_ids, group)
            claim = Claim(lock_ids, group, free[0])
            locks.add_lock_creates(batch, booking_id, missing, group, seats, expires)
            locks.add_seat_create(batch, free[0], booking_id, expires)
        write(batch, claim)
        try:
            batch.commit()
            return claim
        except (AlreadyExists, GrpcConflict):
            if group is not None:
                continue  # a seat or the group's first locks went meanwhile: look again
            if (
                attempt == 3
                or not clear_stale
                or not locks.clear_stale_locks(lock_ids, clock.now())
            ):
                raise SlotTaken(staff_id) from None
    raise SlotTaken(staff_id)


def _staff_with_stale_locks_cleared(
    staff_ids: list[str], service: dict[str, Any], start: datetime, end: datetime
) -> list[str]:
    """Clear stale locks in these staff members' spans (one look at all their
    locks and holders); the members who had some, worth another try."""
    before = timedelta(minutes=service.get("buffer_before_minutes", 0))
    after = timedelta(minutes=service.get("buffer_after_minutes", 0))
    owner = {
        lock_id: staff_id
        for staff_id in staff_ids
        for lock_id in locks.span_lock_ids(staff_id, start, end, before, after)
    }
    cleared = {owner[i] for i in locks.cleared_stale_locks(list(owner), clock.now())}
    return [staff_id for staff_id in staff_ids if staff_id in cleared]


def create_booking(request: BookingCreate, *, created_by: str = "client") -> Booked:
    staff_request = isinstance(request, StaffBookingCreate)
    override = isinstance(request, StaffBookingCreate) and request.override_rules
    wanted_staff = request.staff_id if isinstance(request, StaffBookingCreate) else None
    now = clock.now()
    start = _aware(request.start, "start")
    service = load_service(request.service_id, for_staff=staff_request)
    phone = normalise_phone(request.customer.phone, field="customer.phone")
    rules_ = rules.service_rules(request.service_id, service)
    end = start + rules_.duration
    candidates = _eligible_staff(service, wanted_staff)
    if not candidates:
        raise Invalid.field("service_id", "no staff member currently performs this service")

    reasons = []
    bookable = []
    for staff_id, staff_doc in candidates:
        schedule = rules.staff_schedule(staff_id, staff_doc)
        reason = why_not_bookable(rules_, schedule, start, now, ignore_rules=override)
        if reason is None:
            bookable.append(staff_id)
        else:
            reasons.append(reason)
    if not bookable:
        _, message = reasons[0]
        raise Invalid.field("start", message)

    booking_id = uuid.uuid4().hex
    token, token_hash = rules.new_manage_token()
    status = (
        "pending_payment"
        if service.get("prepayment_required") and not staff_request
        else "confirmed"
    )
    consent = None
    if request.whatsapp_opt_in:
        consent = {
            "at": now,
            "source": "booking_form" if not staff_request else "staff",
            "wording": request.whatsapp_consent_text or DEFAULT_CONSENT_TEXT,
        }

    # Several staff members: first offer the time to each in turn and let the
    # commit's preconditions decide (a refusal costs one round trip); only if
    # every one refuses, clear stale locks (a crash, an expired hold) in all
    # their spans at once and try again those who had some. Concurrent
    # clients wanting the same start thus move on to the next staff member
    # at once, and a taken slot costs two reads, not two per staff member.
    def attempts() -> Iterator[tuple[bool, str]]:
        if int(service.get("seats", 1)) > 1 or len(bookable) == 1:
            yield from ((True, staff_id) for staff_id in bookable)
            return
        yield from ((False, staff_id) for staff_id in bookable)
        retry = _staff_with_stale_locks_cleared(bookable, service, start, end)
        yield from ((True, staff_id) for staff_id in retry)

    for clear_stale, staff_id in attempts():
        data: dict[str, Any] = {
            "service_id": request.service_id,
            "service_name": service["name"],
            "staff_id": staff_id,
            "status": status,
            "start_at": start,
            "end_at": end,
            "buffer_before_minutes": service.get("buffer_before_minutes", 0),
            "buffer_after_minutes": service.get("buffer_after_minutes", 0),
            **rules.busy_span(
                start,
                end,
                service.get("buffer_before_minutes", 0),
                service.get("buffer_after_minutes", 0),
            ),
            "tz": request.tz,
            "locale": request.locale,
            "customer": {
                "name": request.customer.name,
                "email": str(request.customer.email).lower(),
                "phone": phone,
            },
            "notes": request.notes,
            "whatsapp_opt_in": request.whatsapp_opt_in,
            "whatsapp_consent": consent,
            "manage_token_hash": token_hash,
            "created_at": now,
            "updated_at": now,
            "booked_at": now,
            "created_by": created_by,
            "sequence": 0,
            "price": service.get("price"),
        }
        if status == "pending_payment":
            data["hold_expires_at"] = rules.hold_expiry(now)
        staged: list[StagedEvent] = []

        def write(
            batch: Any,
            claim: Claim,
            data: dict[str, Any] = data,
            staged: list[StagedEvent] = staged,
        ) -> None:
            data["lock_ids"] = list(claim.lock_ids)
            data["seat_id"] = claim.seat_id
            batch.create(collection(Collections.BOOKINGS).document(booking_id), data)
            staged.clear()
            # The manage link travels on the private bus so the confirmation
            # email can carry it; only the token's hash is stored.
            detail = event_detail(booking_id, data, manage_url=manage_url(booking_id, token))
            kinds = ["booking.created"] + (["booking.confirmed"] if status == "confirmed" else [])
            staged.extend(
                events.stage_many(batch, [(kind, detail, f"{kind}:{booking_id}") for kind in kinds])
            )

        try:
            _claim_and_write(
                booking_id,
                staff_id,
                request.service_id,
                service,
                start,
                end,
                write,
                clear_stale=clear_stale,
            )
        except SlotTaken:
            continue
        events.flush(staged)
        return Booked(booking_id, data, token)
    raise Conflict("this time has just been taken; please pick another slot")


def get_for_client(booking_id: str, token: str | None) -> dict[str, Any]:
    """The booking if `token` is its manage token; 404 otherwise (no hint which)."""
    data = store.get_booking(booking_id)
    if data is None or not rules.token_matches(token, data.get("manage_token_hash")):
        raise NotFound("no booking matches this link")
    return data


def minimum_notice(data: dict[str, Any]) -> timedelta:
    service = store.get_service(data["service_id"]) or {}
    return timedelta(minutes=service.get("minimum_notice_minutes", 0))


def reschedule(
    booking_id: str,
    new_start: datetime,
    *,
    by_staff: bool,
    override: bool = False,
    manage_token: str | None = None,
) -> dict[str, Any]:
    now = clock.now()
    new_start = _aware(new_start, "start")
    data = store.get_booking(booking_id)
    if data is None:
        raise NotFound("no such booking")
    if data["status"] not in locks.ACTIVE_STATUSES:
        raise Conflict(f"a {_said(data['status'])} booking cannot be rescheduled")
    if not by_staff and not rules.client_may_change(
        data["status"], data["start_at"], now, minimum_notice(data)
    ):
        raise Conflict("this booking is too close to its start to change online; please contact us")
    service = load_service(data["service_id"], for_staff=by_staff)
    rules_ = rules.service_rules(data["service_id"], service)
    staff = store.get_staff([data["staff_id"]]).get(data["staff_id"])
    if staff is None:
        raise Conflict("the staff member of this booking is no longer available")
    reason = why_not_bookable(
        rules_, rules.staff_schedule(data["staff_id"], staff), new_start, now, ignore_rules=override
    )
    if reason is not None:
        raise Invalid.field("start", reason[1])
    new_end = new_start + rules_.duration
    if new_start == data["start_at"]:
        return data
    old_locks = tuple(data.get("lock_ids", []))
    old_seat = data.get("seat_id")
    keep = old_locks if not old_seat else ()
    staged: list[StagedEvent] = []
    updated = dict(data)

    def write(batch: Any, claim: Claim) -> None:
        changes = {
            "start_at": new_start,
            "end_at": new_end,
            **rules.busy_span(
                new_start,
                new_end,
                data.get("buffer_before_minutes", 0),
                data.get("buffer_after_minutes", 0),
            ),
            "lock_ids": list(claim.lock_ids),
            "seat_id": claim.seat_id,
            "updated_at": now,
            "booked_at": now,
            "sequence": int(data.get("sequence", 0)) + 1,
            "previous_start_at": data["start_at"],
        }
        updated.update(changes)
        batch.update(collection(Collections.BOOKINGS).document(booking_id), changes)
        staged.clear()
        staged.append(
            events.stage(
                batch,
                "booking.rescheduled",
                event_detail(
                    booking_id,
                    updated,
                    previous_start=data["start_at"].isoformat(),
                    manage_url=manage_url(booking_id, manage_token) if manage_token else None,
                ),
                event_id=f"booking.rescheduled:{booking_id}:{int(new_start.timestamp())}:{updated['sequence']}",
            )
        )

    try:
        claim = _claim_and_write(
            booking_id,
            data["staff_id"],
            data["service_id"],
            service,
            new_start,
            new_end,
            write,
            keep,
        )
    except SlotTaken:
        raise Conflict("the new time has just been taken; please pick another slot") from None
    # The new time is ours; only now free the old one.
    release = client().batch()
    locks.add_lock_deletes(release, [i for i in old_locks if i not in claim.lock_ids])
    if old_seat:
        locks.add_seat_delete(release, old_seat)
    release.commit()
    if old_seat:
        _release_group_locks_if_empty(data, service)
    events.flush(staged)
    return updated


def _release_group_locks_if_empty(data: dict[str, Any], service: dict[str, Any]) -> None:
    group = locks.group_of(data["service_id"], data["staff_id"], data["start_at"])
    if not locks.group_has_other_seats(group, int(service.get("seats", 1)), None):
        locks.clear_stale_locks(data.get("lock_ids", []), clock.now())


def change_status(
    booking_id: str,
    new_status: str,
    event_type: str,
    *,
    allowed_from: tuple[str, ...],
    reason: str = "",
    check: Any = None,
) -> dict[str, Any]:
    """Move a booking to `new_status` in a transaction, freeing its time if it ends."""
    from google.cloud.firestore import Transaction

    from shared.firestore import run_transaction

    ref = collection(Collections.BOOKINGS).document(booking_id)
    now = clock.now()

    def work(transaction: Transaction) -> tuple[dict[str, Any], StagedEvent]:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            raise NotFound("no such booking")
        data = snapshot.to_dict() or {}
        if data["status"] not in allowed_from:
            if data["status"] == new_status:
                raise Conflict(f"this booking is already {_said(new_status)}")
            was, wanted = _said(data["status"]), _said(new_status)
            raise Conflict(f"a {was} booking cannot be marked {wanted}")
        if check is not None:
            check(data)
        changes: dict[str, Any] = {"status": new_status, "updated_at": now}
        if reason:
            changes["cancel_reason" if new_status == "cancelled" else "status_reason"] = reason
        transaction.update(ref, changes)
        data.update(changes)
        staged = events.stage(
            transaction,
            event_type,
            event_detail(booking_id, data, reason=reason or None),
            event_id=f"{event_type}:{booking_id}",
        )
        return data, staged

    data, staged = run_transaction(work)
    if new_status in ("cancelled", "no_show", "completed"):
        _free_time(data)
    events.flush([staged])
    return data


def _free_time(data: dict[str, Any]) -> None:
    batch = client().batch()
    if data.get("seat_id"):
        locks.add_seat_delete(batch, data["seat_id"])
        batch.commit()
        service = store.get_service(data["service_id"]) or {}
        _release_group_locks_if_empty(data, service)
        return
    locks.add_lock_deletes(batch, data.get("lock_ids", []))
    batch.commit()


def cancel(booking_id: str, *, by_staff: bool, reason: str = "") -> dict[str, Any]:
    now = clock.now()

    def client_rules(data: dict[str, Any]) -> None:
        if not by_staff and not rules.client_may_change(
            data["status"], data["start_at"], now, minimum_notice(data)
        ):
            raise Conflict(
                "this booking is too close to its start to cancel online; please contact us"
            )

    return change_status(
        booking_id,
        "cancelled",
        "booking.cancelled",
        allowed_from=locks.ACTIVE_STATUSES,
        reason=reason or ("cancelled by staff" if by_staff else "cancelled by client"),
        check=client_rules,
    )


def expire_hold(booking_id: str) -> dict[str, Any] | None:
    now = clock.now()

    def expired(data: dict[str, Any]) -> None:
        expires = data.get("hold_expires_at")
        if expires is None or expires > now:
            raise Conflict("this hold has not expired")

    try:
        return change_status(
            booking_id,
            "cancelled",
            "booking.cancelled",
            allowed_from=("pending_payment",),
            reason="hold_expired",
            check=expired,
        )
    except (Conflict, NotFound):
        return None


def local_time(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def manage_url(booking_id: str, token: str) -> str:
    """The client's link. The token rides in the fragment, which browsers never
    send: it stays out of gateway and proxy logs and Referer headers, and the
    manage page sends it in the X-Manage-Token header instead."""
    return f"{get_settings().public_base_url}/manage/{booking_id}#token={token}"


def ics_url(booking_id: str) -> str:
    """The calendar file; fetch it with the manage token in X-Manage-Token."""
    return f"{get_settings().public_base_url}/api/bookings/{booking_id}/ics"
