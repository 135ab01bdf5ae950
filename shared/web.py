"""The FastAPI app factory every HTTP function uses.

It gives each capability the same edges: JSON errors with field-level
messages, a correlation id per request in every log line and response,
CORS from settings, `GET /api/<capability>/health` and the OpenAPI schema
at `GET /api/<capability>/openapi.json`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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

CORRELATION_HEADER = "x-correlation-id"

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}


def error_body(code: str, message: str, fields: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": list(fields)}}


def _field_problems(error: RequestValidationError) -> list[dict[str, str]]:
    problems = []
    for item in error.errors():
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
    message = str(item.get("msg", "is not valid"))
    return message.removeprefix("Value error, ") if item.get("type") == "value_error" else message


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


def create_app(
    capability: str,
    routers: Sequence[APIRouter] = (),
    *,
    title: str | None = None,
    description: str = "",
    prefix: str | None = None,
) -> FastAPI:
    """`prefix` defaults to `/api/<capability>`; a capability's second function
    (e.g. its staff API) passes its own."""
    prefix = prefix or f"/api/{capability}"
    settings = get_settings()
    app = FastAPI(
        title=title or f"MilliIntell {capability}",
        description=description,
        version="1.0.0",
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs" if settings.stage != "prod" else None,
        redoc_url=None,
    )
    protect(app)  # every route answers to shared/access.py's table

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        fields = _field_problems(error)
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:3])
        return JSONResponse(error_body("validation_error", summary, fields), status_code=422)

    @app.exception_handler(AppError)
    async def on_app_error(_: Request, error: AppError) -> JSONResponse:
        fields = [problem.as_dict() for problem in error.fields]
        return JSONResponse(
            error_body(error.code, error.message, fields), status_code=error.status_code
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
        # This handler runs outside CorrelationIdMiddleware, so it adds the id itself.
        correlation_id = str(getattr(request.state, "correlation_id", ""))
        get_logger(capability).exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(
            error_body(
                "internal",
                f"something went wrong on our side; it has been logged as {correlation_id}",
            ),
            status_code=500,
            headers={CORRELATION_HEADER: correlation_id} if correlation_id else None,
        )

    @app.get(f"{prefix}/health", tags=["health"], summary="Liveness of this function")
    def health() -> dict[str, str]:
        return {"status": "ok", "capability": capability, "stage": settings.stage}

    for router in routers:
        app.include_router(router, prefix=prefix)

    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allow_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", CORRELATION_HEADER],
            expose_headers=[CORRELATION_HEADER],
            max_age=600,
        )
    app.add_middleware(CorrelationIdMiddleware, service=capability)
    return app
