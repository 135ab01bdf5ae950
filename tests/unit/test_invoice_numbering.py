"""functions/invoices/numbering.py: what a pattern makes and which patterns are refused."""

from __future__ import annotations

from datetime import date

import pytest

from functions.invoices.numbering import DEFAULT_PATTERNS, NumberPattern, pattern_problem


def test_the_default_patterns() -> None:
    issued = date(2026, 12, 2)
    assert NumberPattern(DEFAULT_PATTERNS["invoice"]).format(issued, 7) == "INV-2026-0007"
    assert NumberPattern(DEFAULT_PATTERNS["credit_note"]).format(issued, 1) == "CN-2026-0001"


def test_year_month_and_a_sequence_that_outgrows_its_width() -> None:
    pattern = NumberPattern("F{YY}{MM}/{00}")
    assert pattern.format(date(2027, 3, 1), 5) == "F2703/05"
    assert pattern.format(date(2027, 3, 1), 123) == "F2703/123"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("INV-{0000}", "year"),
        ("INV-{YYYY}", "sequence"),
        ("INV-{YYYY}-{000}-{000}", "sequence"),
        ("INV {YYYY}-{0000}", "letters"),
        ("<b>{YYYY}{0000}", "letters"),
        ("", "characters"),
        ("X" * 41 + "{YYYY}{0}", "characters"),
    ],
)
def test_patterns_that_cannot_number_documents_are_refused(text: str, reason: str) -> None:
    problem = pattern_problem(text)
    assert problem is not None
    assert reason in problem
    with pytest.raises(ValueError, match=reason):
        NumberPattern(text)


def test_sequences_start_at_one() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        NumberPattern("INV-{YYYY}-{0000}").format(date(2026, 1, 1), 0)
