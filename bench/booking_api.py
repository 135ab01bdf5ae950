"""`POST /api/bookings` on the local stack under 32 concurrent clients,
beside a bare Firestore emulator `create()` under the same concurrency, in
the same run.

Starts `python -m devstack run` (exactly what `make run` starts) on free
ports, adds a bench service with a few staff members, then has 32 threads
book distinct slots (and, one request in ten, a slot another thread is also
trying for, to exercise the 409 path). Prints p50/p99 of both, the errors
(anything but 201/409) and the double bookings found afterwards.

A third line times, with the same concurrency, the Firestore round trips
one booking makes and nothing else (read the service, read its staff, one
batch of creates, one delete): the part of the gap that is the emulator's.

The rate limits are raised for the run (32 clients share one address), but
the limiter still counts each booking, so its Firestore write is measured.

Target (issue 3): booking p50 within 3x of the bare create() p50, zero
errors, zero double bookings.

    python bench/booking_api.py [--requests 640] [--clients 32]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.launch import LaunchedStack, StackFailed, start  # noqa: E402

STAFF = [f"bench-staff-{i}" for i in range(4)]
DAYS = 50


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_stack(run_dir: Path) -> tuple[LaunchedStack, str, dict[str, Any]]:
    from shared.ratelimit import RULES, variable_name

    # 32 clients from one address would meet the per-address limits at once:
    # the limits are raised (not removed), so each booking still pays for its
    # counters, as a real visitor's does.
    limits = {variable_name(rule): "1000000/1m" for rule in RULES}
    try:
        stack = start(run_dir, extra_env={"MILLI_ADMIN_PASSWORD": "bench-pass-123", **limits})
    except StackFailed as error:
        raise SystemExit(str(error)) from error
    return stack, stack.url, stack.info


def seed(stack: dict[str, Any]) -> None:
    os.environ["FIRESTORE_EMULATOR_HOST"] = stack["firestore_host"]
    from google.cloud import firestore

    db = firestore.Client(project=stack["project_id"])
    hours = [{"start": "08:00", "end": "20:00"}]
    for staff_id in STAFF:
        db.collection("staff").document(staff_id).set(
            {
                "name": staff_id,
                "time_zone": "UTC",
                "weekly_hours": {
                    d: hours for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
                "overrides": [],
                "active": True,
            }
        )
    db.collection("services").document("bench").set(
        {
            "name": "Bench",
            "description": "",
            "duration_minutes": 30,
            "price": {"amount": 1000, "currency": "GBP"},
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 0,
            "minimum_notice_minutes": 0,
            "booking_window_days": DAYS + 5,
            "slot_interval_minutes": 30,
            "seats": 1,
            "prepayment_required": False,
            "active": True,
            "staff_ids": STAFF,
        }
    )


def slot_starts(count: int, from_day: int) -> list[str]:
    first = (datetime.now(UTC) + timedelta(days=2 + from_day)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    starts: list[str] = []
    day = 0
    while len(starts) < count:
        for half_hour in range(24):
            starts.append((first + timedelta(days=day, minutes=30 * half_hour)).isoformat())
        day += 1
    return starts[:count]


def run_bookings(
    base: str, total: int, clients: int, from_day: int = 0
) -> tuple[list[float], dict[int, int]]:
    # Each distinct start can take len(STAFF) bookings; one request in ten
    # reuses a start so that some requests race for the same staff time.
    distinct = slot_starts(total, from_day)
    plan = [distinct[i // len(STAFF)] if i % 10 else distinct[0] for i in range(total)]
    latencies: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()
    local = threading.local()

    def one(start: str) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        body = {
            "service_id": "bench",
            "start": start,
            "customer": {
                "name": "Bench",
                "email": f"{uuid.uuid4().hex[:8]}@example.com",
                "phone": "+447911123456",
            },
            "tz": "UTC",
        }
        began = time.perf_counter()
        try:
            status = session.post(f"{base}/api/bookings", json=body, timeout=30).status_code
        except requests.RequestException:
            status = 0
        elapsed = (time.perf_counter() - began) * 1000
        with lock:
            codes[status] = codes.get(status, 0) + 1
            if status == 201:
                latencies.append(elapsed)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, plan))
    return latencies, codes


def run_timed(total: int, clients: int, call: Callable[[int], object]) -> list[float]:
    """Latencies (ms) of `call(i)` for i in range(total), `clients` at a time."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        began = time.perf_counter()
        call(i)
        with lock:
            latencies.append((time.perf_counter() - began) * 1000)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(total)))
    return latencies


def run_creates(stack: dict[str, Any], total: int, clients: int) -> list[float]:
    from google.cloud import firestore

    db = firestore.Client(project=stack["project_id"])
    return run_timed(
        total,
        clients,
        lambda i: (
            db.collection("bench_creates")
            .document(uuid.uuid4().hex)
            .create({"i": i, "at": datetime.now(UTC), "note": "bare create"})
        ),
    )


def run_round_trips(stack: dict[str, Any], total: int, clients: int) -> list[float]:
    """The Firestore round trips one booking makes, alone: read the service,
    read its staff members, commit one batch of 8 creates (the booking, 6
    five-minute slot locks, its staged events), delete the staged events."""
    from google.cloud import firestore

    db = firestore.Client(project=stack["project_id"])
    staff = [db.collection("staff").document(staff_id) for staff_id in STAFF]

    def booking_io(i: int) -> None:
        db.collection("services").document("bench").get()
        list(db.get_all(staff))
        batch = db.batch()
        refs = [db.collection("bench_round_trips").document(uuid.uuid4().hex) for _ in range(8)]
        for ref in refs:
            batch.create(ref, {"i": i, "at": datetime.now(UTC), "note": "round trip"})
        batch.commit()
        refs[-1].delete()

    return run_timed(total, clients, booking_io)


def double_bookings(stack: dict[str, Any]) -> int:
    from google.cloud import firestore

    db = firestore.Client(project=stack["project_id"])
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for doc in (
        db.collection("bookings")
        .where(filter=firestore.FieldFilter("service_id", "==", "bench"))
        .stream()
    ):
        data = doc.to_dict() or {}
        if data["status"] in ("confirmed", "pending_payment"):
            spans.setdefault(data["staff_id"], []).append((data["start_at"], data["end_at"]))
    overlaps = 0
    for staff_spans in spans.values():
        staff_spans.sort()
        overlaps += sum(1 for a, b in itertools.pairwise(staff_spans) if b[0] < a[1])
    return overlaps


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=640)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    launched, base, stack = start_stack(run_dir)
    try:
        seed(stack)
        # Warm up (imports, caches, connections) on days the measured run leaves alone.
        run_bookings(base, 64, args.clients, from_day=DAYS - 5)
        run_creates(stack, 64, args.clients)
        creates = run_creates(stack, args.requests, args.clients)
        round_trips = run_round_trips(stack, args.requests, args.clients)
        bookings, codes = run_bookings(base, args.requests, args.clients)
        doubles = double_bookings(stack)
    finally:
        launched.stop(60)
    errors = sum(n for code, n in codes.items() if code not in (201, 409))
    c50, c99 = statistics.median(creates), percentile(creates, 0.99)
    b50, b99 = statistics.median(bookings), percentile(bookings, 0.99)
    print(f"{args.clients} concurrent clients, {args.requests} requests each side\n")
    print(f"{'operation':34} {'p50 ms':>8} {'p99 ms':>8} {'n':>6}")
    r50, r99 = statistics.median(round_trips), percentile(round_trips, 0.99)
    print(f"{'bare emulator create()':34} {c50:8.1f} {c99:8.1f} {len(creates):6d}")
    print(f"{'its Firestore I/O alone':34} {r50:8.1f} {r99:8.1f} {len(round_trips):6d}")
    print(f"{'POST /api/bookings (201s)':34} {b50:8.1f} {b99:8.1f} {len(bookings):6d}")
    print(
        f"\np50 ratio {b50 / c50:.2f}x (target <= 3x; its Firestore I/O alone "
        f"{r50 / c50:.2f}x); status codes {dict(sorted(codes.items()))}; "
        f"errors {errors}; double bookings {doubles}"
    )
    return 0 if errors == 0 and doubles == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
