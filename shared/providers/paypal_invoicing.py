"""The body of a PayPal Invoicing v2 invoice, from figures we already computed.

PayPal recomputes an invoice's total from its items, taxes and discount. To
make it arrive at exactly our stored total (ours stays the record), nothing
is left for PayPal to multiply or round:

- each of our lines is one item, quantity 1, unit amount = the line's stored
  amount (after its line discount; inclusive taxes are inside it, as on ours);
- each positive exclusive tax is one more item carrying the stored tax
  amount ("VAT 20%"), no PayPal-side tax rate;
- the document discount plus any withholding (a negative exclusive tax,
  e.g. IRPF -15 %) is PayPal's invoice-level discount, as an amount.

So PayPal's total = lines + taxes - (discount + withholding) = ours, and
`InvoiceDraft.check()` refuses a draft where it would not be.
Limitation: PayPal's tax report sees these taxes as items, not as taxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from shared.providers import PermanentProviderError
from shared.providers.paypal import last_segment, link_of, path_id
from shared.providers.paypal_money import money

if TYPE_CHECKING:
    from shared.providers.paypal import PayPal

ITEM_NAME_LIMIT = 200
NOTE_LIMIT = 4000


@dataclass(frozen=True)
class DraftItem:
    name: str
    amount_minor: int


@dataclass(frozen=True)
class InvoiceDraft:
    reference: str  # our invoice id: comes back in INVOICING.* webhooks
    number: str  # our invoice number (PayPal wants it unique per account)
    currency: str
    recipient_name: str
    recipient_email: str
    items: tuple[DraftItem, ...]
    total_minor: int
    discount_minor: int = 0
    issue_date: date | None = None
    due_date: date | None = None
    note: str = ""
    terms: str = ""
    allow_partial_payment: bool = False

    def check(self) -> None:
        """Refuse a draft PayPal would total differently from ours."""
        if not self.items:
            raise PermanentProviderError("a PayPal invoice needs at least one item")
        if any(item.amount_minor < 0 for item in self.items) or self.discount_minor < 0:
            raise PermanentProviderError("PayPal invoice items and discount must not be negative")
        computed = sum(item.amount_minor for item in self.items) - self.discount_minor
        if computed != self.total_minor:
            raise PermanentProviderError(
                f"PayPal would total {computed}, the stored total is {self.total_minor}"
            )


def invoice_body(draft: InvoiceDraft) -> dict[str, Any]:
    """`POST /v2/invoicing/invoices` body; amounts are exact strings in PayPal's format."""
    draft.check()
    currency = draft.currency.upper()
    detail: dict[str, Any] = {
        "invoice_number": draft.number,
        "reference": draft.reference,
        "currency_code": currency,
    }
    if draft.issue_date:
        detail["invoice_date"] = draft.issue_date.isoformat()
    if draft.due_date:
        detail["payment_term"] = {"due_date": draft.due_date.isoformat()}
    if draft.note:
        detail["note"] = draft.note[:NOTE_LIMIT]
    if draft.terms:
        detail["terms_and_conditions"] = draft.terms[:NOTE_LIMIT]
    body: dict[str, Any] = {
        "detail": detail,
        "primary_recipients": [
            {
                "billing_info": {
                    "name": {"full_name": draft.recipient_name},
                    "email_address": draft.recipient_email,
                }
            }
        ],
        "items": [
            {
                "name": (item.name.strip() or "Item")[:ITEM_NAME_LIMIT],
                "quantity": "1",
                "unit_amount": money(item.amount_minor, currency),
                "unit_of_measure": "AMOUNT",
            }
            for item in draft.items
        ],
        "configuration": {
            "allow_tip": False,
            "tax_calculated_after_discount": True,
            "tax_inclusive": False,
            "partial_payment": {"allow_partial_payment": draft.allow_partial_payment},
        },
    }
    if draft.discount_minor:
        body["amount"] = {
            "breakdown": {
                "discount": {"invoice_discount": {"amount": money(draft.discount_minor, currency)}}
            }
        }
    return body


def create_and_send(client: PayPal, draft: InvoiceDraft, request_id: str) -> tuple[str, str]:
    """A PayPal invoice from our stored figures, emailed → (its id, the payer view link)."""
    created = client.call(
        "POST", "/v2/invoicing/invoices", body=invoice_body(draft), request_id=request_id
    )
    paypal_id = created.get("id") or last_segment(link_of(created, "self"))
    if not paypal_id:
        raise PermanentProviderError("PayPal created an invoice without an id")
    sent = client.call(
        "POST",
        f"/v2/invoicing/invoices/{path_id(paypal_id)}/send",
        body={"send_to_invoicer": False, "send_to_recipient": True},
        request_id=f"{request_id}-send"[:108],
    )
    link = link_of(sent, "payer-view") or sent.get("href")
    if not link:
        shown = client.call("GET", f"/v2/invoicing/invoices/{path_id(paypal_id)}")
        link = (shown.get("detail") or {}).get("metadata", {}).get("recipient_view_url")
    if not link:
        raise PermanentProviderError(f"PayPal sent invoice {paypal_id} without a payer link")
    return str(paypal_id), str(link)
