"""`reminder.due` events through the local queues into the WhatsApp and email
consumers, with the real Twilio and SendGrid SDKs and their HTTP answered
locally (`responses` for Twilio, a loopback server for SendGrid).

Starts the emulators (as the tests do), puts N events on the bus, drains
both queues, then counts what reached each provider: messages per second,
duplicates (a provider saw one event twice) and lost (never seen).

Pacing is lifted (WHATSAPP_SENDS_PER_SECOND) so that the figure is the
consumers' own throughput, not the configured sender rate.

    python bench/messaging.py [--events 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.runner import QueueRunner  # noqa: E402
from devstack.stack import BUS_NAME, LocalStack  # noqa: E402

SID = "AC" + "0" * 32
seen_email: Counter[str] = Counter()
seen_whatsapp: Counter[str] = Counter()
lock = threading.Lock()


class FakeSendGrid(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with lock:
            seen_email[body["custom_args"]["dedupe_key"].split(":jo@")[0]] += 1
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def event_detail(i: int) -> dict[str, Any]:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(minutes=15 * i)
    return {
        "version": 1,
        "event_id": f"reminder.due:bench-{i}:2h:{int(start.timestamp())}",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {
            "booking_id": f"bench-{i}",
            "service_id": "s",
            "service_name": "Consultation",
            "staff_id": "alex",
            "status": "confirmed",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=30)).isoformat(),
            "tz": "Europe/London",
            "customer": {"name": "Jo", "email": "jo@example.com", "phone": "+447911123456"},
            "whatsapp_opt_in": True,
            "whatsapp_consent": {"at": "2026-11-01T00:00:00+00:00", "source": "booking_form"},
            "kind": "2h",
        },
    }


def main() -> int:
    import responses

    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10000)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSendGrid)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stack = LocalStack(stage="test", run_dir=Path(tempfile.mkdtemp(prefix="bench-msg-")))
    stack.start()
    try:
        os.environ.update(
            {
                "TWILIO_ACCOUNT_SID": SID,
                "TWILIO_AUTH_TOKEN": "bench-token",
                "TWILIO_WHATSAPP_FROM": "+14155238886",
                "SENDGRID_API_KEY": "SG.bench",
                "EMAIL_FROM": "hello@example.com",
                "SENDGRID_API_HOST": f"http://127.0.0.1:{server.server_address[1]}",
                "WHATSAPP_SENDS_PER_SECOND": "100000",
            }
        )
        stack.activate()
        stack.provision()
        events = stack.events_client()

        def publish(first: int, last: int) -> None:
            for chunk in range(first, last, 10):
                events.put_events(
                    Entries=[
                        {
                            "EventBusName": BUS_NAME,
                            "Source": "milliintell.bookings",
                            "DetailType": "reminder.due",
                            "Detail": json.dumps(event_detail(i)),
                        }
                        for i in range(chunk, min(chunk + 10, last))
                    ]
                )

        consumers = [
            c
            for c in stack.template.consumers
            if c.logical_id in ("WhatsappNotifyFunction", "BookingsEmailFunction")
        ]
        runner = QueueRunner(consumers, stack.queues, stack.sqs_client(), retry_delay_seconds=1)

        def twilio_reply(request: Any) -> tuple[int, dict[str, str], str]:
            form = parse_qs(request.body)
            key = json.loads(form["ContentVariables"][0])["3"] + form["To"][0]
            with lock:
                seen_whatsapp[key] += 1
                n = sum(seen_whatsapp.values())
            return 201, {}, json.dumps({"sid": f"SM{n}", "status": "queued"})

        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mock.add_callback(
                "POST",
                f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json",
                callback=twilio_reply,
            )
            # Published in waves of 100 and drained as they come, as the
            # 5-minute reminder cron would: moto's SQS scans the whole queue
            # on every receive, so a 10,000-deep queue measures moto, not us.
            began = time.perf_counter()
            delivered = 0
            for wave in range(0, args.events, 100):
                publish(wave, min(wave + 100, args.events))
                delivered += runner.drain(max_rounds=100000)
            elapsed = time.perf_counter() - began
    finally:
        stack.stop()
        server.shutdown()
    emails, whatsapps = sum(seen_email.values()), sum(seen_whatsapp.values())
    print(f"{args.events} reminder.due events in waves of 100, 2 consumers, 1 runner thread\n")
    print(f"{'channel':10} {'sent':>7} {'unique':>7} {'duplicates':>10} {'lost':>6}")
    for name, seen in (("email", seen_email), ("whatsapp", seen_whatsapp)):
        total = sum(seen.values())
        print(
            f"{name:10} {total:7d} {len(seen):7d} {total - len(seen):10d} "
            f"{args.events - len(seen):6d}"
        )
    print(
        f"\nqueue deliveries {delivered} in {elapsed:.1f} s: "
        f"{(emails + whatsapps) / elapsed:.0f} messages/s ({args.events / elapsed:.0f} events/s)"
    )
    ok = all(len(s) == sum(s.values()) == args.events for s in (seen_email, seen_whatsapp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
