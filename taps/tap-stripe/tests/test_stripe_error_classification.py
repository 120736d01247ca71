"""`validate_response` decides retriable vs fatal in one place, from the status and Stripe's own signals."""

from __future__ import annotations

import pytest
import requests
from tap_stripe.errors import StripeRequestError, StripeRetriableError, redact
from tap_stripe.tap import TapStripe

KEY = "sk_test_51SandboxClassification0000"


def response(status: int, body: bytes, **headers: str) -> requests.Response:
    prepared = requests.Request("GET", "http://stripe.test/v1/customers", params={"limit": 3}).prepare()
    reply = requests.Response()
    reply.status_code, reply._content, reply.request, reply.reason = status, body, prepared, "reason"
    reply.headers.update(headers)
    return reply


@pytest.fixture(scope="module")
def stream() -> object:
    return TapStripe(config={"api_key": KEY}).streams["customers"]


@pytest.mark.parametrize("status,headers", [
    (429, {"Retry-After": "7"}), (500, {}), (503, {}), (409, {}), (400, {"Stripe-Should-Retry": "true"}),
])
def test_retriable(stream: object, status: int, headers: dict[str, str]) -> None:
    with pytest.raises(StripeRetriableError) as err:
        stream.validate_response(response(status, b'{"error":{"type":"api_error","message":"m"}}', **headers))
    assert err.value.retry_after == (7.0 if "Retry-After" in headers else None)


@pytest.mark.parametrize("status,headers", [
    (400, {}), (401, {}), (403, {}), (404, {}), (500, {"Stripe-Should-Retry": "false"}),
])
def test_fatal_names_stream_and_request(stream: object, status: int, headers: dict[str, str]) -> None:
    body = b'{"error":{"type":"invalid_request_error","code":"c","message":"Invalid API Key provided: ' \
           + KEY.encode() + b'"}}'
    with pytest.raises(StripeRequestError) as err:
        stream.validate_response(response(status, body, **headers))
    message = str(err.value)
    assert "'customers'" in message and "GET /v1/customers?limit=3" in message and str(status) in message
    assert KEY not in message and "sk_test_…REDACTED" in message


def test_truncated_body_is_retried(stream: object) -> None:
    with pytest.raises(StripeRetriableError, match="incomplete or non-JSON body"):
        stream.validate_response(response(200, b'{"object":"list","data":[{"id":"cus_1"'))


def test_backoff_waits_at_least_retry_after(stream: object) -> None:
    waits = stream.backoff_wait_generator()
    next(waits)
    first = waits.send(StripeRetriableError("x", None, retry_after=5.0))
    second = waits.send(StripeRetriableError("x", None))
    assert first >= 5.0 and 0 < second <= 60
    assert all(5.0 <= stream.backoff_jitter(5.0) <= 6.25 for _ in range(50))


def test_redact_keys() -> None:
    assert redact(f"key {KEY} and rk_live_abc123") == "key sk_test_…REDACTED and rk_live_…REDACTED"
