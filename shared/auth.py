"""Staff sign-in: a FastAPI dependency that verifies a Firebase ID token and
checks its `role` custom claim.

    @router.get("/admin/things")
    def things(user: StaffUser = Depends(require_role("staff", "admin"))): ...

No token or an invalid one is 401; a valid token with another role is 403.
`firebase_admin` is imported on first use to keep public routes' cold start
small.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.config import get_settings

if TYPE_CHECKING:
    from firebase_admin import App

Role = Literal["admin", "staff"]
ROLES: tuple[Role, ...] = ("admin", "staff")
APP_NAME = "milliintell"

_bearer = HTTPBearer(auto_error=False, description="A Firebase ID token of a staff member")
_app: App | None = None
_app_lock = threading.Lock()


@dataclass(frozen=True)
class StaffUser:
    uid: str
    email: str | None
    role: Role


def firebase_app() -> App:
    """The process-wide firebase-admin app, created on first use."""
    global _app
    if _app is None:
        with _app_lock:
            if _app is None:
                import firebase_admin

                try:
                    _app = firebase_admin.get_app(APP_NAME)
                except ValueError:
                    _app = firebase_admin.initialize_app(
                        options={"projectId": get_settings().project_id}, name=APP_NAME
                    )
    return _app


def reset_app() -> None:
    """Forget the firebase-admin app (tests point the process at a new emulator)."""
    global _app
    with _app_lock:
        if _app is not None:
            import firebase_admin

            firebase_admin.delete_app(_app)
        _app = None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def verify_token(id_token: str) -> StaffUser:
    """The staff member an ID token belongs to; 401 when it is not valid."""
    from firebase_admin import auth

    try:
        claims = auth.verify_id_token(id_token, app=firebase_app())
    except auth.CertificateFetchError as error:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="sign-in service unavailable, try again",
        ) from error
    except (auth.InvalidIdTokenError, auth.UserDisabledError, ValueError) as error:
        raise _unauthorized("invalid or expired sign-in token") from error
    role = claims.get("role")
    if role not in ROLES:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="this account has no staff role"
        )
    return StaffUser(uid=str(claims["uid"]), email=claims.get("email"), role=role)


def require_role(*allowed: Role) -> Callable[..., StaffUser]:
    """A dependency admitting only signed-in users whose `role` is in `allowed`."""
    if not allowed or any(role not in ROLES for role in allowed):
        raise ValueError(f"roles must be among {ROLES}")

    def dependency(
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ) -> StaffUser:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("sign in first: send 'Authorization: Bearer <Firebase ID token>'")
        user = verify_token(credentials.credentials)
        if user.role not in allowed:
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"this needs the role {' or '.join(allowed)}",
            )
        return user

    return dependency
