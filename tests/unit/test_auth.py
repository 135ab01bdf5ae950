"""shared.auth: staff sign-in, without reaching Firebase."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from fastapi import APIRouter, Depends, HTTPException
from fastapi.testclient import TestClient
from firebase_admin import auth as firebase_auth

import shared.auth
from shared.auth import StaffUser, require_role, verify_token
from shared.web import create_app

router = APIRouter()


@router.get("/admin")
def admin_only(user: StaffUser = Depends(require_role("admin"))) -> dict[str, str]:
    return {"uid": user.uid, "role": user.role}


@router.get("/staff")
def staff_or_admin(user: StaffUser = Depends(require_role("staff", "admin"))) -> dict[str, str]:
    return {"uid": user.uid, "role": user.role}


def _no_firebase(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError("Firebase must not be consulted")


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(shared.auth, "verify_token", _no_firebase)
    monkeypatch.setattr(shared.auth, "firebase_app", _no_firebase)
    monkeypatch.setattr(firebase_auth, "verify_id_token", _no_firebase)
    return TestClient(create_app("demo", [router]))


def _signed_in_as(monkeypatch: pytest.MonkeyPatch, role: Any) -> None:
    def fake_verify(id_token: str) -> StaffUser:
        assert id_token == "good-token"
        return StaffUser(uid="u1", email="u1@example.com", role=role)

    monkeypatch.setattr(shared.auth, "verify_token", fake_verify)


def test_no_token_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/demo/admin")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"
    assert "Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "token-without-scheme"])
def test_a_non_bearer_authorization_is_401(client: TestClient, header: str) -> None:
    response = client.get("/api/demo/admin", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_the_allowed_role_is_admitted(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _signed_in_as(monkeypatch, "admin")

    response = client.get("/api/demo/admin", headers={"Authorization": "Bearer good-token"})

    assert response.status_code == 200
    assert response.json() == {"uid": "u1", "role": "admin"}


def test_another_role_is_403(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _signed_in_as(monkeypatch, "staff")

    refused = client.get("/api/demo/admin", headers={"Authorization": "Bearer good-token"})
    admitted = client.get("/api/demo/staff", headers={"Authorization": "Bearer good-token"})

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert "admin" in refused.json()["error"]["message"]
    assert admitted.status_code == 200


def test_require_role_needs_a_role() -> None:
    with pytest.raises(ValueError, match="roles must be among"):
        require_role()


def test_require_role_refuses_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="roles must be among"):
        require_role("staff", "owner")  # type: ignore[arg-type]


# ----------------------------------------------------- verify_token, faked SDK


def _firebase_says(monkeypatch: pytest.MonkeyPatch, outcome: dict[str, Any] | Exception) -> None:
    def fake_verify_id_token(id_token: str, app: object = None) -> dict[str, Any]:
        assert app == "fake-app"
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(shared.auth, "firebase_app", lambda: "fake-app")
    monkeypatch.setattr(firebase_auth, "verify_id_token", fake_verify_id_token)


def test_verify_token_reads_uid_email_and_role(monkeypatch: pytest.MonkeyPatch) -> None:
    _firebase_says(monkeypatch, {"uid": "abc", "email": "a@example.com", "role": "staff"})

    assert verify_token("t") == StaffUser(uid="abc", email="a@example.com", role="staff")


@pytest.mark.parametrize("claims", [{"uid": "abc"}, {"uid": "abc", "role": "owner"}])
def test_verify_token_without_a_staff_role_is_403(
    monkeypatch: pytest.MonkeyPatch, claims: dict[str, Any]
) -> None:
    _firebase_says(monkeypatch, claims)

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 403


@pytest.mark.parametrize(
    "error",
    [firebase_auth.InvalidIdTokenError("expired"), ValueError("not a JWT")],
)
def test_verify_token_with_a_bad_token_is_401(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    _firebase_says(monkeypatch, error)

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 401
    assert raised.value.headers == {"WWW-Authenticate": "Bearer"}


def test_verify_token_when_keys_cannot_be_fetched_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    _firebase_says(monkeypatch, firebase_auth.CertificateFetchError("down", None))

    with pytest.raises(HTTPException) as raised:
        verify_token("t")

    assert raised.value.status_code == 503
