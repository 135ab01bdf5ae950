"""Starts `python -m devstack run` (exactly what `make run` starts) as a child
process and waits until /api/health is green: for the tests and benchmarks
that exercise the product as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.processes import free_port
from devstack.template import ROOT

# Variables a developer's shell may carry that must not leak into a fresh stack.
STACK_VARIABLES = (
    "MILLI_STAGE",
    "FIRESTORE_EMULATOR_HOST",
    "FIREBASE_AUTH_EMULATOR_HOST",
    "AWS_ENDPOINT_URL",
    "EVENT_BUS_NAME",
    "PUBLIC_BASE_URL",
)


class StackFailed(RuntimeError):
    pass


@dataclass
class LaunchedStack:
    process: subprocess.Popen[bytes]
    port: int
    run_dir: Path
    log_path: Path
    env: dict[str, str]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30, how: signal.Signals = signal.SIGINT) -> int:
        """Ctrl-C (or `how`), as a user stops `make run`; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(how)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                raise
        return self.process.returncode


def health(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (OSError, ValueError) as error:
        return 0, str(error)


def start(
    run_dir: Path, *, extra_env: dict[str, str] | None = None, ready_within: float = 120
) -> LaunchedStack:
    run_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in STACK_VARIABLES}
    env |= {"PYTHONPATH": str(ROOT), "MILLI_RUN_DIR": str(run_dir)} | (extra_env or {})
    log_path = run_dir / "stack.out"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = LaunchedStack(process, port, run_dir, log_path, env)
    deadline = time.monotonic() + ready_within
    last: Any = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackFailed(f"the local stack exited:\n{stack.log()}")
        status, last = health(stack.url)
        if status == 200:
            stack.info = json.loads((run_dir / "stack.json").read_text())
            return stack
        time.sleep(0.5)
    stack.stop()
    raise StackFailed(f"no healthy /api/health within {ready_within:.0f}s: {last}\n{stack.log()}")


@contextmanager
def launched(
    run_dir: Path, *, extra_env: dict[str, str] | None = None, ready_within: float = 120
) -> Iterator[LaunchedStack]:
    stack = start(run_dir, extra_env=extra_env, ready_within=ready_within)
    try:
        yield stack
    finally:
        stack.stop()
