"""Pacing of WhatsApp sends: at most `rate` per second from one sender.

The notifier runs at most `MaximumConcurrency` (template.yaml) copies at
once; each paces itself to its share of the sender's rate, so together they
stay under WHATSAPP_SENDS_PER_SECOND (default 10). Pure apart from the
sleep, which tests replace.
"""

from __future__ import annotations

import time
from collections.abc import Callable

NOTIFIER_CONCURRENCY = 2  # keep equal to ScalingConfig.MaximumConcurrency in template.yaml


class Pacer:
    def __init__(
        self,
        per_second: float,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._now = now
        self._sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        """Block until the next send is allowed."""
        current = self._now()
        if current < self._next:
            self._sleep(self._next - current)
            current = self._next
        self._next = current + self.interval


def share_of_rate(total: float) -> float:
    """One notifier copy's share of the sender's rate (WHATSAPP_SENDS_PER_SECOND,
    checked at start-up by shared/config.py)."""
    if total <= 0:
        raise ValueError("WHATSAPP_SENDS_PER_SECOND must be positive")
    return total / NOTIFIER_CONCURRENCY
