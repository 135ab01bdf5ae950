"""Invoice rules, pure (no I/O): totals of a draft, states, due dates, pay tokens.

`totals_of` is the only bridge from what staff typed to `totals.compute`;
everything that shows or charges money reads the `TotalsOut` it returned,
stored on the invoice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from functions.invoices import totals as money
from functions.invoices.models import (
    InvoiceStatus,
    LineIn,
    LineTotalsOut,
    Rounding,
    StoredInvoice,
    StoredLine,
    TaxTotalOut,
    TotalsOut,
)
from shared.money import minor_units

# Where each state may go. Payment states follow the amounts (see
# `status_after_amounts`); a void or uncollectible invoice takes no more money
# through us, but a late provider payment is still recorded (and refunded).
TRANSITIONS: dict[InvoiceStatus, tuple[InvoiceStatus, ...]] = {
    "draft": ("open", "void"),
    "open": ("partially_paid", "paid", "void", "uncollectible"),
    "partially_paid": ("paid", "uncollectible"),
    "paid": (),  # money back goes through a refund and its credit note, never a state change
    "void": (),
    "uncollectible": ("partially_paid", "paid", "void"),
}
PAYABLE: tuple[InvoiceStatus, ...] = ("open", "partially_paid", "uncollectible")


def can_move(current: InvoiceStatus, target: InvoiceStatus) -> bool:
    return target == current or target in TRANSITIONS[current]


def totals_of(
    currency: str,
    lines: Sequence[LineIn | StoredLine],
    discount_percent: Decimal,
    rounding: Rounding,
) -> TotalsOut:
    """Compute an invoice's figures (the one call that does)."""
    minor_units(currency)  # an unknown currency fails here, before any figure exists
    computed = money.compute(
        [
            money.Line(
                quantity=line.quantity,
                unit_amount=line.unit_amount,
                tax_rates=tuple(
                    money.TaxRate(rate.name, rate.percent, rate.inclusive)
                    for rate in line.tax_rates
                ),
                discount_percent=line.discount_percent,
            )
            for line in lines
        ],
        discount_percent=discount_percent,
        rounding=rounding,
    )
    return TotalsOut(
        currency=currency,
        rounding=rounding,
        lines=[
            LineTotalsOut(gross=line.gross, discount=line.discount, amount=line.amount)
            for line in computed.lines
        ],
        subtotal=computed.subtotal,
        discount=computed.discount,
        taxes=[
            TaxTotalOut(
                name=tax.name,
                percent=tax.percent,
                inclusive=tax.inclusive,
                taxable=tax.taxable,
                amount=tax.amount,
            )
            for tax in computed.taxes
        ],
        total=computed.total,
        net=computed.net,
    )


def stored_lines(lines: Sequence[LineIn]) -> list[StoredLine]:
    return [StoredLine.model_validate(line.model_dump()) for line in lines]


def due_date(issue: date, terms_days: int | None, explicit: date | None) -> date:
    if explicit is not None:
        return max(explicit, issue)
    return issue + timedelta(days=terms_days or 0)


def status_after_amounts(invoice: StoredInvoice, paid: int, credited: int) -> InvoiceStatus:
    """The payment state an open invoice is in once `paid` and `credited` are counted.

    Refunds are not deducted from `paid`: a refund is money returned against
    a credit note, so the invoice stays settled (`paid`) and the credit
    note records the refund, as accountants expect.
    """
    if invoice.status in ("draft", "void"):
        return invoice.status
    settled = paid + credited
    if settled >= invoice.totals.total:
        return "paid"
    if paid > 0:
        return "partially_paid"
    return "uncollectible" if invoice.status == "uncollectible" else "open"


# ------------------------------------------------------------- pay token
def new_pay_token() -> tuple[str, str]:
    """A client's pay token and the hash that is stored (like a booking's manage token)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str | None) -> bool:
    if not token or not stored_hash or len(token) > 200:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)
