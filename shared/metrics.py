"""Business metrics as CloudWatch embedded metric format (EMF) lines.

Each count is one JSON line on stdout, flushed as it happens; CloudWatch
Logs turns it into a metric in `POWERTOOLS_METRICS_NAMESPACE` (template.yaml),
with the function's `POWERTOOLS_SERVICE_NAME` as a dimension. No network
call and no state between invocations, so a count is never lost to a
handler that forgot to flush, and costs a print.

What is counted (each a Count):
- `BookingsCreated` (dimension `by`: client or staff), `BookingSlotTaken`
  (a booking refused because its time went meanwhile);
- `EmailsSent`;
- `WhatsAppMessagesSent`, `WhatsAppMessagesSkipped` (no consent, or none
  due), `WhatsAppMessagesRefused` (the provider refused for good).
"""

from __future__ import annotations

import os

DEFAULT_NAMESPACE = "MilliIntell"


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Emit `value` of metric `name` now, with these dimensions."""
    # Imported on first count: the HTTP functions' cold start does not pay for it.
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
    service = os.environ.get("POWERTOOLS_SERVICE_NAME") or "milliintell"
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=value,
        namespace=namespace,
        default_dimensions={"service": service},
    ) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
