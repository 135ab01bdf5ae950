"""The site's API types are generated from site/openapi/*.json: those files
must be what the functions serve today, or the site could drift silently."""

from __future__ import annotations

from scripts.export_openapi import OPENAPI_DIR, current_schemas


def test_committed_openapi_schemas_match_the_functions() -> None:
    stale = [
        name
        for name, text in current_schemas().items()
        if not (OPENAPI_DIR / name).is_file() or (OPENAPI_DIR / name).read_text() != text
    ]
    assert stale == [], f"run 'make openapi' and commit: {stale}"


def test_no_schema_file_is_left_from_a_removed_function() -> None:
    committed = {path.name for path in OPENAPI_DIR.glob("*.json")}
    assert committed == set(current_schemas())
