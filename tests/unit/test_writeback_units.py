"""Writeback building blocks on their own: bisection, canonical values and hashes, outcomes, names."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from concord.writeback.bisect import WholeBatchFailure, send_bisecting
from concord.writeback.errors import WritebackError
from concord.writeback.outcomes import outcome_of
from concord.writeback.payload import content_hash, plain
from concord.writeback.runner import destination_name
from concord.writeback.targets import Item, Result, Target

TARGET = Target("t.rows", "salesforce", "wb_rows", ())


def items(n: int) -> list[Item]:
    return [Item(TARGET, f"k{i:03d}", False, {}, "h", 1) for i in range(n)]


def test_bisection_isolates_every_poison_row_and_sends_the_rest_once() -> None:
    poison = {"k017", "k150"}
    calls: list[int] = []
    sent: list[str] = []

    def send_batch(batch: Sequence[Item]) -> list[Result]:
        calls.append(len(batch))
        if poison & {i.key for i in batch}:
            raise WholeBatchFailure(500, "UNKNOWN_EXCEPTION", retriable=True)
        sent.extend(i.key for i in batch)
        return [Result(i.key, True) for i in batch]

    splits: list[int] = []
    results = send_bisecting(items(200), send_batch, splits)
    assert [r.key for r in results] == [i.key for i in items(200)]
    assert {r.key for r in results if not r.ok} == poison
    assert all(r.retriable and r.error == "UNKNOWN_EXCEPTION" for r in results if not r.ok)
    assert sorted(sent) == sorted({i.key for i in items(200)} - poison)  # every good row exactly once
    assert len(calls) < 40 and splits[0] == 200


def test_values_are_canonical_and_non_finite_numbers_are_refused() -> None:
    assert plain({"a": Decimal("12.50"), "b": [Decimal("3")]}) == {"a": 12.5, "b": [3]}
    with pytest.raises(ValueError, match="finite"):
        plain(Decimal("NaN"))
    assert content_hash(False, {"a": 1, "b": 2}) == content_hash(False, {"b": 2, "a": 1})
    assert content_hash(False, {"a": 1}) != content_hash(True, {"a": 1})


def test_outcomes_dead_letter_after_the_last_attempt_and_on_a_failed_replay() -> None:
    failed = Result("k", False, True, 503, "HTTP 503")
    item = Item(TARGET, "k", False, {}, "h", 1)
    assert outcome_of(Result("k", True), item, 3) == "succeeded"
    assert outcome_of(failed, item, 3) == "rejected"
    item.attempt = 3
    assert outcome_of(failed, item, 3) == "dead_lettered"
    item.attempt = 1
    assert outcome_of(failed, item, 3, replay=True) == "dead_lettered"


def test_destination_names_and_roles() -> None:
    assert [destination_name(n) for n in ("crm", "ERP", "billing", "stripe")] == [
        "salesforce", "netsuite", "stripe", "stripe"]
    with pytest.raises(WritebackError, match="Unknown destination"):
        destination_name("hubspot")


def test_concurrent_sessions_use_one_session_per_worker_thread_and_close_them_all(monkeypatch) -> None:
    import threading
    import time

    import requests

    from concord.writeback.destinations.sessions import ConcurrentSessions
    from concord.writeback.destinations.stripe import Stripe
    from concord.writeback.http import RetryCounter
    from concord.writeback.settings import WritebackSettings

    class ClosingSession(requests.Session):
        closed = False

        def close(self) -> None:
            self.closed = True
            super().close()

    class Recording(ConcurrentSessions):
        def __init__(self) -> None:
            super().__init__(3)
            self.seen: dict[int, set[int]] = {}
            self.active = self.peak = 0
            self.guard = threading.Lock()

        def _new_session(self) -> requests.Session:
            return ClosingSession()

        def _one(self, target: Target, item: Item) -> Result:
            with self.guard:
                self.active += 1
                self.peak = max(self.peak, self.active)
                self.seen.setdefault(threading.get_ident(), set()).add(id(self._session()))
            time.sleep(0.005)
            with self.guard:
                self.active -= 1
            return Result(item.key, True)

    target = Target("test.customers", "stripe", "wb_billing_customers", fields=())
    items = [Item(target, str(i), False, {}, "h", 1) for i in range(40)]
    sender = Recording()
    results = sender.send(target, items)
    assert [r.key for r in results] == [str(i) for i in range(40)]  # in order
    assert sender.peak <= 3 and len(sender.seen) <= 3
    assert all(len(ids) == 1 for ids in sender.seen.values())  # each thread kept its one session
    sessions = list(sender._sessions)
    assert len(sessions) == len(sender.seen)
    sender.close()
    assert sender._sessions == [] and all(s.closed for s in sessions)

    # Stripe's concurrency is its own setting (CONCORD_WRITEBACK_STRIPE_CONCURRENCY), not NetSuite's
    monkeypatch.setenv("CONCORD_WRITEBACK_STRIPE_CONCURRENCY", "7")
    settings = WritebackSettings.from_env()
    assert settings.stripe_concurrency == 7 and settings.netsuite_concurrency == 4
    assert Stripe({"api_key": "sk_test_x"}, settings, RetryCounter()).concurrency == 7
