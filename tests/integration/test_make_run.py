"""`make run`'s program, started as a user starts it: it must answer
/api/health with every dependency ok, serve the site and the API, and stop
every child process on Ctrl-C, and on SIGTERM as a process manager stops it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from devstack.launch import start
from devstack.template import ROOT

pytestmark = pytest.mark.integration


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode(errors="replace")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_serves_the_product_and_stops_cleanly(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    stack = start(run_dir, extra_env={"MILLI_ADMIN_PASSWORD": "local-admin-pass"}, ready_within=90)
    base, env = stack.url, stack.env
    try:
        status, health = get(f"{base}/api/health")
        assert health["status"] == "ok"
        assert all(check["ok"] for check in health["checks"].values())

        status, page = get(f"{base}/")
        assert status == 200
        assert '<div id="app">' in page
        assert "/assets/" in page
        status, services = get(f"{base}/api/bookings/services")
        assert status == 200
        assert {s["id"] for s in services} >= {"consultation"}
        status, outbox = get(f"{base}/api/dev/outbox")
        assert status == 200
        assert "items" in outbox
        for capability in ("bookings", "crm", "invoices", "whatsapp", "deploy_agent"):
            status, body = get(f"{base}/api/{capability}/health")
            assert (status, body["capability"]) == (200, capability)
            status, schema = get(f"{base}/api/{capability}/openapi.json")
            assert status == 200
            assert schema["openapi"].startswith("3.")

        token = subprocess.run(
            [sys.executable, "-m", "devstack", "token"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        request = urllib.request.Request(
            f"{base}/api/bookings/admin/bookings?from=2026-01-01&to=2026-03-01",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

        children = json.loads((run_dir / "pids.json").read_text())
        assert set(children) == {"firestore", "auth", "moto", "worker"}
        status, config = get(f"{base}/site-config.json")
        assert status == 200
        assert config["authEmulator"] == f"http://{stack.info['auth_host']}"
    finally:
        returncode = stack.stop()
    assert returncode == 0, stack.log()
    time.sleep(1)
    assert not [pid for pid in children.values() if process_alive(pid)]
    assert not (run_dir / "pids.json").exists()


def test_sigterm_stops_every_child_too(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    stack = start(run_dir, ready_within=90)
    children = json.loads((run_dir / "pids.json").read_text())
    returncode = stack.stop(how=signal.SIGTERM)
    assert returncode == 128 + signal.SIGTERM, stack.log()
    assert "Stopped." in stack.log()
    time.sleep(1)
    assert not [pid for pid in children.values() if process_alive(pid)]
    assert not (run_dir / "pids.json").exists()
