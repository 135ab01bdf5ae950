"""shared.contacts: normalising emails and phone numbers (no database)."""

from __future__ import annotations

import pytest

from shared.errors import Invalid
from shared.values import normalise_email, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+44 7911 123456", "+447911123456"),
        ("+447911123456", "+447911123456"),
        ("  +44 (0)7911-123-456 ", "+447911123456"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_phone_is_normalised_to_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


def test_a_national_number_needs_a_default_region() -> None:
    assert normalise_phone("07911 123456", default_region="GB") == "+447911123456"

    with pytest.raises(Invalid):
        normalise_phone("07911 123456")


@pytest.mark.parametrize("raw", ["12", "", "not a phone", "7911 123456"])
def test_unparseable_phone_is_invalid(raw: str) -> None:
    with pytest.raises(Invalid) as raised:
        normalise_phone(raw)

    [problem] = raised.value.fields
    assert problem.field == "phone"
    assert problem.location == "body"
    assert "country code" in problem.message
    assert raised.value.status_code == 422
    assert raised.value.code == "validation_error"


def test_a_number_in_a_reserved_fictional_range_is_invalid() -> None:
    with pytest.raises(Invalid) as raised:
        normalise_phone("+44 7700 900123")

    [problem] = raised.value.fields
    assert problem.field == "phone"
    assert "not a valid phone number" in problem.message


def test_the_error_names_the_given_field() -> None:
    with pytest.raises(Invalid) as raised:
        normalise_phone("12", field="customer.phone")

    assert raised.value.fields[0].field == "customer.phone"
    assert raised.value.message.startswith("customer.phone: ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ada@Example.COM ", "ada@example.com"),
        ("ada@example.com", "ada@example.com"),
        ("\tBOB@EXAMPLE.ORG\n", "bob@example.org"),
    ],
)
def test_email_is_lowercased_and_stripped(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected
