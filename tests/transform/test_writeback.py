"""Writebacks against the served sandbox (real HTTP through recording proxies), a real warehouse copy and the
dbt-built `wb_*` models: outcomes, idempotency, ownership, retries, dead-lettering and replay, bisection, and the
sandbox's ground truth repaired by the writes."""

from __future__ import annotations

import signal
import subprocess
import time
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
from tests.transform.conftest import CONCORD, BuiltWarehouse
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


def killed_then_rerun(world: WritebackWorld) -> dict[str, Any]:
    """`concord writeback stripe` SIGKILLed mid-run (after its first batch is recorded, while the second is in
    flight), then run again: each billing customer is changed exactly once (one `customer.updated` event) and
    logged `succeeded` exactly once."""
    baseline = world.sandbox("select coalesce(max(seq), 0) from events")[0][0]
    recorder = world.recorders["stripe"]
    recorder.poison = lambda method, path, body: time.sleep(0.01)  # slow each call so the kill lands mid-run
    env = {**world.env, "CONCORD_WRITEBACK_STRIPE_RATE": "0"}
    proc = subprocess.Popen([CONCORD, "writeback", "stripe", "--run-id", "run-1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(recorder.writes()) < 300 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    recorder.poison = None
    with psycopg.connect(world.url) as conn:
        logged_before = conn.execute("select count(*) from concord_meta.writeback_log "
                                     "where target = 'stripe.customers'").fetchone()[0]
        rows = conn.execute("select count(*) from writeback.wb_billing_customers").fetchone()[0]
    assert logged_before < rows  # killed part-way through
    summary = run(world, "stripe", "run-1b")
    events = world.sandbox("select object_id, count(*) from events where seq > ? and type = 'customer.updated' "
                           "group by 1", baseline)
    assert events and max(n for _, n in events) == 1
    with psycopg.connect(world.url) as conn:
        once = conn.execute("select key, count(*) from concord_meta.writeback_log where target = 'stripe.customers' "
                            "and outcome = 'succeeded' group by 1").fetchall()
    assert len(once) == rows and {n for _, n in once} == {1}
    with psycopg.connect(world.url) as conn:
        status, abandoned = conn.execute("select status, detail ->> 'abandoned' from concord_meta.runs "
                                         "where run_id = 'run-1' and stage = 'writeback:stripe'").fetchone()
    assert status == "failed" and "closed by run run-1b" in abandoned
    summary["targets"]["stripe.customers"]["succeeded"] += logged_before
    return summary


def test_writebacks_apply_once_log_outcomes_and_repair_ground_truth(world: WritebackWorld) -> None:
    first = {d: run(world, d, "run-1") for d in ("salesforce", "netsuite")}
    first["stripe"] = killed_then_rerun(world)
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
    # A dangling CRM reference (deleted_account_referenced) is replaced by a resolved live Account or left for a
    # steward, never blanked: blanking it would make the customer unlinked.
    dangling = [t["keys"]["stripe"]["customers"][0] for t in truth if t["class"] == "deleted_account_referenced"]
    assert dangling
    for customer in dangling:
        (reference,) = world.sandbox("select json_extract(data, '$.metadata.salesforce_account_id') from customers "
                                     "where id = ?", customer)[0]
        assert reference, customer
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
        stages = conn.execute("select run_id, stage, status from concord_meta.runs "
                              "where run_id in ('run-1', 'run-1b', 'run-2') order by 1, 2").fetchall()
    assert stages == [("run-1", "writeback:netsuite", "succeeded"), ("run-1", "writeback:salesforce", "succeeded"),
                      # SIGKILLed: the rerun, holding the destination's lock, closed its row
                      ("run-1", "writeback:stripe", "failed"),
                      ("run-1b", "writeback:stripe", "succeeded"),
                      *[("run-2", f"writeback:{d}", "succeeded") for d in sorted(DESTINATIONS)]]


def test_ownership_dry_run_bisection_and_change_guard(world: WritebackWorld) -> None:
    # Every rule of the seed: an update never writes what the destination owns; a create only writable fields.
    for (obj, attribute), rule in load_rules().items():
        assert not may_write(rule.owning_system, obj, attribute, creating=False).allowed
        assert may_write(rule.owning_system, obj, attribute, creating=True).allowed == rule.writable_on_create
    assert not may_write("netsuite", "no_such", "field", creating=True).allowed

    dry = run(world, "salesforce", "dry-1", dry_run=True)
    changes = dry["targets"]["salesforce.accounts"]["changes"]
    assert changes and all(not c["create"] for c in changes)
    assert not world.recorders["salesforce"].requests

    # A model that carries owned fields: the CRM's own Name and Industry, billing's email, the ERP's number.
    with psycopg.connect(world.url) as conn:
        conn.execute("alter table writeback.wb_crm_accounts add column name text, add column industry text")
        conn.execute("update writeback.wb_crm_accounts set name = 'Overwritten', industry = 'Overwritten'")
        conn.execute("delete from writeback.wb_billing_customers where key not in "
                     "(select key from writeback.wb_billing_customers order by key limit 20)")
        conn.execute("alter table writeback.wb_billing_customers add column email text")
        conn.execute("update writeback.wb_billing_customers set email = 'overwritten@example.com'")
        conn.execute("alter table writeback.wb_erp_customers add column erp_customer_number text")
        conn.execute("update writeback.wb_erp_customers set erp_customer_number = 'CUST-OVERWRITTEN'")
    summaries = {d: run(world, d, "own-1") for d in DESTINATIONS}
    accounts = summaries["salesforce"]["targets"]["salesforce.accounts"]
    assert accounts["withheld_by_ownership"] == {"name": accounts["rows"], "industry": accounts["rows"]}
    bodies = [orjson.loads(b) for m, _, b in world.recorders["salesforce"].writes() if m == "PATCH"]
    records = [r for body in bodies for r in body["records"]]
    assert len(records) == accounts["rows"]
    assert all("Name" not in r and "Industry" not in r and "Concord_Account_Id__c" in r for r in records)
    assert world.sandbox("select count(*) from \"Account\" where Name = 'Overwritten' or Industry = 'Overwritten'") == [(0,)]
    stripe_bodies = [b.decode() for _, _, b in world.recorders["stripe"].writes()]
    assert len(stripe_bodies) == 20 and not any("email" in b for b in stripe_bodies)
    created = [orjson.loads(b) for _, p, b in world.recorders["netsuite"].writes() if "/customer/" in p]
    assert created and all("entityId" not in c and "subsidiary" in c for c in created)
    assert world.sandbox("select count(*) from customer where entityid = 'CUST-OVERWRITTEN'") == [(0,)]

    # One destination-side poison record fails its whole batch of 200: bisection isolates it.
    with psycopg.connect(world.url) as conn:
        keys = [k for (k,) in conn.execute("select key from writeback.wb_crm_accounts order by key limit 200")]
        conn.execute("update writeback.wb_crm_accounts set billing_status = 'Suspended' where key = any(%s)", (keys,))
    poison = keys[137]

    def destination_side_failure(method: str, path: str, body: bytes) -> Response | None:
        if method == "PATCH" and path.endswith("/composite/sobjects") and poison.encode() in body:
            return Response(orjson.dumps([{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error"}]),
                            status_code=500, media_type="application/json")
        return None

    world.recorders["salesforce"].poison = destination_side_failure
    world.reset_counts()
    bisected = run(world, "salesforce", "bisect-1")["targets"]["salesforce.accounts"]
    assert (bisected["to_send"], bisected["succeeded"], bisected["rejected"]) == (200, 199, 1)
    assert [k for _, k, *_ in log(world, "run_id = 'bisect-1' and outcome = 'rejected'")] == [poison]
    calls = [b for m, _, b in world.recorders["salesforce"].requests if m == "PATCH"]
    assert 9 <= len(calls) <= 40  # about 2·log2(200) batches (a failing one tried 1 + retries times), not 200
    suspended = world.sandbox("select Id from \"Account\" where Billing_Status__c = 'Suspended'")
    assert sorted(k for (k,) in suspended) == sorted(set(keys) - {poison})
    world.recorders["salesforce"].poison = None

    # A run that would change most of the destination's rows is refused, unless forced.
    with psycopg.connect(world.url) as conn:
        conn.execute("update writeback.wb_crm_accounts set billing_status = 'Under review'")
    world.reset_counts()
    with pytest.raises(ChangeGuardError, match="more than the guard"):
        run(world, "salesforce", "guard-1")
    assert not world.recorders["salesforce"].requests
    forced = run(world, "salesforce", "guard-2", force=True)["targets"]["salesforce.accounts"]
    assert forced["succeeded"] == forced["rows"]


def test_retries_then_dead_letter_across_runs_then_replay_after_the_fix(world: WritebackWorld) -> None:
    # Injected 429/5xx, resets and truncated bodies on the ERP: every write still lands, and lands once.
    world.faults("netsuite:503=0.25,429=0.15,reset=0.1,truncate=0.1")
    settings = WritebackSettings(retries=6, backoff_seconds=0.01, backoff_max=0.05, stripe_rate=0)
    netsuite = run(world, "netsuite", "retry-1", settings)
    assert netsuite["retries"] > 0
    assert all(c["rejected"] == 0 and c["dead_lettered"] == 0 for c in netsuite["targets"].values())
    assert world.sandbox("select nextdoc from previoustransactionlink group by 1 having count(*) > 1") == []
    world.faults(None)
    assert all(c["to_send"] == 0 for c in run(world, "netsuite", "retry-2")["targets"].values())

    # Billing refuses every call: rejected on the first run, dead-lettered on the second (max_attempts = 2),
    # left alone by the third; after the fix, `concord replay --writebacks stripe` sends them once.
    unlinked = [t["keys"]["stripe"]["customers"][0] for t in world.truth() if t["class"] == "billing_customer_unlinked"]
    assert unlinked
    with psycopg.connect(world.url) as conn:
        conn.execute("delete from writeback.wb_billing_customers where key <> all(%s)", (unlinked,))
    world.faults("stripe:503=1")
    first = run(world, "stripe", "dl-1")["targets"]["stripe.customers"]
    assert first["rejected"] == first["to_send"] == len(unlinked)
    second = run(world, "stripe", "dl-2")["targets"]["stripe.customers"]
    assert second["dead_lettered"] == len(unlinked)
    rows = log(world, "target = 'stripe.customers'")
    assert sorted({(o, a) for _, _, o, a, _ in rows}) == [("dead_lettered", 2), ("rejected", 1)]
    assert all("HTTP 503" in e for *_, e in rows)
    world.reset_counts()
    third = run(world, "stripe", "dl-3")["targets"]["stripe.customers"]
    assert third["to_send"] == 0 and third["awaiting_replay"] == len(unlinked)
    assert not world.recorders["stripe"].requests

    world.faults(None)  # the fix
    proc = world.concord("replay", "--writebacks", "stripe", "--run-id", "dl-replay")
    assert f"{len(unlinked)} succeeded" in proc.stdout
    assert {o for _, _, o, *_ in log(world, "run_id = 'dl-replay'")} == {"succeeded"}
    repaired = [t for t in world.truth() if t["class"] == "billing_customer_unlinked"]
    assert all(t["repaired_at"] for t in repaired)
    assert run(world, "stripe", "dl-4")["targets"]["stripe.customers"]["to_send"] == 0
