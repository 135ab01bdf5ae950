"""Accounting export: CSV for QuickBooks Online's and Xero's invoice imports, and payments.

Pure and streaming: each builder takes an iterable of `(id, document)` and
yields CSV text a document at a time, so a long period never sits in
memory (the route hands the generator to a StreamingResponse).

Every figure is a stored one, printed as an exact major-unit decimal
(`shared.money.to_major`: JPY `5500`, EUR `19.99`, KWD `1.250`), never a
float and never recomputed. Each invoice becomes rows whose amounts add up
to its stored total exactly:

- one row per line: quantity 1, rate = the line's stored amount
  (`totals.lines[i].amount`; the real quantity and unit price go in the
  description, so the accounting tool cannot round a product differently);
- one row for the document discount (negative);
- one row per exclusive tax with its stored amount (a withholding such as
  IRPF is negative); inclusive taxes are already inside the line amounts.

Our taxes are rounded once per invoice (document rounding) and are not
stored per line, so the tools are not asked to compute tax: import Xero
files with "Amounts are: No Tax", and give QuickBooks a non-taxable code.
Limitation: the tools' tax reports then see taxes as rows coded to the tax
account (Xero) or as a product (QuickBooks), not as tax on each line.

Credit notes: Xero imports an invoice whose total is negative as a credit
note, so its rows are negative. QuickBooks Online's invoice import has no
credit memos: credit notes come as negative rows (memo "Credit note"),
which staff enter as a Credit Memo (QuickBooks refuses a negative invoice).

Drafts (no number) and void invoices are left out. Text cells that a
spreadsheet would run as a formula (starting with = + - @, tab or CR) are
prefixed with `'`; the numeric columns are ours and never escaped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from functions.invoices.models import StoredInvoice, StoredPayment
from shared.money import to_major

ExportFormat = Literal["quickbooks", "xero", "payments"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("quickbooks", "xero", "payments")

# Xero's sales invoice import template (Business → Invoices → Import), in its order.
XERO_COLUMNS = (
    "*ContactName", "EmailAddress",
    "POAddressLine1", "POAddressLine2", "POAddressLine3", "POAddressLine4",
    "POCity", "PORegion", "POPostalCode", "POCountry",
    "*InvoiceNumber", "Reference", "*InvoiceDate", "*DueDate", "Total",
    "InventoryItemCode", "*Description", "*Quantity", "*UnitAmount", "Discount",
    "*AccountCode", "*TaxType", "TaxAmount",
    "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2",
    "Currency", "BrandingTheme",
)  # fmt: skip
# QuickBooks Online's invoice import (Settings → Import data → Invoices) sample file.
QUICKBOOKS_COLUMNS = (
    "InvoiceNo", "Customer", "InvoiceDate", "DueDate", "Terms", "Location", "Memo",
    "Item(Product/Service)", "ItemDescription", "ItemQuantity", "ItemRate", "ItemAmount",
    "ItemTaxCode", "ItemTaxAmount", "Currency", "Service Date",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "PaymentId", "Date", "Kind", "InvoiceId", "InvoiceNumber", "Provider", "Method",
    "ProviderReference", "Reference", "Currency", "Amount", "Status", "CreditNoteId",
)  # fmt: skip

NUMERIC = frozenset(
    {"*Quantity", "*UnitAmount", "Total", "TaxAmount", "ItemQuantity", "ItemRate", "ItemAmount",
     "ItemTaxAmount", "Amount"}
)  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORTED_STATUSES = frozenset({"open", "partially_paid", "paid", "uncollectible"})


@dataclass(frozen=True)
class ExportOptions:
    """What the accounting file names on the tool's side (its chart and codes)."""

    date_format: str = "%d/%m/%Y"  # the organisation's regional format (US: %m/%d/%Y)
    sales_account: str = "200"  # Xero's default Sales account
    tax_account: str = "820"  # Xero's default VAT/GST/sales tax liability account
    no_tax_type: str = "Tax Exempt"  # Xero: a 0 % rate name ("No VAT" in the UK)
    quickbooks_item: str = ""  # empty: QuickBooks' default item
    quickbooks_tax_code: str = ""  # e.g. "NON" (US) or the 0 % code (UK, CA, AU)


@dataclass(frozen=True)
class Row:
    """One amount of an invoice, signed as it adds up to the stored total."""

    description: str
    amount: int  # minor units
    kind: Literal["line", "discount", "tax"]


def escape(cell: str) -> str:
    """A text cell a spreadsheet would treat as a formula, made inert."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def money_text(amount: int, currency: str) -> str:
    return format(to_major(amount, currency), "f")


def invoice_rows(invoice: StoredInvoice) -> list[Row]:
    """Lines, discount and exclusive taxes; their sum is the stored total (negated for a
    credit note)."""
    sign = -1 if invoice.kind == "credit_note" else 1
    totals = invoice.totals
    rows = [
        Row(_line_text(invoice, index), sign * figures.amount, "line")
        for index, figures in enumerate(totals.lines)
    ]
    if totals.discount:
        percent = format(invoice.discount_percent.normalize(), "f")
        rows.append(Row(f"Discount {percent}%", -sign * totals.discount, "discount"))
    for tax in totals.taxes:
        if not tax.inclusive and tax.amount:
            percent = format(tax.percent.normalize(), "f")
            rows.append(Row(f"{tax.name} {percent}%", sign * tax.amount, "tax"))
    if sum(row.amount for row in rows) != sign * totals.total:
        # Stored totals always satisfy this (totals.compute); refuse to export a
        # document whose figures were altered rather than print a wrong file.
        raise ValueError(f"invoice {invoice.number}: stored rows do not add up to its total")
    return rows


def _line_text(invoice: StoredInvoice, index: int) -> str:
    line = invoice.lines[index] if index < len(invoice.lines) else None
    if line is None:
        return f"Line {index + 1}"
    details = []
    if line.quantity != 1:
        quantity = format(line.quantity.normalize(), "f")
        details.append(f"{quantity} x {money_text(line.unit_amount, invoice.currency)}")
    if line.discount_percent:
        details.append(f"less {format(line.discount_percent.normalize(), 'f')}%")
    return f"{line.description} ({', '.join(details)})" if details else line.description


def _exported(invoices: Iterable[tuple[str, StoredInvoice]]) -> Iterator[tuple[str, StoredInvoice]]:
    for invoice_id, invoice in invoices:
        if invoice.number and invoice.status in EXPORTED_STATUSES:
            yield invoice_id, invoice


def _dates(invoice: StoredInvoice) -> tuple[date, date]:
    issued = invoice.issue_date or (invoice.finalized_at or invoice.created_at).date()
    return issued, invoice.due_date or issued


def _stream(columns: tuple[str, ...], records: Iterable[list[dict[str, str]]]) -> Iterator[str]:
    """The header, then one chunk of rows per document."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield buffer.getvalue()
    for rows in records:
        buffer.seek(0)
        buffer.truncate()
        for row in rows:
            writer.writerow(
                [
                    row.get(column, "") if column in NUMERIC else escape(row.get(column, ""))
                    for column in columns
                ]
            )
        if rows:
            yield buffer.getvalue()


# ---------------------------------------------------------------------- Xero
def xero_csv(
    invoices: Iterable[tuple[str, StoredInvoice]], options: ExportOptions | None = None
) -> Iterator[str]:
    options = options or ExportOptions()
    return _stream(XERO_COLUMNS, (_xero(i, inv, options) for i, inv in _exported(invoices)))


def _xero(invoice_id: str, invoice: StoredInvoice, options: ExportOptions) -> list[dict[str, str]]:
    issued, due = _dates(invoice)
    address = [part.strip() for part in invoice.billing.address.splitlines() if part.strip()]
    head = {
        "*ContactName": invoice.billing.name,
        "EmailAddress": invoice.billing.email,
        **{f"POAddressLine{n}": text for n, text in enumerate(address[:4], start=1)},
        "*InvoiceNumber": invoice.number or "",
        "Reference": invoice.credit_note_of or invoice_id,
        "*InvoiceDate": issued.strftime(options.date_format),
        "*DueDate": due.strftime(options.date_format),
        "Currency": invoice.currency,
    }
    return [
        head
        | {
            "*Description": row.description,
            "*Quantity": "1",
            "*UnitAmount": money_text(row.amount, invoice.currency),
            "*AccountCode": options.tax_account if row.kind == "tax" else options.sales_account,
            "*TaxType": options.no_tax_type,
        }
        for row in invoice_rows(invoice)
    ]


# ---------------------------------------------------------------- QuickBooks
def quickbooks_csv(
    invoices: Iterable[tuple[str, StoredInvoice]], options: ExportOptions | None = None
) -> Iterator[str]:
    options = options or ExportOptions()
    return _stream(
        QUICKBOOKS_COLUMNS, (_quickbooks(i, inv, options) for i, inv in _exported(invoices))
    )


def _quickbooks(
    invoice_id: str, invoice: StoredInvoice, options: ExportOptions
) -> list[dict[str, str]]:
    issued, due = _dates(invoice)
    memo = f"Credit note of {invoice.credit_note_of}" if invoice.kind == "credit_note" else ""
    head = {
        "InvoiceNo": invoice.number or "",
        "Customer": invoice.billing.name,
        "InvoiceDate": issued.strftime(options.date_format),
        "DueDate": due.strftime(options.date_format),
        "Terms": f"Net {invoice.payment_terms_days}" if invoice.payment_terms_days else "",
        "Memo": (memo or invoice_id),
        "Currency": invoice.currency,
    }
    rows = []
    for row in invoice_rows(invoice):
        amount = money_text(row.amount, invoice.currency)
        item = {"line": options.quickbooks_item, "discount": "Discount", "tax": row.description}
        rows.append(
            head
            | {
                "Item(Product/Service)": item[row.kind],
                "ItemDescription": row.description,
                "ItemQuantity": "1",
                "ItemRate": amount,
                "ItemAmount": amount,
                "ItemTaxCode": options.quickbooks_tax_code,
            }
        )
    return rows


# ------------------------------------------------------------------ payments
def payments_csv(
    payments: Iterable[tuple[str, StoredPayment]],
    *,
    invoice_numbers: Mapping[str, str] | None = None,
    date_format: str = "%Y-%m-%d",
) -> Iterator[str]:
    """Payments and refunds (refunds negative), for reconciling against the bank."""
    numbers = invoice_numbers or {}

    def rows(payment_id: str, payment: StoredPayment) -> list[dict[str, str]]:
        sign = -1 if payment.kind == "refund" else 1
        return [
            {
                "PaymentId": payment_id,
                "Date": payment.paid_at.strftime(date_format),
                "Kind": payment.kind,
                "InvoiceId": payment.invoice_id,
                "InvoiceNumber": numbers.get(payment.invoice_id, ""),
                "Provider": payment.provider,
                "Method": payment.method,
                "ProviderReference": payment.provider_id,
                "Reference": payment.reference,
                "Currency": payment.currency,
                "Amount": money_text(sign * payment.amount, payment.currency),
                "Status": payment.status,
                "CreditNoteId": payment.credit_note_id or "",
            }
        ]

    return _stream(PAYMENT_COLUMNS, (rows(pid, payment) for pid, payment in payments))


BUILDERS: dict[str, Callable[..., Iterator[str]]] = {"quickbooks": quickbooks_csv, "xero": xero_csv}


def export_csv(
    format: ExportFormat,
    invoices: Iterable[tuple[str, StoredInvoice]],
    payments: Iterable[tuple[str, StoredPayment]],
    *,
    options: ExportOptions | None = None,
) -> Iterator[str]:
    """`quickbooks` / `xero`: the tool's invoice import file (invoices and credit notes);
    `payments`: the payments file. Only the iterable the format needs is read."""
    if format == "payments":
        return payments_csv(payments, date_format=(options or ExportOptions()).date_format)
    if format not in BUILDERS:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}")
    return BUILDERS[format](invoices, options)
