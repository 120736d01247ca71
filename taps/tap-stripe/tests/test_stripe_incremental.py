"""Incremental correctness: a full sync, then changes (API writes and `advance --hours 1`), then an events sync;
the merged result must equal what the emulator holds, across page and window boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from concord_sandbox.activity import advance
from concord_sandbox.mutation import Mutation
from concord_sandbox.store import Store
from stripe_support import (
    SECRET_KEY,
    Emulator,
    Table,
    clock,
    live,
    merge,
    query,
    run_tap,
    running,
    set_clock,
    source_truth,
    strip,
)
from tap_stripe.errors import EventsExpiredError

pytestmark = pytest.mark.xdist_group("stripe_incremental")
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
FULL = {"page_size": 100, "window_days": 20}
EVENTS = {"page_size": 5, "event_window_seconds": 600, "lookback_seconds": 120}


def assert_matches_source(table: Table, db: Path) -> None:
    """Every live object in the emulator is in the table with the same content, and nothing else is."""
    synced = {k: strip(v) for k, v in live(table).items()}
    truth = source_truth(db)
    assert sorted(synced) == sorted(truth)
    differing = [k for k in truth if synced[k] != truth[k]]
    assert not differing, f"{len(differing)} records differ, e.g. {differing[:3]}"


def write_changes(emulator: Emulator, db: Path) -> dict[str, Any]:
    """Updates, a deletion, a cancellation and a creation through the API, two in one second."""
    customers = [r[0] for r in query(db, "select id from customers where deleted = 0 order by created limit 3")]
    subscription = query(db, "select id from subscriptions where status = 'active' limit 1")[0][0]
    with httpx.Client(base_url=emulator.url, headers=AUTH) as http:
        for value in ("first", "second"):  # same simulated second: the later must win
            http.post(f"/v1/customers/{customers[0]}", data={"metadata[concord_note]": value}).raise_for_status()
        http.delete(f"/v1/customers/{customers[1]}").raise_for_status()
        http.delete(f"/v1/subscriptions/{subscription}").raise_for_status()
        created = http.post("/v1/customers", data={"name": "Late Arrival Ltd", "email": "ap@late.example",
                                                   "metadata[legal_entity]": "NA-US"}).json()["id"]
    return {"updated": customers[0], "deleted": customers[1], "canceled": subscription, "created": created}


def test_full_then_events_sync_across_advance(private_sandbox: Path) -> None:
    with running(private_sandbox) as emulator:
        first = run_tap(emulator.config(**FULL))
        table = merge({}, first.records)
        assert_matches_source(table, private_sandbox)
        t0 = clock(private_sandbox)
        assert {s["replication_key_value"] for s in first.state["bookmarks"].values()} == {t0}

        changed = write_changes(emulator, private_sandbox)
        store = Store(private_sandbox)
        try:
            report = advance(store, 1)
        finally:
            store.close()
        assert sum(report.updated.values()) + sum(report.inserted.values()) > 0

        second = run_tap(emulator.config(**{**FULL, **EVENTS}), first.state)
        merge(table, second.records)
        assert_matches_source(table, private_sandbox)
        customers = {(r["stream"], r["record"]["id"]): r["record"] for r in second.records}
        assert table[("customers", changed["deleted"])]["_sdc_deleted_at"] is not None
        assert table[("customers", changed["updated"])]["metadata"]["concord_note"] == "second"
        canceled = table[("subscriptions", changed["canceled"])]
        assert canceled["status"] == "canceled" and canceled["_sdc_deleted_at"] is None
        assert ("customers", changed["created"]) in customers
        assert all(s["replication_key_value"] >= t0 + 3600 for s in second.state["bookmarks"].values())

        third = run_tap(emulator.config(**{**FULL, **EVENTS}), second.state)
        merge(table, third.records)
        assert_matches_source(table, private_sandbox)


def test_lookback_picks_up_a_late_event(private_sandbox: Path) -> None:
    with running(private_sandbox) as emulator:
        first = run_tap(emulator.config(**FULL, streams=["customers"]))
        set_clock(private_sandbox, clock(private_sandbox) + 3600)
        quiet = run_tap(emulator.config(**EVENTS, streams=["customers"]), first.state)
        table = merge({}, first.records + quiet.records)
        bookmark = quiet.state["bookmarks"]["customers"]["replication_key_value"]
        assert bookmark == clock(private_sandbox)  # a quiet stream's bookmark still moves to the server time
        customer_id = query(private_sandbox, "select id from customers where deleted = 0 limit 1")[0][0]
        store = Store(private_sandbox)
        try:
            with store.transaction() as conn:  # an event that becomes visible after the sync, dated before it
                m = Mutation(conn, store.now())
                doc = m.stripe_doc("customers", customer_id)
                assert doc is not None
                doc["metadata"] = {**doc["metadata"], "late": "yes"}
                m.stripe_put("customers", doc)
                m.event("customer.updated", doc, {"metadata": {"late": None}}, at=bookmark - 60)
                m.finish()
        finally:
            store.close()
        second = run_tap(emulator.config(**EVENTS, streams=["customers"]), quiet.state)
        merge(table, second.records)
    assert table[("customers", customer_id)]["metadata"]["late"] == "yes"


def test_bookmark_older_than_event_retention_stops_with_the_remedy(private_sandbox: Path) -> None:
    with running(private_sandbox) as emulator:
        now = clock(private_sandbox)
        state = {"bookmarks": {"customers": {"replication_key": "_concord_updated",
                                             "replication_key_value": now - 31 * 86400}}}
        with pytest.raises(EventsExpiredError) as err:
            run_tap(emulator.config(streams=["customers"]), state)
    assert "'customers'" in str(err.value) and "full re-sync" in str(err.value)
