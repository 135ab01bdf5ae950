"""Invoices: request and response bodies, and the typed documents the store keeps.

Amounts are integers in the currency's minor units everywhere. The figures
an invoice shows (`totals`) are the ones `totals.compute` returned when the
invoice was last computed, stored with it; answers, the PDF, emails and the
amount charged all read them, nothing recomputes them.

Decimals (quantities, percentages) are stored as strings: Firestore has no
decimal type and a float would lose the exact value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from shared.values import (
    BoundedDate,
    CurrencyCode,
    DocumentId,
    EmailAddress,
    MultiLine,
    PersonName,
    PhoneNumber,
    SingleLine,
)

InvoiceKind = Literal["invoice", "credit_note"]
InvoiceStatus = Literal["draft", "open", "partially_paid", "paid", "void", "uncollectible"]
INVOICE_STATUSES: tuple[InvoiceStatus, ...] = (
    "draft",
    "open",
    "partially_paid",
    "paid",
    "void",
    "uncollectible",
)
Rounding = Literal["document", "line"]
PaymentMethod = Literal["card", "paypal", "bank_transfer", "cash", "cheque", "other"]
MANUAL_METHODS: tuple[PaymentMethod, ...] = ("bank_transfer", "cash", "cheque", "other")
Provider = Literal["stripe", "paypal", "manual"]
InvoiceSourceKind = Literal["manual", "order", "booking", "recurring", "refund"]
# Who emails and collects a finalised invoice: we (pay page), Stripe
# Invoicing (its hosted page) or PayPal Invoicing. Ours stays the record.
Collection = Literal["ours", "stripe", "paypal"]

MAX_AMOUNT = 10**13  # minor units: 100 billion in a 2-decimal currency
# JSON shows decimals as strings ("1.5", "-15"): exact, never a float.
DecimalText = PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="always")
Quantity = Annotated[
    Decimal,
    Field(gt=0, le=1_000_000, max_digits=10, decimal_places=3, description="up to 3 decimals"),
    DecimalText,
]
Percent = Annotated[
    Decimal,
    Field(ge=-100, le=100, max_digits=7, decimal_places=4, description="e.g. 19, 9.975, -15"),
    DecimalText,
]
DiscountPercent = Annotated[
    Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=3), DecimalText
]
Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT, description="integer minor units")]
Description = Annotated[SingleLine, Field(min_length=1, max_length=500)]
ShortText = Annotated[SingleLine, Field(max_length=120)]
LongText = Annotated[MultiLine, Field(max_length=4000)]


# ----------------------------------------------------------------- lines
class TaxRateIn(BaseModel):
    name: Annotated[SingleLine, Field(min_length=1, max_length=40)]
    percent: Percent
    inclusive: bool = Field(False, description="the price already contains this tax")


class LineIn(BaseModel):
    description: Description
    quantity: Quantity = Decimal(1)
    unit_amount: Amount
    tax_rates: list[TaxRateIn] = Field(default_factory=list, max_length=5)
    discount_percent: DiscountPercent = Decimal(0)
    product_id: DocumentId | None = None


class BillingContact(BaseModel):
    """Who the invoice is addressed to, as printed on it."""

    name: PersonName
    email: EmailAddress
    phone: PhoneNumber | None = None
    address: Annotated[MultiLine, Field(max_length=500)] = ""
    tax_id: Annotated[SingleLine, Field(max_length=40)] = ""


class InvoiceIn(BaseModel):
    """A draft invoice, as staff write it (also the body of a preview)."""

    contact_id: DocumentId | None = Field(None, description="a contact from the shared contacts")
    contact: BillingContact | None = Field(
        None, description="billing details; a new or matched contact when contact_id is absent"
    )
    currency: CurrencyCode
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    discount_percent: DiscountPercent = Decimal(0)
    notes: LongText = ""
    terms: LongText = ""
    issue_date: BoundedDate | None = Field(None, description="default: the day it is finalised")
    payment_terms_days: int | None = Field(
        None, ge=0, le=365, description="due date = issue date + these days (default: settings)"
    )
    due_date: BoundedDate | None = Field(None, description="instead of payment_terms_days")

    @model_validator(mode="after")
    def _someone_to_bill(self) -> InvoiceIn:
        if self.contact_id is None and self.contact is None:
            raise ValueError("give contact_id or contact (name and email)")
        if self.due_date and self.issue_date and self.due_date < self.issue_date:
            raise ValueError("due_date must not be before issue_date")
        return self


class InvoicePreviewIn(BaseModel):
    """The totals-relevant part of an invoice: what the editor sends to preview."""

    currency: CurrencyCode
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    discount_percent: DiscountPercent = Decimal(0)


# ---------------------------------------------------------------- totals
class LineTotalsOut(BaseModel):
    gross: int
    discount: int
    amount: int


class TaxTotalOut(BaseModel):
    name: str
    percent: Annotated[Decimal, DecimalText]
    inclusive: bool
    taxable: int
    amount: int


class TotalsOut(BaseModel):
    """Every figure of an invoice, in minor units of `currency`."""

    currency: str
    rounding: Rounding
    lines: list[LineTotalsOut]
    subtotal: int
    discount: int
    taxes: list[TaxTotalOut]
    total: int
    net: int = Field(description="total without any tax")


# ------------------------------------------------------------ documents
class StoredLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: str
    quantity: Annotated[Decimal, DecimalText]
    unit_amount: int
    tax_rates: list[TaxRateIn] = Field(default_factory=list)
    discount_percent: Annotated[Decimal, DecimalText] = Decimal(0)
    product_id: str | None = None


class InvoiceSource(BaseModel):
    kind: InvoiceSourceKind = "manual"
    id: str | None = None  # the order, booking, recurring schedule or refunded invoice


class ProviderRefs(BaseModel):
    """The invoice's objects at payment providers (looked up, never trusted from a client)."""

    model_config = ConfigDict(extra="ignore")

    stripe_customer_id: str | None = None
    stripe_payment_intent_ids: list[str] = Field(default_factory=list)
    stripe_invoice_id: str | None = None
    stripe_hosted_url: str | None = None
    paypal_order_ids: list[str] = Field(default_factory=list)
    paypal_invoice_id: str | None = None


class StoredInvoice(BaseModel):
    """`invoices/<id>`: an invoice or a credit note, with its computed totals."""

    model_config = ConfigDict(extra="ignore")

    kind: InvoiceKind = "invoice"
    status: InvoiceStatus = "draft"
    number: str | None = None  # set once, in the finalising transaction
    contact_id: str | None = None
    billing: BillingContact
    currency: str
    lines: list[StoredLine]
    discount_percent: Annotated[Decimal, DecimalText] = Decimal(0)
    totals: TotalsOut
    amount_paid: int = 0  # payments received (refunds not deducted)
    amount_refunded: int = 0
    amount_credited: int = 0  # credit notes issued against it
    notes: str = ""
    terms: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    payment_terms_days: int | None = None
    pay_token_hash: str | None = None
    # The pay token is derived from this (rules.pay_token_for), so emails can
    # carry the link again; a booking's invoice uses its manage token instead.
    pay_token_nonce: str | None = None
    source: InvoiceSource = Field(default_factory=InvoiceSource)
    credit_note_of: str | None = None  # for a credit note: the invoice it credits
    collection: Collection = "ours"
    providers: ProviderRefs = Field(default_factory=ProviderRefs)
    locale: str = "en-GB"
    created_by: str = "staff"
    created_at: datetime
    updated_at: datetime
    finalized_at: datetime | None = None
    sent_at: datetime | None = None
    paid_at: datetime | None = None
    voided_at: datetime | None = None
    # For a booking held for payment: the hold's end. A payment after it is
    # refunded unless the booking capability confirms the slot anyway.
    pay_before: datetime | None = None

    @property
    def amount_due(self) -> int:
        if self.status in ("draft", "void", "uncollectible"):
            return 0
        return max(self.totals.total - self.amount_paid - self.amount_credited, 0)


class StoredPayment(BaseModel):
    """`invoice_payments/<provider>-<provider id>`: one payment or refund, applied once."""

    model_config = ConfigDict(extra="ignore")

    invoice_id: str
    kind: Literal["payment", "refund"] = "payment"
    provider: Provider
    provider_id: str  # PaymentIntent, PayPal capture, refund id, or a generated id for manual
    method: PaymentMethod
    amount: int
    currency: str
    status: Literal["succeeded", "failed", "pending"] = "succeeded"
    reference: str = ""
    recorded_by: str | None = None  # staff uid for manual payments
    paid_at: datetime
    created_at: datetime
    credit_note_id: str | None = None  # a refund's credit note


# ---------------------------------------------------------------- answers
class InvoiceOut(BaseModel):
    """An invoice as staff see it."""

    id: str
    kind: InvoiceKind
    status: InvoiceStatus
    number: str | None
    contact_id: str | None
    billing: BillingContact
    currency: str
    lines: list[StoredLine]
    discount_percent: Annotated[Decimal, DecimalText]
    totals: TotalsOut
    amount_paid: int
    amount_refunded: int
    amount_credited: int
    amount_due: int
    notes: str
    terms: str
    issue_date: date | None
    due_date: date | None
    source: InvoiceSource
    credit_note_of: str | None
    collection: Collection
    created_at: datetime
    finalized_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    pay_url: str | None = Field(
        None, description="the client's pay link: only in the answer that creates its token"
    )


class InvoicePage(BaseModel):
    items: list[InvoiceOut]
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page")
    outstanding: int | None = Field(
        None, description="with `currency`: what the listed statuses still owe, in minor units"
    )


class ManualPaymentIn(BaseModel):
    amount: Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="integer minor units")]
    method: Literal["bank_transfer", "cash", "cheque", "other"]
    paid_on: BoundedDate | None = Field(None, description="default: today")
    reference: Annotated[SingleLine, Field(max_length=120)] = ""


class PaymentOut(BaseModel):
    id: str
    invoice_id: str
    kind: Literal["payment", "refund"]
    provider: Provider
    method: PaymentMethod
    amount: int
    currency: str
    status: str
    reference: str
    paid_at: datetime
    credit_note_id: str | None = None


# --------------------------------------------------------------- settings
class BusinessDetails(BaseModel):
    name: Annotated[SingleLine, Field(min_length=1, max_length=120)] = "MilliIntell Studio"
    address: Annotated[MultiLine, Field(max_length=500)] = ""
    email: EmailAddress | None = None
    tax_ids: list[Annotated[SingleLine, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=5
    )
    logo_url: Annotated[str, Field(max_length=500, pattern=r"^(https://|/)")] | None = None


class InvoiceSettings(BaseModel):
    """`invoice_settings/business`: one per business, edited by admins."""

    model_config = ConfigDict(extra="ignore")

    business: BusinessDetails = Field(default_factory=BusinessDetails)
    invoice_pattern: Annotated[str, Field(max_length=40)] = "INV-{YYYY}-{0000}"
    credit_note_pattern: Annotated[str, Field(max_length=40)] = "CN-{YYYY}-{0000}"
    rounding: Rounding = "document"
    payment_terms_days: int = Field(14, ge=0, le=365)
    default_currency: CurrencyCode = "GBP"
    tax_rates: list[TaxRateIn] = Field(default_factory=list, max_length=20)
    # Dunning: days relative to the due date (-3 = three days before).
    reminder_offsets_days: list[Annotated[int, Field(ge=-60, le=180)]] = Field(
        default_factory=lambda: [-3, 0, 7], max_length=5
    )
    late_fee_percent: DiscountPercent = Decimal(0)
    late_fee_after_days: int = Field(14, ge=0, le=365)
    completion_invoice: Literal["off", "draft", "send"] = "send"
    collection: Collection = "ours"


# ---------------------------------------------------------------- clients
class ClientInvoiceView(BaseModel):
    """An invoice as its client sees it with the pay token."""

    id: str
    kind: InvoiceKind
    status: InvoiceStatus
    number: str | None
    business: BusinessDetails
    billing: BillingContact
    currency: str
    lines: list[StoredLine]
    totals: TotalsOut
    amount_paid: int
    amount_due: int
    issue_date: date | None
    due_date: date | None
    notes: str
    terms: str
    pay_before: datetime | None = None
    payment_methods: list[Literal["stripe", "paypal"]] = Field(
        description="how this invoice may be paid online now (empty when nothing is due)"
    )
