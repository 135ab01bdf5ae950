"""Who may do what: the one table of every HTTP operation and the role it needs.

    public  anyone (each guarded otherwise where it says: a manage token, a
            provider's signature)
    staff   a signed-in account whose role is staff or admin
    admin   a signed-in account whose role is admin

Every app made by `shared.web.create_app` enforces this table: `protect(app)`
puts `authorize` in front of every route, and `authorize` looks the matched
operation up here. Routes do not declare roles themselves; a route that
needs the caller takes `user: CurrentUser`. An operation missing from the
table is refused, and tests/unit/test_access_table.py fails for it, so a new
route is added here in the same change. README's role table is generated
from this one (`python -m scripts.access_table`).
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Depends, Request

from shared.auth import StaffUser, forbidden, unauthorized, verify_token
from shared.logging import get_logger

if TYPE_CHECKING:
    from fastapi import FastAPI

Access = Literal["public", "staff", "admin"]
ALLOWED_ROLES: dict[Access, tuple[str, ...]] = {
    "public": (),
    "staff": ("staff", "admin"),
    "admin": ("admin",),
}


@dataclass(frozen=True)
class Rule:
    access: Access
    guard: str = ""  # what else protects a public operation, for readers
    signed: bool = False  # a webhook: refused (403) without its provider's signature


PUBLIC = Rule("public")
STAFF = Rule("staff")
ADMIN = Rule("admin")
MANAGE_TOKEN = Rule("public", "the booking's manage token")


def _webhook(provider: str) -> Rule:
    return Rule("public", f"{provider} signature", signed=True)


def _function_routes(prefix: str) -> dict[tuple[str, str], Rule]:
    """What `create_app` gives every HTTP function: health, schema, docs (not in prod)."""
    return {
        ("GET", f"{prefix}/health"): PUBLIC,
        ("GET", f"{prefix}/openapi.json"): PUBLIC,
        ("GET", f"{prefix}/docs"): Rule("public", "not served in prod"),
    }


BOOKINGS = "/api/bookings"
BOOKINGS_ADMIN = "/api/bookings/admin"
WHATSAPP = "/api/whatsapp"

OPERATIONS: dict[tuple[str, str], Rule] = {
    # bookings, public (functions/bookings/routes.py)
    **_function_routes(BOOKINGS),
    ("GET", f"{BOOKINGS}/services"): PUBLIC,
    ("GET", f"{BOOKINGS}/slots"): PUBLIC,
    ("POST", BOOKINGS): PUBLIC,
    ("GET", f"{BOOKINGS}/{{booking_id}}"): MANAGE_TOKEN,
    ("POST", f"{BOOKINGS}/{{booking_id}}/reschedule"): MANAGE_TOKEN,
    ("POST", f"{BOOKINGS}/{{booking_id}}/cancel"): MANAGE_TOKEN,
    ("GET", f"{BOOKINGS}/{{booking_id}}/ics"): MANAGE_TOKEN,
    # bookings, staff (functions/bookings/admin_routes.py): staff read and
    # book; the catalogue, staff members and their hours are the admin's.
    # Staff may not edit even their own hours: no link from a sign-in to a
    # staff member exists yet.
    **_function_routes(BOOKINGS_ADMIN),
    ("GET", f"{BOOKINGS_ADMIN}/services"): STAFF,
    ("POST", f"{BOOKINGS_ADMIN}/services"): ADMIN,
    ("PUT", f"{BOOKINGS_ADMIN}/services/{{service_id}}"): ADMIN,
    ("DELETE", f"{BOOKINGS_ADMIN}/services/{{service_id}}"): ADMIN,
    ("GET", f"{BOOKINGS_ADMIN}/staff"): STAFF,
    ("POST", f"{BOOKINGS_ADMIN}/staff"): ADMIN,
    ("PUT", f"{BOOKINGS_ADMIN}/staff/{{staff_id}}"): ADMIN,
    ("PUT", f"{BOOKINGS_ADMIN}/staff/{{staff_id}}/overrides/{{day}}"): ADMIN,
    ("DELETE", f"{BOOKINGS_ADMIN}/staff/{{staff_id}}/overrides/{{day}}"): ADMIN,
    ("GET", f"{BOOKINGS_ADMIN}/bookings"): STAFF,
    ("POST", f"{BOOKINGS_ADMIN}/bookings"): STAFF,
    ("GET", f"{BOOKINGS_ADMIN}/bookings/{{booking_id}}"): STAFF,
    ("POST", f"{BOOKINGS_ADMIN}/bookings/{{booking_id}}/reschedule"): STAFF,
    ("POST", f"{BOOKINGS_ADMIN}/bookings/{{booking_id}}/cancel"): STAFF,
    ("POST", f"{BOOKINGS_ADMIN}/bookings/{{booking_id}}/confirm"): STAFF,
    ("POST", f"{BOOKINGS_ADMIN}/bookings/{{booking_id}}/no-show"): STAFF,
    # whatsapp (functions/whatsapp/)
    **_function_routes(WHATSAPP),
    ("POST", f"{WHATSAPP}/opt-in"): PUBLIC,
    ("GET", f"{WHATSAPP}/public-config"): PUBLIC,
    ("POST", f"{WHATSAPP}/twilio/inbound"): _webhook("Twilio"),
    ("POST", f"{WHATSAPP}/twilio/status"): _webhook("Twilio"),
    ("GET", f"{WHATSAPP}/meta/webhook"): _webhook("Meta verify token"),
    ("POST", f"{WHATSAPP}/meta/webhook"): _webhook("Meta"),
    ("GET", f"{WHATSAPP}/admin/conversations"): STAFF,
    ("GET", f"{WHATSAPP}/admin/conversations/{{phone}}/messages"): STAFF,
    ("POST", f"{WHATSAPP}/admin/conversations/{{phone}}/read"): STAFF,
    ("POST", f"{WHATSAPP}/admin/conversations/{{phone}}/reply"): STAFF,
    ("GET", f"{WHATSAPP}/admin/templates"): STAFF,
    # capabilities still to come: health and schema only, until their issues land
    **_function_routes("/api/crm"),
    **_function_routes("/api/invoices"),
    **_function_routes("/api/deploy_agent"),
    # Swagger UI's helper page, which every app's docs add outside its prefix
    # (so no /api/* proxy or gateway route reaches it)
    # the local stack's own routes (devstack/platform_api.py; not deployed)
    **_function_routes("/api/platform"),
    ("GET", "/api/health"): Rule("public", "local stack only"),
    ("GET", "/api/dev/outbox"): Rule("public", "local stage only, 404 elsewhere"),
}


def rule_for(method: str, path: str) -> Rule | None:
    """The rule of an operation, by method and path template (`/api/x/{id}`)."""
    return OPERATIONS.get((method.upper(), path))


# ------------------------------------------------------------ enforcement
class _RouteIndex:
    """Each route of one app by its full path template: FastAPI hands a
    dependency the route as its router declared it, without the prefixes it
    was included under."""

    def __init__(self, app: Any) -> None:
        from fastapi.routing import iter_route_contexts
        from starlette.routing import compile_path

        self.templates: dict[int, list[tuple[re.Pattern[str], str]]] = {}
        for context in iter_route_contexts(app.routes):
            path, template = context.path, context.path_format
            if path is None or template is None:
                continue
            pattern = compile_path(path)[0]
            self.templates.setdefault(id(context.original_route), []).append((pattern, template))

    def template(self, route: Any, path: str) -> str | None:
        candidates = self.templates.get(id(route), [])
        if len(candidates) == 1:
            return candidates[0][1]
        # The same route included twice: the prefix the request came through.
        return next((t for pattern, t in candidates if pattern.match(path)), None)


_indexes: weakref.WeakKeyDictionary[Any, _RouteIndex] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def operation_of(request: Request) -> tuple[str, str | None]:
    """(method, path template) of the operation a request matched."""
    route, app = request.scope.get("route"), request.scope.get("app")
    if route is None or app is None:
        return request.method, None
    index = _indexes.get(app)
    if index is None or id(route) not in index.templates:  # first request, or routes added
        with _indexes_lock:
            index = _indexes[app] = _RouteIndex(app)
    return request.method, index.template(route, request.scope.get("path", ""))


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("sign in first: send 'Authorization: Bearer <Firebase ID token>'")
    return token.strip()


async def authorize(request: Request) -> StaffUser | None:
    """The signed-in caller the table asks for (None on a public operation)."""
    from starlette.concurrency import run_in_threadpool

    method, template = operation_of(request)
    rule = rule_for(method, template) if template else None
    if rule is None:
        # Fail closed; tests/unit/test_access_table.py names the missing entry.
        get_logger("access").error(
            "operation missing from shared/access.py", extra={"method": method, "path": template}
        )
        raise forbidden("this operation is not open to anyone yet")
    if rule.access == "public":
        return None
    token = _bearer_token(request)
    user = await run_in_threadpool(verify_token, token)  # may fetch the account record
    allowed = ALLOWED_ROLES[rule.access]
    if user.role not in allowed:
        raise forbidden(f"this needs the role {' or '.join(allowed)}")
    return user


def current_user(user: StaffUser | None = Depends(authorize)) -> StaffUser:
    """The signed-in caller, for routes that record who acted (same check,
    done once per request: FastAPI reuses `authorize`'s answer)."""
    if user is None:  # a public operation asking who called: the table is wrong
        raise unauthorized("sign in first")
    return user


CurrentUser = Annotated[StaffUser, Depends(current_user)]


# ------------------------------------------------------------- the schema
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A Firebase ID token of a staff member",
}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Mark each operation of an OpenAPI schema that needs a sign-in, from the table."""
    secured = False
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            rule = rule_for(method, path)
            if rule is None or rule.access == "public":
                continue
            secured = True
            roles = " or ".join(ALLOWED_ROLES[rule.access])
            operation["security"] = [{"HTTPBearer": []}]
            operation.setdefault("responses", {}).update(
                {
                    "401": {"description": "Not signed in, or the sign-in is no longer valid"},
                    "403": {"description": f"Signed in without the role {roles}"},
                }
            )
    if secured:
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["HTTPBearer"] = (
            BEARER_SCHEME
        )
    return schema


def protect(app: FastAPI) -> None:
    """Enforce the table on every route of `app` added from now on, and show it in the schema."""
    app.router.dependencies.append(Depends(authorize))
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return document(generate())

    app.openapi = openapi  # type: ignore[method-assign]


def markdown_table() -> str:
    """The table as README shows it."""
    lines = ["| method | path | who | also guarded by |", "|---|---|---|---|"]
    for (method, path), rule in OPERATIONS.items():
        who = {"public": "anyone", "staff": "staff, admin", "admin": "admin"}[rule.access]
        lines.append(f"| {method} | `{path}` | {who} | {rule.guard} |")
    return "\n".join(lines) + "\n"
