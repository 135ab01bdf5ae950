"""Our stored invoice as a PayPal Invoicing draft (see shared/providers/paypal_invoicing.py).

Only stored figures are used: each line's `totals.lines[i].amount`, the
stored taxes and discount. Nothing is recomputed.
"""

from __future__ import annotations

from functions.invoices.models import StoredInvoice
from shared.providers import PermanentProviderError
from shared.providers.paypal_invoicing import DraftItem, InvoiceDraft


def paypal_draft(invoice_id: str, invoice: StoredInvoice) -> InvoiceDraft:
    if invoice.kind != "invoice" or not invoice.number:
        raise PermanentProviderError("only a finalised invoice (not a credit note) goes to PayPal")
    totals = invoice.totals
    items = [
        DraftItem(line.description, figures.amount)
        for line, figures in zip(invoice.lines, totals.lines, strict=True)
    ]
    withholding = 0
    for tax in totals.taxes:
        if tax.inclusive:
            continue  # already inside the line amounts
        if tax.amount > 0:
            items.append(DraftItem(f"{tax.name} {format(tax.percent, 'f')}%", tax.amount))
        elif tax.amount < 0:
            withholding -= tax.amount
    return InvoiceDraft(
        reference=invoice_id,
        number=invoice.number,
        currency=invoice.currency,
        recipient_name=invoice.billing.name,
        recipient_email=invoice.billing.email,
        items=tuple(items),
        total_minor=totals.total,
        discount_minor=totals.discount + withholding,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        note=invoice.notes,
        terms=invoice.terms,
        allow_partial_payment=True,
    )
