"""Powertools Logger per function, with a correlation id per request."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger


@cache
def get_logger(service: str) -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=f"milliintell-{service}")
