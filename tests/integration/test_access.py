"""Who may do what, with real Auth emulator tokens: the staff-hours hole,
and every operation of every published schema checked against
shared/access.py's table."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from firebase_admin import auth

from devstack.stack import LocalStack
from devstack.tokens import sign_in, sign_up
from functions.bookings import store
from scripts.access_table import Operation, operations
from shared.access import rule_for
from shared.auth import firebase_app
from shared.config import reset_settings

pytestmark = pytest.mark.integration

PASSWORD = "pass-word-123"


def bearer(stack: LocalStack, email: str, role: str | None) -> dict[str, str]:
    """Headers carrying a fresh ID token of a new user with this role (None: no role)."""
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


# ------------------------------------------- every operation, every schema
def example_path(operation: Operation) -> str:
    """The operation's path with valid-looking values in its parameters."""
    path = operation.path
    for name in re.findall(r"{(\w+)}", operation.path):
        spec = next(
            (p for p in operation.parameters if p.get("name") == name and p.get("in") == "path"),
            {},
        )
        if spec.get("schema", {}).get("format") == "date" or name in ("day", "date"):
            value = "2026-12-24"
        elif "phone" in name:
            value = "+447700900123"
        else:
            value = "example-id-1"
        path = path.replace(f"{{{name}}}", value)
    return path


def call(api: TestClient, operation: Operation, headers: dict[str, str]) -> int:
    """The status of a minimal request: no query, an empty JSON body where one may go."""
    body: dict[str, object] | None = {} if operation.method in ("POST", "PUT", "PATCH") else None
    response = api.request(operation.method, example_path(operation), headers=headers, json=body)
    return int(response.status_code)


def test_every_operation_of_every_schema_answers_as_the_access_table_says(
    api: TestClient, admin: dict[str, str], staff: dict[str, str], clean_stack: LocalStack
) -> None:
    callers = {
        "no token": {},
        "a forged token": {"Authorization": "Bearer not.a.token"},
        "a valid token with no role": bearer(clean_stack, "someone@example.com", None),
        "staff": staff,
        "admin": admin,
    }
    problems: list[str] = []
    covered: set[str] = set()
    for operation in operations():
        rule = rule_for(operation.method, operation.path)
        if rule is None:
            problems.append(f"{operation}: not in shared/access.py")
            continue
        covered.add(operation.function)
        for who, headers in callers.items():
            if rule.access == "public" and who not in ("no token", "a forged token"):
                continue
            status = call(api, operation, headers)
            refused = {401, 403}
            if rule.access == "public":
                # A webhook refuses an unsigned call (403), whatever the token.
                expected = "403" if rule.signed else "neither 401 nor 403"
                good = status == 403 if rule.signed else status not in refused
            elif who in ("no token", "a forged token"):
                expected, good = "401", status == 401
            elif who == "a valid token with no role" or (rule.access == "admin" and who == "staff"):
                expected, good = "403", status == 403
            else:
                expected, good = "neither 401 nor 403", status not in refused
            if not good or status >= 500:
                problems.append(f"{operation} with {who}: {status}, expected {expected}")
    assert problems == []
    assert {"bookings", "bookings-admin", "whatsapp", "crm", "invoices", "deploy_agent"} <= covered


# ------------------------------------------- the account as it is now
@pytest.fixture
def recheck_every_call(monkeypatch: pytest.MonkeyPatch, clean_stack: LocalStack) -> None:
    monkeypatch.setenv("AUTH_RECHECK_SECONDS", "0")
    reset_settings()


def claims_of(headers: dict[str, str]) -> dict[str, object]:
    token = headers["Authorization"].removeprefix("Bearer ")
    claims: dict[str, object] = auth.verify_id_token(token, app=firebase_app())
    return claims


def uid_of(headers: dict[str, str]) -> str:
    return str(claims_of(headers)["uid"])


ADMIN_ONLY = "/api/bookings/admin/staff"  # POST: admin
STAFF_READ = "/api/bookings/admin/services"  # GET: staff or admin
NEW_STAFF = {"name": "Robin", "time_zone": "Europe/London"}


def test_a_disabled_account_is_refused_at_once_with_no_recheck_window(
    api: TestClient, admin: dict[str, str], recheck_every_call: None
) -> None:
    assert api.get(STAFF_READ, headers=admin).status_code == 200
    auth.update_user(uid_of(admin), disabled=True, app=firebase_app())

    refused = api.get(STAFF_READ, headers=admin)

    assert refused.status_code == 401
    assert "disabled" in refused.json()["error"]["message"]


def test_a_disabled_account_is_refused_once_the_recheck_window_has_passed(
    api: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.auth

    ticks = Ticks()
    monkeypatch.setattr(
        shared.auth, "accounts", shared.auth.AccountCache(shared.auth.fetch_account, clock=ticks)
    )
    monkeypatch.setenv("AUTH_RECHECK_SECONDS", "30")
    reset_settings()
    assert api.get(STAFF_READ, headers=admin).status_code == 200
    auth.update_user(uid_of(admin), disabled=True, app=firebase_app())

    ticks.now = 29  # still inside the window: the record read a moment ago stands
    assert api.get(STAFF_READ, headers=admin).status_code == 200
    ticks.now = 30
    assert api.get(STAFF_READ, headers=admin).status_code == 401


def test_a_demoted_admin_loses_admin_routes_but_keeps_staff_ones(
    api: TestClient, admin: dict[str, str], recheck_every_call: None
) -> None:
    assert api.post(ADMIN_ONLY, headers=admin, json=NEW_STAFF).status_code == 201
    # The token still says admin; the account no longer does.
    auth.set_custom_user_claims(uid_of(admin), {"role": "staff"}, app=firebase_app())

    assert api.post(ADMIN_ONLY, headers=admin, json=NEW_STAFF).status_code == 403
    assert api.get(STAFF_READ, headers=admin).status_code == 200

    auth.set_custom_user_claims(uid_of(admin), None, app=firebase_app())
    assert api.get(STAFF_READ, headers=admin).status_code == 403


def test_revoked_sessions_are_refused_until_the_user_signs_in_again(
    api: TestClient, admin: dict[str, str], recheck_every_call: None, clean_stack: LocalStack
) -> None:
    uid = uid_of(admin)
    issued = float(str(claims_of(admin)["iat"]))
    # Revocation counts in whole seconds: a token issued in the very second of
    # the revocation stays valid (as Firebase has it), so revoke in a later one.
    while time.time() < issued + 1:
        time.sleep(0.05)
    assert api.get(STAFF_READ, headers=admin).status_code == 200
    auth.revoke_refresh_tokens(uid, app=firebase_app())

    refused = api.get(STAFF_READ, headers=admin)
    signed_in_again = sign_in(clean_stack.auth_host, "owner@example.com", PASSWORD)
    fresh = {"Authorization": f"Bearer {signed_in_again}"}

    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]
    assert api.get(STAFF_READ, headers=fresh).status_code == 200


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
