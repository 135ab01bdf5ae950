"""The client address behind Netlify's signed proxy, rate-limit settings, and
the 429 answer (the counting itself runs on the emulator, in
tests/integration/test_rate_limits.py)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from starlette.requests import Request

from shared.access import OPERATIONS, PUBLIC
from shared.client_address import client_address, verify_proxy_signature
from shared.config import ConfigError, load_settings, reset_settings
from shared.ratelimit import (
    RULES,
    Limit,
    RateLimited,
    load_rate_limits,
    parse_limit,
    variable_name,
)
from shared.web import create_app

SECRET = "the-netlify-api-signature-token-" * 3
CONNECTION = "198.51.100.9"
SPOOFED = "203.0.113.66"


def netlify_signature(secret: str = SECRET, **claims: Any) -> str:
    """What Netlify's edge sends: netlify-cli's sign-redirect uses jsonwebtoken
    with these claims, HS256 and a five-minute expiry."""
    payload = {
        "deploy_context": "production",
        "netlify_id": "site-id",
        "site_url": "https://milliintell.example",
        "iss": "netlify",
        "exp": int(time.time()) + 300,
    } | claims
    return jwt.encode(payload, secret, algorithm="HS256")


def request(headers: dict[str, str]) -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/api/bookings",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": (CONNECTION, 0),  # Mangum: API Gateway's sourceIp
        }
    )


@pytest.fixture
def secret_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETLIFY_PROXY_SECRET", SECRET)
    reset_settings()


def test_a_spoofed_address_header_without_a_signature_is_ignored(secret_set: None) -> None:
    spoofed = {"x-nf-client-connection-ip": SPOOFED, "x-forwarded-for": SPOOFED}
    assert client_address(request(spoofed)) == CONNECTION


def test_without_a_configured_secret_even_a_signed_header_is_ignored() -> None:
    headers = {"x-nf-client-connection-ip": SPOOFED, "x-nf-sign": netlify_signature()}
    assert client_address(request(headers)) == CONNECTION


def test_a_validly_signed_request_is_keyed_on_netlifys_client_address(secret_set: None) -> None:
    headers = {"x-nf-client-connection-ip": SPOOFED, "x-nf-sign": netlify_signature()}
    assert client_address(request(headers)) == SPOOFED
    headers["x-nf-client-connection-ip"] = "2001:DB8::1"
    assert client_address(request(headers)) == "2001:db8::1"
    headers["x-nf-client-connection-ip"] = "not-an-address"
    assert client_address(request(headers)) == CONNECTION


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def b64(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{b64(header)}.{b64(claims)}."


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(netlify_signature(exp=int(time.time()) - 120), id="expired"),
        pytest.param(netlify_signature(secret="someone-elses-secret-" * 4), id="forged"),
        pytest.param(netlify_signature(iss="evil"), id="other-issuer"),
        pytest.param(jwt.encode({"iss": "netlify"}, SECRET, algorithm="HS256"), id="never-expires"),
        pytest.param(
            jwt.encode(
                {"iss": "netlify", "exp": int(time.time()) + 300}, SECRET, algorithm="HS512"
            ),
            id="other-algorithm",
        ),
        pytest.param(
            _unsigned({"alg": "none"}, {"iss": "netlify", "exp": int(time.time()) + 300}),
            id="alg-none",
        ),
        pytest.param("garbage", id="not-a-jws"),
        pytest.param("a.b.c", id="bad-base64"),
    ],
)
def test_an_expired_or_forged_signature_is_ignored(secret_set: None, signature: str) -> None:
    headers = {"x-nf-client-connection-ip": SPOOFED, "x-nf-sign": signature}
    assert client_address(request(headers)) == CONNECTION


def test_a_tampered_payload_fails_the_signature() -> None:
    head, _, mac = netlify_signature().split(".")
    forged_claims = (
        base64.urlsafe_b64encode(json.dumps({"iss": "netlify", "exp": 9999999999}).encode())
        .rstrip(b"=")
        .decode()
    )
    assert not verify_proxy_signature(f"{head}.{forged_claims}.{mac}", SECRET, time.time())
    assert verify_proxy_signature(netlify_signature(), SECRET, time.time())


def test_limits_parse_and_name_their_variables() -> None:
    assert parse_limit("10/10m") == Limit(10, 600)
    assert parse_limit(" 5 / 1h ") == Limit(5, 3600)
    assert str(Limit(3, 86400)) == "3/1d"
    assert variable_name("bookings.email") == "RATE_LIMIT_BOOKINGS_EMAIL"
    for text in ("10", "0/1m", "10/0s", "10/1w", "ten/1m"):
        with pytest.raises(ConfigError):
            parse_limit(text)


def test_every_rule_has_a_valid_default_and_can_be_overridden() -> None:
    settings = load_settings({"MILLI_STAGE": "test", "RATE_LIMIT_BOOKINGS_EMAIL": "50/1d"})
    limits = load_rate_limits(settings)
    assert limits["bookings.email"] == Limit(50, 86400)
    assert limits["bookings.address"] == parse_limit(RULES["bookings.address"].default)
    bad = load_settings({"MILLI_STAGE": "test", "RATE_LIMIT_MANAGE_ADDRESS": "lots"})
    with pytest.raises(ConfigError, match="RATE_LIMIT_MANAGE_ADDRESS"):
        load_rate_limits(bad)


def test_prod_needs_the_netlify_proxy_secret() -> None:
    prod = {"MILLI_STAGE": "prod", "GOOGLE_CLOUD_PROJECT": "milliintell-prod"}
    with pytest.raises(ConfigError, match="NETLIFY_PROXY_SECRET"):
        load_rate_limits(load_settings(prod))
    load_rate_limits(load_settings(prod | {"NETLIFY_PROXY_SECRET": SECRET}))


def test_over_the_limit_is_429_with_retry_after_in_our_error_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(OPERATIONS, ("POST", "/api/probe/thing"), PUBLIC)
    router = APIRouter()

    @router.post("/thing")
    def thing() -> None:
        raise RateLimited(42)

    response = TestClient(create_app("probe", [router])).post("/api/probe/thing")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "42"
    assert response.json()["error"]["code"] == "too_many_requests"
    assert "42 seconds" in response.json()["error"]["message"]


def test_the_readme_documents_every_rule_with_its_default_and_variable() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for rule, spec in RULES.items():
        row = f"| `{rule}` | {spec.default} | `{variable_name(rule)}` |"
        assert row in readme, row
