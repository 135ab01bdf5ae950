"""The local stack's worker process: template.yaml's queue consumers and
schedules, run beside (not inside) the uvicorn process that serves the API.

In AWS each consumer and cron is its own Lambda function and never shares a
CPU with the HTTP functions; locally they used to run as threads of the API
process and competed for its GIL, so a burst of bookings slowed itself down
through the emails and contacts it caused. `python -m devstack run` starts
this process as one of its children (recorded in `.run/pids.json` like the
emulators, stopped with them on Ctrl-C, killed by the next run after a
crash); it also exits by itself if its parent goes away.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from types import FrameType

from devstack.aws import QueueAddress
from shared.logging import get_logger

logger = get_logger("local-worker")
PARENT_CHECK_SECONDS = 1.0


def encode_queues(queues: dict[str, QueueAddress]) -> str:
    return json.dumps({key: [q.name, q.url, q.arn] for key, q in queues.items()})


def decode_queues(text: str) -> dict[str, QueueAddress]:
    return {key: QueueAddress(*value) for key, value in json.loads(text).items()}


def run(queues_json: str, ready_file: Path, parent_pid: int) -> int:
    """Drain every queue into its consumer and fire every schedule until told to stop."""
    import boto3

    from devstack.runner import QueueRunner, ScheduleRunner
    from devstack.template import load_template

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    template = load_template()
    sqs = boto3.client("sqs", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    queue_runner = QueueRunner(template.consumers, decode_queues(queues_json), sqs)
    schedule_runner = ScheduleRunner(template.schedules)
    for consumer in template.consumers:  # import every handler now, not on first message
        queue_runner.handler(consumer)
    threads = [
        threading.Thread(target=queue_runner.run, args=(stop,), name="queues", daemon=True),
        threading.Thread(target=schedule_runner.run, args=(stop,), name="schedules", daemon=True),
    ]
    for thread in threads:
        thread.start()
    ready_file.write_text(str(os.getpid()))
    logger.info("worker running", extra={"consumers": len(template.consumers)})
    while not stop.wait(PARENT_CHECK_SECONDS):
        if os.getppid() != parent_pid:
            logger.warning("the local stack went away; stopping")
            stop.set()
    for thread in threads:
        thread.join(30)
    return 0
