"""The local stack as one object: emulators up, template.yaml provisioned,
environment pointed at them. `make run` and the test fixtures both use it."""

from __future__ import annotations

import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devstack.aws import QueueAddress, provision
from devstack.processes import (
    RUN_DIR,
    Children,
    free_port,
    kill_leftovers,
    start_auth,
    start_firestore,
    start_moto,
)
from devstack.template import StackTemplate, load_template

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

PROJECT_ID = "demo-milliintell"
BUS_NAME = "milliintell-local"


@dataclass
class LocalStack:
    stage: str = "local"
    run_dir: Path = RUN_DIR
    project_id: str = PROJECT_ID
    template: StackTemplate = field(default_factory=load_template)
    firestore_host: str = ""
    auth_host: str = ""
    aws_endpoint: str = ""
    queues: dict[str, QueueAddress] = field(default_factory=dict)
    children: Children = field(init=False)

    def __post_init__(self) -> None:
        self.children = Children(self.run_dir)

    def start(self) -> None:
        """Start the three emulators side by side (each on a free port)."""
        kill_leftovers(self.run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=3) as pool:
            firestore = pool.submit(start_firestore, self.children, free_port())
            auth = pool.submit(start_auth, self.children, free_port(), self.project_id)
            moto = pool.submit(start_moto, self.children, free_port())
            try:
                self.firestore_host = firestore.result()
                self.auth_host = auth.result()
                self.aws_endpoint = moto.result()
            except BaseException:
                self.children.stop_all()
                raise

    def stop(self) -> None:
        self.children.stop_all()

    def environment(self) -> dict[str, str]:
        return {
            "MILLI_STAGE": self.stage,
            "GOOGLE_CLOUD_PROJECT": self.project_id,
            "FIRESTORE_EMULATOR_HOST": self.firestore_host,
            "FIREBASE_AUTH_EMULATOR_HOST": self.auth_host,
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "EVENT_BUS_NAME": BUS_NAME,
            "POWERTOOLS_SERVICE_NAME": "milliintell-local",
            "POWERTOOLS_METRICS_NAMESPACE": "MilliIntellLocal",
        }

    def activate(self) -> None:
        """Point this process at the stack and drop clients built for another one."""
        os.environ.update(self.environment())
        reset_process_state()

    def provision(self) -> dict[str, QueueAddress]:
        self.queues = provision(self.template, BUS_NAME, self.events_client(), self.sqs_client())
        return self.queues

    def _aws(self, service: str) -> Any:
        import boto3

        make_client: Any = boto3.client  # its stubs want a literal service name
        return make_client(
            service,
            endpoint_url=self.aws_endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def events_client(self) -> EventBridgeClient:
        client: EventBridgeClient = self._aws("events")
        return client

    def sqs_client(self) -> SQSClient:
        client: SQSClient = self._aws("sqs")
        return client

    def wipe(self) -> None:
        """Empty Firestore, Auth and every queue (between tests)."""
        _delete(
            f"http://{self.firestore_host}/emulator/v1/projects/{self.project_id}"
            "/databases/(default)/documents"
        )
        _delete(f"http://{self.auth_host}/emulator/v1/projects/{self.project_id}/accounts")
        # SQS allows one purge a minute; recreating the queues is immediate on moto.
        sqs = self.sqs_client()
        for queue in self.queues.values():
            sqs.delete_queue(QueueUrl=queue.url)
        self.provision()


def _delete(url: str) -> None:
    request = urllib.request.Request(url, method="DELETE")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def reset_process_state() -> None:
    """Forget cached settings and SDK clients so they are rebuilt from os.environ."""
    from shared import auth, config, events, firestore

    config.reset_settings()
    firestore.reset_client()
    events.reset_client()
    auth.reset_app()
