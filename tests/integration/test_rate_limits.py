"""Rate limits on the real emulator: per address, per target, and the client
address only believed when Netlify's signed proxy vouches for it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devstack.runner import QueueRunner
from devstack.server import LocalGateway
from shared.firestore import Collections, collection
from tests.integration.test_bookings import (  # noqa: F401  (catalogue is a fixture)
    CUSTOMER,
    NOW,
    _outbox,
    catalogue,
    slot_starts,
)

pytestmark = pytest.mark.integration
PROXY_SECRET = "netlify-signing-secret-for-tests"


def caller(gateway: LocalGateway, address: str) -> TestClient:
    """A client whose connection comes from `address` (Mangum's sourceIp)."""
    return TestClient(gateway, base_url="http://127.0.0.1:8000", client=(address, 40000))


def booking_body(start: str, n: int, **customer: str) -> dict[str, Any]:
    person = {
        "name": f"Visitor {n}",
        "email": f"visitor{n}@example.com",
        "phone": f"+44 7911 {100000 + n}",
    }
    return {
        "service_id": "half",
        "start": start,
        "tz": "Europe/London",
        "customer": person | customer,
    }


def free_starts(api: TestClient, count: int) -> list[str]:
    starts: list[str] = []
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        starts += slot_starts(api, "half", day)
    assert len(starts) >= count
    return starts[:count]


def sign(claims: dict[str, Any], secret: str = PROXY_SECRET) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def netlify(address: str) -> dict[str, str]:
    """Headers Netlify's signed proxy adds for a visitor at `address`."""
    claims = {"iss": "netlify", "exp": int(NOW.timestamp()) + 300, "site_url": "https://x"}
    return {"x-nf-client-connection-ip": address, "x-nf-sign": sign(claims)}


@pytest.mark.usefixtures("catalogue")
def test_a_burst_of_bookings_from_one_address_is_cut_off_with_retry_after(
    api: TestClient, queues: QueueRunner
) -> None:
    starts = free_starts(api, 25)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(
                lambda pair: api.post("/api/bookings", json=booking_body(pair[1], pair[0])),
                enumerate(starts),
            )
        )
    codes = [answer.status_code for answer in answers]
    assert codes.count(201) == 10  # bookings.address: 10 per 10 minutes
    assert codes.count(429) == 15
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    queues.drain()
    assert len([e for e in _outbox("email") if e["to"].startswith("visitor")]) == 10
    # Counter ids are hashes: no address, email or phone in them.
    ids = [doc.id for doc in collection(Collections.RATE_LIMITS).stream()]
    assert ids
    assert not any("@" in i or "testclient" in i or "7911" in i for i in ids)


@pytest.mark.usefixtures("catalogue")
def test_two_hundred_wrong_tokens_get_429_after_the_limit(
    api: TestClient, gateway: LocalGateway
) -> None:
    created = api.post("/api/bookings", json=booking_body(free_starts(api, 1)[0], 1)).json()
    guesser = caller(gateway, "203.0.113.7")
    codes = [
        guesser.get(f"/api/bookings/{created['id']}", params={"token": f"guess{n}"}).status_code
        for n in range(200)
    ]
    assert codes[:10] == [404] * 10  # manage_failures.address: 10 per hour
    assert set(codes[10:]) == {429}
    # Guessing through the header is the same, and the address stays shut out.
    wrong = guesser.get(f"/api/bookings/{created['id']}", headers={"X-Manage-Token": "nope"})
    assert wrong.status_code == 429
    assert int(wrong.headers["Retry-After"]) > 0
    # The owner, elsewhere, still opens their booking.
    owner = caller(gateway, "198.51.100.20")
    mine = owner.get(
        f"/api/bookings/{created['id']}", headers={"X-Manage-Token": created["manage_token"]}
    )
    assert mine.status_code == 200, mine.text


@pytest.mark.usefixtures("catalogue")
def test_limits_per_target_hold_across_client_addresses(
    api: TestClient, gateway: LocalGateway
) -> None:
    starts = free_starts(api, 7)
    # One email, six addresses: bookings.email allows five an hour.
    codes = [
        caller(gateway, f"192.0.2.{n}")
        .post("/api/bookings", json=booking_body(start, n, email="target@example.com"))
        .status_code
        for n, start in enumerate(starts[:6])
    ]
    assert codes == [201] * 5 + [429]

    # Wrong tokens for one booking from many addresses: ten, then 429.
    booking = api.post("/api/bookings", json=booking_body(starts[6], 99)).json()
    path = f"/api/bookings/{booking['id']}"
    codes = [
        caller(gateway, f"198.18.0.{n}").get(path, params={"token": "wrong"}).status_code
        for n in range(15)
    ]
    assert codes == [404] * 10 + [429] * 5
    # Its own token still opens it, from yet another address.
    owner = caller(gateway, "198.18.1.1").get(
        path, headers={"X-Manage-Token": booking["manage_token"]}
    )
    assert owner.status_code == 200


def test_whatsapp_opt_ins_are_limited_per_phone_across_addresses(
    gateway: LocalGateway, clean_stack: Any
) -> None:
    body = {
        "phone": "+44 7911 123456",
        "consent_text": "Yes, send me booking updates on WhatsApp. Reply STOP to opt out.",
    }
    codes = [
        caller(gateway, f"192.0.2.{n}").post("/api/whatsapp/opt-in", json=body).status_code
        for n in range(4)
    ]
    assert codes == [202, 202, 202, 429]  # whatsapp_opt_in.phone: 3 a day


@pytest.mark.usefixtures("catalogue")
def test_the_forwarded_address_counts_only_when_netlify_signed_the_request(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.config import reset_settings

    monkeypatch.setenv("NETLIFY_PROXY_SECRET", PROXY_SECRET)
    reset_settings()
    starts = free_starts(api, 22)

    def book(n: int, headers: dict[str, str]) -> int:
        response = api.post("/api/bookings", json=booking_body(starts[n], n), headers=headers)
        return int(response.status_code)

    # Spoofed addresses without a signature: all one caller (the connection).
    spoofed = [book(n, {"x-nf-client-connection-ip": f"100.64.0.{n}"}) for n in range(11)]
    assert spoofed == [201] * 10 + [429]
    # Signed by the proxy: eleven visitors, each with their own allowance.
    signed = [book(11 + n, netlify(f"100.64.1.{n}")) for n in range(11)]
    assert signed == [201] * 11


@pytest.mark.usefixtures("catalogue")
def test_limits_come_from_the_environment(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.config import reset_settings

    monkeypatch.setenv("RATE_LIMIT_BOOKINGS_ADDRESS", "2/1h")
    reset_settings()
    starts = free_starts(api, 3)
    codes = [
        api.post("/api/bookings", json=booking_body(s, n)).status_code for n, s in enumerate(starts)
    ]
    assert codes == [201, 201, 429]
