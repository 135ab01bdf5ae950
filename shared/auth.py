"""Staff sign-in: who a Firebase ID token belongs to, and their role *now*.

`verify_token` checks the token (signature, expiry) and then the account as
it is at present: a disabled account, or a token issued before the account's
sessions were revoked, is 401; the role is the `role` custom claim of the
account record, not the copy inside the token, so a demoted admin loses
admin routes without waiting up to an hour for the token to expire. The
account record is cached per process for `AUTH_RECHECK_SECONDS` (default
30 s) so that a burst of calls costs one lookup, not one each.

Which role an operation needs is not decided here but in the one table,
`shared/access.py`. `firebase_admin` is imported on first use to keep public
routes' cold start small.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from fastapi import HTTPException, status

from shared.config import get_settings

if TYPE_CHECKING:
    from firebase_admin import App

Role = Literal["admin", "staff"]
ROLES: tuple[Role, ...] = ("admin", "staff")
APP_NAME = "milliintell"
ACCOUNT_CACHE_SIZE = 1000  # staff accounts remembered per process; the oldest go first

_app: App | None = None
_app_lock = threading.Lock()


@dataclass(frozen=True)
class StaffUser:
    uid: str
    email: str | None
    role: Role


@dataclass(frozen=True)
class Account:
    """What the account record says now (None for an account that is gone)."""

    disabled: bool
    valid_after: float  # epoch seconds: tokens issued before this were revoked
    role: str | None


class AccountCache:
    """Account records by uid, each kept `max_age` seconds, at most `size` of them."""

    def __init__(
        self,
        fetch: Callable[[str], Account | None],
        size: int = ACCOUNT_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Account | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, uid: str, max_age: float) -> Account | None:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(uid)
            if entry is not None and now - entry[0] < max_age:
                self._entries.move_to_end(uid)
                return entry[1]
        account = self._fetch(uid)  # outside the lock: one slow lookup blocks no one else
        with self._lock:
            self._entries[uid] = (now, account)
            self._entries.move_to_end(uid)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return account

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


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


def fetch_account(uid: str) -> Account | None:
    """The account record from Firebase Auth (one round trip)."""
    from firebase_admin import auth, exceptions

    try:
        record = auth.get_user(uid, app=firebase_app())
    except auth.UserNotFoundError:
        return None
    except exceptions.FirebaseError as error:
        raise _unavailable() from error
    role = (record.custom_claims or {}).get("role")
    return Account(
        disabled=bool(record.disabled),
        valid_after=(record.tokens_valid_after_timestamp or 0) / 1000,
        role=role if isinstance(role, str) else None,
    )


accounts = AccountCache(fetch_account)


def reset_app() -> None:
    """Forget the firebase-admin app and the accounts it returned (tests point
    the process at a new emulator)."""
    global _app
    with _app_lock:
        if _app is not None:
            import firebase_admin

            firebase_admin.delete_app(_app)
        _app = None
    accounts.clear()


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def forbidden(detail: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=detail)


def _unavailable() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        detail="sign-in service unavailable, try again",
    )


def verify_token(id_token: str) -> StaffUser:
    """The staff member an ID token belongs to, with their current role.

    401 when the token is not valid, the account is disabled or gone, or its
    sessions were revoked after the token was issued; 403 when the account
    has no staff role."""
    from firebase_admin import auth

    try:
        # No check_revoked: that fetches the account on every call; the
        # cached lookup below does the same checks.
        claims = auth.verify_id_token(id_token, app=firebase_app())
    except auth.CertificateFetchError as error:
        raise _unavailable() from error
    except (auth.InvalidIdTokenError, ValueError) as error:
        raise unauthorized("invalid or expired sign-in token") from error
    uid = str(claims["uid"])
    account = accounts.get(uid, max_age=get_settings().auth_recheck_seconds)
    if account is None:
        raise unauthorized("this account no longer exists")
    if account.disabled:
        raise unauthorized("this account is disabled")
    # As firebase_admin's own check_revoked: the token's issue time against
    # the moment the account's sessions were revoked (whole seconds).
    if float(claims.get("iat", 0)) < account.valid_after:
        raise unauthorized("this sign-in was revoked; sign in again")
    for role in ROLES:
        if account.role == role:
            return StaffUser(uid=uid, email=claims.get("email"), role=role)
    raise forbidden("this account has no staff role")
