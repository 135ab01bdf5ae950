"""The error answers every operation can give, written into each published
OpenAPI schema, so clients (and the fuzzer's status-code check) know them.

`create_app` answers these itself, whatever the route: 404 for a path that
names nothing, 400/413 for a body that is not JSON or is too large, 422
for invalid input, 403 for a webhook without its provider's signature. A
route documents only what is its own (409, 429, ...).
"""

from __future__ import annotations

from typing import Any

from shared.access import rule_for

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "in": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


def _answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error answers to each operation (a route's own description stays)."""
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            takes_input = "{" in path or operation.get("parameters") or "requestBody" in operation
            answers: dict[str, dict[str, Any]] = {}
            if "{" in path:
                answers["404"] = _answer("Nothing has this id")
            if "requestBody" in operation:
                answers["400"] = _answer("The body is not readable as sent")
                answers["413"] = _answer("The body is larger than this operation accepts")
            if takes_input:
                answers["422"] = _answer("Invalid input; `fields` names each problem")
            rule = rule_for(method, path)
            if rule is not None and rule.signed:
                answers["403"] = _answer("The provider's signature is missing or wrong")
            if "HTTPValidationError" in str(responses.get("422", "")):
                del responses["422"]  # FastAPI's `detail` shape, which we never send
            for status, answer in answers.items():
                responses.setdefault(status, answer)
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["ErrorResponse"] = ERROR_SCHEMA
    return schema


# For a route whose own rules can refuse a well-formed request.
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: _answer("Refused by the current state (already taken, cancelled, too late, ...)")
}
