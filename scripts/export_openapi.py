"""Writes each HTTP function's OpenAPI schema to site/openapi/<name>.json.

The site generates its API types from these files at build time, and a unit
test fails when a committed file no longer matches its function, so the site
and the functions cannot drift apart silently. Run `make openapi` after
changing a route or a model.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from devstack.platform_api import create_platform_app
from devstack.template import ROOT, load_template

OPENAPI_DIR = ROOT / "site" / "openapi"


def schema_name(path_prefix: str) -> str:
    """`/api/bookings/admin` -> `bookings-admin`."""
    return path_prefix.removeprefix("/api/").replace("/", "-")


def current_schemas() -> dict[str, str]:
    """The schema text of every HTTP function in template.yaml, by file name."""
    schemas: dict[str, str] = {}
    for function in load_template().http_functions:
        app: Any = importlib.import_module(function.app_module).app
        text = json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"
        schemas[f"{schema_name(function.path_prefix)}.json"] = text
    # The local stack's own routes (health, the dev outbox the staff app shows).
    platform = create_platform_app().openapi()
    schemas["platform.json"] = json.dumps(platform, indent=2, sort_keys=True) + "\n"
    return schemas


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args()
    stale = []
    for name, text in current_schemas().items():
        path = OPENAPI_DIR / name
        if path.is_file() and path.read_text() == text:
            continue
        stale.append(name)
        if not args.check:
            OPENAPI_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if args.check and stale:
        print(f"stale OpenAPI schemas: {', '.join(stale)}; run 'make openapi'", file=sys.stderr)
        return 1
    for name in stale:
        print(f"wrote site/openapi/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
