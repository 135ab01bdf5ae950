"""The accounting export: the import templates' columns, exact amounts in any
currency, credit notes per tool, formula injection, and sums equal to the
stored totals (built from real `totals_of` figures, the way the store keeps them)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.invoices.export import (
    PAYMENT_COLUMNS,
    QUICKBOOKS_COLUMNS,
    XERO_COLUMNS,
    ExportOptions,
    escape,
    export_csv,
    invoice_rows,
    payments_csv,
    quickbooks_csv,
    xero_csv,
)
from functions.invoices.models import (
    BillingContact,
    StoredInvoice,
    StoredLine,
    StoredPayment,
    TaxRateIn,
    TotalsOut,
)
from functions.invoices.rules import totals_of

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def make_invoice(
    currency: str = "EUR",
    lines: list[tuple[str, str, int, list[tuple[str, str, bool]]]] | None = None,
    discount: str = "0",
    **overrides: Any,
) -> StoredInvoice:
    """An open invoice whose totals come from the one place money is computed."""
    stored_lines = [
        StoredLine(
            description=description,
            quantity=Decimal(quantity),
            unit_amount=unit,
            tax_rates=[
                TaxRateIn(name=name, percent=Decimal(percent), inclusive=inclusive)
                for name, percent, inclusive in rates
            ],
        )
        for description, quantity, unit, rates in (
            lines or [("Consulting", "2.5", 4000, [("IVA", "21", False), ("IRPF", "-15", False)])]
        )
    ]
    totals = totals_of(currency, stored_lines, Decimal(discount), "document")
    invoice = StoredInvoice(
        status="open",
        number="INV-2026-0001",
        billing=BillingContact(
            name="Ana García", email="ana@example.com", address="Calle Mayor 1\n28013 Madrid"
        ),
        currency=currency,
        lines=stored_lines,
        discount_percent=Decimal(discount),
        totals=totals,
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 15),
        payment_terms_days=14,
        created_at=NOW,
        updated_at=NOW,
    )
    return invoice.model_copy(update=overrides)


def read(chunks: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(chunks))))


def column(table: list[list[str]], name: str) -> list[str]:
    index = table[0].index(name)
    return [row[index] for row in table[1:]]


def test_totals_helper_matches_the_stored_shape() -> None:
    totals = make_invoice().totals
    assert isinstance(totals, TotalsOut)
    assert totals.total == 10000 + 2100 - 1500


# ----------------------------------------------------------------- columns
def test_xero_columns_are_the_templates() -> None:
    header = read(xero_csv([]))[0]
    assert header == list(XERO_COLUMNS)
    assert header[:2] == ["*ContactName", "EmailAddress"]
    assert header[10:14] == ["*InvoiceNumber", "Reference", "*InvoiceDate", "*DueDate"]
    assert header[16:23] == [
        "*Description", "*Quantity", "*UnitAmount", "Discount", "*AccountCode", "*TaxType",
        "TaxAmount",
    ]  # fmt: skip
    assert "Currency" in header


def test_quickbooks_columns_are_the_templates() -> None:
    assert read(quickbooks_csv([]))[0] == [
        "InvoiceNo", "Customer", "InvoiceDate", "DueDate", "Terms", "Location", "Memo",
        "Item(Product/Service)", "ItemDescription", "ItemQuantity", "ItemRate", "ItemAmount",
        "ItemTaxCode", "ItemTaxAmount", "Currency", "Service Date",
    ]  # fmt: skip
    assert tuple(read(quickbooks_csv([]))[0]) == QUICKBOOKS_COLUMNS


def test_every_row_has_every_column() -> None:
    for chunks in (
        xero_csv([("inv-1", make_invoice())]),
        quickbooks_csv([("inv-1", make_invoice())]),
    ):
        table = read(chunks)
        assert {len(row) for row in table} == {len(table[0])}


# ----------------------------------------------------------------- figures
def test_xero_rows_carry_stored_figures_and_sum_to_the_total() -> None:
    invoice = make_invoice(discount="10")
    table = read(xero_csv([("inv-1", invoice)]))
    assert column(table, "*Description") == [
        "Consulting (2.5 x 40.00)",
        "Discount 10%",
        "IRPF -15%",  # taxes in their stored order
        "IVA 21%",
    ]
    amounts = column(table, "*UnitAmount")
    assert amounts == ["100.00", "-10.00", "-13.50", "18.90"]
    assert sum(Decimal(a) for a in amounts) == Decimal(invoice.totals.total) / 100
    assert column(table, "*Quantity") == ["1"] * 4
    assert column(table, "*AccountCode") == ["200", "200", "820", "820"]
    assert set(column(table, "*TaxType")) == {"Tax Exempt"}
    assert set(column(table, "*InvoiceNumber")) == {"INV-2026-0001"}
    assert set(column(table, "*InvoiceDate")) == {"01/12/2026"}
    assert set(column(table, "*DueDate")) == {"15/12/2026"}
    assert set(column(table, "POAddressLine2")) == {"28013 Madrid"}
    assert set(column(table, "Currency")) == {"EUR"}


def test_quickbooks_rows_sum_to_the_total_with_rate_equal_to_amount() -> None:
    invoice = make_invoice(discount="10")
    table = read(quickbooks_csv([("inv-1", invoice)], ExportOptions(date_format="%m/%d/%Y")))
    assert column(table, "ItemRate") == column(table, "ItemAmount")
    assert sum(Decimal(a) for a in column(table, "ItemAmount")) == Decimal("95.40")
    assert invoice.totals.total == 9540
    assert set(column(table, "InvoiceDate")) == {"12/01/2026"}
    assert set(column(table, "Terms")) == {"Net 14"}
    assert column(table, "Item(Product/Service)")[1:] == ["Discount", "IRPF -15%", "IVA 21%"]


@pytest.mark.parametrize(
    ("currency", "unit", "expected"),
    [("JPY", 1234, "3702"), ("KWD", 1250, "3.750"), ("EUR", 1999, "59.97")],
)
def test_amounts_use_the_currencys_real_minor_units(
    currency: str, unit: int, expected: str
) -> None:
    invoice = make_invoice(currency, lines=[("Item", "3", unit, [])])
    for chunks, name in ((xero_csv, "*UnitAmount"), (quickbooks_csv, "ItemAmount")):
        assert column(read(chunks([("inv-1", invoice)])), name) == [expected]


def test_inclusive_taxes_stay_inside_the_lines() -> None:
    invoice = make_invoice(lines=[("Ticket", "1", 11900, [("MwSt", "19", True)])])
    table = read(xero_csv([("inv-1", invoice)]))
    assert column(table, "*UnitAmount") == ["119.00"]


@settings(max_examples=60, deadline=None)
@given(
    currency=st.sampled_from(["EUR", "JPY", "KWD", "CAD"]),
    lines=st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3),
            st.integers(min_value=0, max_value=10**7),
            st.sampled_from(
                [
                    [],
                    [("GST", "5", False), ("QST", "9.975", False)],
                    [("VAT", "20", True)],
                    [("IVA", "21", False), ("IRPF", "-15", False)],
                ]
            ),
        ),
        min_size=1,
        max_size=6,
    ),
    discount=st.sampled_from(["0", "10", "12.5", "33.333"]),
)
def test_the_export_sums_to_the_stored_total_in_both_layouts(
    currency: str, lines: list[tuple[Decimal, int, list[tuple[str, str, bool]]]], discount: str
) -> None:
    invoice = make_invoice(
        currency, lines=[("L", str(q), unit, rates) for q, unit, rates in lines], discount=discount
    )
    expected = Decimal(invoice.totals.total).scaleb(-{"JPY": 0, "KWD": 3}.get(currency, 2))
    xero = read(xero_csv([("inv-1", invoice)]))
    quickbooks = read(quickbooks_csv([("inv-1", invoice)]))
    assert sum(Decimal(a) for a in column(xero, "*UnitAmount")) == expected
    assert sum(Decimal(a) for a in column(quickbooks, "ItemAmount")) == expected


def test_altered_figures_are_refused_rather_than_exported() -> None:
    invoice = make_invoice()
    broken = invoice.model_copy(update={"totals": invoice.totals.model_copy(update={"total": 1})})
    with pytest.raises(ValueError, match="do not add up"):
        invoice_rows(broken)


# ------------------------------------------------------------ credit notes
def test_credit_notes_are_negative_rows_in_both_layouts() -> None:
    note = make_invoice(
        kind="credit_note", number="CN-2026-0001", credit_note_of="inv-1", status="paid"
    )
    xero = read(xero_csv([("cn-1", note)]))
    assert column(xero, "*UnitAmount") == ["-100.00", "15.00", "-21.00"]
    assert sum(Decimal(a) for a in column(xero, "*UnitAmount")) == Decimal("-106.00")
    assert set(column(xero, "Reference")) == {"inv-1"}
    quickbooks = read(quickbooks_csv([("cn-1", note)]))
    assert sum(Decimal(a) for a in column(quickbooks, "ItemAmount")) == Decimal("-106.00")
    assert set(column(quickbooks, "Memo")) == {"Credit note of inv-1"}
    assert set(column(quickbooks, "InvoiceNo")) == {"CN-2026-0001"}


def test_drafts_and_void_invoices_are_left_out() -> None:
    documents = [
        ("d", make_invoice(status="draft", number=None)),
        ("v", make_invoice(status="void", number="INV-2026-0002")),
        ("p", make_invoice(status="paid", number="INV-2026-0003")),
    ]
    assert set(column(read(xero_csv(documents)), "*InvoiceNumber")) == {"INV-2026-0003"}


# --------------------------------------------------------------- injection
@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_formula_cells_are_escaped(text: str) -> None:
    invoice = make_invoice(
        lines=[(text, "1", 500, [])],
        billing=BillingContact(name="Evil Corp", email="e@example.com"),
    )
    invoice = invoice.model_copy(
        update={"billing": invoice.billing.model_copy(update={"name": text})}
    )
    for chunks, name_column, text_column in (
        (xero_csv, "*ContactName", "*Description"),
        (quickbooks_csv, "Customer", "ItemDescription"),
    ):
        table = read(chunks([("inv-1", invoice)]))
        assert column(table, name_column) == ["'" + text]
        assert column(table, text_column) == ["'" + text]


def test_negative_amounts_are_not_escaped() -> None:
    note = make_invoice(kind="credit_note", number="CN-1", lines=[("Refund", "1", 500, [])])
    assert column(read(xero_csv([("cn-1", note)])), "*UnitAmount") == ["-5.00"]
    assert escape("-5.00") == "'-5.00"  # the same text in a text column would be


# --------------------------------------------------------------- streaming
def test_the_export_is_a_generator_of_chunks_reading_lazily() -> None:
    read_so_far = []

    def documents() -> Any:
        for number in range(1, 1001):
            read_so_far.append(number)
            yield f"inv-{number}", make_invoice(number=f"INV-2026-{number:04d}")

    chunks = xero_csv(documents())
    assert isinstance(next(chunks), str)  # the header, before any invoice is read
    assert read_so_far == []
    next(chunks)
    assert read_so_far == [1]
    assert sum(1 for _ in chunks) == 999


# ---------------------------------------------------------------- payments
def payment(**overrides: Any) -> StoredPayment:
    fields: dict[str, Any] = {
        "invoice_id": "inv-1",
        "provider": "paypal",
        "provider_id": "7NW873794T343360M",
        "method": "paypal",
        "amount": 1250,
        "currency": "KWD",
        "reference": "=cmd",
        "paid_at": NOW,
        "created_at": NOW,
    }
    return StoredPayment(**(fields | overrides))


def test_payments_csv_signs_refunds_and_formats_amounts() -> None:
    table = read(
        payments_csv(
            [
                ("paypal-7NW8", payment()),
                ("paypal-1JU0", payment(kind="refund", amount=250, credit_note_id="cn-1")),
            ],
            invoice_numbers={"inv-1": "INV-2026-0001"},
        )
    )
    assert table[0] == list(PAYMENT_COLUMNS)
    assert column(table, "Amount") == ["1.250", "-0.250"]
    assert column(table, "InvoiceNumber") == ["INV-2026-0001"] * 2
    assert column(table, "Reference") == ["'=cmd"] * 2
    assert column(table, "Date") == ["2026-12-01"] * 2


def test_export_csv_picks_the_layout_and_reads_only_what_it_needs() -> None:
    def untouchable() -> Any:
        raise AssertionError("read")
        yield

    xero = "".join(export_csv("xero", [("inv-1", make_invoice())], untouchable()))
    assert xero.startswith("*ContactName,")
    quickbooks = "".join(export_csv("quickbooks", [("inv-1", make_invoice())], untouchable()))
    assert quickbooks.startswith("InvoiceNo,")
    payments = "".join(export_csv("payments", untouchable(), [("p", payment())]))
    assert payments.startswith("PaymentId,")
    with pytest.raises(ValueError, match="format"):
        export_csv("sage", [], [])  # type: ignore[arg-type]
