"""What many tests need: the fixed moment they run at and staff sign-ins.

    from tests.factories import NOW, staff_headers

`staff_headers` signs a new user up on the Auth emulator (with a role, or
none) and returns the Authorization header its fresh ID token makes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devstack.stack import LocalStack

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday; London is on UTC in winter
PASSWORD = "pass-word-123"


def staff_token(stack: LocalStack, email: str, role: str | None) -> str:
    """The ID token of a new Auth emulator user with this role (None: no role)."""
    from firebase_admin import auth

    from devstack.tokens import sign_in, sign_up
    from shared.auth import firebase_app

    uid = sign_up(stack.auth_host, email, PASSWORD)
    if role is not None:
        auth.set_custom_user_claims(uid, {"role": role}, app=firebase_app())
    return sign_in(stack.auth_host, email, PASSWORD)


def staff_headers(
    stack: LocalStack, email: str = "desk@example.com", role: str | None = "staff"
) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(stack, email, role)}"}
