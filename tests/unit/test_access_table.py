"""shared/access.py covers every operation every HTTP function serves, and
README shows that table. (tests/integration/test_access.py checks each
operation's answers with real tokens.)"""

from __future__ import annotations

import pytest

from scripts.access_table import README, http_apps, operations, readme_table
from shared.access import OPERATIONS, markdown_table, rule_for


def test_every_operation_of_every_function_is_in_the_access_table() -> None:
    missing = sorted(
        f"{operation} ({operation.function})"
        for operation in operations()
        if rule_for(operation.method, operation.path) is None
    )
    assert missing == [], "add these to shared/access.py's OPERATIONS: " + ", ".join(missing)


def test_the_table_lists_no_operation_that_no_function_serves() -> None:
    served = {(operation.method, operation.path) for operation in operations()}
    assert sorted(set(OPERATIONS) - served) == []


def test_every_function_is_enumerated_including_the_stubs() -> None:
    functions = {operation.function for operation in operations()}
    assert {"bookings", "bookings-admin", "whatsapp", "crm", "invoices", "deploy_agent"} <= (
        functions
    )


def test_webhooks_and_manage_links_are_public_and_say_how_they_are_guarded() -> None:
    webhooks = [rule for (_, path), rule in OPERATIONS.items() if "/twilio/" in path]
    webhooks += [rule for (_, path), rule in OPERATIONS.items() if "/meta/" in path]
    assert len(webhooks) == 4
    assert all(r.access == "public" for r in webhooks)
    assert all(r.signed for r in webhooks)
    manage = rule_for("POST", "/api/bookings/{booking_id}/cancel")
    assert manage is not None
    assert manage.access == "public"
    assert "manage token" in manage.guard


def test_readme_shows_the_table_from_the_code() -> None:
    table = readme_table(README.read_text())
    assert table == markdown_table(), "run: python -m scripts.access_table"


def test_published_schemas_mark_each_signed_in_operation_and_only_those() -> None:
    schemas = {name: app.openapi() for name, app in http_apps().items()}
    for operation in operations():
        rule = rule_for(operation.method, operation.path)
        assert rule is not None
        if not operation.in_schema:
            continue
        paths = schemas[operation.function]["paths"]
        published = paths[operation.path][operation.method.lower()]
        if rule.access == "public":
            assert "security" not in published, operation
        else:
            assert published["security"] == [{"HTTPBearer": []}], operation
            assert {"401", "403"} <= set(published["responses"]), operation


def test_a_mounted_app_is_reported_as_an_operation_outside_the_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fastapi import FastAPI

    from shared.web import create_app

    app = create_app("crm")
    app.mount("/api/crm/files", FastAPI())
    monkeypatch.setattr("scripts.access_table.http_apps", lambda: {"crm": app})

    unguarded = [o for o in operations() if rule_for(o.method, o.path) is None]

    assert [str(o) for o in unguarded] == ["* /api/crm/files/{path}"]
