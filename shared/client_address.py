"""The address of the person making a request, for rate limits and logs.

Behind Netlify's `/api/*` proxy every request reaches API Gateway from one of
Netlify's edge servers; the visitor's address is in the
`x-nf-client-connection-ip` header that the edge sets. A header is only
worth what its sender is, though: anyone can call the API Gateway URL
directly and write that header themselves. So it is believed only when the
request carries a valid Netlify *signed proxy* signature (`x-nf-sign`, a
JWS signed with HS256 and the secret named by the proxy rule's
`Sign=API_SIGNATURE_TOKEN`), checked here with NETLIFY_PROXY_SECRET.
Otherwise the connection's own address is used: Mangum puts API Gateway's
`requestContext.http.sourceIp` into the ASGI scope's `client`.

`X-Forwarded-For` is not used even when signed: its leftmost entries are
whatever the caller sent, and which entry Netlify or API Gateway appended
depends on the hops, whereas `x-nf-client-connection-ip` is the edge's own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
from typing import Any

from starlette.requests import Request

from shared import clock
from shared.config import get_settings

CLIENT_IP_HEADER = "x-nf-client-connection-ip"
SIGNATURE_HEADER = "x-nf-sign"
SECRET_VARIABLE = "NETLIFY_PROXY_SECRET"
ISSUER = "netlify"
LEEWAY_SECONDS = 30  # clock skew between Netlify's edge and Lambda
UNKNOWN = "unknown"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_proxy_signature(token: str, secret: str, now: float) -> bool:
    """True when `token` is a JWS Netlify signed with `secret` and it is still valid.

    Netlify signs `{"deploy_context", "netlify_id", "site_url", "iss":
    "netlify", "exp"}` with HS256 for five minutes (netlify-cli's
    sign-redirect does the same for `netlify dev`). Only HS256 is accepted,
    so a token claiming `alg: none` or another algorithm is refused.
    """
    if not token or not secret or len(token) > 4096:
        return False
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        header = json.loads(_b64decode(parts[0]))
        signature = _b64decode(parts[2])
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return False
    expected = hmac.new(
        secret.encode(), f"{parts[0]}.{parts[1]}".encode("ascii", "replace"), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(expected, signature):
        return False
    try:
        claims: Any = json.loads(_b64decode(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(claims, dict) or claims.get("iss") != ISSUER:
        return False
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        return False  # a signature that never expires could be replayed for ever
    return now <= expires + LEEWAY_SECONDS


def _ip(value: str | None) -> str | None:
    """`value` as a canonical IP address, or None when it is not one."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: Request) -> str:
    """The visitor's IP address: Netlify's header when the proxy signed the
    request, the connection's address otherwise."""
    secret = get_settings().get(SECRET_VARIABLE)
    if secret:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if verify_proxy_signature(signature, secret, clock.now().timestamp()):
            forwarded = _ip(request.headers.get(CLIENT_IP_HEADER))
            if forwarded:
                return forwarded
    connection = request.client.host if request.client else None
    return _ip(connection) or connection or UNKNOWN
