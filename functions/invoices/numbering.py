"""Invoice and credit-note numbers. Pure: no I/O.

A business sets a pattern per series, e.g. `INV-{YYYY}-{0000}`:
`{YYYY}` / `{YY}` the year, `{MM}` the month, and one run of zeros in
braces for the sequence, padded to that width (it grows past it rather
than wrap). The sequence restarts each year. Taking the next number
(gap-free and unique however many finalise at once) belongs to the
invoices store, with the finalisation itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

Series = Literal["invoice", "credit_note"]
DEFAULT_PATTERNS: dict[Series, str] = {
    "invoice": "INV-{YYYY}-{0000}",
    "credit_note": "CN-{YYYY}-{0000}",
}
_TOKEN = re.compile(r"\{(YYYY|YY|MM|0{1,9})\}")
_LITERAL = re.compile(r"^[A-Za-z0-9\-_/.#]*$")
MAX_LENGTH = 40


@dataclass(frozen=True)
class NumberPattern:
    text: str

    def __post_init__(self) -> None:
        problem = pattern_problem(self.text)
        if problem:
            raise ValueError(problem)

    def format(self, issued: date, sequence: int) -> str:
        if sequence < 1:
            raise ValueError("sequences start at 1")

        def fill(match: re.Match[str]) -> str:
            token = match.group(1)
            if token == "YYYY":
                return f"{issued.year:04d}"
            if token == "YY":
                return f"{issued.year % 100:02d}"
            if token == "MM":
                return f"{issued.month:02d}"
            return str(sequence).zfill(len(token))

        return _TOKEN.sub(fill, self.text)


def pattern_problem(text: str) -> str | None:
    """Why `text` cannot number documents, or None when it can."""
    if not text or len(text) > MAX_LENGTH:
        return f"must be 1 to {MAX_LENGTH} characters"
    tokens = _TOKEN.findall(text)
    if sum(1 for token in tokens if token.startswith("0")) != 1:
        return "needs exactly one sequence placeholder such as {0000}"
    if not any(token in ("YYYY", "YY") for token in tokens):
        # The sequence restarts each year: without the year, numbers would repeat.
        return "needs the year, {YYYY} or {YY}, since the sequence restarts each year"
    if not _LITERAL.match(_TOKEN.sub("", text)):
        return "may hold letters, digits and - _ / . # besides its placeholders"
    return None
