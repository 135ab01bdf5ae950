"""Who may do what, with real Auth emulator tokens: the staff-hours hole,
and every operation of every published schema checked against
shared/access.py's table."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from devstack.stack import LocalStack
from devstack.tokens import sign_in, sign_up
from functions.bookings import store

pytestmark = pytest.mark.integration

PASSWORD = "pass-word-123"


def bearer(stack: LocalStack, email: str, role: str | None) -> dict[str, str]:
    """Headers carrying a fresh ID token of a new user with this role (None: no role)."""
    from firebase_admin import auth

    from shared.auth import firebase_app

    uid = sign_up(stack.auth_host, email, PASSWORD)
    if role is not None:
        auth.set_custom_user_claims(uid, {"role": role}, app=firebase_app())
    return {"Authorization": f"Bearer {sign_in(stack.auth_host, email, PASSWORD)}"}


@pytest.fixture
def admin(clean_stack: LocalStack) -> dict[str, str]:
    store.clear_cache()
    return bearer(clean_stack, "owner@example.com", "admin")


@pytest.fixture
def staff(clean_stack: LocalStack) -> dict[str, str]:
    return bearer(clean_stack, "helper@example.com", "staff")


def test_staff_cannot_change_anyones_hours_only_admins_can(
    api: TestClient, admin: dict[str, str], staff: dict[str, str]
) -> None:
    created = api.post(
        "/api/bookings/admin/staff",
        headers=admin,
        json={"name": "Robin", "time_zone": "Europe/London"},
    )
    assert created.status_code == 201, created.text
    override = f"/api/bookings/admin/staff/{created.json()['id']}/overrides/2026-12-24"
    closed = {"date": "2026-12-24", "ranges": [], "note": "closed"}

    assert api.put(override, headers=staff, json=closed).status_code == 403
    assert api.put(override, headers=admin, json=closed).status_code == 200
    assert api.delete(override, headers=staff).status_code == 403
    assert api.get("/api/bookings/admin/staff", headers=staff).json()[0]["overrides"] != []
    assert api.delete(override, headers=admin).status_code == 204
