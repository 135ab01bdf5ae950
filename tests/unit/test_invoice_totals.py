"""functions/invoices/totals.py: reference cases from real tax systems, and
the properties every invoice must keep (exact sums, inclusive prices
untouched, no dependence on line order), in both rounding modes."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.invoices.totals import Line, TaxRate, Totals, compute, round_half_up
from shared.money import UnknownCurrency, minor_units, to_major

GST = TaxRate("GST", Decimal(5))
QST = TaxRate("QST", Decimal("9.975"))
MWST = TaxRate("MwSt", Decimal(19))
MWST_INCLUDED = TaxRate("MwSt", Decimal(19), inclusive=True)
IVA = TaxRate("IVA", Decimal(21))
IRPF = TaxRate("IRPF", Decimal(-15))


def amounts(totals: Totals) -> dict[str, int]:
    return {tax.name: tax.amount for tax in totals.taxes}


# ---------------------------------------------------------------- references
def test_quebec_gst_and_qst_on_one_hundred_dollars() -> None:
    totals = compute([Line(Decimal(1), 10000, (GST, QST))])
    assert amounts(totals) == {"GST": 500, "QST": 998}  # 9.975 -> 9.98, half up
    assert totals.total == 11498


def test_german_vat_with_a_line_discount_and_a_document_discount() -> None:
    totals = compute(
        [
            Line(Decimal(3), 1999, (MWST,), discount_percent=Decimal(10)),  # 59.97 - 6.00
            Line(Decimal("2.5"), 4000, (MWST,)),  # 2.5 h at 40.00
        ],
        discount_percent=Decimal(5),
    )
    assert [line.amount for line in totals.lines] == [5397, 10000]
    assert totals.subtotal == 15397
    assert totals.discount == 770  # 5 % of 153.97 = 7.6985
    assert amounts(totals) == {"MwSt": 2779}  # 19 % of 146.27
    assert totals.total == 15397 - 770 + 2779


def test_spanish_vat_with_irpf_withholding() -> None:
    totals = compute([Line(Decimal(1), 100000, (IVA, IRPF))])
    assert amounts(totals) == {"IVA": 21000, "IRPF": -15000}
    assert totals.total == 106000
    assert totals.net == 100000


def test_an_inclusive_price_keeps_its_gross_and_shows_the_tax_held() -> None:
    totals = compute([Line(Decimal(1), 12000, (MWST_INCLUDED,))])
    [vat] = totals.taxes
    assert (vat.taxable, vat.amount) == (10084, 1916)
    assert vat.taxable + vat.amount == 12000
    assert totals.total == 12000
    assert totals.net == 10084


def test_zero_decimal_yen_and_three_decimal_dinars() -> None:
    assert (minor_units("JPY"), minor_units("KWD"), minor_units("EUR")) == (0, 3, 2)
    yen = compute([Line(Decimal(3), 333, (TaxRate("消費税", Decimal(10)),))])
    assert yen.total == 999 + 100  # 99.9 yen of tax -> 100
    dinars = compute([Line(Decimal("1.5"), 1333, (TaxRate("VAT", Decimal(5)),))])
    assert dinars.lines[0].amount == 2000  # 1.5 x 1.333 KWD = 1.9995 -> 2.000
    assert dinars.total == 2100
    assert to_major(dinars.total, "KWD") == Decimal("2.100")


def test_unknown_currencies_are_refused() -> None:
    with pytest.raises(UnknownCurrency):
        minor_units("ABC")


def test_line_rounding_rounds_each_line_then_adds() -> None:
    lines = [Line(Decimal(1), 5, (MWST,)) for _ in range(3)]  # 0.95 cents of tax each
    assert amounts(compute(lines, rounding="document")) == {"MwSt": 3}  # 2.85 -> 3
    assert amounts(compute(lines, rounding="line")) == {"MwSt": 3}  # 1 + 1 + 1
    halves = [Line(Decimal(1), 2, (TaxRate("T", Decimal(25)),)) for _ in range(4)]
    assert amounts(compute(halves, rounding="document")) == {"T": 2}  # 4 x 0.5 = 2
    assert amounts(compute(halves, rounding="line")) == {"T": 4}  # each 0.5 -> 1


def test_half_up_rounds_halves_away_from_zero() -> None:
    assert [round_half_up(Decimal(x)) for x in ("0.5", "1.5", "2.5", "-0.5", "2.4999")] == [
        1,
        2,
        3,
        -1,
        2,
    ]


def test_an_empty_invoice_is_zero_and_bad_rounding_is_refused() -> None:
    assert compute([]).total == 0
    with pytest.raises(ValueError, match="rounding"):
        compute([], rounding="banker")  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties
percent = st.decimals(min_value=-20, max_value=30, places=3, allow_nan=False)
rates = st.builds(
    TaxRate,
    name=st.sampled_from(["A", "B", "C"]),
    percent=percent,
    inclusive=st.booleans(),
)
lines = st.builds(
    Line,
    quantity=st.decimals(min_value="0.001", max_value=1000, places=3, allow_nan=False),
    unit_amount=st.integers(min_value=0, max_value=10**9),
    tax_rates=st.lists(rates, max_size=3).map(tuple),
    discount_percent=st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
)
invoices = st.lists(lines, max_size=12)
discounts = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)
roundings = st.sampled_from(["document", "line"])


@settings(max_examples=300, deadline=None)
@given(invoices, discounts, roundings)
def test_lines_plus_taxes_minus_discounts_equal_the_total_exactly(
    items: list[Line], discount: Decimal, rounding: str
) -> None:
    totals = compute(items, discount_percent=discount, rounding=rounding)  # type: ignore[arg-type]
    assert totals.subtotal == sum(line.amount for line in totals.lines)
    assert all(line.amount == line.gross - line.discount for line in totals.lines)
    assert totals.total == totals.subtotal - totals.discount + totals.exclusive_tax
    assert totals.net + totals.exclusive_tax + totals.inclusive_tax == totals.total


@settings(max_examples=300, deadline=None)
@given(invoices, discounts, roundings, st.decimals(min_value=0, max_value=30, places=3))
def test_an_inclusive_rate_never_changes_the_gross(
    items: list[Line], discount: Decimal, rounding: str, rate: Decimal
) -> None:
    untaxed = [Line(i.quantity, i.unit_amount, (), i.discount_percent) for i in items]
    included = [
        Line(i.quantity, i.unit_amount, (TaxRate("VAT", rate, inclusive=True),), i.discount_percent)
        for i in items
    ]
    before = compute(untaxed, discount_percent=discount, rounding=rounding)  # type: ignore[arg-type]
    after = compute(included, discount_percent=discount, rounding=rounding)  # type: ignore[arg-type]
    assert after.total == before.total
    for tax in after.taxes:
        assert tax.taxable + tax.amount == after.subtotal - after.discount


@settings(max_examples=300, deadline=None)
@given(invoices, discounts, roundings, st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_line_order(
    items: list[Line], discount: Decimal, rounding: str, shuffler: random.Random
) -> None:
    shuffled = list(items)
    shuffler.shuffle(shuffled)
    first = compute(items, discount_percent=discount, rounding=rounding)  # type: ignore[arg-type]
    second = compute(shuffled, discount_percent=discount, rounding=rounding)  # type: ignore[arg-type]
    assert (first.subtotal, first.discount, first.taxes, first.total) == (
        second.subtotal,
        second.discount,
        second.taxes,
        second.total,
    )


def test_a_discount_unit_tied_between_lines_goes_the_same_way_in_any_order() -> None:
    # 0.5 % of 2.00 is one cent, half of it owed by each line: line rounding
    # must give that cent to the same line (taxed 10 % or 20 %) either way.
    low = Line(Decimal(1), 100, (TaxRate("T", Decimal(10)),))
    high = Line(Decimal(1), 100, (TaxRate("T", Decimal(20)),))
    forward = compute([low, high], discount_percent=Decimal("0.5"), rounding="line")
    backward = compute([high, low], discount_percent=Decimal("0.5"), rounding="line")
    assert forward.taxes == backward.taxes
    assert forward.total == backward.total
