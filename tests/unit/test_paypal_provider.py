"""The PayPal adapter with its HTTP intercepted at httpx's transport by `respx`:
what goes over the wire (tokens, request ids, amounts), webhook verification,
how refusals are classed, and how webhook events map to payments."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from functions.invoices.models import (
    BillingContact,
    LineTotalsOut,
    StoredInvoice,
    StoredLine,
    TaxTotalOut,
    TotalsOut,
)
from functions.invoices.paypal_invoice import paypal_draft
from shared.config import ConfigError, get_settings, reset_settings
from shared.providers import PermanentProviderError, TemporaryProviderError
from shared.providers import paypal as paypal_module
from shared.providers.paypal import (
    PayPal,
    PayPalConfig,
    forget_tokens,
    is_configured,
)
from shared.providers.paypal_events import payment_from_paypal_event
from shared.providers.paypal_invoicing import DraftItem, InvoiceDraft, create_and_send
from shared.providers.paypal_money import UnsupportedCurrency, minor_from_paypal, paypal_value
from shared.providers.paypal_webhooks import WebhookRejected, verify

BASE = "https://api-m.sandbox.paypal.com"
EVENTS = Path(__file__).parent.parent / "events" / "paypal"
CONFIG = PayPalConfig(
    client_id="client-id-test", client_secret="secret-test", webhook_id="WH-ID-TEST"
)
SIGNED_HEADERS = {
    "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42",
    "PAYPAL-TRANSMISSION-ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
    "PAYPAL-TRANSMISSION-SIG": "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh3s3",
    "PAYPAL-TRANSMISSION-TIME": "2026-12-02T16:28:08Z",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    forget_tokens()
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.post("/v1/oauth2/token").mock(side_effect=_token_answers())
        yield router
    forget_tokens()


def _token_answers() -> Iterator[httpx.Response]:
    number = 0
    while True:
        number += 1
        yield httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "access_token": f"A21AA-token-{number}",
                "expires_in": 32400,
            },
        )


def client(clock: Clock | None = None) -> PayPal:
    return PayPal(CONFIG, clock=clock or Clock())


def body_of(call: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(call.request.content)
    return parsed


def order_created(order_id: str = "5O190127TN364715T") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": order_id,
            "status": "PAYER_ACTION_REQUIRED",
            "links": [
                {"href": f"{BASE}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
                {
                    "href": f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
                    "rel": "payer-action",
                    "method": "GET",
                },
            ],
        },
    )


# ------------------------------------------------------------------ config
def test_configured_only_with_both_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not is_configured()
    monkeypatch.setenv("PAYPAL_CLIENT_ID", "id")
    reset_settings()
    assert not is_configured()
    monkeypatch.setenv("PAYPAL_CLIENT_SECRET", "secret")
    reset_settings()
    assert is_configured()


def test_environment_chooses_the_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PayPalConfig.from_settings(get_settings()).base_url == BASE
    monkeypatch.setenv("PAYPAL_ENVIRONMENT", "live")
    reset_settings()
    assert PayPalConfig.from_settings(get_settings()).base_url == "https://api-m.paypal.com"
    monkeypatch.setenv("PAYPAL_ENVIRONMENT", "production")
    reset_settings()
    with pytest.raises(ConfigError, match="sandbox or live"):
        PayPalConfig.from_settings(get_settings())


# ------------------------------------------------------------------ tokens
def test_the_token_is_fetched_once_and_reused(api: respx.MockRouter) -> None:
    api.post("/v2/checkout/orders").mock(return_value=order_created())
    paypal = client()
    paypal.create_order("inv-1", 1999, "EUR", "inv-1-pay-1")
    paypal.create_order("inv-1", 1999, "EUR", "inv-1-pay-1")
    [token_call] = api.calls[:1]
    assert token_call.request.url.path == "/v1/oauth2/token"
    expected = base64.b64encode(b"client-id-test:secret-test").decode()
    assert token_call.request.headers["Authorization"] == f"Basic {expected}"
    assert token_call.request.content == b"grant_type=client_credentials"
    assert [call.request.url.path for call in api.calls].count("/v1/oauth2/token") == 1
    orders = [call for call in api.calls if call.request.url.path == "/v2/checkout/orders"]
    assert {call.request.headers["Authorization"] for call in orders} == {"Bearer A21AA-token-1"}


def test_the_token_is_renewed_shortly_before_it_expires(api: respx.MockRouter) -> None:
    api.post("/v2/checkout/orders").mock(return_value=order_created())
    clock = Clock()
    paypal = client(clock)
    paypal.create_order("inv-1", 100, "EUR", "r1")
    clock.now += 32400 - 61  # still more than a minute left
    paypal.create_order("inv-1", 100, "EUR", "r2")
    clock.now += 2  # within the last minute: renewed before it can lapse in flight
    paypal.create_order("inv-1", 100, "EUR", "r3")
    orders = [call for call in api.calls if call.request.url.path == "/v2/checkout/orders"]
    assert [call.request.headers["Authorization"] for call in orders] == [
        "Bearer A21AA-token-1",
        "Bearer A21AA-token-1",
        "Bearer A21AA-token-2",
    ]


def test_a_revoked_token_is_replaced_once(api: respx.MockRouter) -> None:
    route = api.post("/v2/checkout/orders").mock(
        side_effect=[
            httpx.Response(401, json={"error": "invalid_token", "error_description": "expired"}),
            order_created(),
        ]
    )
    assert client().create_order("inv-1", 100, "EUR", "r1")[0] == "5O190127TN364715T"
    assert [call.request.headers["Authorization"] for call in route.calls] == [
        "Bearer A21AA-token-1",
        "Bearer A21AA-token-2",
    ]


def test_refused_credentials_are_permanent(api: respx.MockRouter) -> None:
    api.post("/v1/oauth2/token").mock(
        return_value=httpx.Response(
            401,
            json={"error": "invalid_client", "error_description": "Client Authentication failed"},
        )
    )
    with pytest.raises(PermanentProviderError, match="Client Authentication failed") as raised:
        client().create_order("inv-1", 100, "EUR", "r1")
    assert raised.value.code == "invalid_client"


# ------------------------------------------------------------------ orders
def test_create_order_sends_request_id_amount_and_our_invoice_id(api: respx.MockRouter) -> None:
    route = api.post("/v2/checkout/orders").mock(return_value=order_created())
    order_id, link = client().create_order(
        "inv-1", 1999, "EUR", "inv-1-pay-1", return_url="https://x.test/pay/inv-1"
    )
    assert order_id == "5O190127TN364715T"
    assert link == "https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T"
    [call] = route.calls
    assert call.request.headers["PayPal-Request-Id"] == "inv-1-pay-1"
    body = body_of(call)
    assert body["intent"] == "CAPTURE"
    [unit] = body["purchase_units"]
    assert unit["amount"] == {"currency_code": "EUR", "value": "19.99"}
    assert unit["custom_id"] == "inv-1"
    assert unit["invoice_id"].startswith("inv-1-")
    context = body["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"] == "https://x.test/pay/inv-1"


def test_each_payment_attempt_gets_its_own_paypal_invoice_id(api: respx.MockRouter) -> None:
    """PayPal refuses a second capture with an invoice_id it has seen: partial payments differ."""
    route = api.post("/v2/checkout/orders").mock(return_value=order_created())
    paypal = client()
    paypal.create_order("inv-1", 500, "EUR", "inv-1-pay-1")
    paypal.create_order("inv-1", 500, "EUR", "inv-1-pay-1")
    paypal.create_order("inv-1", 500, "EUR", "inv-1-pay-2")
    ids = [body_of(call)["purchase_units"][0]["invoice_id"] for call in route.calls]
    assert ids[0] == ids[1] != ids[2]


@pytest.mark.parametrize(
    ("amount", "currency", "value"),
    [
        (1999, "EUR", "19.99"),
        (5, "EUR", "0.05"),
        (0, "USD", "0.00"),
        (5500, "JPY", "5500"),
        (150000, "HUF", "1500"),  # ISO: 2 digits; PayPal: whole forints
        (10**13, "GBP", "100000000000.00"),
    ],
)
def test_amounts_are_exact_major_unit_strings(amount: int, currency: str, value: str) -> None:
    assert paypal_value(amount, currency) == value
    assert minor_from_paypal(value, currency) == amount


@pytest.mark.parametrize("currency", ["KWD", "BHD", "CLP", "XXX", "eur-"])
def test_currencies_paypal_does_not_take_are_refused(currency: str) -> None:
    with pytest.raises(UnsupportedCurrency, match="PayPal does not accept"):
        paypal_value(1000, currency)


@pytest.mark.parametrize(("amount", "currency"), [(150050, "HUF"), (12345, "TWD")])
def test_fractions_of_whole_unit_currencies_are_refused(amount: int, currency: str) -> None:
    with pytest.raises(UnsupportedCurrency, match=f"whole {currency} only"):
        paypal_value(amount, currency)


def test_a_refused_currency_never_reaches_paypal(api: respx.MockRouter) -> None:
    route = api.post("/v2/checkout/orders").mock(return_value=order_created())
    with pytest.raises(UnsupportedCurrency):
        client().create_order("inv-1", 1000, "KWD", "r1")
    assert not route.called


def test_an_amount_finer_than_the_minor_unit_is_refused() -> None:
    with pytest.raises(PermanentProviderError, match="finer"):
        minor_from_paypal("10.5", "JPY")
    with pytest.raises(PermanentProviderError):
        minor_from_paypal("NaN", "EUR")


def test_capture_returns_the_capture_with_our_invoice_id(api: respx.MockRouter) -> None:
    capture = json.loads((EVENTS / "payment_capture_completed.json").read_text())["resource"]
    route = api.post("/v2/checkout/orders/5O190127TN364715T/capture").mock(
        return_value=httpx.Response(
            201,
            json={
                "id": "5O190127TN364715T",
                "status": "COMPLETED",
                "purchase_units": [{"payments": {"captures": [capture]}}],
            },
        )
    )
    result = client().capture_order("5O190127TN364715T", "inv-1-capture-5O19")
    assert (result.id, result.status, result.amount_minor, result.currency, result.custom_id) == (
        "7NW873794T343360M",
        "COMPLETED",
        1999,
        "EUR",
        "inv-canned-1",
    )
    assert route.calls[0].request.headers["PayPal-Request-Id"] == "inv-1-capture-5O19"


def test_an_id_that_would_change_the_path_is_refused(api: respx.MockRouter) -> None:
    with pytest.raises(PermanentProviderError, match="not a PayPal id"):
        client().capture_order("../../v1/oauth2/token", "r1")


def test_refund_sends_the_amount_and_request_id(api: respx.MockRouter) -> None:
    route = api.post("/v2/payments/captures/7NW873794T343360M/refund").mock(
        return_value=httpx.Response(
            201,
            json={
                "id": "1JU08902781691411",
                "status": "COMPLETED",
                "amount": {"currency_code": "JPY", "value": "300"},
            },
        )
    )
    refund = client().refund_capture("7NW873794T343360M", 300, "JPY", "inv-1-refund-1")
    assert (refund.id, refund.amount_minor, refund.currency) == ("1JU08902781691411", 300, "JPY")
    [call] = route.calls
    assert call.request.headers["PayPal-Request-Id"] == "inv-1-refund-1"
    assert body_of(call)["amount"] == {"currency_code": "JPY", "value": "300"}


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_throttling_are_temporary(api: respx.MockRouter, status: int) -> None:
    api.post("/v2/checkout/orders").mock(
        return_value=httpx.Response(status, json={"name": "INTERNAL_SERVER_ERROR", "message": "x"})
    )
    with pytest.raises(TemporaryProviderError) as raised:
        client().create_order("inv-1", 100, "EUR", "r1")
    assert raised.value.status == status


def test_network_failures_are_temporary(api: respx.MockRouter) -> None:
    api.post("/v2/checkout/orders").mock(side_effect=httpx.ConnectTimeout("timed out"))
    with pytest.raises(TemporaryProviderError, match="unreachable"):
        client().create_order("inv-1", 100, "EUR", "r1")


def test_a_422_is_permanent_with_paypals_name_message_and_issue(api: respx.MockRouter) -> None:
    api.post("/v2/checkout/orders/5O190127TN364715T/capture").mock(
        return_value=httpx.Response(
            422,
            json={
                "name": "UNPROCESSABLE_ENTITY",
                "message": "The requested action could not be performed.",
                "details": [
                    {"issue": "ORDER_ALREADY_CAPTURED", "description": "Order already captured."}
                ],
                "debug_id": "f2bb3a1e8c3e1",
            },
        )
    )
    with pytest.raises(PermanentProviderError) as raised:
        client().capture_order("5O190127TN364715T", "r1")
    error = raised.value
    assert not isinstance(error, TemporaryProviderError)
    assert error.status == 422
    assert error.code == "ORDER_ALREADY_CAPTURED"  # what a caller acts on
    assert "UNPROCESSABLE_ENTITY" in str(error)
    assert "could not be performed" in str(error)
    assert "ORDER_ALREADY_CAPTURED" in str(error)
    assert "f2bb3a1e8c3e1" in str(error)


# ---------------------------------------------------------------- webhooks
def raw_event(name: str = "payment_capture_completed.json") -> bytes:
    return (EVENTS / name).read_bytes()


def test_a_verified_webhook_returns_its_event(api: respx.MockRouter) -> None:
    route = api.post("/v1/notifications/verify-webhook-signature").mock(
        return_value=httpx.Response(200, json={"verification_status": "SUCCESS"})
    )
    raw = raw_event()
    event = verify(client(), SIGNED_HEADERS, raw)
    assert event["id"] == "WH-58D329510W468432D-8HN650336L201105X"
    [call] = route.calls
    sent = call.request.content
    # The event goes to PayPal byte for byte as it arrived (the signature covers those bytes).
    assert raw.strip() in sent
    body = json.loads(sent)
    assert body["webhook_id"] == "WH-ID-TEST"
    assert body["transmission_id"] == SIGNED_HEADERS["PAYPAL-TRANSMISSION-ID"]
    assert body["transmission_sig"] == SIGNED_HEADERS["PAYPAL-TRANSMISSION-SIG"]
    assert body["transmission_time"] == SIGNED_HEADERS["PAYPAL-TRANSMISSION-TIME"]
    assert body["cert_url"] == SIGNED_HEADERS["PAYPAL-CERT-URL"]
    assert body["auth_algo"] == "SHA256withRSA"
    assert body["webhook_event"] == json.loads(raw)


def test_headers_are_read_whatever_their_case(api: respx.MockRouter) -> None:
    api.post("/v1/notifications/verify-webhook-signature").mock(
        return_value=httpx.Response(200, json={"verification_status": "SUCCESS"})
    )
    lower = {key.lower(): value for key, value in SIGNED_HEADERS.items()}
    assert verify(client(), lower, raw_event())["event_type"]


def test_a_webhook_paypal_does_not_verify_is_rejected(api: respx.MockRouter) -> None:
    api.post("/v1/notifications/verify-webhook-signature").mock(
        return_value=httpx.Response(200, json={"verification_status": "FAILURE"})
    )
    with pytest.raises(WebhookRejected, match="FAILURE"):
        verify(client(), SIGNED_HEADERS, raw_event())


def test_a_verification_answer_without_status_is_rejected(api: respx.MockRouter) -> None:
    api.post("/v1/notifications/verify-webhook-signature").mock(
        return_value=httpx.Response(200, json={})
    )
    with pytest.raises(WebhookRejected):
        verify(client(), SIGNED_HEADERS, raw_event())


@pytest.mark.parametrize("missing", sorted(SIGNED_HEADERS))
def test_a_webhook_missing_a_header_is_rejected_without_asking_paypal(
    api: respx.MockRouter, missing: str
) -> None:
    route = api.post("/v1/notifications/verify-webhook-signature")
    headers = {key: value for key, value in SIGNED_HEADERS.items() if key != missing}
    with pytest.raises(WebhookRejected, match="without"):
        verify(client(), headers, raw_event())
    assert not route.called


@pytest.mark.parametrize(
    "raw", [b"", b"not json", b"[1, 2]", b'"text"', b"{}", b'{"id": "WH-1"}', b"\xff\xfe"]
)
def test_a_webhook_body_that_is_not_an_event_is_rejected(api: respx.MockRouter, raw: bytes) -> None:
    with pytest.raises(WebhookRejected):
        verify(client(), SIGNED_HEADERS, raw)


def test_webhooks_need_the_webhook_id(api: respx.MockRouter) -> None:
    paypal = PayPal(PayPalConfig(client_id="a", client_secret="b"))
    with pytest.raises(PermanentProviderError, match="PAYPAL_WEBHOOK_ID"):
        verify(paypal, SIGNED_HEADERS, raw_event())


def test_a_verification_outage_is_temporary_so_paypal_retries(api: respx.MockRouter) -> None:
    api.post("/v1/notifications/verify-webhook-signature").mock(return_value=httpx.Response(503))
    with pytest.raises(TemporaryProviderError):
        verify(client(), SIGNED_HEADERS, raw_event())


def test_module_helpers_use_the_environment(
    api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAYPAL_CLIENT_ID", "client-id-test")
    monkeypatch.setenv("PAYPAL_CLIENT_SECRET", "secret-test")
    monkeypatch.setenv("PAYPAL_WEBHOOK_ID", "WH-FROM-ENV")
    reset_settings()
    route = api.post("/v1/notifications/verify-webhook-signature").mock(
        return_value=httpx.Response(200, json={"verification_status": "SUCCESS"})
    )
    paypal_module.verify_webhook(SIGNED_HEADERS, raw_event())
    assert json.loads(route.calls[0].request.content)["webhook_id"] == "WH-FROM-ENV"


# --------------------------------------------------------------- invoicing
def stored_invoice(**overrides: Any) -> StoredInvoice:
    """An invoice as stored: 2 lines, 10 % discount, 21 % VAT and -15 % IRPF (Spain)."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    invoice = StoredInvoice(
        status="open",
        number="INV-2026-0042",
        billing=BillingContact(name="Ana García", email="ana@example.com"),
        currency="EUR",
        lines=[
            StoredLine(description="Consulting", quantity=Decimal("2.5"), unit_amount=4000),
            StoredLine(description="Report", quantity=Decimal(1), unit_amount=3333),
        ],
        discount_percent=Decimal(10),
        totals=TotalsOut(
            currency="EUR",
            rounding="document",
            lines=[
                LineTotalsOut(gross=10000, discount=0, amount=10000),
                LineTotalsOut(gross=3333, discount=0, amount=3333),
            ],
            subtotal=13333,
            discount=1333,
            taxes=[
                TaxTotalOut(
                    name="IVA", percent=Decimal(21), inclusive=False, taxable=12000, amount=2520
                ),
                TaxTotalOut(
                    name="IRPF", percent=Decimal(-15), inclusive=False, taxable=12000, amount=-1800
                ),
            ],
            total=12720,
            net=12000,
        ),
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 15),
        created_at=now,
        updated_at=now,
    )
    return invoice.model_copy(update=overrides)


def test_a_paypal_invoice_carries_our_stored_figures(api: respx.MockRouter) -> None:
    create = api.post("/v2/invoicing/invoices").mock(
        return_value=httpx.Response(
            201,
            json={
                "links": [
                    {
                        "href": f"{BASE}/v2/invoicing/invoices/INV2-Z56S-5LLA-Q52L-CPZ5",
                        "rel": "self",
                        "method": "GET",
                    }
                ]
            },
        )
    )
    send = api.post("/v2/invoicing/invoices/INV2-Z56S-5LLA-Q52L-CPZ5/send").mock(
        return_value=httpx.Response(
            200,
            json={
                "href": "https://www.sandbox.paypal.com/invoice/p/#Z56S5LLAQ52LCPZ5",
                "rel": "payer-view",
                "method": "GET",
            },
        )
    )
    draft = paypal_draft("inv-42", stored_invoice())
    paypal_id, link = create_and_send(client(), draft, "inv-42-paypal-invoice")
    assert paypal_id == "INV2-Z56S-5LLA-Q52L-CPZ5"
    assert link == "https://www.sandbox.paypal.com/invoice/p/#Z56S5LLAQ52LCPZ5"
    body = body_of(create.calls[0])
    assert create.calls[0].request.headers["PayPal-Request-Id"] == "inv-42-paypal-invoice"
    assert body["detail"]["reference"] == "inv-42"
    assert body["detail"]["invoice_number"] == "INV-2026-0042"
    assert [
        (item["name"], item["quantity"], item["unit_amount"]["value"]) for item in body["items"]
    ] == [
        ("Consulting", "1", "100.00"),
        ("Report", "1", "33.33"),
        ("IVA 21%", "1", "25.20"),
    ]
    assert all("tax" not in item for item in body["items"])
    discount = body["amount"]["breakdown"]["discount"]["invoice_discount"]["amount"]
    assert discount == {"currency_code": "EUR", "value": "31.33"}  # 13.33 discount + 18.00 IRPF
    # What PayPal will total is exactly our stored total.
    items = sum(Decimal(item["unit_amount"]["value"]) for item in body["items"])
    assert items - Decimal(discount["value"]) == Decimal("127.20")
    assert json.loads(send.calls[0].request.content)["send_to_recipient"] is True


def test_a_draft_paypal_would_total_differently_is_refused() -> None:
    draft = InvoiceDraft(
        reference="inv-1",
        number="INV-1",
        currency="EUR",
        recipient_name="A",
        recipient_email="a@example.com",
        items=(DraftItem("x", 1000),),
        total_minor=1001,
    )
    with pytest.raises(PermanentProviderError, match="stored total"):
        draft.check()


def test_credit_notes_and_drafts_do_not_go_to_paypal() -> None:
    with pytest.raises(PermanentProviderError):
        paypal_draft("cn-1", stored_invoice(kind="credit_note"))
    with pytest.raises(PermanentProviderError):
        paypal_draft("inv-1", stored_invoice(number=None, status="draft"))


# ------------------------------------------------------------------ events
def canned(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def test_a_completed_capture_is_a_payment_of_our_invoice() -> None:
    payment = payment_from_paypal_event(canned("payment_capture_completed.json"))
    assert payment is not None
    assert (payment.kind, payment.provider_id, payment.invoice_id) == (
        "payment",
        "7NW873794T343360M",
        "inv-canned-1",
    )
    assert (payment.amount_minor, payment.currency, payment.order_id) == (
        1999,
        "EUR",
        "5O190127TN364715T",
    )


def test_a_refunded_capture_is_a_refund_naming_its_capture() -> None:
    payment = payment_from_paypal_event(canned("payment_capture_refunded.json"))
    assert payment is not None
    assert (payment.kind, payment.provider_id, payment.capture_id) == (
        "refund",
        "1JU08902781691411",
        "7NW873794T343360M",
    )
    assert (payment.invoice_id, payment.amount_minor, payment.currency) == (
        "inv-canned-1",
        500,
        "EUR",
    )


def test_a_denied_capture_is_a_failed_payment() -> None:
    payment = payment_from_paypal_event(canned("payment_capture_denied.json"))
    assert payment is not None
    assert (payment.kind, payment.status, payment.invoice_id) == (
        "failed",
        "DECLINED",
        "inv-canned-1",
    )


def test_a_paid_paypal_invoice_is_a_payment_under_its_transaction_id() -> None:
    payment = payment_from_paypal_event(canned("invoicing_invoice_paid.json"))
    assert payment is not None
    assert (payment.kind, payment.provider_id, payment.invoice_id, payment.reference) == (
        "payment",
        "2KV30564UA6754531",
        "inv-canned-2",
        "INV-2026-0042",
    )
    assert (payment.amount_minor, payment.currency) == (5500, "JPY")


def test_other_and_malformed_events_map_to_nothing() -> None:
    assert payment_from_paypal_event(canned("checkout_order_approved.json")) is None
    assert payment_from_paypal_event({"event_type": "PAYMENT.CAPTURE.COMPLETED"}) is None
    assert (
        payment_from_paypal_event(
            {"event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {"id": "X", "amount": {}}}
        )
        is None
    )
