"""PayPal amounts: our integer minor units as PayPal's decimal strings, and back.

Only currencies PayPal takes (developer.paypal.com/reference/currency-codes);
the digits come from `shared.money` (CLDR), except that PayPal wants HUF,
JPY and TWD in whole units (ISO gives HUF and TWD two decimals).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from shared.money import UnknownCurrency, minor_units, to_major
from shared.providers import PermanentProviderError

# PayPal's REST currency codes (developer.paypal.com/reference/currency-codes).
# BRL and MYR work for in-country accounts only; PayPal refuses them otherwise.
PAYPAL_CURRENCIES = frozenset(
    {
        "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS",
        "JPY", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "SEK", "SGD", "THB", "TWD", "USD",
    }
)  # fmt: skip
# "This currency does not support decimals": ISO gives HUF and TWD two
# digits (our minor units), PayPal takes whole forints and dollars only.
WHOLE_UNITS_ONLY = frozenset({"HUF", "JPY", "TWD"})


class UnsupportedCurrency(PermanentProviderError):
    """PayPal cannot take this currency, or this amount in it."""


# ------------------------------------------------------------------ money
def paypal_value(amount_minor: int, currency: str) -> str:
    """`1999, "EUR"` → `"19.99"`; `500, "JPY"` → `"500"`; refuses what PayPal cannot take."""
    code = currency.upper()
    if code not in PAYPAL_CURRENCIES:
        raise UnsupportedCurrency(
            f"PayPal does not accept {code}; accepted: {', '.join(sorted(PAYPAL_CURRENCIES))}",
            code="CURRENCY_NOT_SUPPORTED",
        )
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 0:
        raise ValueError(
            f"amount must be a non-negative integer of minor units, not {amount_minor!r}"
        )
    major = to_major(amount_minor, code)
    if code in WHOLE_UNITS_ONLY:
        if major != major.to_integral_value():
            raise UnsupportedCurrency(
                f"PayPal takes whole {code} only; {format(major, 'f')} {code} has a fraction",
                code="DECIMALS_NOT_SUPPORTED",
            )
        return str(int(major))
    return format(major, "f")


def minor_from_paypal(value: str, currency: str) -> int:
    """PayPal's `"19.99"` in EUR → `1999`; refuses a value finer than the currency's minor unit."""
    code = currency.upper()
    try:
        digits = minor_units(code)
        scaled = Decimal(str(value)).scaleb(digits)
    except (InvalidOperation, UnknownCurrency, ValueError) as error:
        raise PermanentProviderError(
            f"PayPal sent an unreadable amount {value!r} {code}"
        ) from error
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise PermanentProviderError(f"PayPal sent {value!r} {code}, finer than its minor unit")
    return int(scaled)


def money(amount_minor: int, currency: str) -> dict[str, str]:
    return {"currency_code": currency.upper(), "value": paypal_value(amount_minor, currency)}
