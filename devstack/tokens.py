"""ID tokens from the Auth emulator (its REST API), for `make token` and tests."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def sign_in(auth_host: str, email: str, password: str) -> str:
    """The ID token the emulator issues for this email and password."""
    url = f"http://{auth_host}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=local"
    result = _post(url, {"email": email, "password": password, "returnSecureToken": True})
    return str(result["idToken"])


def sign_up(auth_host: str, email: str, password: str) -> str:
    """Create a user on the emulator; returns its uid."""
    url = f"http://{auth_host}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=local"
    result = _post(url, {"email": email, "password": password, "returnSecureToken": True})
    return str(result["localId"])
