"""Resilience: the same final record set under injected faults (429, 5xx, resets, truncated bodies) as on a
clean run; refusals fail fast naming the stream and request; secrets never appear in logs or errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from concord_sandbox.fault_injection import ApiFaults, FaultSource
from concord_sandbox.faults import FaultConfig, save_faults
from concord_sandbox.store import Store
from stripe_support import SECRET_KEY, Emulator, merge, run_tap, running, source_truth, strip
from tap_stripe.errors import StripeRequestError

pytestmark = pytest.mark.xdist_group("stripe_resilience")
STREAMS = ["customers", "invoices", "subscriptions"]


def with_faults(db: Path) -> object:
    return lambda app: ApiFaults("stripe", FaultSource(db, "stripe", refresh=0.05)).wrap(app)


def test_same_records_under_injected_faults(private_sandbox: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = Store(private_sandbox)
    try:
        with store.transaction() as conn:
            save_faults(conn, {"stripe": FaultConfig(rate_429=0.06, rate_500=0.04, rate_503=0.04, rate_reset=0.05,
                                                     rate_truncate=0.05, retry_after=1, seed=7)})
    finally:
        store.close()
    caplog.set_level(logging.INFO)
    with running(private_sandbox, wrap=with_faults(private_sandbox)) as emulator:
        faulty = run_tap(emulator.config(streams=STREAMS, window_days=400, max_retries=10))
    table = merge({}, faulty.records)
    truth = {k: v for k, v in source_truth(private_sandbox).items() if k[0] in STREAMS}
    assert {k: strip(v) for k, v in table.items()} == truth
    assert "Backing off" in caplog.text  # faults really happened and were retried
    assert SECRET_KEY not in caplog.text


def test_rate_limited_sync_honours_retry_after(private_sandbox: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with running(private_sandbox, rate_limit=4) as emulator:
        limited = run_tap(emulator.config(streams=["products", "prices"], window_days=400))
    assert "429" in caplog.text
    assert {(r["stream"], r["record"]["id"]) for r in limited.records} == {
        k for k in source_truth(private_sandbox) if k[0] in ("products", "prices")}


def test_wrong_key_fails_fast_naming_stream_and_request_without_the_secret(
        shared_emulator: Emulator, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = SECRET_KEY[:-6] + "ZZZZZZ"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StripeRequestError) as err:
        run_tap(shared_emulator.config(api_key=wrong, streams=["customers"], max_retries=10))
    message = str(err.value)
    assert "'customers'" in message and "GET /v1/customers" in message and "401" in message
    captured = capsys.readouterr()
    for text in (message, caplog.text, captured.out, captured.err):
        assert wrong not in text and SECRET_KEY not in text


def test_missing_object_is_fatal_not_retried(shared_emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    from tap_stripe.tap import TapStripe

    tap = TapStripe(config=shared_emulator.config(streams=["customers"]))
    stream = tap.streams["customers"]
    with pytest.raises(StripeRequestError) as err:
        stream.fetch("/v1/customers/cus_doesnotexist", {})
    assert err.value.status == 404 and err.value.code == "resource_missing"
    assert "Backing off" not in caplog.text
