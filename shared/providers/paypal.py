"""PayPal REST (Orders v2, Payments v2, Invoicing v2, webhook verification) with `httpx`.

Plain httpx for every call, not `paypal-server-sdk`: the SDK covers Orders
and Payments only (no Invoicing, no webhook verification) and pins
python-dateutil<3, so Invoicing and verification would need httpx anyway.
One HTTP path means one error mapping, one token cache and one way to test
(respx at the transport).

- OAuth2 client credentials; the token is cached per process (per client id
  and environment) until a minute before it expires.
- Every write sends `PayPal-Request-Id`: PayPal replays the first answer
  for a repeated id instead of charging or refunding twice.
- Amounts go out as major-unit strings from our integer minor units
  (`shared.money`), only in currencies PayPal takes; HUF, JPY and TWD must
  be whole units there.
- 5xx, 429 and network failures are `TemporaryProviderError`; other 4xx are
  `PermanentProviderError` carrying PayPal's `name` and `message`.

Amounts: `paypal_money`; Invoicing bodies: `paypal_invoicing`; webhook events to
payments: `paypal_events`.
httpx is imported on first call (cold start).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.providers import PermanentProviderError, ProviderError, classify
from shared.providers.paypal_money import minor_from_paypal, money

if TYPE_CHECKING:
    import httpx

    from shared.config import Settings
    from shared.providers.paypal_invoicing import InvoiceDraft

BASE_URLS = {"sandbox": "https://api-m.sandbox.paypal.com", "live": "https://api-m.paypal.com"}
CREDENTIALS = ("PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET")
TIMEOUT_SECONDS = 15.0
# Renew this long before PayPal's expiry so a call never carries a token
# that lapses in flight.
TOKEN_MARGIN_SECONDS = 60.0


# ----------------------------------------------------------------- config
@dataclass(frozen=True)
class PayPalConfig:
    client_id: str
    client_secret: str = ""
    webhook_id: str | None = None
    environment: str = "sandbox"

    @property
    def base_url(self) -> str:
        return BASE_URLS[self.environment]

    @classmethod
    def from_settings(cls, settings: Settings) -> PayPalConfig:
        environment = (settings.get("PAYPAL_ENVIRONMENT") or "sandbox").lower()
        if environment not in BASE_URLS:
            from shared.config import ConfigError

            raise ConfigError(f"PAYPAL_ENVIRONMENT must be sandbox or live, not {environment!r}")
        return cls(
            client_id=settings.get("PAYPAL_CLIENT_ID") or "",
            client_secret=settings.get("PAYPAL_CLIENT_SECRET") or "",
            webhook_id=settings.get("PAYPAL_WEBHOOK_ID"),
            environment=environment,
        )


def is_configured(settings: Settings | None = None) -> bool:
    """Both credentials set: only then does the pay page offer PayPal."""
    if settings is None:
        from shared.config import get_settings

        settings = get_settings()
    return all(settings.get(name) for name in CREDENTIALS)


@dataclass(frozen=True)
class Capture:
    id: str
    status: str  # COMPLETED, PENDING, DECLINED, ...
    amount_minor: int
    currency: str
    custom_id: str | None  # our invoice id, as set on the order


@dataclass(frozen=True)
class Refund:
    id: str
    status: str  # COMPLETED, PENDING, CANCELLED, FAILED
    amount_minor: int
    currency: str


# ------------------------------------------------------------------ client
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def forget_tokens() -> None:
    """Drop cached access tokens (tests; a rotated secret)."""
    with _tokens_lock:
        _tokens.clear()


class PayPal:
    def __init__(
        self,
        config: PayPalConfig,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not config.client_id or not config.client_secret:
            raise PermanentProviderError("PayPal is not configured (PAYPAL_CLIENT_ID/SECRET)")
        self.config = config
        self._http = http
        self._clock = clock

    # ---------------------------------------------------------- transport
    def http(self) -> httpx.Client:
        if self._http is None:
            import httpx

            self._http = httpx.Client(timeout=TIMEOUT_SECONDS)
        return self._http

    def _token(self) -> str:
        key = (self.config.base_url, self.config.client_id)
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and cached[1] > self._clock():
                return cached[0]
        answer = self._send(
            "POST",
            "/v1/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(self.config.client_id, self.config.client_secret),
        )
        try:
            token = str(answer["access_token"])
            lifetime = float(answer.get("expires_in", 0))
        except (KeyError, TypeError, ValueError) as error:
            raise PermanentProviderError(
                "PayPal answered its token call without a token"
            ) from error
        margin = min(TOKEN_MARGIN_SECONDS, lifetime / 2)
        with _tokens_lock:
            _tokens[key] = (token, self._clock() + lifetime - margin)
        return token

    def _forget_token(self) -> None:
        with _tokens_lock:
            _tokens.pop((self.config.base_url, self.config.client_id), None)

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content: bytes | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """An authorised JSON call; a 401 (revoked token) is retried once with a fresh token."""
        headers = {"Content-Type": "application/json", "Prefer": "return=representation"}
        if request_id is not None:
            if not request_id or len(request_id) > 108:
                raise ValueError("a PayPal-Request-Id is 1 to 108 characters")
            headers["PayPal-Request-Id"] = request_id
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {self._token()}"
            try:
                return self._send(method, path, content=content, headers=headers)
            except PermanentProviderError as error:
                if error.status != 401 or attempt == 2:
                    raise
                self._forget_token()
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        import httpx

        try:
            response = self.http().request(method, self.config.base_url + path, **options)
        except httpx.HTTPError as error:  # timeouts, refused connections, broken TLS
            raise classify(None, f"PayPal unreachable: {error!r}") from error
        if response.status_code >= 400:
            raise _error(response)
        if not response.content:
            return {}
        try:
            answer = response.json()
        except ValueError as error:
            raise PermanentProviderError(
                f"PayPal answered {response.status_code} with a body that is not JSON",
                status=response.status_code,
            ) from error
        return answer if isinstance(answer, dict) else {"items": answer}

    # ------------------------------------------------------------- orders
    def create_order(
        self,
        invoice_id: str,
        amount_minor: int,
        currency: str,
        request_id: str,
        *,
        return_url: str | None = None,
        cancel_url: str | None = None,
        description: str | None = None,
    ) -> tuple[str, str]:
        """An order to pay `amount_minor` of our invoice → (order id, the payer's approve link).

        `custom_id` carries our invoice id (captures, refunds and webhooks echo
        it). PayPal's `invoice_id` must be unique per captured payment (it
        refuses a duplicate by default), so it is our id plus a digest of the
        request id: partial payments of one invoice each get their own.
        """
        unit: dict[str, Any] = {
            "reference_id": "default",
            "custom_id": invoice_id,
            "invoice_id": attempt_reference(invoice_id, request_id),
            "amount": money(amount_minor, currency),
        }
        if description:
            unit["description"] = description[:127]
        context: dict[str, Any] = {"user_action": "PAY_NOW", "shipping_preference": "NO_SHIPPING"}
        if return_url:
            context["return_url"] = return_url
        if cancel_url:
            context["cancel_url"] = cancel_url
        order = self.call(
            "POST",
            "/v2/checkout/orders",
            body={
                "intent": "CAPTURE",
                "purchase_units": [unit],
                "payment_source": {"paypal": {"experience_context": context}},
            },
            request_id=request_id,
        )
        order_id = order.get("id")
        link = link_of(order, "payer-action") or link_of(order, "approve")
        if not order_id or not link:
            raise PermanentProviderError("PayPal created an order without an id or approve link")
        return str(order_id), link

    def capture_order(self, order_id: str, request_id: str) -> Capture:
        """Capture an approved order; the capture echoes our invoice id as `custom_id`."""
        order = self.call(
            "POST",
            f"/v2/checkout/orders/{path_id(order_id)}/capture",
            body={},
            request_id=request_id,
        )
        try:
            capture = order["purchase_units"][0]["payments"]["captures"][0]
        except (KeyError, IndexError, TypeError) as error:
            raise PermanentProviderError(
                f"PayPal captured order {order_id} without a capture"
            ) from error
        amount = capture["amount"]
        return Capture(
            id=str(capture["id"]),
            status=str(capture.get("status", "")),
            amount_minor=minor_from_paypal(amount["value"], amount["currency_code"]),
            currency=str(amount["currency_code"]),
            custom_id=capture.get("custom_id"),
        )

    def refund_capture(
        self,
        capture_id: str,
        amount_minor: int,
        currency: str,
        request_id: str,
        *,
        note: str | None = None,
    ) -> Refund:
        """Refund all or part of a capture (the amount is always sent: no implicit full refund)."""
        body: dict[str, Any] = {"amount": money(amount_minor, currency)}
        if note:
            body["note_to_payer"] = note[:255]
        refund = self.call(
            "POST",
            f"/v2/payments/captures/{path_id(capture_id)}/refund",
            body=body,
            request_id=request_id,
        )
        amount = refund.get("amount") or body["amount"]
        return Refund(
            id=str(refund["id"]),
            status=str(refund.get("status", "")),
            amount_minor=minor_from_paypal(amount["value"], amount["currency_code"]),
            currency=str(amount["currency_code"]),
        )


def attempt_reference(invoice_id: str, request_id: str) -> str:
    """PayPal's per-payment `invoice_id`: ours, readable, unique per attempt."""
    digest = hashlib.sha256(request_id.encode()).hexdigest()[:12]
    return f"{invoice_id[:110]}-{digest}"


def link_of(answer: Mapping[str, Any], rel: str) -> str | None:
    for link in answer.get("links") or ():
        if isinstance(link, dict) and link.get("rel") == rel and link.get("href"):
            return str(link["href"])
    return None


def last_segment(url: str | None) -> str | None:
    return url.rstrip("/").rsplit("/", 1)[-1] if url else None


def path_id(value: str) -> str:
    """An id placed in a URL path: refuse anything that could change the path."""
    if not value or not all(ch.isalnum() or ch in "-_" for ch in value):
        raise PermanentProviderError(f"not a PayPal id: {value!r}")
    return value


def _error(response: httpx.Response) -> ProviderError:
    """PayPal's error (`name`, `message`, `details`, `debug_id`; OAuth: `error`) → ours."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    name = body.get("name") or body.get("error")
    message = body.get("message") or body.get("error_description") or response.reason_phrase
    details = [detail for detail in body.get("details") or () if isinstance(detail, dict)]
    issues = [f"{d.get('issue')}: {d.get('description', '')}".strip(": ") for d in details]
    text = f"PayPal {response.status_code} {name or ''}: {message}".replace("  ", " ")
    if issues:
        text += " (" + "; ".join(issues) + ")"
    if body.get("debug_id"):
        text += f" [debug_id {body['debug_id']}]"
    # The code is the first issue when there is one (INSTRUMENT_DECLINED,
    # ORDER_ALREADY_CAPTURED: what a caller acts on), else PayPal's name.
    code = (details[0].get("issue") if details else None) or name
    return classify(response.status_code, text, code=str(code) if code else None)


# ---------------------------------------------------- module-level helpers
_default: PayPal | None = None
_default_lock = threading.Lock()


def paypal() -> PayPal:
    """The process's client, from PAYPAL_* settings (one pooled connection, one token)."""
    global _default
    from shared.config import get_settings

    config = PayPalConfig.from_settings(get_settings())
    with _default_lock:
        if _default is None or _default.config != config:
            _default = PayPal(config)
        return _default


def create_order(
    invoice_id: str, amount_minor: int, currency: str, request_id: str, **options: Any
) -> tuple[str, str]:
    return paypal().create_order(invoice_id, amount_minor, currency, request_id, **options)


def capture_order(order_id: str, request_id: str) -> Capture:
    return paypal().capture_order(order_id, request_id)


def refund_capture(capture_id: str, amount_minor: int, currency: str, request_id: str) -> Refund:
    return paypal().refund_capture(capture_id, amount_minor, currency, request_id)


def create_and_send_invoice(draft: InvoiceDraft, request_id: str) -> tuple[str, str]:
    from shared.providers.paypal_invoicing import create_and_send

    return create_and_send(paypal(), draft, request_id)


def verify_webhook(headers: Mapping[str, str], raw_body: bytes) -> dict[str, Any]:
    from shared.providers.paypal_webhooks import verify

    return verify(paypal(), headers, raw_body)
