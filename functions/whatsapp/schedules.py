"""WhatsApp scheduled handlers (schedules in template.yaml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.events import Publisher
from shared.logging import get_logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("whatsapp")
events = Publisher("whatsapp")


def republish_events(event: dict[str, Any], context: LambdaContext | None) -> dict[str, int]:
    """Publish WhatsApp events that were committed but not sent (a failed PutEvents)."""
    republished = events.republish_pending()
    if republished:
        logger.warning("republished staged events", extra={"republished": republished})
    return {"republished": republished}
