"""shared.auth and shared.access without a Firebase emulator: the Firebase
Admin SDK's two calls (`verify_id_token`, `get_user`) are faked; everything
of ours runs for real. tests/integration/test_access.py does the same
against the Auth emulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.testclient import TestClient
from firebase_admin import auth as firebase_auth
from firebase_admin import exceptions as firebase_exceptions

import shared.auth
from shared.access import OPERATIONS, CurrentUser, Rule, document
from shared.auth import Account, AccountCache, StaffUser, verify_token
from shared.config import ConfigError, load_settings, reset_settings
from shared.web import create_app

router = APIRouter()


@router.get("/admin-thing")
def admin_thing(user: CurrentUser) -> dict[str, str]:
    return {"uid": user.uid, "role": user.role}


@router.get("/staff-thing")
def staff_thing(user: CurrentUser) -> dict[str, str]:
    return {"uid": user.uid, "role": user.role}


@router.get("/open-thing")
def open_thing() -> dict[str, str]:
    return {"open": "yes"}


@router.get("/forgotten-thing")
def forgotten_thing() -> dict[str, str]:
    return {"reached": "yes"}


@dataclass
class FakeFirebase:
    """The SDK as the emulator would answer: tokens and account records."""

    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    lookup_error: Exception | None = None

    def verify_id_token(self, id_token: str, app: object = None) -> dict[str, Any]:
        assert app == "fake-app"
        if id_token not in self.tokens:
            raise firebase_auth.InvalidIdTokenError("unknown token")
        return self.tokens[id_token]

    def get_user(self, uid: str, app: object = None) -> Any:
        assert app == "fake-app"
        self.lookups.append(uid)
        if self.lookup_error is not None:
            raise self.lookup_error
        if uid not in self.users:
            raise firebase_auth.UserNotFoundError("no user")
        return self.users[uid]

    def account(
        self,
        token: str,
        role: str | None,
        *,
        token_role: str | None = None,
        iat: int = 1000,
        disabled: bool = False,
        valid_after_ms: int | None = None,
    ) -> None:
        uid = f"uid-{token}"
        self.tokens[token] = {"uid": uid, "email": f"{token}@example.com", "iat": iat}
        if token_role:
            self.tokens[token]["role"] = token_role
        self.users[uid] = firebase_user(role, disabled, valid_after_ms)


def firebase_user(
    role: str | None, disabled: bool = False, valid_after_ms: int | None = None
) -> Any:
    @dataclass
    class Record:
        custom_claims: dict[str, Any] | None
        disabled: bool
        tokens_valid_after_timestamp: int | None

    return Record({"role": role} if role else None, disabled, valid_after_ms)


@pytest.fixture
def firebase(monkeypatch: pytest.MonkeyPatch) -> FakeFirebase:
    fake = FakeFirebase()
    monkeypatch.setattr(shared.auth, "firebase_app", lambda: "fake-app")
    monkeypatch.setattr(firebase_auth, "verify_id_token", fake.verify_id_token)
    monkeypatch.setattr(firebase_auth, "get_user", fake.get_user)
    monkeypatch.setenv("AUTH_RECHECK_SECONDS", "0")
    shared.auth.accounts.clear()
    return fake


@pytest.fixture
def client(firebase: FakeFirebase, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setitem(OPERATIONS, ("GET", "/api/demo/admin-thing"), Rule("admin"))
    monkeypatch.setitem(OPERATIONS, ("GET", "/api/demo/staff-thing"), Rule("staff"))
    monkeypatch.setitem(OPERATIONS, ("GET", "/api/demo/open-thing"), Rule("public"))
    firebase.account("admin-token", "admin")
    firebase.account("staff-token", "staff")
    firebase.account("no-role-token", None)
    return TestClient(create_app("demo", [router]))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------ the table, enforced
def test_no_token_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/demo/staff-thing")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"
    assert "Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "token-alone"])
def test_a_non_bearer_authorization_is_401(client: TestClient, header: str) -> None:
    response = client.get("/api/demo/staff-thing", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_token_is_401(client: TestClient) -> None:
    assert client.get("/api/demo/staff-thing", headers=bearer("forged")).status_code == 401


def test_each_role_gets_what_the_table_gives_it(client: TestClient) -> None:
    admin = client.get("/api/demo/admin-thing", headers=bearer("admin-token"))
    staff_on_admin = client.get("/api/demo/admin-thing", headers=bearer("staff-token"))
    staff = client.get("/api/demo/staff-thing", headers=bearer("staff-token"))
    admin_on_staff = client.get("/api/demo/staff-thing", headers=bearer("admin-token"))

    assert admin.json() == {"uid": "uid-admin-token", "role": "admin"}
    assert staff_on_admin.status_code == 403
    assert staff_on_admin.json()["error"]["code"] == "forbidden"
    assert "admin" in staff_on_admin.json()["error"]["message"]
    assert staff.json() == {"uid": "uid-staff-token", "role": "staff"}
    assert admin_on_staff.status_code == 200


def test_a_signed_in_account_without_a_staff_role_is_403(client: TestClient) -> None:
    response = client.get("/api/demo/staff-thing", headers=bearer("no-role-token"))

    assert response.status_code == 403
    assert "no staff role" in response.json()["error"]["message"]


def test_a_public_operation_never_asks_firebase(client: TestClient, firebase: FakeFirebase) -> None:
    response = client.get("/api/demo/open-thing", headers=bearer("forged"))

    assert response.json() == {"open": "yes"}
    assert firebase.lookups == []


def test_an_operation_missing_from_the_table_is_refused_to_everyone(client: TestClient) -> None:
    assert client.get("/api/demo/forgotten-thing").status_code == 403
    refused = client.get("/api/demo/forgotten-thing", headers=bearer("admin-token"))
    assert refused.status_code == 403
    assert "reached" not in refused.text


def test_one_router_under_two_prefixes_follows_each_prefix_s_rule(
    firebase: FakeFirebase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(OPERATIONS, ("GET", "/api/one/open-thing"), Rule("public"))
    monkeypatch.setitem(OPERATIONS, ("GET", "/api/two/open-thing"), Rule("admin"))
    app = create_app("one", [router])
    app.include_router(router, prefix="/api/two")
    client = TestClient(app)

    assert client.get("/api/one/open-thing").status_code == 200
    assert client.get("/api/two/open-thing").status_code == 401


def test_the_schema_marks_signed_in_operations_from_the_table() -> None:
    schema: dict[str, Any] = {
        "paths": {
            "/api/bookings/services": {"get": {"responses": {}}},
            "/api/bookings/admin/services": {"post": {"responses": {"201": {}}}},
        }
    }

    document(schema)

    assert "security" not in schema["paths"]["/api/bookings/services"]["get"]
    secured = schema["paths"]["/api/bookings/admin/services"]["post"]
    assert secured["security"] == [{"HTTPBearer": []}]
    assert secured["responses"]["403"]["description"].endswith("the role admin")
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_a_route_asking_for_the_user_is_guarded_even_outside_create_app(
    client: TestClient,
) -> None:
    app = FastAPI()  # no app-wide guard: CurrentUser brings the check itself
    app.include_router(router, prefix="/api/demo")
    bare = TestClient(app)

    assert bare.get("/api/demo/admin-thing").status_code == 401
    assert bare.get("/api/demo/admin-thing", headers=bearer("staff-token")).status_code == 403


# ------------------------------------- verify_token: the account as it is now
def test_the_role_is_the_account_s_current_one_not_the_token_s(firebase: FakeFirebase) -> None:
    firebase.account("t", "staff", token_role="admin")

    assert verify_token("t") == StaffUser(uid="uid-t", email="t@example.com", role="staff")


def test_a_disabled_account_is_401(firebase: FakeFirebase) -> None:
    firebase.account("t", "admin", disabled=True)

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 401
    assert "disabled" in str(raised.value.detail)


def test_a_deleted_account_is_401(firebase: FakeFirebase) -> None:
    firebase.account("t", "admin")
    firebase.users.clear()

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 401


def test_a_token_issued_before_the_sessions_were_revoked_is_401(firebase: FakeFirebase) -> None:
    firebase.account("old", "admin", iat=1000, valid_after_ms=1_001_000)
    firebase.account("same-second", "admin", iat=1001, valid_after_ms=1_001_000)

    with pytest.raises(HTTPException) as raised:
        verify_token("old")

    assert raised.value.status_code == 401
    assert "revoked" in str(raised.value.detail)
    assert verify_token("same-second").role == "admin"


@pytest.mark.parametrize("claims", [None, {"role": "owner"}])
def test_an_account_without_a_staff_role_is_403(
    firebase: FakeFirebase, claims: dict[str, str] | None
) -> None:
    firebase.account("t", None)
    firebase.users["uid-t"].custom_claims = claims

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 403


@pytest.mark.parametrize(
    "error", [firebase_auth.InvalidIdTokenError("expired"), ValueError("not a JWT")]
)
def test_a_bad_token_is_401(
    firebase: FakeFirebase, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def refuse(id_token: str, app: object = None) -> dict[str, Any]:
        raise error

    monkeypatch.setattr(firebase_auth, "verify_id_token", refuse)

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 401
    assert raised.value.headers == {"WWW-Authenticate": "Bearer"}


def test_when_keys_cannot_be_fetched_it_is_503(
    firebase: FakeFirebase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(id_token: str, app: object = None) -> dict[str, Any]:
        raise firebase_auth.CertificateFetchError("down", None)

    monkeypatch.setattr(firebase_auth, "verify_id_token", down)

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 503


def test_when_the_account_cannot_be_read_it_is_503(firebase: FakeFirebase) -> None:
    firebase.account("t", "admin")
    firebase.lookup_error = firebase_exceptions.UnavailableError("down")

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 503


def test_accounts_are_read_once_per_window(
    firebase: FakeFirebase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTH_RECHECK_SECONDS", "60")
    reset_settings()
    firebase.account("t", "admin")

    for _ in range(5):
        verify_token("t")

    assert firebase.lookups == ["uid-t"]


# ------------------------------------------------------------ the cache
def recorder(fetched: list[str]) -> Callable[[str], Account]:
    def fetch(uid: str) -> Account:
        fetched.append(uid)
        return Account(disabled=False, valid_after=0, role="staff")

    return fetch


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_fetches_again_once_an_entry_is_older_than_max_age() -> None:
    fetched: list[str] = []
    ticks = Ticks()
    cache = AccountCache(recorder(fetched), clock=ticks)

    cache.get("a", max_age=30)
    ticks.now = 29.9
    cache.get("a", max_age=30)
    assert fetched == ["a"]
    ticks.now = 30.0
    cache.get("a", max_age=30)
    assert fetched == ["a", "a"]
    cache.get("a", max_age=0)
    assert fetched == ["a", "a", "a"]


def test_the_cache_keeps_at_most_size_accounts_dropping_the_least_recent() -> None:
    fetched: list[str] = []
    cache = AccountCache(recorder(fetched), size=2, clock=Ticks())

    cache.get("a", 60)
    cache.get("b", 60)
    cache.get("a", 60)  # a is now the most recent
    cache.get("c", 60)  # b goes
    assert len(cache) == 2
    cache.get("a", 60)
    cache.get("b", 60)

    assert fetched == ["a", "b", "c", "b"]


def test_the_cache_remembers_a_deleted_account_too() -> None:
    fetched: list[str] = []

    def gone(uid: str) -> None:
        fetched.append(uid)

    cache = AccountCache(gone, clock=Ticks())

    assert cache.get("gone", 60) is None
    assert cache.get("gone", 60) is None
    assert fetched == ["gone"]


# ------------------------------------------------------------ the setting
def test_the_recheck_window_is_30_seconds_unless_set() -> None:
    assert load_settings({"MILLI_STAGE": "test"}).auth_recheck_seconds == 30
    assert load_settings({"AUTH_RECHECK_SECONDS": "0"}).auth_recheck_seconds == 0
    assert load_settings({"AUTH_RECHECK_SECONDS": " 45 "}).auth_recheck_seconds == 45


@pytest.mark.parametrize("value", ["-1", "ten", "1.5", "301", "3600"])
def test_a_recheck_window_that_is_not_0_to_300_seconds_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="AUTH_RECHECK_SECONDS"):
        load_settings({"AUTH_RECHECK_SECONDS": value})
