"""shared.firestore's pagination cursors (paginate itself needs the emulator)."""

from __future__ import annotations

import base64

import pytest

from shared.firestore import InvalidCursor, decode_cursor, encode_cursor, paginate


@pytest.mark.parametrize(
    "path",
    [
        "bookings/abc123",
        "contacts/0f8e1c2d3b4a5968778695a4b3c2d1e0",
        "a/b",
        "bookings/ünïcödé-ïd",
        "services/id with spaces?&=",
        "x",
    ],
)
def test_round_trip(path: str) -> None:
    assert decode_cursor(encode_cursor(path)) == path


@pytest.mark.parametrize("path", ["a/b", "bookings/ab", "bookings/abc", "\xff\xfe/>>?"])
def test_cursor_is_url_safe_and_unpadded(path: str) -> None:
    cursor = encode_cursor(path)

    assert "=" not in cursor
    assert "+" not in cursor
    assert "/" not in cursor
    assert cursor.isascii()


def test_cursor_does_not_reveal_the_path_verbatim() -> None:
    assert "bookings" not in encode_cursor("bookings/abc123")


def test_padded_cursor_is_accepted() -> None:
    padded = base64.urlsafe_b64encode(b"bookings/a").decode()

    assert padded.endswith("=")
    assert decode_cursor(padded) == "bookings/a"


@pytest.mark.parametrize(
    "cursor",
    [
        "a",  # one character more than a multiple of four
        "abcde",
        "____",  # decodes to bytes that are not UTF-8
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
    ],
)
def test_garbage_is_an_invalid_cursor(cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="cursor is not valid"):
        decode_cursor(cursor)


@pytest.mark.parametrize("cursor", ["!!!", encode_cursor("bookings/abc") + "!"])
def test_a_cursor_with_non_base64_characters_is_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_invalid_cursor_is_a_value_error() -> None:
    assert issubclass(InvalidCursor, ValueError)


def test_paginate_refuses_a_limit_below_one() -> None:
    # The limit is checked before the query is touched, so no database is needed.
    with pytest.raises(ValueError, match="at least 1"):
        paginate(query=None, limit=0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "document_id", ["__x__", "__main__", "..", ".", "a" * 129, "tab\there", "nul\x00"]
)
def test_a_cursor_naming_an_id_firestore_refuses_is_invalid(document_id: str) -> None:
    # Refused before the read, which Firestore would fail with a 500.
    from types import SimpleNamespace

    bookings = SimpleNamespace(_parent=SimpleNamespace(id="bookings"))
    with pytest.raises(InvalidCursor, match="does not belong"):
        paginate(bookings, 10, encode_cursor(f"bookings/{document_id}"))  # type: ignore[arg-type]
