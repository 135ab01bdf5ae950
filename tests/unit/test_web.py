"""shared.web: the edges every HTTP function shares (errors, ids, CORS, docs)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, field_validator
from starlette.types import Message, Receive, Scope, Send

from shared.access import OPERATIONS, PUBLIC
from shared.config import reset_settings
from shared.errors import Conflict, Invalid, NotFound
from shared.web import (
    CORRELATION_HEADER,
    DEFAULT_MAX_BODY_BYTES,
    MAX_LISTED_PROBLEMS,
    CorrelationIdMiddleware,
    create_app,
    error_body,
)

SECRET = "password=hunter2 at db.internal:5432"


class Customer(BaseModel):
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class Line(BaseModel):
    sku: str
    quantity: int = Field(ge=1)

    @field_validator("sku")
    @classmethod
    def known_sku(cls, sku: str) -> str:
        if sku == "unknown":
            raise ValueError("is not in the catalogue")
        return sku


class Order(BaseModel):
    customer: Customer
    lines: list[Line] = Field(default_factory=list)


router = APIRouter()


@router.post("/orders", status_code=201)
def create_order(order: Order) -> dict[str, Any]:
    return {"customer": order.customer.email, "lines": len(order.lines)}


@router.get("/orders")
def list_orders(limit: int = Query(ge=1, le=50)) -> dict[str, int]:
    return {"limit": limit}


@router.get("/orders/{order_id}")
def get_order(order_id: int) -> dict[str, int]:
    raise NotFound(f"order {order_id} does not exist")


@router.post("/orders/{order_id}/cancel")
def cancel_order(order_id: int) -> dict[str, int]:
    raise Conflict("this order is already cancelled")


@router.post("/slots")
def book_slot() -> dict[str, str]:
    raise Invalid.field("starts_at", "is in the past")


@router.get("/boom")
def boom() -> dict[str, str]:
    raise RuntimeError(SECRET)


@router.get("/whoami")
def whoami(request: Request) -> dict[str, str]:
    return {"correlation_id": str(request.state.correlation_id)}


VALID_ORDER = {
    "customer": {"name": "Ada", "email": "ada@example.com"},
    "lines": [{"sku": "cut", "quantity": 1}],
}


@pytest.fixture(autouse=True)
def _demo_routes_are_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """create_app enforces shared/access.py's table: these test routes join it."""
    monkeypatch.setitem(OPERATIONS, ("GET", "/api/demo/health"), PUBLIC)
    for route in router.routes:
        assert isinstance(route, APIRoute)
        for method in route.methods or ():
            monkeypatch.setitem(OPERATIONS, (method, f"/api/demo{route.path}"), PUBLIC)


@pytest.fixture
def app() -> FastAPI:
    return create_app("demo", [router])


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _fields(response: Any) -> list[dict[str, str]]:
    fields: list[dict[str, str]] = response.json()["error"]["fields"]
    return fields


def test_routes_are_mounted_under_the_capability_prefix(client: TestClient) -> None:
    response = client.post("/api/demo/orders", json=VALID_ORDER)

    assert response.status_code == 201
    assert response.json() == {"customer": "ada@example.com", "lines": 1}
    assert client.post("/orders", json=VALID_ORDER).status_code == 404


def test_nested_body_error_names_the_field_path(client: TestClient) -> None:
    response = client.post(
        "/api/demo/orders", json={"customer": {"name": "Ada", "email": "not-an-email"}}
    )

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "validation_error"
    assert len(body["error"]["fields"]) == 1
    problem = body["error"]["fields"][0]
    assert set(problem) == {"field", "in", "message"}
    assert problem["field"] == "customer.email"
    assert problem["in"] == "body"
    assert problem["message"]
    assert body["error"]["message"].startswith("customer.email: ")


def test_our_validators_messages_come_without_pydantics_prefix(client: TestClient) -> None:
    order = VALID_ORDER | {"lines": [{"sku": "unknown", "quantity": 1}]}
    response = client.post("/api/demo/orders", json=order)
    assert response.status_code == 422
    assert _fields(response) == [
        {"field": "lines.0.sku", "in": "body", "message": "is not in the catalogue"}
    ]


def test_every_bad_field_is_reported(client: TestClient) -> None:
    response = client.post(
        "/api/demo/orders",
        json={"customer": {"name": "", "email": "ada@example.com"}, "lines": [{"sku": "x"}]},
    )

    assert response.status_code == 422
    assert sorted((f["field"], f["in"]) for f in _fields(response)) == [
        ("customer.name", "body"),
        ("lines.0.quantity", "body"),
    ]


def test_missing_nested_object_is_reported(client: TestClient) -> None:
    response = client.post("/api/demo/orders", json={"lines": []})

    assert response.status_code == 422
    assert [(f["field"], f["in"]) for f in _fields(response)] == [("customer", "body")]


def test_missing_body_is_reported_as_the_body(client: TestClient) -> None:
    response = client.post("/api/demo/orders")

    assert response.status_code == 422
    assert [(f["field"], f["in"]) for f in _fields(response)] == [("body", "body")]


def test_query_errors_are_reported_in_query(client: TestClient) -> None:
    response = client.get("/api/demo/orders", params={"limit": "500"})

    assert response.status_code == 422
    assert [(f["field"], f["in"]) for f in _fields(response)] == [("limit", "query")]
    assert response.json()["error"]["code"] == "validation_error"


def test_missing_query_parameter_is_reported(client: TestClient) -> None:
    response = client.get("/api/demo/orders")

    assert response.status_code == 422
    assert [(f["field"], f["in"]) for f in _fields(response)] == [("limit", "query")]


def test_path_errors_are_reported_in_path(client: TestClient) -> None:
    response = client.get("/api/demo/orders/abc")

    assert response.status_code == 422
    assert [(f["field"], f["in"]) for f in _fields(response)] == [("order_id", "path")]


def test_summary_message_lists_at_most_three_fields(client: TestClient) -> None:
    lines = [{"sku": "x", "quantity": 0} for _ in range(5)]
    response = client.post(
        "/api/demo/orders", json={"customer": {"name": "", "email": "x"}, "lines": lines}
    )

    assert response.status_code == 422
    assert len(_fields(response)) == 7
    assert response.json()["error"]["message"].count("; ") == 2


def test_not_found_shape(client: TestClient) -> None:
    response = client.get("/api/demo/orders/7")

    assert response.status_code == 404
    assert response.json() == error_body("not_found", "order 7 does not exist")
    assert response.json() == {
        "error": {"code": "not_found", "message": "order 7 does not exist", "fields": []}
    }


def test_conflict_shape(client: TestClient) -> None:
    response = client.post("/api/demo/orders/7/cancel")

    assert response.status_code == 409
    assert response.json() == {
        "error": {"code": "conflict", "message": "this order is already cancelled", "fields": []}
    }


def test_invalid_field_shape(client: TestClient) -> None:
    response = client.post("/api/demo/slots")

    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "starts_at: is in the past",
            "fields": [{"field": "starts_at", "in": "body", "message": "is in the past"}],
        }
    }


def test_unknown_route_uses_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/demo/nowhere")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["fields"] == []


def test_wrong_method_uses_the_error_shape(client: TestClient) -> None:
    response = client.delete("/api/demo/orders")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_unexpected_error_is_a_500_that_hides_the_exception(client: TestClient) -> None:
    response = client.get("/api/demo/boom")

    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal"
    assert body["error"]["fields"] == []
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text


def test_correlation_id_is_on_500_responses(client: TestClient) -> None:
    response = client.get("/api/demo/boom", headers={CORRELATION_HEADER: "req-500"})

    assert response.status_code == 500
    assert response.headers.get(CORRELATION_HEADER) == "req-500"


def test_malformed_json_is_reported_as_the_body(client: TestClient) -> None:
    response = client.post(
        "/api/demo/orders", content=b"{bad json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert [(f["field"], f["in"]) for f in _fields(response)] == [("body", "body")]


def test_health(client: TestClient) -> None:
    response = client.get("/api/demo/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "capability": "demo", "stage": "test"}


def test_openapi_lists_the_routes(client: TestClient) -> None:
    response = client.get("/api/demo/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "MilliIntell demo"
    paths = schema["paths"]
    assert {"/api/demo/health", "/api/demo/orders", "/api/demo/orders/{order_id}"} <= set(paths)
    assert set(paths["/api/demo/orders"]) == {"get", "post"}
    assert "/openapi.json" not in {route for route in paths}


def test_docs_are_served_outside_prod(client: TestClient) -> None:
    assert client.get("/api/demo/docs").status_code == 200


def test_docs_are_hidden_in_prod(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MILLI_STAGE", "prod")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "milliintell-prod")
    monkeypatch.delenv("FIRESTORE_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST", raising=False)
    reset_settings()
    client = TestClient(create_app("demo", [router]))

    assert client.get("/api/demo/docs").status_code == 404
    assert client.get("/api/demo/health").json()["stage"] == "prod"
    assert client.get("/api/demo/openapi.json").status_code == 200


# ------------------------------------------------------------ correlation id


def test_correlation_id_is_echoed(client: TestClient) -> None:
    response = client.get("/api/demo/health", headers={CORRELATION_HEADER: "req-123"})

    assert response.headers[CORRELATION_HEADER] == "req-123"


def test_correlation_id_is_generated_when_missing(client: TestClient) -> None:
    first = client.get("/api/demo/health").headers[CORRELATION_HEADER]
    second = client.get("/api/demo/health").headers[CORRELATION_HEADER]

    assert uuid.UUID(first)
    assert uuid.UUID(second)
    assert first != second


def test_correlation_id_is_on_error_responses(client: TestClient) -> None:
    response = client.get("/api/demo/orders/7", headers={CORRELATION_HEADER: "req-404"})

    assert response.status_code == 404
    assert response.headers[CORRELATION_HEADER] == "req-404"


def test_correlation_id_is_truncated(client: TestClient) -> None:
    response = client.get("/api/demo/health", headers={CORRELATION_HEADER: "x" * 500})

    assert response.headers[CORRELATION_HEADER] == "x" * 128


def test_routes_can_read_the_correlation_id(client: TestClient) -> None:
    response = client.get("/api/demo/whoami", headers={CORRELATION_HEADER: "req-abc"})

    assert response.json() == {"correlation_id": "req-abc"}


def test_correlation_id_falls_back_to_the_api_gateway_request_id() -> None:
    seen: list[str] = []
    sent: list[Message] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["state"]["correlation_id"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "headers": [],
        "aws.event": {"requestContext": {"requestId": "apigw-42"}},
    }
    asyncio.run(CorrelationIdMiddleware(inner, service="demo")(scope, receive, send))

    assert seen == ["apigw-42"]
    assert (CORRELATION_HEADER.encode(), b"apigw-42") in sent[0]["headers"]


# ---------------------------------------------------------------------- CORS


def _cors_client(monkeypatch: pytest.MonkeyPatch, origins: str) -> TestClient:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", origins)
    reset_settings()
    return TestClient(create_app("demo", [router]), raise_server_exceptions=False)


def test_cors_allows_listed_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _cors_client(monkeypatch, "https://app.example/, https://admin.example")

    response = client.get("/api/demo/health", headers={"Origin": "https://app.example"})

    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert CORRELATION_HEADER in response.headers["access-control-expose-headers"].lower()


def test_cors_ignores_other_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _cors_client(monkeypatch, "https://app.example")

    response = client.get("/api/demo/health", headers={"Origin": "https://evil.example"})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_cors_preflight(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _cors_client(monkeypatch, "https://app.example")
    request_headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization",
    }

    allowed = client.options(
        "/api/demo/orders", headers={"Origin": "https://app.example", **request_headers}
    )
    refused = client.options(
        "/api/demo/orders", headers={"Origin": "https://evil.example", **request_headers}
    )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert allowed.headers[CORRELATION_HEADER]
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_no_cors_headers_without_allowed_origins(client: TestClient) -> None:
    response = client.get("/api/demo/health", headers={"Origin": "https://app.example"})

    assert response.status_code == 200
    assert not any(name.startswith("access-control-") for name in response.headers)


# ------------------------------------------------------------ request limits


def _big_order(size: int) -> bytes:
    return b'{"customer": {"name": "Ada", "email": "a@b.c"}, "pad": "' + b"x" * size + b'"}'


def test_a_body_over_the_limit_is_413_before_it_is_parsed(client: TestClient) -> None:
    response = client.post(
        "/api/demo/orders",
        content=_big_order(DEFAULT_MAX_BODY_BYTES),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert str(DEFAULT_MAX_BODY_BYTES) in response.json()["error"]["message"]
    assert response.headers[CORRELATION_HEADER]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_streamed_body_without_content_length_is_counted(client: TestClient) -> None:
    def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 1024

    response = client.post(
        "/api/demo/orders", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_false_content_length_does_not_get_around_the_limit(app: FastAPI) -> None:
    sent: list[Message] = []
    parts = [b"x" * 4096] * 40

    async def receive() -> Message:
        body = parts.pop() if parts else b""
        return {"type": "http.request", "body": body, "more_body": bool(parts)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/demo/orders",
        "raw_path": b"/api/demo/orders",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"10")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))

    assert sent[0]["status"] == 413


def test_a_content_length_that_is_not_a_number_is_400(client: TestClient) -> None:
    response = client.post("/api/demo/orders", content=b"{}", headers={"content-length": "12abc"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_body_under_the_limit_is_served(client: TestClient) -> None:
    response = client.post(
        "/api/demo/orders",
        json=VALID_ORDER | {"lines": [{"sku": "x" * 1000, "quantity": 1}] * 50},
    )
    assert response.status_code == 201


def test_limits_can_be_set_per_app_and_per_path() -> None:
    small = TestClient(
        create_app("demo", [router], max_body_bytes=100, body_limits={"/api/demo/slots": 10_000})
    )

    assert small.post("/api/demo/orders", json=VALID_ORDER | {"p": "x" * 100}).status_code == 413
    # The slots route raises its own 422 once the body is read: it was not refused.
    assert small.post("/api/demo/slots", content=b"x" * 5_000).status_code == 422


def test_a_422_lists_at_most_twenty_problems_and_counts_the_rest(client: TestClient) -> None:
    lines = [{"sku": "x", "quantity": 0} for _ in range(500)]
    response = client.post(
        "/api/demo/orders", json={"customer": VALID_ORDER["customer"], "lines": lines}
    )

    assert response.status_code == 422
    assert len(_fields(response)) == MAX_LISTED_PROBLEMS
    assert response.json()["error"]["message"].endswith("and 480 more problems not listed")
    assert len(response.content) < 4_000


# --------------------------------------------------------- security headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/demo/health"),
        ("GET", "/api/demo/orders/7"),  # 404 from a route
        ("GET", "/api/demo/nowhere"),  # 404 from the router
        ("POST", "/api/demo/orders"),  # 422
        ("GET", "/api/demo/boom"),  # 500, answered outside the middleware
        ("GET", "/api/demo/openapi.json"),
    ],
)
def test_every_answer_carries_the_security_headers(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)

    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_a_route_may_set_its_own_cache_control(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPERATIONS, ("GET", "/api/demo/catalogue"), PUBLIC)
    cached = APIRouter()

    @cached.get("/catalogue")
    def catalogue(response: Response) -> list[str]:
        response.headers["Cache-Control"] = "public, max-age=60"
        return []

    response = TestClient(create_app("demo", [cached])).get("/api/demo/catalogue")

    assert response.headers.get_list("cache-control") == ["public, max-age=60"]
    assert response.headers["x-content-type-options"] == "nosniff"
