"""Demo data for the local stack: services, a staff member with opening
hours, a few bookings, and the admin user. Safe to run again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from functions.bookings.rules import busy_span
from shared import clock
from shared.auth import firebase_app
from shared.firestore import Collections, collection, field_filter

ADMIN_EMAIL = "admin@milliintell.local"

SERVICES: dict[str, dict[str, Any]] = {
    "consultation": {
        "name": "Consultation",
        "description": "A 30-minute first conversation about what you need.",
        "duration_minutes": 30,
        "price": {"amount": 0, "currency": "GBP"},
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 10,
        "slot_interval_minutes": 30,
        "minimum_notice_minutes": 60,
        "booking_window_days": 60,
        "seats": 1,
        "prepayment_required": False,
        "staff_ids": ["alex"],
        "active": True,
    },
    "deep-clean": {
        "name": "Deep clean",
        "description": "Two hours of thorough cleaning by our team.",
        "duration_minutes": 120,
        "price": {"amount": 9500, "currency": "GBP"},
        "buffer_before_minutes": 15,
        "buffer_after_minutes": 15,
        "slot_interval_minutes": 30,
        "minimum_notice_minutes": 24 * 60,
        "booking_window_days": 90,
        "seats": 1,
        "prepayment_required": True,
        "staff_ids": ["alex"],
        "active": True,
    },
}

WEEKDAY_HOURS = [{"start": "09:00", "end": "12:30"}, {"start": "13:30", "end": "17:30"}]
STAFF: dict[str, dict[str, Any]] = {
    "alex": {
        "name": "Alex Morgan",
        "email": "alex@milliintell.local",
        "time_zone": "Europe/London",
        "weekly_hours": {day: WEEKDAY_HOURS for day in ("mon", "tue", "wed", "thu", "fri")}
        | {"sat": [{"start": "10:00", "end": "14:00"}], "sun": []},
        "overrides": [],
        "active": True,
    }
}


def seed_data() -> None:
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    for service_id, service in SERVICES.items():
        collection(Collections.SERVICES).document(service_id).set(service)
    for staff_id, staff in STAFF.items():
        collection(Collections.STAFF).document(staff_id).set(staff)
    # A finished booking (written directly: the past cannot be booked) …
    past = now - timedelta(days=1, hours=3)
    collection(Collections.BOOKINGS).document("demo-past").set(
        {
            "service_id": "consultation",
            "service_name": "Consultation",
            "staff_id": "alex",
            "status": "confirmed",
            "start_at": past,
            "end_at": past + timedelta(minutes=30),
            **busy_span(past, past + timedelta(minutes=30), 0, 0),
            "tz": "Europe/London",
            "customer": {"name": "Sam Demo", "email": "sam@example.com", "phone": "+447911123456"},
            "created_at": past - timedelta(days=2),
            "updated_at": past - timedelta(days=2),
            "lock_ids": [],
        }
    )
    # … and an upcoming one, booked the way staff book, so it holds its slot locks.
    if not list(
        collection(Collections.BOOKINGS)
        .where(filter=field_filter("created_by", "==", "seed"))
        .stream()
    ):
        from functions.bookings.create import create_booking
        from functions.bookings.models import StaffBookingCreate

        tomorrow = (now + timedelta(days=1)).replace(hour=10)
        create_booking(
            StaffBookingCreate(
                service_id="consultation",
                start=tomorrow,
                customer={"name": "Sam Demo", "email": "sam@example.com", "phone": "+447911123456"},
                tz="Europe/London",
                notes="Seeded demo booking",
                override_rules=True,
            ),
            created_by="seed",
        )


def seed_admin(password: str) -> str:
    """Create (or reset) the admin user with the `admin` role; returns its uid."""
    from firebase_admin import auth

    app = firebase_app()
    try:
        user = auth.get_user_by_email(ADMIN_EMAIL, app=app)
        auth.update_user(user.uid, password=password, app=app)
    except auth.UserNotFoundError:
        user = auth.create_user(
            email=ADMIN_EMAIL, password=password, display_name="MilliIntell Admin", app=app
        )
    auth.set_custom_user_claims(user.uid, {"role": "admin"}, app=app)
    return str(user.uid)
