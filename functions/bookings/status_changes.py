"""Changing a booking's status: cancel (by the client within the notice, by
staff at any time), confirm a payment hold, mark a no-show, expire a hold.
Each is one transaction with its event; a booking that ends frees its time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from functions.bookings import locks, rules, store
from functions.bookings.common import event_detail, events, free_time, minimum_notice, said
from functions.bookings.models import StoredBooking
from shared import clock
from shared.errors import Conflict, NotFound
from shared.events import StagedEvent

if TYPE_CHECKING:
    from google.cloud.firestore import Transaction


def change_status(
    booking_id: str,
    new_status: str,
    event_type: str,
    *,
    allowed_from: tuple[str, ...],
    reason: str = "",
    check: Callable[[StoredBooking], None] | None = None,
) -> StoredBooking:
    """Move a booking to `new_status` in a transaction, freeing its time if it ends."""
    now = clock.now()

    def decide(booking: StoredBooking | None) -> dict[str, Any]:
        if booking is None:
            raise NotFound("no such booking")
        if booking.status not in allowed_from:
            if booking.status == new_status:
                raise Conflict(f"this booking is already {said(new_status)}")
            was, wanted = said(booking.status), said(new_status)
            raise Conflict(f"a {was} booking cannot be marked {wanted}")
        if check is not None:
            check(booking)
        changes: dict[str, Any] = {"status": new_status, "updated_at": now}
        if reason:
            changes["cancel_reason" if new_status == "cancelled" else "status_reason"] = reason
        return changes

    def stage(transaction: Transaction, booking: StoredBooking) -> StagedEvent:
        return events.stage(
            transaction,
            event_type,
            event_detail(booking_id, booking, reason=reason or None),
            event_id=f"{event_type}:{booking_id}",
        )

    changed = store.transition(booking_id, decide, stage)
    if changed is None:  # decide always gives changes or raises
        raise AssertionError("unreachable")
    booking, staged = changed
    if new_status in ("cancelled", "no_show", "completed"):
        free_time(booking)
    events.flush([staged])
    return booking


def cancel(booking_id: str, *, by_staff: bool, reason: str = "") -> StoredBooking:
    now = clock.now()

    def client_rules(booking: StoredBooking) -> None:
        if not by_staff and not rules.client_may_change(
            booking.status, booking.start_at, now, minimum_notice(booking)
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


def confirm(booking_id: str) -> StoredBooking:
    """Confirm a booking held for payment."""
    return change_status(
        booking_id, "confirmed", "booking.confirmed", allowed_from=("pending_payment",)
    )


def mark_no_show(booking_id: str) -> StoredBooking:
    return change_status(
        booking_id, "no_show", "booking.no_show", allowed_from=("confirmed", "completed")
    )


def expire_hold(booking_id: str) -> StoredBooking | None:
    now = clock.now()

    def expired(booking: StoredBooking) -> None:
        expires = booking.hold_expires_at
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
