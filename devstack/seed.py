"""Demo data for the local stack: services, a staff member with opening
hours, a few bookings, and the admin user. Safe to run again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared import clock
from shared.auth import firebase_app
from shared.firestore import Collections, collection

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
    demo_bookings = {
        "demo-past": (now - timedelta(days=1, hours=3), "confirmed"),
        "demo-tomorrow": (now + timedelta(days=1), "confirmed"),
    }
    for booking_id, (start, status) in demo_bookings.items():
        collection(Collections.BOOKINGS).document(booking_id).set(
            {
                "service_id": "consultation",
                "staff_id": "alex",
                "status": status,
                "start_at": start,
                "end_at": start + timedelta(minutes=30),
                "customer": {
                    "name": "Sam Demo",
                    "email": "sam@example.com",
                    "phone": "+447700900123",
                },
                "created_at": now,
                "updated_at": now,
            },
            merge=True,
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
