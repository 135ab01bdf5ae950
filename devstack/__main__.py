"""`python -m devstack run` (make run) and `python -m devstack token` (make token)."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from devstack.processes import RUN_DIR
from devstack.seed import ADMIN_EMAIL

if TYPE_CHECKING:
    from devstack.aws import QueueAddress
    from devstack.stack import LocalStack

STACK_FILE = RUN_DIR / "stack.json"
PASSWORD_FILE = RUN_DIR / "admin-password"


def admin_password() -> tuple[str, bool]:
    """MILLI_ADMIN_PASSWORD, or a generated one (and whether it was generated)."""
    given = os.environ.get("MILLI_ADMIN_PASSWORD", "").strip()
    if given:
        return given, False
    return secrets.token_urlsafe(12), True


def run(port: int, host: str) -> int:
    import uvicorn

    from devstack.seed import seed_admin, seed_data
    from devstack.server import LocalGateway
    from devstack.stack import LocalStack

    started = time.monotonic()
    twilio_secret_generated = not os.environ.get("TWILIO_AUTH_TOKEN")
    if twilio_secret_generated:
        # Signs Twilio webhooks locally (e.g. a tunnel from the Twilio console).
        os.environ["TWILIO_AUTH_TOKEN"] = secrets.token_hex(16)
    # The same for Meta's webhook: the app secret signs it, the verify token
    # answers its subscription handshake.
    meta_generated = [
        name for name in ("META_APP_SECRET", "META_VERIFY_TOKEN") if not os.environ.get(name)
    ]
    for name in meta_generated:
        os.environ[name] = secrets.token_hex(16)
    # Links in emails and booking responses (manage, .ics) point at this server.
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    stack = LocalStack(stage="local")
    print("Starting the Firestore, Auth and AWS (moto) emulators…", flush=True)
    stack.start()
    try:
        stack.activate()
        queues = stack.provision()
        password, generated = admin_password()
        seed_data()
        seed_admin(password)
        RUN_DIR.mkdir(exist_ok=True)
        PASSWORD_FILE.write_text(password)
        PASSWORD_FILE.chmod(0o600)
        STACK_FILE.write_text(
            json.dumps(
                {
                    "url": f"http://{host}:{port}",
                    "auth_host": stack.auth_host,
                    "firestore_host": stack.firestore_host,
                    "aws_endpoint": stack.aws_endpoint,
                    "project_id": stack.project_id,
                    "admin_email": ADMIN_EMAIL,
                }
            )
        )
        gateway = LocalGateway(stack.template)
        start_worker(stack, queues)
        url = f"http://{host}:{port}"
        print(
            f"\nMilliIntell is running ({time.monotonic() - started:.0f}s to start)\n"
            f"  site        {url}/\n"
            f"  health      {url}/api/health\n"
            f"  outbox      {url}/api/dev/outbox\n"
            f"  staff login {ADMIN_EMAIL} / "
            + (
                f"{password}  (generated; set MILLI_ADMIN_PASSWORD to choose)"
                if generated
                else "the password in MILLI_ADMIN_PASSWORD"
            )
            + "\n  API token   make token\n"
            + (
                f"  Twilio      webhook signing secret {os.environ['TWILIO_AUTH_TOKEN']} "
                "(generated; set TWILIO_AUTH_TOKEN to choose)\n"
                if twilio_secret_generated
                else "  Twilio      webhooks signed with TWILIO_AUTH_TOKEN\n"
            )
            + "".join(
                f"  Meta        {name} {os.environ[name]} (generated; set {name} to choose)\n"
                for name in meta_generated
            )
            + f"  consumers   {', '.join(c.logical_id for c in stack.template.consumers)}\n"
            f"  schedules   {', '.join(s.logical_id for s in stack.template.schedules)}\n"
            f"  worker log  {stack.run_dir / 'worker.log'} (consumers and schedules)\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        # uvicorn shuts down on SIGTERM/SIGHUP, then raises the signal again
        # under the handler it found: make that an exit, so that `finally`
        # stops the emulators (the default handler would end the process
        # on the spot and leave them running).
        for stop_signal in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop_signal, _exit_on_signal)
        uvicorn.run(gateway, host=host, port=port, log_level="warning", lifespan="off")
    finally:
        stack.stop()
        STACK_FILE.unlink(missing_ok=True)
        print("Stopped.", flush=True)
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def start_worker(stack: LocalStack, queues: dict[str, QueueAddress]) -> None:
    """The consumers and schedules, in their own child process (devstack/worker.py)."""
    from devstack.worker import encode_queues

    ready = stack.run_dir / "worker.ready"
    ready.unlink(missing_ok=True)
    stack.children.start(
        "worker",
        [
            sys.executable,
            "-m",
            "devstack",
            "worker",
            "--queues",
            encode_queues(queues),
            "--ready-file",
            str(ready),
            "--parent",
            str(os.getpid()),
        ],
        ready=ready.exists,
    )


def token() -> int:
    from devstack.tokens import sign_in

    if not STACK_FILE.exists():
        print("The local stack is not running: start it with 'make run'.", file=sys.stderr)
        return 1
    stack = json.loads(STACK_FILE.read_text())
    print(sign_in(stack["auth_host"], stack["admin_email"], PASSWORD_FILE.read_text().strip()))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="start the whole product locally")
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run_parser.add_argument("--host", default="127.0.0.1")
    commands.add_parser("token", help="print a staff ID token for the seeded admin")
    worker_parser = commands.add_parser(
        "worker", help="(started by run) the queue consumers and schedules"
    )
    worker_parser.add_argument("--queues", required=True)
    worker_parser.add_argument("--ready-file", type=Path, required=True)
    worker_parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args()
    if args.command == "run":
        return run(args.port, args.host)
    if args.command == "worker":
        from devstack import worker

        return worker.run(args.queues, args.ready_file, args.parent)
    return token()


if __name__ == "__main__":
    sys.exit(main())
