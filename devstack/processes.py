"""Starts and stops the emulators the local stack and the tests run on.

Each child runs in its own process group, so stopping it also stops what it
spawned (gcloud starts Java; firebase-tools starts Node workers). Their pids
are written to `.run/pids.json`, and a new start kills any group a crashed
run left behind, so `make run` works again after a crash.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from devstack.template import ROOT

# Where a run keeps its logs, pids and credentials (MILLI_RUN_DIR moves it, e.g. in tests).
RUN_DIR = Path(os.environ.get("MILLI_RUN_DIR") or ROOT / ".run")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(200 <= response.status < 500)
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is not None:
            return
        _kill_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_group(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


@dataclass
class Children:
    """The emulator processes of one run, stopped together."""

    run_dir: Path = RUN_DIR
    children: list[Child] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(
        self,
        name: str,
        command: list[str],
        ready: Callable[[], bool],
        timeout: float = 60,
        env: dict[str, str] | None = None,
    ) -> Child:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.run_dir / f"{name}.log"
        log = log_path.open("wb")
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=env or os.environ.copy(),
            start_new_session=True,
        )
        child = Child(name, process, log_path)
        with self._lock:  # emulators start from parallel threads
            self.children.append(child)
            self._record_pids()
        deadline = time.monotonic() + timeout
        while not ready():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early; see {log_path}:\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not ready after {timeout:.0f}s; see {log_path}")
            time.sleep(0.2)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()
        with self._lock:
            self.children.clear()
            self._record_pids()

    def _record_pids(self) -> None:
        pids = {
            child.name: child.process.pid for child in self.children if child.process.poll() is None
        }
        path = self.run_dir / "pids.json"
        if pids:
            path.write_text(json.dumps(pids))
        elif path.exists():
            path.unlink()


def kill_leftovers(run_dir: Path = RUN_DIR) -> None:
    """Stop process groups that a crashed earlier run left behind."""
    path = run_dir / "pids.json"
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text())
    except ValueError:
        pids = {}
    for pid in pids.values():
        _kill_group(int(pid), signal.SIGKILL)
    path.unlink(missing_ok=True)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_firestore(children: Children, port: int) -> str:
    gcloud = shutil.which("gcloud")
    if not gcloud:
        raise RuntimeError(
            "gcloud is not installed: the Cloud Firestore emulator (Java 17 + "
            "'gcloud components install cloud-firestore-emulator') must be on this machine"
        )
    host = f"127.0.0.1:{port}"
    children.start(
        "firestore",
        [gcloud, "emulators", "firestore", "start", f"--host-port={host}", "--quiet"],
        ready=lambda: http_ok(f"http://{host}/"),
    )
    return host


def start_auth(children: Children, port: int, project_id: str) -> str:
    firebase = ROOT / "node_modules" / ".bin" / "firebase"
    if not firebase.exists():
        raise RuntimeError("firebase-tools is missing: run 'npm ci' (make does it for you)")
    children.run_dir.mkdir(parents=True, exist_ok=True)
    config = children.run_dir / f"firebase.auth.{port}.json"
    config.write_text(
        json.dumps(
            {
                "emulators": {
                    "auth": {"host": "127.0.0.1", "port": port},
                    # The hub and logging emulators default to fixed ports (4400,
                    # 4500); free ones let two stacks (make run, tests) coexist.
                    "hub": {"host": "127.0.0.1", "port": free_port()},
                    "logging": {"host": "127.0.0.1", "port": free_port()},
                    "ui": {"enabled": False},
                    "singleProjectMode": True,
                }
            }
        )
    )
    host = f"127.0.0.1:{port}"
    env = os.environ.copy() | {"FIREBASE_CLI_DISABLE_UPDATE_CHECK": "1", "CI": "true"}
    children.start(
        "auth",
        [
            str(firebase),
            "emulators:start",
            "--only",
            "auth",
            "--project",
            project_id,
            "--config",
            str(config),
        ],
        ready=lambda: http_ok(f"http://{host}/emulator/v1/projects/{project_id}/config"),
        env=env,
    )
    return host


def start_moto(children: Children, port: int) -> str:
    endpoint = f"http://127.0.0.1:{port}"
    children.start(
        "moto",
        [sys.executable, "-m", "devstack.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        ready=lambda: http_ok(f"{endpoint}/moto-api/"),
    )
    return endpoint
