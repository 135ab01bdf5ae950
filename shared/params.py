"""Path and query parameter types every HTTP route uses, built on shared.values.

One rule for ids in a URL: anything that could not name a document
(`__x__`, `..`, `%2e%2e`, over 64 characters) is a 422 naming the
parameter, before any route code runs. Dates in a URL are real dates in
the bounded range (shared.values.BoundedDate), else 422.

Kept apart from shared.values so queue consumers that use the value types
do not import FastAPI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from shared.values import DOCUMENT_ID_PATTERN, BoundedDate

_ID_DESCRIPTION = "letters, digits, '_' and '-'; at most 64 characters"

IdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=DOCUMENT_ID_PATTERN, description=_ID_DESCRIPTION)
]
IdQuery = Annotated[
    str,
    Query(min_length=1, max_length=64, pattern=DOCUMENT_ID_PATTERN, description=_ID_DESCRIPTION),
]
# For an optional filter: `staff_id: OptionalIdQuery = None`.
OptionalIdQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=64, pattern=DOCUMENT_ID_PATTERN, description=_ID_DESCRIPTION),
]
DatePath = Annotated[
    BoundedDate, Path(description="a date, YYYY-MM-DD, between 2000-01-01 and 2100-12-31")
]
# An E.164 number in a URL (the inbox's conversations are keyed by it);
# the route still normalises it, this only bounds what reaches it.
PhonePath = Annotated[
    str, Path(min_length=4, max_length=32, description="E.164, e.g. +447911123456")
]
# Our cursors encode one short document path; anything longer is not ours.
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page")
]
