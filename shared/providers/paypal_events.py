"""PayPal webhook events → the payment they record (pure; the event is already verified).

    PAYMENT.CAPTURE.COMPLETED  → a payment (provider id: the capture id)
    PAYMENT.CAPTURE.DENIED     → a failed payment (the capture id)
    PAYMENT.CAPTURE.REFUNDED   → a refund (provider id: the refund id; capture_id the refunded one)
    INVOICING.INVOICE.PAID     → a payment of a PayPal-sent invoice (provider id: the
                                 transaction id, the same id a capture event of that
                                 payment carries, so the ledger records it once)

Our invoice id comes from `custom_id` (set on every order we create) or, for
PayPal Invoicing, from the invoice's `detail.reference`. When neither is there
(`invoice_id` None), `order_id` / `reference` (PayPal's invoice_id or number)
let the caller look the invoice up. Anything else → None (acknowledge, ignore).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from shared.providers.paypal_money import minor_from_paypal

PaymentKind = Literal["payment", "refund", "failed"]
CAPTURE_KINDS: dict[str, PaymentKind] = {
    "PAYMENT.CAPTURE.COMPLETED": "payment",
    "PAYMENT.CAPTURE.DENIED": "failed",
    "PAYMENT.CAPTURE.REFUNDED": "refund",
}
INVOICE_PAID = "INVOICING.INVOICE.PAID"


@dataclass(frozen=True)
class PayPalPayment:
    event_id: str
    event_type: str
    kind: PaymentKind
    provider_id: str
    invoice_id: str | None  # our invoice id
    amount_minor: int
    currency: str
    status: str
    order_id: str | None = None
    capture_id: str | None = None  # a refund's capture
    reference: str | None = None  # PayPal's invoice_id / invoice number


def payment_from_paypal_event(event: dict[str, Any]) -> PayPalPayment | None:
    event_type = str(event.get("event_type") or "")
    resource = event.get("resource")
    if not isinstance(resource, dict):
        return None
    if event_type in CAPTURE_KINDS:
        return _from_capture_or_refund(event, event_type, resource)
    if event_type == INVOICE_PAID:
        return _from_invoice(event, resource)
    return None


def _from_capture_or_refund(
    event: dict[str, Any], event_type: str, resource: dict[str, Any]
) -> PayPalPayment | None:
    amount = resource.get("amount") or {}
    if not resource.get("id") or "value" not in amount or "currency_code" not in amount:
        return None
    related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
    kind = CAPTURE_KINDS[event_type]
    capture_id = _capture_of_refund(resource) if kind == "refund" else None
    return PayPalPayment(
        event_id=str(event.get("id") or ""),
        event_type=event_type,
        kind=kind,
        provider_id=str(resource["id"]),
        invoice_id=resource.get("custom_id") or None,
        amount_minor=minor_from_paypal(amount["value"], amount["currency_code"]),
        currency=str(amount["currency_code"]).upper(),
        status=str(resource.get("status") or ""),
        order_id=related.get("order_id"),
        capture_id=capture_id or related.get("capture_id"),
        reference=resource.get("invoice_id"),
    )


def _capture_of_refund(refund: dict[str, Any]) -> str | None:
    """A refund links `rel: up` to the capture it refunds."""
    for link in refund.get("links") or ():
        if isinstance(link, dict) and link.get("rel") == "up" and link.get("href"):
            return str(link["href"]).rstrip("/").rsplit("/", 1)[-1]
    return None


def _from_invoice(event: dict[str, Any], resource: dict[str, Any]) -> PayPalPayment | None:
    nested = resource.get("invoice")
    invoice: dict[str, Any] = nested if isinstance(nested, dict) else resource
    detail = invoice.get("detail") or {}
    payments = invoice.get("payments") or {}
    transactions = [t for t in payments.get("transactions") or () if isinstance(t, dict)]
    if transactions:
        # The payment that settled it: the last one PayPal lists.
        last = transactions[-1]
        provider_id = last.get("payment_id")
        amount = last.get("amount") or {}
    else:
        provider_id = invoice.get("id")
        amount = payments.get("paid_amount") or invoice.get("amount") or {}
    currency = amount.get("currency_code") or detail.get("currency_code")
    if not provider_id or "value" not in amount or not currency:
        return None
    return PayPalPayment(
        event_id=str(event.get("id") or ""),
        event_type=INVOICE_PAID,
        kind="payment",
        provider_id=str(provider_id),
        invoice_id=detail.get("reference") or None,
        amount_minor=minor_from_paypal(amount["value"], currency),
        currency=str(currency).upper(),
        status=str(invoice.get("status") or "PAID"),
        reference=detail.get("invoice_number"),
    )
