"""Slot locks: how the database, not Python, refuses a double booking.

A booking occupies its staff member's time from `start - buffer_before` to
`end + buffer_after`. That span is cut into 5-minute buckets and each bucket
is a document `booking_locks/<staff>:<bucket>`, created with `create()` in
the same atomic batch that creates the booking. Two bookings whose spans
share any bucket (a 60-minute at 10:00 and a 30-minute at 10:30, say) cannot
both commit, whatever their lengths.

Group services (seats > 1) share one set of bucket locks per slot, tagged
with the group (service + start); each attendee also takes one of the
slot's seat documents `booking_seats/<staff>:<group>:<n>`.

Locks whose booking is gone, cancelled or an expired hold are stale: a
claim that runs into one deletes it (only if unchanged since read) and
tries again, so a crash between steps never blocks a slot for good.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared import clock
from shared.firestore import Collections, client, collection

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, WriteBatch

    from functions.bookings.models import StoredBooking, StoredService

BUCKET_SECONDS = 300
ACTIVE_STATUSES = ("pending_payment", "confirmed")


class SlotTaken(Exception):
    """Another booking holds part of this time."""


@dataclass(frozen=True)
class Claim:
    """The locks one booking holds (stored on the booking as lock_ids/seat_id)."""

    lock_ids: tuple[str, ...]
    group: str | None = None
    seat_id: str | None = None


def span_lock_ids(
    staff_id: str, start: datetime, end: datetime, before: timedelta, after: timedelta
) -> tuple[str, ...]:
    first = math.floor((start - before).timestamp() / BUCKET_SECONDS)
    last = math.ceil((end + after).timestamp() / BUCKET_SECONDS)
    return tuple(f"{staff_id}:{bucket}" for bucket in range(first, last))


def group_of(service_id: str, staff_id: str, start: datetime) -> str:
    return f"{staff_id}:{service_id}:{int(start.timestamp())}"


def _lock_ref(lock_id: str) -> DocumentReference:
    return collection(Collections.BOOKING_LOCKS).document(lock_id)


def _seat_ref(seat_id: str) -> DocumentReference:
    return collection(Collections.BOOKING_SEATS).document(seat_id)


def add_lock_creates(
    batch: WriteBatch,
    booking_id: str,
    lock_ids: Iterable[str],
    group: str | None,
    seats: int,
    expires_at: datetime,
) -> None:
    lock: dict[str, Any] = {"booking_id": booking_id, "expires_at": expires_at}
    if group is not None:  # a lock without them is a single booking's
        lock |= {"group": group, "seats": seats}
    for lock_id in lock_ids:
        batch.create(_lock_ref(lock_id), lock)


def add_lock_deletes(batch: WriteBatch, lock_ids: Iterable[str]) -> None:
    for lock_id in lock_ids:
        batch.delete(_lock_ref(lock_id))


def add_seat_delete(batch: WriteBatch, seat_id: str | None) -> None:
    if seat_id:
        batch.delete(_seat_ref(seat_id))


def _holder_is_stale(holder: dict[str, Any] | None, lock_id: str, now: datetime) -> bool:
    if holder is None:
        return True
    if holder.get("status") not in ACTIVE_STATUSES:
        return True
    if lock_id not in holder.get("lock_ids", []):
        return True  # left behind by a reschedule that did not finish
    expires = holder.get("hold_expires_at")
    return holder.get("status") == "pending_payment" and expires is not None and expires <= now


def clear_stale_locks(lock_ids: Iterable[str], now: datetime) -> int:
    """Delete the locks among `lock_ids` whose booking no longer holds them.

    Each delete carries a precondition (unchanged since read), so a lock a
    new booking took meanwhile is never removed. Returns how many went.
    """
    return len(cleared_stale_locks(lock_ids, now))


def cleared_stale_locks(lock_ids: Iterable[str], now: datetime) -> set[str]:
    """`clear_stale_locks`, returning the ids of the locks it deleted (two
    reads whatever the number of locks: the locks, then their bookings)."""
    from google.api_core.exceptions import FailedPrecondition, NotFound

    db = client()
    snapshots = [s for s in db.get_all([_lock_ref(i) for i in lock_ids]) if s.exists]
    if not snapshots:
        return set()
    holder_ids = {str((s.to_dict() or {}).get("booking_id")) for s in snapshots}
    holders = {
        h.id: (h.to_dict() if h.exists else None)
        for h in db.get_all([collection(Collections.BOOKINGS).document(i) for i in holder_ids])
    }
    cleared: set[str] = set()
    for snapshot in snapshots:
        lock = snapshot.to_dict() or {}
        if lock.get("group"):
            # A group slot's locks stay while any attendee holds a seat.
            stale = not group_has_other_seats(lock["group"], int(lock.get("seats", 1)), None)
        else:
            stale = _holder_is_stale(holders.get(str(lock.get("booking_id"))), snapshot.id, now)
        if stale:
            try:
                snapshot.reference.delete(
                    option=db.write_option(last_update_time=snapshot.update_time)
                )
                cleared.add(snapshot.id)
            except (FailedPrecondition, NotFound):
                pass
    return cleared


def missing_group_locks(lock_ids: tuple[str, ...], group: str) -> tuple[str, ...]:
    """For a group slot: the bucket locks not yet taken; SlotTaken if another holds one."""
    missing = []
    for snapshot in client().get_all([_lock_ref(i) for i in lock_ids]):
        if not snapshot.exists:
            missing.append(snapshot.id)
        elif (snapshot.to_dict() or {}).get("group") != group:
            raise SlotTaken(snapshot.id)
    order = {lock_id: i for i, lock_id in enumerate(lock_ids)}
    return tuple(sorted(missing, key=order.__getitem__))


def free_seats(group: str, seats: int) -> list[str]:
    ids = [f"{group}:{n}" for n in range(seats)]
    return [s.id for s in client().get_all([_seat_ref(i) for i in ids]) if not s.exists]


def add_seat_create(batch: WriteBatch, seat_id: str, booking_id: str, expires_at: datetime) -> None:
    batch.create(_seat_ref(seat_id), {"booking_id": booking_id, "expires_at": expires_at})


def group_has_other_seats(group: str, seats: int, seat_id: str | None) -> bool:
    ids = [f"{group}:{n}" for n in range(seats)]
    return any(s.exists and s.id != seat_id for s in client().get_all([_seat_ref(i) for i in ids]))


# ------------------------------------------------------------ claiming
LOCK_TTL = timedelta(days=2)  # locks outlive their booking's end by this, then TTL deletes them


def claim_and_write(
    booking_id: str,
    staff_id: str,
    service_id: str,
    service: StoredService,
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

    before = timedelta(minutes=service.buffer_before_minutes)
    after = timedelta(minutes=service.buffer_after_minutes)
    lock_ids = span_lock_ids(staff_id, start, end, before, after)
    seats = service.seats
    group = group_of(service_id, staff_id, start) if seats > 1 else None
    expires = end + after + LOCK_TTL
    for attempt in range(4):
        batch = client().batch()
        if group is None:
            claim = Claim(lock_ids)
            add_lock_creates(
                batch, booking_id, [i for i in lock_ids if i not in keep], None, 1, expires
            )
        else:
            free = free_seats(group, seats)
            if not free:
                raise SlotTaken(group)
            missing = missing_group_locks(lock_ids, group)
            claim = Claim(lock_ids, group, free[0])
            add_lock_creates(batch, booking_id, missing, group, seats, expires)
            add_seat_create(batch, free[0], booking_id, expires)
        write(batch, claim)
        try:
            batch.commit()
            return claim
        except (AlreadyExists, GrpcConflict):
            if group is not None:
                continue  # a seat or the group's first locks went meanwhile: look again
            if attempt == 3 or not clear_stale or not clear_stale_locks(lock_ids, clock.now()):
                raise SlotTaken(staff_id) from None
    raise SlotTaken(staff_id)


def release_group_if_empty(booking: StoredBooking, seats: int) -> None:
    group = group_of(booking.service_id, booking.staff_id, booking.start_at)
    if not group_has_other_seats(group, seats, None):
        clear_stale_locks(booking.lock_ids, clock.now())


def release(lock_ids: Iterable[str], seat_id: str | None) -> None:
    """Delete these locks and this seat in one batch."""
    batch = client().batch()
    add_lock_deletes(batch, lock_ids)
    add_seat_delete(batch, seat_id)
    batch.commit()
