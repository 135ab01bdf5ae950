"""Routes the local stack adds beside the capability functions:
`GET /api/health` (every dependency) and, in the local stage only, the
developer views under `/api/dev/...`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from shared.config import get_settings
from shared.errors import NotFound
from shared.firestore import Collections, collection, field_filter
from shared.web import create_app


def _check_firestore() -> None:
    collection(Collections.HEALTH).document("ping").get(timeout=5)


def _check_auth() -> None:
    from firebase_admin import auth

    from shared.auth import firebase_app

    auth.list_users(max_results=1, app=firebase_app())


def _check_event_bus() -> None:
    from shared.events import events_client

    events_client().describe_event_bus(Name=get_settings().event_bus_name)


CHECKS: dict[str, Callable[[], None]] = {
    "firestore": _check_firestore,
    "auth": _check_auth,
    "event_bus": _check_event_bus,
}


def run_checks() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            results[name] = {"ok": True}
        except Exception as error:  # a health check reports every failure, whatever it is
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


platform = APIRouter()
dev = APIRouter(prefix="/dev", tags=["local development"])


@platform.get("/health", summary="Firestore, Auth and the event bus, each checked")
def health() -> JSONResponse:
    checks = run_checks()
    healthy = all(result["ok"] for result in checks.values())
    return JSONResponse(
        {
            "status": "ok" if healthy else "degraded",
            "stage": get_settings().stage,
            "checks": checks,
        },
        status_code=200 if healthy else 503,
    )


@dev.get("/outbox", summary="Messages the local providers recorded instead of sending")
def outbox(
    channel: str | None = Query(default=None, pattern="^(email|whatsapp)$"),
    limit: int = Query(default=100, ge=1, le=500),
) -> dict[str, Any]:
    if not get_settings().is_local:
        raise NotFound("not found")
    query: Any = collection(Collections.OUTBOX)  # a collection, then a Query
    if channel:
        query = query.where(filter=field_filter("channel", "==", channel))
    documents = query.order_by("recorded_at", direction="DESCENDING").limit(limit).stream()
    return {"items": [{"id": doc.id, **(doc.to_dict() or {})} for doc in documents]}


def create_platform_app() -> Any:
    app = create_app("platform", [], title="MilliIntell local platform")
    app.include_router(platform, prefix="/api")
    app.include_router(dev, prefix="/api")
    return app
