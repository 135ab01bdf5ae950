"""Schemathesis against every HTTP function's published OpenAPI schema.

Each function in template.yaml publishes `site/openapi/<name>.json` (a unit
test keeps those files equal to what the function serves), so a capability
added to the template is fuzzed here without touching this file. Requests
go through the local gateway to the real apps on the emulators, seeded so
that valid ids exist; staff operations run once with an admin token and
once with a staff-role token. Checks: no 5xx, and every documented
response matches its schema.

Deterministic: Hypothesis is derandomized, so CI meets the same cases every
run and a red run is a real regression, not a new random find.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from devstack.seed import ADMIN_EMAIL, seed_admin, seed_data
from devstack.server import LocalGateway
from devstack.stack import LocalStack, reset_process_state
from devstack.template import load_template
from devstack.tokens import sign_in, sign_up
from functions.bookings import store
from scripts.export_openapi import OPENAPI_DIR, schema_name
from shared.auth import firebase_app
from shared.ratelimit import RULES, variable_name

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

ADMIN_PASSWORD = "fuzz-admin-pass-123"
STAFF_EMAIL = "staff@milliintell.local"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Examples per operation in the fuzzing phase (the examples and coverage
# phases add their own, schema-derived cases): enough to reach each
# parameter's edges, small enough for the CI budget on two cores.
FUZZ_SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Ids of seeded documents, by parameter name: generated ids mostly miss, so
# generated parameters are also pointed at these (see `variants`).
REAL_IDS: dict[str, str] = {
    "booking_id": "demo-past",
    "service_id": "consultation",
    "staff_id": "alex",
    "phone": "+447911123456",
    "day": "2030-12-24",
}


@dataclass(frozen=True)
class FuzzStack:
    """The gateway to call, and bearer headers for the admin and a staff-role user."""

    gateway: LocalGateway
    admin: dict[str, str]
    staff: dict[str, str]


def published_schemas() -> dict[str, dict[str, Any]]:
    """Every HTTP function's committed schema, found from template.yaml."""
    schemas: dict[str, dict[str, Any]] = {}
    for function in load_template().http_functions:
        name = schema_name(function.path_prefix)
        schemas[name] = json.loads((OPENAPI_DIR / f"{name}.json").read_text())
    return schemas


@pytest.fixture(scope="module")
def fuzz_stack(stack: LocalStack) -> Iterator[FuzzStack]:
    """The stack wiped, seeded and its tokens issued, once for this module."""
    with pytest.MonkeyPatch.context() as patch:
        stack.wipe()
        for name, value in stack.environment().items():
            patch.setenv(name, value)
        patch.setenv("MILLI_STAGE", "test")
        # The limiter stays on (a 429 is documented and passes the checks) but
        # high enough that the fuzzer reaches the handlers behind it rather
        # than meeting 429 after its tenth request from one test client.
        for rule in RULES:
            patch.setenv(variable_name(rule), "1000000/1m")
        reset_process_state()
        store.clear_cache()
        seed_data()
        seed_admin(ADMIN_PASSWORD)
        from firebase_admin import auth

        uid = sign_up(stack.auth_host, STAFF_EMAIL, ADMIN_PASSWORD)
        auth.set_custom_user_claims(uid, {"role": "staff"}, app=firebase_app())
        yield FuzzStack(
            gateway=LocalGateway(stack.template),
            admin=bearer(stack, ADMIN_EMAIL),
            staff=bearer(stack, STAFF_EMAIL),
        )


def bearer(stack: LocalStack, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_in(stack.auth_host, email, ADMIN_PASSWORD)}"}


# Values that broke the API before (issue 9): random strings almost never
# hit them, so generated ids, dates and zones are also tried as these.
HOSTILE_IDS = ("__x__", "__main__", "..", "a/b", "x" * 1600)
HOSTILE_DATES = ("0001-01-01", "9999-12-30")
HOSTILE_INSTANTS = ("0001-01-01T00:00:00-12:00", "9999-12-31T23:00:00+14:00")
HOSTILE_ZONE = "Pacific/Kiritimati"  # UTC+14: the far end of every date range
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T")
ZONE_KEYS = {"tz", "time_zone"}


def variants(parameters: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The generated parameters; with the seeded ids swapped in; with one id
    at a time made hostile; and with every date (and the zone) at the far
    ends of the calendar together."""
    found = dict(parameters or {})
    base = found | {key: REAL_IDS[key] for key in found if key in REAL_IDS}
    out = [found, base]
    for key in found:
        if key in REAL_IDS or key.endswith("_id"):
            out += [base | {key: hostile} for hostile in HOSTILE_IDS]
    dates = [key for key, value in found.items() if isinstance(value, str) and DATE.match(value)]
    instants = [
        key for key, value in found.items() if isinstance(value, str) and INSTANT.match(value)
    ]
    zones = {key: HOSTILE_ZONE for key in found if key in ZONE_KEYS}
    for far_date, far_instant in zip(HOSTILE_DATES, HOSTILE_INSTANTS, strict=True):
        if dates or instants:
            far = {key: far_date for key in dates} | {key: far_instant for key in instants}
            out += [base | far, base | far | zones]
    return out


def parameter_variants(_: Any, parameters: dict[str, Any] | None) -> Any:
    """Hook: draw one of `variants` (for path parameters, query and JSON bodies)."""
    if not isinstance(parameters, dict) or not parameters:
        return st.just(parameters)
    return st.sampled_from(variants(parameters))


def is_staff_operation(case: Any) -> bool:
    return bool(case.operation.definition.raw.get("security"))


def fuzz_test(schema: Any) -> Any:
    for container in ("path_parameters", "query", "body"):
        schema.hook(f"flatmap_{container}")(parameter_variants)

    @schema.parametrize()
    @FUZZ_SETTINGS
    def test(case: Any, fuzz_stack: FuzzStack) -> None:
        app = fuzz_stack.gateway
        if not is_staff_operation(case):
            case.call_and_validate(app=app, checks=CHECKS)
            return
        for headers in (fuzz_stack.admin, fuzz_stack.staff):
            case.call_and_validate(app=app, headers=headers, checks=CHECKS)

    return test


for _name, _document in published_schemas().items():
    globals()[f"test_fuzz_{_name.replace('-', '_')}"] = fuzz_test(
        schemathesis.openapi.from_dict(_document)
    )
