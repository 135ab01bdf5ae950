"""`make run`'s program, started as a user starts it: it must answer
/api/health with every dependency ok, serve the site and the API, and stop
every child process on Ctrl-C."""

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

from devstack.processes import free_port
from devstack.template import ROOT

pytestmark = pytest.mark.integration

READY_WITHIN_SECONDS = 90


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
    port = free_port()
    run_dir = tmp_path / "run"
    env = os.environ.copy() | {
        "MILLI_ADMIN_PASSWORD": "local-admin-pass",
        "PYTHONPATH": str(ROOT),
        "MILLI_RUN_DIR": str(run_dir),
    }
    for name in (
        "MILLI_STAGE",
        "FIRESTORE_EMULATOR_HOST",
        "FIREBASE_AUTH_EMULATOR_HOST",
        "AWS_ENDPOINT_URL",
        "EVENT_BUS_NAME",
    ):
        env.pop(name, None)
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        health: Any = None
        while time.monotonic() - started < READY_WITHIN_SECONDS:
            assert process.poll() is None, (tmp_path / "run.log").read_text()
            status, health = get(f"{base}/api/health") if _listening(port) else (0, None)
            if status == 200:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"no healthy /api/health within {READY_WITHIN_SECONDS}s: {health}")
        assert health["status"] == "ok"
        assert all(check["ok"] for check in health["checks"].values())

        status, page = get(f"{base}/")
        assert status == 200
        assert "<title>MilliIntell</title>" in page
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
        assert set(children) == {"firestore", "auth", "moto"}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0, (tmp_path / "run.log").read_text()
    time.sleep(1)
    assert not [pid for pid in children.values() if process_alive(pid)]
    assert not (run_dir / "pids.json").exists()


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
