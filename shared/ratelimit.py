"""Rate limits that hold across every Lambda copy: the counters live in Firestore.

Each public write counts against a few *rules*, one per thing it can be
abused through: the caller's address, and the target it reaches (an email
address, a phone, a booking). A rule is a fixed window: at most `count`
requests per `window`; the first request of a window creates its counter
document, later ones increment it. Over any rule the request is refused
with 429 and `Retry-After` (seconds until that window ends).

Counters are incremented with a server-side `Increment` in one batch commit
per request: the commit is atomic across the request's keys, and unlike a
read-then-write transaction it cannot abort under a burst on one hot
counter (a burst is exactly when the limiter must keep answering). The
commit returns each counter's new value, so no second read is needed.
Documents are named by a SHA-256 of (rule, key), never by the raw email,
phone or address, and carry `expires_at` for Firestore's TTL policy
(firestore.indexes.json) to delete them after their window.

Every rule is declared in RULES below with its production default; an
environment variable (`RATE_LIMIT_<RULE>`, e.g. `RATE_LIMIT_BOOKINGS_EMAIL=5/1h`)
overrides it. A route uses it in one line through the `RateLimit`
dependency:

    @router.post("/leads", responses=RATE_LIMITED)
    def create_lead(body: LeadIn, limits: RateLimit) -> ...:
        limits.hit("leads", email=body.email)   # rules leads.address, leads.email
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request

from shared import clock
from shared.client_address import SECRET_VARIABLE, client_address
from shared.config import DURATION_UNITS, ConfigError, Settings, get_settings
from shared.errors import AppError
from shared.firestore import Collections, client, collection

# Counters outlive their window a little, so a clock a few seconds off never
# reads a counter that the TTL policy already removed.
TTL_GRACE = timedelta(hours=1)
_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Limit:
    count: int
    window_seconds: int

    def __str__(self) -> str:
        for unit, seconds in sorted(DURATION_UNITS.items(), key=lambda item: -item[1]):
            if self.window_seconds % seconds == 0:
                return f"{self.count}/{self.window_seconds // seconds}{unit}"
        raise AssertionError("unreachable: 1s divides every window")


@dataclass(frozen=True)
class Rule:
    default: str
    what: str


# Every rule, "<scope>.<key kind>": the one place limits are declared (README
# lists them). `address` is the caller's address; the others are targets.
RULES: dict[str, Rule] = {
    "bookings.address": Rule("10/10m", "bookings made from one address"),
    "bookings.email": Rule("5/1h", "bookings for one customer email, from any address"),
    "bookings.phone": Rule("5/1h", "bookings for one customer phone, from any address"),
    "manage.address": Rule("60/10m", "manage-link requests (view, reschedule, cancel, .ics)"),
    "manage.booking": Rule("60/10m", "manage-link requests for one booking, from any address"),
    "manage_failures.address": Rule(
        "10/1h", "wrong or missing manage tokens from one address; then every manage request is 429"
    ),
    "manage_failures.booking": Rule(
        "10/1h", "wrong manage tokens for one booking; then wrong ones are 429 (its own works)"
    ),
    "whatsapp_opt_in.address": Rule("10/1h", "WhatsApp opt-ins from one address"),
    "whatsapp_opt_in.phone": Rule("3/1d", "WhatsApp opt-ins for one phone, from any address"),
}


def variable_name(rule: str) -> str:
    """`bookings.email` → `RATE_LIMIT_BOOKINGS_EMAIL`."""
    return "RATE_LIMIT_" + rule.upper().replace(".", "_")


def parse_limit(text: str, name: str = "limit") -> Limit:
    """ "10/10m" → 10 per 600 s; units s, m, h, d."""
    match = _LIMIT.match(text)
    if not match:
        raise ConfigError(
            f"{name} must look like 10/10m (count/window in s, m, h or d), not {text!r}"
        )
    count, amount, unit = int(match[1]), int(match[2]), match[3]
    if count < 1 or amount < 1:
        raise ConfigError(f"{name} needs a count and a window of at least 1, not {text!r}")
    return Limit(count, amount * DURATION_UNITS[unit])


@dataclass(frozen=True)
class RateLimitSettings:
    limits: Mapping[str, Limit]

    def __getitem__(self, rule: str) -> Limit:
        return self.limits[rule]


def load_rate_limits(settings: Settings) -> RateLimitSettings:
    """Every rule's limit, from its variable or its default; a bad value is a start-up error.

    In prod the client address is only known through Netlify's signed proxy,
    so NETLIFY_PROXY_SECRET is required there: without it every visitor
    would share the address of a Netlify edge server, and one busy edge
    would use up everyone's per-address allowance.
    """
    limits = {}
    for rule, spec in RULES.items():
        name = variable_name(rule)
        limits[rule] = parse_limit(settings.get(name) or spec.default, name)
    if settings.stage == "prod" and not settings.get(SECRET_VARIABLE):
        raise ConfigError(
            f"stage 'prod' needs {SECRET_VARIABLE} (the Netlify API_SIGNATURE_TOKEN) "
            "to know each visitor's address behind the /api proxy"
        )
    return RateLimitSettings(limits)


_cache: tuple[Settings, RateLimitSettings] | None = None
_cache_lock = threading.Lock()


def rate_limits() -> RateLimitSettings:
    """The limits for the current settings (read again when tests reset them)."""
    global _cache
    settings = get_settings()
    cached = _cache
    if cached is None or cached[0] is not settings:
        with _cache_lock:
            cached = (settings, load_rate_limits(settings))
            _cache = cached
    return cached[1]


class RateLimited(AppError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        minutes = math.ceil(retry_after / 60)
        wait = f"{retry_after} seconds" if retry_after < 120 else f"{minutes} minutes"
        super().__init__(f"too many requests; please try again in {wait}")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class _Counter:
    rule: str
    limit: Limit
    ref: Any
    window_end: datetime


def _counters(keys: Iterable[tuple[str, str]], now: datetime) -> list[_Counter]:
    settings = rate_limits()
    counters = []
    for rule, key in keys:
        if rule not in RULES:
            raise KeyError(f"no rate limit rule {rule!r}; declare it in shared/ratelimit.RULES")
        limit = settings[rule]
        window = int(now.timestamp()) // limit.window_seconds
        digest = hashlib.sha256(f"{rule}\x00{key}".encode()).hexdigest()[:32]
        window_end = datetime.fromtimestamp((window + 1) * limit.window_seconds, now.tzinfo)
        document_id = f"{rule}-{digest}-{window}"
        ref = collection(Collections.RATE_LIMITS).document(document_id)
        counters.append(_Counter(rule, limit, ref, window_end))
    return counters


def _refuse(over: list[_Counter], now: datetime) -> RateLimited:
    wait = max((counter.window_end - now).total_seconds() for counter in over)
    return RateLimited(max(1, math.ceil(wait)))


def hit(keys: Iterable[tuple[str, str]]) -> None:
    """Count one request against each (rule, key); 429 when any is over its limit.

    Keys that are empty are skipped (an optional phone that was not given).
    """
    from google.cloud import firestore

    now = clock.now()
    counters = _counters([(rule, key) for rule, key in keys if key], now)
    if not counters:
        return
    batch = client().batch()
    for counter in counters:
        batch.set(
            counter.ref,
            {
                "rule": counter.rule,
                "count": firestore.Increment(1),
                "window_ends_at": counter.window_end,
                "expires_at": counter.window_end + TTL_GRACE,
            },
            merge=True,
        )
    results = batch.commit()
    over = [
        counter
        for counter, result in zip(counters, results, strict=True)
        if _count(result) > counter.limit.count
    ]
    if over:
        raise _refuse(over, now)


def check(keys: Iterable[tuple[str, str]]) -> None:
    """429 when any (rule, key) has already used its whole limit; counts nothing."""
    now = clock.now()
    counters = _counters([(rule, key) for rule, key in keys if key], now)
    if not counters:
        return
    snapshots = client().get_all([counter.ref for counter in counters])
    counts = {
        snapshot.reference.path: (snapshot.to_dict() or {}).get("count", 0)
        for snapshot in snapshots
    }
    over = [c for c in counters if int(counts.get(c.ref.path, 0)) >= c.limit.count]
    if over:
        raise _refuse(over, now)


def _count(result: Any) -> int:
    """The counter's value after this commit (the Increment transform's result)."""
    transformed = list(result.transform_results)
    return int(transformed[0].integer_value) if transformed else 0


class Limiter:
    """The request's caller, ready to count against `<scope>.address` and targets.

    `hit("bookings", email=e, phone=p)` counts rules bookings.address (the
    caller's address), bookings.email and bookings.phone together.
    """

    def __init__(self, request: Request) -> None:
        self.address = client_address(request)

    def keys(
        self, scope: str, targets: Mapping[str, str | None], *, address: bool
    ) -> list[tuple[str, str]]:
        keys = [(f"{scope}.address", self.address)] if address else []
        keys += [(f"{scope}.{kind}", value) for kind, value in targets.items() if value]
        return keys

    def hit(self, scope: str, *, address: bool = True, **targets: str | None) -> None:
        hit(self.keys(scope, targets, address=address))

    def check(self, scope: str, *, address: bool = True, **targets: str | None) -> None:
        check(self.keys(scope, targets, address=address))


RateLimit = Annotated[Limiter, Depends(Limiter)]

# For a limited route's `responses=`, so its OpenAPI schema lists the 429.
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "too many requests; try again after Retry-After seconds",
        "headers": {
            "Retry-After": {
                "description": "seconds until the limit's window ends",
                "schema": {"type": "integer"},
            }
        },
    }
}
