"""The FastAPI app factory every HTTP function uses.

It gives each capability the same edges: JSON errors with field-level
messages, a correlation id per request in every log line and response,
CORS from settings, `GET /api/<capability>/health` and the OpenAPI schema
at `GET /api/<capability>/openapi.json`, and, for every present and
future route:

- a request body limit (413 above 64 KiB by default; `max_body_bytes` and
  per-path `body_limits` change it), counted on the bytes that arrive, so a
  missing or false Content-Length does not get around it;
- a 422 lists at most 20 field problems (a body of 100 000 unknown keys
  once produced a 22 MB answer);
- security headers on every answer (Netlify's `[[headers]]` do not reach
  proxied `/api/*`): `Cache-Control: no-store` unless the route set its
  own, `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.access import protect
from shared.config import get_settings
from shared.errors import AppError
from shared.logging import get_logger
from shared.schema import document_errors
from shared.values import DOCUMENT_ID_MESSAGE, DOCUMENT_ID_PATTERN

CORRELATION_HEADER = "x-correlation-id"
DEFAULT_MAX_BODY_BYTES = 64 * 1024
MAX_LISTED_PROBLEMS = 20
# Answers carry personal data: no cache may keep them, no browser may sniff
# them into another type, and no link out of them leaks the URL (tokens).
SECURITY_HEADERS: dict[str, str] = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}


def error_body(code: str, message: str, fields: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": list(fields)}}


def _field_problems(items: Sequence[Any]) -> list[dict[str, str]]:
    problems = []
    for item in items:
        if item.get("type") == "json_invalid":  # its loc holds a character offset
            problems.append({"field": "body", "in": "body", "message": "is not valid JSON"})
            continue
        location = [str(part) for part in item.get("loc", ())]
        where = (
            location[0]
            if location and location[0] in ("body", "query", "path", "header")
            else "body"
        )
        path = location[1:] if location and location[0] == where else location
        problems.append(
            {
                "field": ".".join(path) or where,
                "in": where,
                "message": _reason(item),
            }
        )
    return problems


def _reason(item: Any) -> str:
    """pydantic's message, without the "Value error, " it puts before ours."""
    if (item.get("ctx") or {}).get("pattern") == DOCUMENT_ID_PATTERN:
        return DOCUMENT_ID_MESSAGE  # not the regular expression itself
    message = str(item.get("msg", "is not valid"))
    return message.removeprefix("Value error, ") if item.get("type") == "value_error" else message


def validation_error_body(items: Sequence[Any]) -> dict[str, Any]:
    """The 422 body: the first MAX_LISTED_PROBLEMS problems, and how many more."""
    fields = _field_problems(items[:MAX_LISTED_PROBLEMS])
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:3])
    hidden = len(items) - len(fields)
    if hidden > 0:
        summary += f"; and {hidden} more problem{'s' if hidden > 1 else ''} not listed"
    return error_body("validation_error", summary, fields)


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body may be at most {limit} bytes")


class BodySizeLimitMiddleware:
    """Refuses request bodies over a limit with 413, before they are parsed.

    A declared Content-Length over the limit is refused before a byte is
    read; otherwise the bytes are counted as the app reads them, and the
    read that crosses the limit raises BodyTooLarge (an HTTPException, so
    FastAPI's body parsing and our handlers turn it into the JSON 413).
    `limits` maps a path prefix to its own limit (the longest prefix wins).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, limits: Mapping[str, int] = {}) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = sorted(limits.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        return next(
            (limit for prefix, limit in self.limits if path.startswith(prefix)), self.max_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = next((v for k, v in scope.get("headers") or [] if k == b"content-length"), None)
        if declared is not None:
            if not declared.isdigit():
                await _error(scope, receive, send, 400, "Content-Length is not a number")
                return
            if int(declared) > limit:
                await _error(scope, receive, send, 413, BodyTooLarge(limit).detail)
                return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as error:
            if started:  # too late to answer otherwise
                raise
            await _error(scope, receive, send, 413, error.detail)


async def _error(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response = JSONResponse(error_body(_STATUS_CODES[status], message), status_code=status)
    await response(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every answer; a route's own Cache-Control stays."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                headers.extend((k, v) for k, v in self.headers if k not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CorrelationIdMiddleware:
    """Tags each request with a correlation id (from the caller, API Gateway, or new)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        correlation_id = headers.get(CORRELATION_HEADER.encode(), b"").decode("latin-1")[:128]
        if not correlation_id:
            aws_event = scope.get("aws.event") or {}
            correlation_id = (aws_event.get("requestContext") or {}).get("requestId") or str(
                uuid.uuid4()
            )
        logger = get_logger(self.service)
        logger.set_correlation_id(correlation_id)
        scope.setdefault("state", {})["correlation_id"] = correlation_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append((CORRELATION_HEADER.encode(), correlation_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


def document_answers(app: FastAPI) -> None:
    """Publish the error answers create_app gives every route (shared/schema.py)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return document_errors(generate())  # generate() caches; this edit is idempotent

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    capability: str,
    routers: Sequence[APIRouter] = (),
    *,
    title: str | None = None,
    description: str = "",
    prefix: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """`prefix` defaults to `/api/<capability>`; a capability's second function
    (e.g. its staff API) passes its own. `body_limits` maps a full path
    prefix to its own body limit (e.g. a provider's webhook batches)."""
    prefix = prefix or f"/api/{capability}"
    settings = get_settings()
    app = FastAPI(
        title=title or f"MilliIntell {capability}",
        description=description,
        version="1.0.0",
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs" if settings.stage != "prod" else None,
        redoc_url=None,
        # Served at the root, outside /api, where nothing routes to it; staff sign in with Firebase.
        swagger_ui_oauth2_redirect_url=None,
    )
    protect(app)  # every route answers to shared/access.py's table
    document_answers(app)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_error_body(error.errors()), status_code=422)

    @app.exception_handler(AppError)
    async def on_app_error(_: Request, error: AppError) -> JSONResponse:
        fields = [problem.as_dict() for problem in error.fields]
        return JSONResponse(
            error_body(error.code, error.message, fields),
            status_code=error.status_code,
            headers=error.headers or None,
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, "error")
        return JSONResponse(
            error_body(code, str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        # This handler runs outside every middleware below, so it adds the
        # correlation id and security headers itself.
        correlation_id = str(getattr(request.state, "correlation_id", ""))
        get_logger(capability).exception("unhandled error", extra={"path": request.url.path})
        headers = dict(SECURITY_HEADERS)
        if correlation_id:
            headers[CORRELATION_HEADER] = correlation_id
        return JSONResponse(
            error_body(
                "internal",
                f"something went wrong on our side; it has been logged as {correlation_id}",
            ),
            status_code=500,
            headers=headers,
        )

    @app.get(f"{prefix}/health", tags=["health"], summary="Liveness of this function")
    def health() -> dict[str, str]:
        return {"status": "ok", "capability": capability, "stage": settings.stage}

    for router in routers:
        app.include_router(router, prefix=prefix)

    # Added innermost first: correlation id, then security headers and CORS,
    # wrap the size limit, so a 413 carries all three.
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=max_body_bytes, limits=dict(body_limits or {})
    )
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allow_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Manage-Token", CORRELATION_HEADER],
            expose_headers=[CORRELATION_HEADER, "Retry-After"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CorrelationIdMiddleware, service=capability)
    return app
