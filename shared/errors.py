"""Errors that routes raise and the web app factory turns into JSON.

Every error body has one shape:
`{"error": {"code": ..., "message": ..., "fields": [{"field", "in", "message"}]}}`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    location: str = "body"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "in": self.location, "message": self.message}


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, fields: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []
        self.headers: dict[str, str] = {}  # e.g. Retry-After on a 429


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Invalid(AppError):
    """Input that is well-formed but breaks a rule (a past date, a bad phone)."""

    status_code = 422
    code = "validation_error"

    @classmethod
    def field(cls, field: str, message: str, location: str = "body") -> Invalid:
        return cls(f"{field}: {message}", [FieldProblem(field, message, location)])


class Unavailable(AppError):
    """A provider or dependency failed for now; the caller may retry."""

    status_code = 503
    code = "unavailable"
