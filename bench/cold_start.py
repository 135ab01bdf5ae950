"""Cold start of every Lambda handler in template.yaml, beside a FastAPI +
Mangum hello-world measured in the same run.

Each sample is a fresh interpreter that imports the handler's module (what
Lambda does during init); HTTP handlers are also measured through their
first request (`GET /api/<capability>/health` via Mangum), since lazily
imported code is paid there. Runs are interleaved so drift on the machine
hits every handler alike. After import, the SDKs each handler has loaded are
listed: a handler must not load an SDK it does not use at import.

Targets (issue 2): HTTP handler import within hello-world + 150 ms; queue and
cron handlers under 250 ms.

`/health` never touches Firestore, so each HTTP function is also measured
through the cold first request a real visitor makes: one that reads
Firestore (on the emulator, which the benchmark starts with demo data and a
signed-in admin for staff routes). That figure carries the gRPC and
firebase-admin imports, the clients' creation and the first round trips.

    python bench/cold_start.py [--runs 9] [--no-firestore]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.template import load_template  # noqa: E402

HEAVY_SDKS = (
    "boto3",
    "botocore.client",
    "google.cloud.firestore",
    "grpc",
    "firebase_admin",
    "stripe",
    "twilio",
    "sendgrid",
    "phonenumbers",
    "icalendar",
    "fastapi",
)
HTTP_BUDGET_OVER_HELLO_MS = 150
EVENT_BUDGET_MS = 250

PROBE = r"""
import json, sys, time
started = time.perf_counter()
import importlib
module = importlib.import_module(sys.argv[1])
handler = getattr(module, sys.argv[2])
imported = time.perf_counter()
first_request_ms = None
if sys.argv[3]:
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": sys.argv[3], "rawQueryString": "",
        "headers": {"host": "bench.local", **json.loads(sys.argv[5])},
        "requestContext": {"http": {"method": "GET", "path": sys.argv[3], "sourceIp": "127.0.0.1",
                                    "protocol": "HTTP/1.1"}, "requestId": "bench",
                           "stage": "$default", "domainName": "bench.local"},
        "isBase64Encoded": False,
    }
    class Context:
        function_name = "bench"; memory_limit_in_mb = 512; aws_request_id = "bench"
        invoked_function_arn = "arn:aws:lambda:us-east-1:0:function:bench"
        def get_remaining_time_in_millis(self): return 20000
    response = handler(event, Context())
    assert response["statusCode"] == 200, response
    first_request_ms = (time.perf_counter() - started) * 1000
heavy = json.loads(sys.argv[4])
print(json.dumps({
    "import_ms": (imported - started) * 1000,
    "first_request_ms": first_request_ms,
    "sdks": sorted(name for name in heavy if name in sys.modules),
}))
"""


# A cold first request per HTTP function that reads Firestore (the demo data
# makes each answer non-empty). Staff routes carry the seeded admin's token.
# The crm, invoices and deploy_agent functions have no route that reads yet.
FIRESTORE_PROBES = {
    "/api/bookings": ("/api/bookings/services", False),
    "/api/bookings/admin": ("/api/bookings/admin/services", True),
    "/api/whatsapp": ("/api/whatsapp/admin/conversations", True),
}


@dataclass
class Target:
    name: str
    kind: str  # "http", "queue", "cron", "baseline", "firestore"
    module: str
    attribute: str
    probe_path: str
    staff: bool = False


def targets() -> list[Target]:
    template = load_template()
    found = [
        Target("hello-world (FastAPI+Mangum)", "baseline", "bench.hello_world", "handler", "/hello")
    ]
    for function in template.http_functions:
        module, _, attribute = function.handler.rpartition(".")
        found.append(
            Target(function.logical_id, "http", module, attribute, f"{function.path_prefix}/health")
        )
    for function in template.http_functions:
        probe = FIRESTORE_PROBES.get(function.path_prefix)
        if probe is not None:
            module, _, attribute = function.handler.rpartition(".")
            found.append(
                Target(f"{function.logical_id} (reads)", "firestore", module, attribute, *probe)
            )
    for consumer in template.consumers:
        module, _, attribute = consumer.handler.rpartition(".")
        found.append(Target(consumer.logical_id, "queue", module, attribute, ""))
    for schedule in template.schedules:
        module, _, attribute = schedule.handler.rpartition(".")
        found.append(Target(schedule.logical_id.split(".")[0], "cron", module, attribute, ""))
    return found


def sample(target: Target, env: dict[str, str], token: str = "") -> dict[str, object]:
    headers = {"authorization": f"Bearer {token}"} if target.staff else {}
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            target.module,
            target.attribute,
            target.probe_path,
            json.dumps(HEAVY_SDKS),
            json.dumps(headers),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def start_emulators(env: dict[str, str], cleanup: ExitStack) -> str:
    """Start the test stack with demo data; point `env` at it; return an admin's ID token."""
    import tempfile

    from devstack.seed import ADMIN_EMAIL, seed_admin, seed_data
    from devstack.stack import LocalStack
    from devstack.tokens import sign_in

    saved = dict(os.environ)
    stack = LocalStack(stage="test", run_dir=Path(tempfile.mkdtemp(prefix="bench-cold-")))
    stack.start()
    cleanup.callback(stack.stop)

    def restore_environment() -> None:
        os.environ.clear()
        os.environ.update(saved)

    cleanup.callback(restore_environment)
    stack.activate()
    stack.provision()
    password = "bench-" + os.urandom(8).hex()
    seed_data()
    seed_admin(password)
    env.update(stack.environment())
    return sign_in(stack.auth_host, ADMIN_EMAIL, password)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--no-firestore", action="store_true", help="skip the first requests that read Firestore"
    )
    args = parser.parse_args()
    # Lambda packages ship compiled bytecode (scripts/sam_build.py); so do we here.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "shared", "functions", "bench"],
        cwd=ROOT,
        check=True,
    )
    env = os.environ.copy() | {
        "PYTHONPATH": str(ROOT),
        "MILLI_STAGE": "test",
        "POWERTOOLS_METRICS_NAMESPACE": "bench",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    all_targets = [t for t in targets() if not (args.no_firestore and t.kind == "firestore")]
    samples: dict[str, list[dict[str, object]]] = {t.name: [] for t in all_targets}
    with ExitStack() as cleanup:
        token = ""
        if not args.no_firestore:
            token = start_emulators(env, cleanup)
        sample(all_targets[0], env)  # warm the OS file cache once
        for _ in range(args.runs):
            for target in all_targets:
                samples[target.name].append(sample(target, env, token))

    def median(name: str, key: str) -> float:
        values = [float(str(s[key])) for s in samples[name] if s[key] is not None]
        return statistics.median(values) if values else float("nan")

    def fastest(name: str) -> float:
        return min(float(str(s["import_ms"])) for s in samples[name])

    hello = median(all_targets[0].name, "import_ms")
    hello_first = median(all_targets[0].name, "first_request_ms")
    print(
        f"cold start, median of {args.runs} fresh interpreters each "
        f"(Python {sys.version.split()[0]}, {os.cpu_count()} cores)\n"
    )
    header = (
        f"{'handler':34} {'kind':8} {'import ms':>9} {'min ms':>7} {'1st req ms':>10} "
        f"{'budget ms':>9}  "
        "verdict  SDKs loaded at import"
    )
    print(header)
    print("-" * len(header))
    failures = 0
    for target in all_targets:
        imported = median(target.name, "import_ms")
        first = median(target.name, "first_request_ms")
        sdks = samples[target.name][-1]["sdks"]
        assert isinstance(sdks, list)
        if target.kind in ("baseline", "firestore"):
            budget, ok = float("nan"), True  # the Firestore figures are for reading, not a gate
        elif target.kind == "http":
            budget = hello + HTTP_BUDGET_OVER_HELLO_MS
            ok = imported <= budget and set(sdks) <= {"fastapi"}
        else:
            budget = EVENT_BUDGET_MS
            ok = imported <= budget and not sdks
        failures += not ok
        first_text = f"{first:10.0f}" if first == first else f"{'-':>10}"
        budget_text = f"{budget:9.0f}" if budget == budget else f"{'-':>9}"
        print(
            f"{target.name:34} {target.kind:8} {imported:9.0f} {fastest(target.name):7.0f} "
            f"{first_text} {budget_text}  "
            f"{'ok' if ok else 'OVER':7}  {', '.join(sdks) or '-'}"
        )
    print(
        f"\nhello-world: import {hello:.0f} ms, first request {hello_first:.0f} ms; "
        f"{failures} handler(s) over budget"
    )
    for target in all_targets:
        if target.kind == "firestore":
            first = median(target.name, "first_request_ms")
            print(
                f"{target.name}: a cold first request that reads Firestore "
                f"({target.probe_path}) takes {first:.0f} ms, "
                f"{first - hello_first:+.0f} ms over hello-world's first request"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
