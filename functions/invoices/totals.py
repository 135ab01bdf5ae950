"""Invoice totals: the one place money is computed. Pure: no I/O, no floats.

Every figure an invoice shows (the editor, the PDF, emails, the pay page,
the amount charged) is the one this module returned when the invoice was
computed and stored; nothing recomputes it elsewhere.

How the figures relate (all integers, in the currency's minor units):

    line.amount   = line.gross - line.discount           (each rounded half-up)
    subtotal      = sum of line.amount
    total         = subtotal - discount + sum of exclusive taxes
    net           = total - sum of all taxes (what the business earns before tax)

- A price with an *inclusive* rate already contains that tax: the tax is
  shown as "included" and never changes what the client pays.
- An *exclusive* rate is added on top; a negative one (Spain's IRPF
  withholding, -15 %) is taken off.
- Several rates may apply to one line; each is computed on the line's
  amount without any inclusive tax in it (taxes do not compound).
- The document discount (a percentage) comes off the subtotal, rounded
  once; for tax it is spread over the lines in proportion to their amounts.
- Rounding is half-up (half away from zero). `document` (the default)
  rounds each rate's tax once over the whole invoice; `line` rounds each
  line's tax and adds them up (what some tax authorities require).

Lines are grouped by their set of rates and amounts are summed exactly
before any division, so the totals do not depend on the order of lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

Rounding = Literal["document", "line"]
ROUNDINGS: tuple[Rounding, ...] = ("document", "line")
HUNDRED = Decimal(100)
# Inputs have a few decimals (quantities 3, percentages 4) on amounts of at
# most 15 digits: 60 significant digits keep every sum and product exact and
# leave the one division per group far more precise than a minor unit.
PRECISION = 60


@dataclass(frozen=True)
class TaxRate:
    name: str
    percent: Decimal  # 19, 9.975, -15 (a withholding)
    inclusive: bool = False

    @property
    def key(self) -> tuple[str, Decimal, bool]:
        return (self.name, self.percent, self.inclusive)


@dataclass(frozen=True)
class Line:
    quantity: Decimal  # up to 3 decimals
    unit_amount: int  # minor units
    tax_rates: tuple[TaxRate, ...] = ()
    discount_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineTotals:
    gross: int  # quantity x unit amount
    discount: int
    amount: int  # gross - discount: what the line shows


@dataclass(frozen=True)
class TaxTotal:
    name: str
    percent: Decimal
    inclusive: bool
    taxable: int  # the amount the rate applied to, without inclusive taxes
    amount: int


@dataclass(frozen=True)
class Totals:
    lines: tuple[LineTotals, ...]
    subtotal: int
    discount: int
    taxes: tuple[TaxTotal, ...] = field(default_factory=tuple)
    total: int = 0

    @property
    def exclusive_tax(self) -> int:
        return sum(tax.amount for tax in self.taxes if not tax.inclusive)

    @property
    def inclusive_tax(self) -> int:
        return sum(tax.amount for tax in self.taxes if tax.inclusive)

    @property
    def net(self) -> int:
        return self.total - self.exclusive_tax - self.inclusive_tax


def round_half_up(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def compute(
    lines: Sequence[Line],
    *,
    discount_percent: Decimal = Decimal(0),
    rounding: Rounding = "document",
) -> Totals:
    """The totals of an invoice with these lines."""
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}")
    with localcontext() as context:
        context.prec = PRECISION
        line_totals = tuple(_line_totals(line) for line in lines)
        subtotal = sum(line.amount for line in line_totals)
        discount = round_half_up(subtotal * discount_percent / HUNDRED)
        # What each line pays after the document discount (exact fractions,
        # or whole minor units shared out by largest remainder under `line`).
        after_discount = _spread_discount(lines, line_totals, subtotal, discount, rounding)
        taxes = _taxes(lines, after_discount, rounding)
    exclusive = sum(tax.amount for tax in taxes if not tax.inclusive)
    return Totals(
        lines=line_totals,
        subtotal=subtotal,
        discount=discount,
        taxes=taxes,
        total=subtotal - discount + exclusive,
    )


def _line_totals(line: Line) -> LineTotals:
    gross = round_half_up(line.quantity * line.unit_amount)
    discount = round_half_up(gross * line.discount_percent / HUNDRED)
    return LineTotals(gross=gross, discount=discount, amount=gross - discount)


def _spread_discount(
    lines: Sequence[Line],
    totals: Sequence[LineTotals],
    subtotal: int,
    discount: int,
    rounding: Rounding,
) -> list[Decimal]:
    if not discount or not subtotal:
        return [Decimal(line.amount) for line in totals]
    shares = [Decimal(line.amount) * discount / subtotal for line in totals]
    if rounding == "document":
        return [line.amount - share for line, share in zip(totals, shares, strict=True)]
    # Whole units per line: floor each share, then hand the units left over
    # to the largest remainders. Ties go by amount, then by rates, so which
    # line gets a unit never depends on how the lines are listed (lines equal
    # in both are interchangeable).
    floors = [int(share) for share in shares]
    left = discount - sum(floors)
    order = sorted(
        range(len(totals)),
        key=lambda i: (
            -(shares[i] - floors[i]),
            -totals[i].amount,
            [rate.key for rate in _canonical(lines[i].tax_rates)],
        ),
    )
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(line.amount - cut) for line, cut in zip(totals, floors, strict=True)]


def _taxes(
    lines: Sequence[Line], amounts: Sequence[Decimal], rounding: Rounding
) -> tuple[TaxTotal, ...]:
    """Each rate's taxable amount and tax, summed over the invoice."""
    taxable: dict[tuple[str, Decimal, bool], Decimal] = {}
    tax: dict[tuple[str, Decimal, bool], Decimal] = {}
    rates: dict[tuple[str, Decimal, bool], TaxRate] = {}
    for rate_set, amount in _grouped(lines, amounts, rounding):
        included = sum((rate.percent for rate in rate_set if rate.inclusive), Decimal(0))
        base = amount / (1 + included / HUNDRED) if included else amount
        line_tax = {rate.key: base * rate.percent / HUNDRED for rate in rate_set}
        if rounding == "line":
            base, line_tax = _rounded_line(amount, base, rate_set, line_tax)
        for rate in rate_set:
            rates[rate.key] = rate
            taxable[rate.key] = taxable.get(rate.key, Decimal(0)) + base
            tax[rate.key] = tax.get(rate.key, Decimal(0)) + line_tax[rate.key]
    return tuple(
        _tax_total(rates[key], taxable[key], tax[key])
        for key in sorted(rates, key=lambda k: (k[2], k[0], k[1]))
    )


def _tax_total(rate: TaxRate, taxable: Decimal, tax: Decimal) -> TaxTotal:
    rounded_taxable = round_half_up(taxable)
    # An included tax is what the price holds beyond its taxable part, so the
    # two shown figures add up to the price (100.84 + 19.16 = 120.00).
    amount = (
        round_half_up(taxable + tax) - rounded_taxable if rate.inclusive else round_half_up(tax)
    )
    return TaxTotal(rate.name, rate.percent, rate.inclusive, rounded_taxable, amount)


def _grouped(
    lines: Sequence[Line], amounts: Sequence[Decimal], rounding: Rounding
) -> list[tuple[tuple[TaxRate, ...], Decimal]]:
    """(rates, amount) to tax: per line under `line` rounding, else summed per set of rates."""
    if rounding == "line":
        pairs = [
            (_canonical(line.tax_rates), amount)
            for line, amount in zip(lines, amounts, strict=True)
        ]
        return sorted(pairs, key=lambda pair: ([r.key for r in pair[0]], pair[1]))
    groups: dict[tuple[TaxRate, ...], Decimal] = {}
    for line, amount in zip(lines, amounts, strict=True):
        rate_set = _canonical(line.tax_rates)
        groups[rate_set] = groups.get(rate_set, Decimal(0)) + amount
    return sorted(groups.items(), key=lambda group: [r.key for r in group[0]])


def _canonical(rates: Sequence[TaxRate]) -> tuple[TaxRate, ...]:
    return tuple(sorted(set(rates), key=lambda rate: rate.key))


def _rounded_line(
    amount: Decimal,
    base: Decimal,
    rates: tuple[TaxRate, ...],
    line_tax: dict[tuple[str, Decimal, bool], Decimal],
) -> tuple[Decimal, dict[tuple[str, Decimal, bool], Decimal]]:
    """Under `line` rounding: the line's base and each tax in whole minor units.

    The inclusive taxes of a line are what its amount holds beyond its base,
    shared out so that they add up to exactly that (the client's price is
    never changed by rounding an inclusive tax).
    """
    rounded_base = Decimal(round_half_up(base))
    rounded = {key: Decimal(round_half_up(value)) for key, value in line_tax.items()}
    inclusive = [rate.key for rate in rates if rate.inclusive]
    if inclusive:
        held = amount - rounded_base
        *first, last = inclusive
        rounded[last] = held - sum((rounded[key] for key in first), Decimal(0))
    return rounded_base, rounded
