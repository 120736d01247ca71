"""Writebacks against the served sandbox (real HTTP through recording proxies), a real warehouse copy and the
dbt-built `wb_*` models: outcomes, idempotency, ownership, retries, dead-lettering and replay, bisection, and the
sandbox's ground truth repaired by the writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from starlette.responses import Response

from concord.writeback.errors import ChangeGuardError
from concord.writeback.ownership import load_rules, may_write
from concord.writeback.runner import DESTINATIONS, run_writebacks
from concord.writeback.settings import WritebackSettings
from tests.transform.conftest import BuiltWarehouse
from tests.transform.writeback_support import WritebackWorld, writeback_world

pytestmark = pytest.mark.xdist_group("dbt")

FAST = WritebackSettings(retries=2, backoff_seconds=0.01, backoff_max=0.05, stripe_rate=0, max_attempts=2)


@pytest.fixture
def world(built_warehouse: BuiltWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WritebackWorld]:
    with writeback_world(built_warehouse, tmp_path) as w:
        for key, value in w.env.items():
            if key.startswith("CONCORD_"):
                monkeypatch.setenv(key, value)
        yield w


def run(world: WritebackWorld, destination: str, run_id: str, settings: WritebackSettings = FAST,
        **kwargs: Any) -> dict[str, Any]:
    return run_writebacks(destination, run_id, url=world.url, settings=settings, **kwargs)


def log(world: WritebackWorld, where: str = "true", *args: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(world.url) as conn:
        return conn.execute(f"select target, key, outcome, attempt, error from concord_meta.writeback_log "
                            f"where {where} order by log_id", args).fetchall()


def test_writebacks_apply_once_log_outcomes_and_repair_ground_truth(world: WritebackWorld) -> None:
    first = {d: run(world, d, "run-1") for d in DESTINATIONS}
    accounts = first["salesforce"]["targets"]["salesforce.accounts"]
    assert accounts["succeeded"] == accounts["rows"] > 100 and accounts["rejected"] == 0
    invoices = first["netsuite"]["targets"]["netsuite.invoices"]
    assert invoices["succeeded"] > 0 and invoices["invalid"] > 0 and invoices["rejected"] == 0
    assert first["netsuite"]["targets"]["netsuite.customers"]["succeeded"] > 0
    assert first["netsuite"]["targets"]["netsuite.payments"]["succeeded"] > 0
    assert first["stripe"]["targets"]["stripe.customers"]["succeeded"] > 100

    # Invalid rows: logged with the reason, never sent.
    invalid = log(world, "outcome = 'invalid' and target = 'netsuite.invoices'")
    assert len(invalid) == invoices["invalid"]
    assert all(("tax code" in e and "no ERP tax code mapping" in e) or "no ERP subsidiary mapping" in e
               for *_, e in invalid)
    sent = {path.rsplit("eid:", 1)[-1] for _, path, _ in world.recorders["netsuite"].writes()}
    assert not sent & {key for _, key, *_ in invalid}

    # Every postable invoice is posted in the sandbox ERP; the planted instances the writes fix are repaired.
    posted = {k for (k,) in world.sandbox("select externalid from \"transaction\" where type = 'CustInvc'")}
    with psycopg.connect(world.url) as conn:
        postable = {k for (k,) in conn.execute(
            "select key from writeback.wb_erp_invoices where invalid_reason is null")}
    assert postable and postable <= posted
    truth = world.truth()
    for cls in ("erp_customer_missing", "payment_status_mismatch", "billing_customer_unlinked"):
        instances = [t for t in truth if t["class"] == cls]
        assert instances and all(t["repaired_at"] for t in instances), cls
    unpostable = [t for t in truth if t["class"].startswith("invoice_unposted_")]
    assert unpostable and not any(t["repaired_at"] for t in unpostable)
    assert Counter(outcome for _, _, outcome, *_ in log(world))["succeeded"] == sum(
        c["succeeded"] for s in first.values() for c in s["targets"].values())

    # A second run with no source change sends nothing: not one request reaches any API.
    world.reset_counts()
    second = {d: run(world, d, "run-2") for d in DESTINATIONS}
    assert all(c["to_send"] == 0 for s in second.values() for c in s["targets"].values())
    assert all(not r.requests for r in world.recorders.values())
    assert log(world, "run_id = 'run-2'") == []  # the invalid verdicts are not repeated either
    with psycopg.connect(world.url) as conn:
        stages = conn.execute("select stage, status from concord_meta.runs where run_id = 'run-1' order by 1").fetchall()
    assert stages == [(f"writeback:{d}", "succeeded") for d in sorted(DESTINATIONS)]


def test_ownership_is_enforced_whatever_the_model_says(world: WritebackWorld) -> None:
    # Every rule of the seed: an update never writes what the destination owns; a create only writable fields.
    for (obj, attribute), rule in load_rules().items():
        assert not may_write(rule.owning_system, obj, attribute, creating=False).allowed
        assert may_write(rule.owning_system, obj, attribute, creating=True).allowed == rule.writable_on_create
    assert not may_write("netsuite", "no_such", "field", creating=True).allowed

    # A model that carries owned fields: the CRM's own Name and Industry, billing's email, the ERP's number.
    with psycopg.connect(world.url) as conn:
        conn.execute("alter table writeback.wb_crm_accounts add column name text, add column industry text")
        conn.execute("update writeback.wb_crm_accounts set name = 'Overwritten', industry = 'Overwritten'")
        conn.execute("alter table writeback.wb_billing_customers add column email text")
        conn.execute("update writeback.wb_billing_customers set email = 'overwritten@example.com'")
        conn.execute("alter table writeback.wb_erp_customers add column erp_customer_number text")
        conn.execute("update writeback.wb_erp_customers set erp_customer_number = 'CUST-OVERWRITTEN'")
    summaries = {d: run(world, d, "own-1") for d in DESTINATIONS}
    assert summaries["salesforce"]["targets"]["salesforce.accounts"]["withheld_by_ownership"] == {
        "name": summaries["salesforce"]["targets"]["salesforce.accounts"]["rows"],
        "industry": summaries["salesforce"]["targets"]["salesforce.accounts"]["rows"]}
    bodies = [orjson.loads(b) for m, _, b in world.recorders["salesforce"].writes() if m == "PATCH"]
    records = [r for body in bodies for r in body["records"]]
    assert records and all("Name" not in r and "Industry" not in r and "Concord_Account_Id__c" in r for r in records)
    assert world.sandbox("select count(*) from \"Account\" where Name = 'Overwritten' or Industry = 'Overwritten'") == [(0,)]
    stripe_bodies = [b.decode() for _, _, b in world.recorders["stripe"].writes()]
    assert stripe_bodies and not any("email" in b for b in stripe_bodies)
    created = [orjson.loads(b) for _, p, b in world.recorders["netsuite"].writes() if "/customer/" in p]
    assert created and all("entityId" not in c and "subsidiary" in c for c in created)
    assert world.sandbox("select count(*) from customer where entityid = 'CUST-OVERWRITTEN'") == [(0,)]


def test_dry_run_sends_nothing_and_the_change_guard_stops_a_mass_change(world: WritebackWorld) -> None:
    dry = run(world, "salesforce", "dry-1", dry_run=True)
    changes = dry["targets"]["salesforce.accounts"]["changes"]
    assert changes and all(not c["create"] for c in changes)
    assert not world.recorders["salesforce"].requests
    run(world, "salesforce", "guard-1")
    with psycopg.connect(world.url) as conn:
        conn.execute("update writeback.wb_crm_accounts set billing_status = 'Suspended'")
    world.reset_counts()
    with pytest.raises(ChangeGuardError, match="more than the guard"):
        run(world, "salesforce", "guard-2")
    assert not world.recorders["salesforce"].requests
    forced = run(world, "salesforce", "guard-3", force=True)
    assert forced["targets"]["salesforce.accounts"]["succeeded"] == forced["targets"]["salesforce.accounts"]["rows"]


def test_retriable_failures_are_retried_within_the_run(world: WritebackWorld) -> None:
    world.faults("netsuite:503=0.25,429=0.15,reset=0.1,truncate=0.1;stripe:500=0.2,429=0.1")
    settings = WritebackSettings(retries=6, backoff_seconds=0.01, backoff_max=0.05, stripe_rate=0)
    netsuite = run(world, "netsuite", "retry-1", settings)
    stripe = run(world, "stripe", "retry-1", settings)
    for summary in (netsuite, stripe):
        assert summary["retries"] > 0
        assert all(c["rejected"] == 0 and c["dead_lettered"] == 0 for c in summary["targets"].values())
    world.faults(None)
    # Each payment applied once although some requests were retried after the write had landed.
    applied = world.sandbox("select nextdoc, count(*) from previoustransactionlink group by 1 having count(*) > 1")
    assert applied == []
    assert run(world, "netsuite", "retry-2")["targets"]["netsuite.invoices"]["to_send"] == 0


def test_dead_letter_after_attempts_across_runs_then_replay_after_the_fix(world: WritebackWorld) -> None:
    world.faults("netsuite:503=1")
    first = run(world, "netsuite", "dl-1")["targets"]["netsuite.customers"]
    assert first["rejected"] == first["to_send"] > 0
    second = run(world, "netsuite", "dl-2")["targets"]["netsuite.customers"]
    assert second["dead_lettered"] == first["rejected"]
    rows = log(world, "target = 'netsuite.customers' and outcome <> 'invalid'")
    assert {(o, a) for _, _, o, a, _ in rows} == {("rejected", 1), ("dead_lettered", 2)}
    assert all("HTTP 503" in e for *_, e in rows)
    world.reset_counts()
    third = run(world, "netsuite", "dl-3")["targets"]["netsuite.customers"]
    assert third["to_send"] == 0 and third["awaiting_replay"] == first["rejected"]
    assert not [w for w in world.recorders["netsuite"].writes() if "/customer/" in w[1]]

    world.faults(None)  # the fix
    proc = world.concord("replay", "--writebacks", "netsuite", "--run-id", "dl-replay")
    assert "netsuite.customers" in proc.stdout and f"{first['rejected']} succeeded" in proc.stdout
    assert log(world, "run_id = 'dl-replay' and target = 'netsuite.customers' and outcome <> 'succeeded'") == []
    truth = [t for t in world.truth() if t["class"] == "erp_customer_missing"]
    assert truth and all(t["repaired_at"] for t in truth)
    assert run(world, "netsuite", "dl-4")["targets"]["netsuite.customers"]["to_send"] == 0


def test_a_batch_that_fails_whole_is_bisected_to_the_bad_row(world: WritebackWorld) -> None:
    with psycopg.connect(world.url) as conn:
        keys = [k for (k,) in conn.execute("select key from writeback.wb_crm_accounts order by key limit 200")]
        conn.execute("delete from writeback.wb_crm_accounts where key <> all(%s)", (keys,))
    poison = keys[137]

    def destination_side_failure(method: str, path: str, body: bytes) -> Response | None:
        if method == "PATCH" and path.endswith("/composite/sobjects") and poison.encode() in body:
            return Response(orjson.dumps([{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error"}]),
                            status_code=500, media_type="application/json")
        return None

    world.recorders["salesforce"].poison = destination_side_failure
    summary = run(world, "salesforce", "bisect-1")["targets"]["salesforce.accounts"]
    assert (summary["to_send"], summary["succeeded"], summary["rejected"]) == (200, 199, 1)
    assert log(world, "outcome = 'rejected'")[0][1] == poison
    calls = [b for m, _, b in world.recorders["salesforce"].requests if m == "PATCH"]
    assert 9 <= len(calls) <= 40  # about 2·log2(200) batches (each failing one tried 1 + retries times), not 200
    stamped = world.sandbox("select count(*) from \"Account\" where Id in (%s) and Concord_Account_Id__c is not null"
                            % ",".join("?" * len(keys)), *keys)
    assert stamped == [(199,)]
