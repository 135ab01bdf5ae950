"""One ASGI app for the whole local product: each HTTP function's app at its
template.yaml path, the platform routes, and the built site at `/`."""

from __future__ import annotations

import importlib
import os
import tomllib
from pathlib import Path
from typing import Any

from starlette.responses import FileResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devstack.platform_api import create_platform_app
from devstack.template import ROOT, StackTemplate
from shared.config import get_settings

SITE_DIST = ROOT / "site" / "dist"


def site_config_response() -> JSONResponse:
    """The staff app's run-time Firebase config, pointing at this stack's Auth
    emulator (on Netlify, `make site` writes the file from site variables)."""
    settings = get_settings()
    emulator = os.environ.get("FIREBASE_AUTH_EMULATOR_HOST")
    return JSONResponse(
        {
            "stage": settings.stage,
            # The Auth emulator accepts any API key; a demo project needs no real one.
            "firebase": {
                "apiKey": "local-demo-key",
                "authDomain": f"{settings.project_id}.firebaseapp.com",
                "projectId": settings.project_id,
            },
            "authEmulator": f"http://{emulator}" if emulator else None,
        },
        headers={"cache-control": "no-store"},
    )


def netlify_headers() -> dict[str, str]:
    """netlify.toml's headers for `/*`, so the site runs locally under the
    production Content-Security-Policy (plus the local Auth emulator, and
    without HSTS on plain http)."""
    config = tomllib.loads((ROOT / "netlify.toml").read_text())
    headers: dict[str, str] = {}
    for rule in config.get("headers", []):
        if rule.get("for") == "/*":
            headers.update(rule.get("values", {}))
    headers.pop("Strict-Transport-Security", None)
    emulator = os.environ.get("FIREBASE_AUTH_EMULATOR_HOST")
    policy = headers.get("Content-Security-Policy")
    if policy and emulator:
        headers["Content-Security-Policy"] = policy.replace(
            "connect-src 'self'", f"connect-src 'self' http://{emulator}"
        )
    return headers


class LocalGateway:
    """Routes `/api/<capability>/...` as API Gateway would, and serves the site."""

    def __init__(self, template: StackTemplate, site_dir: Path = SITE_DIST) -> None:
        self.routes: list[tuple[str, ASGIApp]] = []
        for function in template.http_functions:
            module = importlib.import_module(function.app_module)
            app: ASGIApp = module.app
            self.routes.append((function.path_prefix, app))
        self.routes.sort(key=lambda route: len(route[0]), reverse=True)
        self.platform = create_platform_app()
        self.site_dir = site_dir.resolve()
        self.site_headers = [
            (name.lower().encode(), value.encode()) for name, value in netlify_headers().items()
        ]

    def app_for(self, path: str) -> ASGIApp | None:
        for prefix, app in self.routes:
            if path == prefix or path.startswith(prefix + "/"):
                return app
        if path.startswith("/api/"):
            platform: ASGIApp = self.platform
            return platform
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        if scope["path"] == "/site-config.json":
            await site_config_response()(scope, receive, send)
            return
        app = self.app_for(scope["path"])
        if app is None:
            app = self.site_response(scope["path"])
            headers = self.site_headers

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    message["headers"].extend(headers)
                await send(message)

            await app(scope, receive, send_with_headers)
            return
        await app(scope, receive, send)

    def site_response(self, path: str) -> Any:
        """A file from site/dist, or index.html for client-side routes (SPA fallback)."""
        relative = path.lstrip("/") or "index.html"
        candidate = (self.site_dir / relative).resolve()
        if candidate.is_relative_to(self.site_dir) and candidate.is_file():
            return FileResponse(candidate)
        index = self.site_dir / "index.html"
        if "." not in Path(relative).name and index.is_file():
            return FileResponse(index)
        if not index.is_file():
            return JSONResponse(
                {
                    "error": {
                        "code": "not_found",
                        "message": "the site is not built: run 'make site'",
                        "fields": [],
                    }
                },
                status_code=404,
            )
        return JSONResponse(
            {"error": {"code": "not_found", "message": "not found", "fields": []}}, status_code=404
        )
