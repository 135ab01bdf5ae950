"""Invoice rules, pure (no I/O): totals of a draft, states, due dates, pay tokens.

`totals_of` is the only bridge from what staff typed to `totals.compute`;
everything that shows or charges money reads the `TotalsOut` it returned,
stored on the invoice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
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
# A pay link must be sendable again later (the invoice email, each dunning
# reminder, a receipt), yet only its hash is stored, like a manage token. So
# the token is derived: HMAC(PAY_LINK_SECRET, invoice id + a per-invoice
# nonce). Rotating one invoice's link means a new nonce; rotating the secret
# changes every link. Only local and test stages may use the fixed default.
PAY_LINK_SECRET = "PAY_LINK_SECRET"
_LOCAL_SECRET = "local-pay-link-secret-not-for-production"


def _link_secret() -> bytes:
    from shared.config import ConfigError, get_settings

    secret = os.environ.get(PAY_LINK_SECRET, "")
    if not secret:
        if get_settings().stage == "prod":
            raise ConfigError(f"{PAY_LINK_SECRET} must be set in production")
        secret = _LOCAL_SECRET
    return secret.encode()


def new_pay_nonce() -> str:
    return secrets.token_urlsafe(12)


def pay_token_for(invoice_id: str, nonce: str) -> str:
    """The client's pay token of an invoice (recomputable for every email)."""
    digest = hmac.new(_link_secret(), f"pay:{invoice_id}:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def new_pay_token() -> tuple[str, str]:
    """A random token and its hash (for callers that show a token once)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str | None) -> bool:
    if not token or not stored_hash or len(token) > 200:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)
