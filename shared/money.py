"""Currencies: which codes are real and how many minor units each has.

Amounts everywhere are integers in a currency's minor units (cents; yen
have none, Kuwaiti dinars have fils, a thousandth). The digits come from
CLDR's currency data through Babel (maintained upstream, updated with each
Babel release), never from a hand-written list: JPY 0, EUR 2, KWD 3.

Babel is imported on first use: only the functions that handle money pay
for it at cold start.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache


class UnknownCurrency(ValueError):
    """A code that is not an ISO 4217 currency."""


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in _codes()


@lru_cache(maxsize=512)
def minor_units(code: str) -> int:
    """How many decimal places the currency's minor unit has (JPY 0, EUR 2, KWD 3)."""
    if not is_currency(code):
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency code")
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(code))


def to_major(amount: int, code: str) -> Decimal:
    """`1999` GBP → `Decimal("19.99")`; exact, for display and provider APIs that want it."""
    return Decimal(amount).scaleb(-minor_units(code))
