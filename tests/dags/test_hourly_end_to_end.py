"""concord_hourly end to end through Airflow's `dag.test()` against a served sandbox and a fresh database, twice:
a first run, the sandbox one simulated hour later, a second (incremental) run. Then the backfill and replay DAGs on
the same warehouse. Real taps over HTTP, real target-concord, real dbt through cosmos, real GX, real writebacks.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
import pytest

from concord.orchestration.dag_runner import DagRunResult, run_dag

pytestmark = pytest.mark.xdist_group("airflow_dag_runs")

LIVE_KEYS = {
    'raw_salesforce."Account"': ('"Id"', 'select "Id" from "Account" where "IsDeleted" = 0'),
    "raw_stripe.customers": ("id", "select id from customers where deleted = 0"),
    "raw_stripe.invoices": ("id", "select id from invoices where deleted = 0"),
    "raw_netsuite.customer": ("id", "select id from customer"),
}


def _query(url: str, sql: str, params: Any = None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def _assert_raw_equals_sandbox(served) -> None:
    for table, (key, query) in LIVE_KEYS.items():
        with sqlite3.connect(served.sandbox_db) as db:
            expected = {str(r[0]) for r in db.execute(query)}
        landed = {str(r[0]) for r in _query(served.url, f"select {key} from {table} where not _concord_deleted")}
        assert expected and landed == expected, table


def _stages(url: str, run_id: str) -> dict[str, tuple[str, int]]:
    return {stage: (status, n) for stage, status, n in _query(
        url, "select stage, status, records_out from concord_meta.runs where run_id = %s", (run_id,))}


def _transform_scope(url: str, run_id: str) -> str:
    return _query(url, "select detail ->> 'scope' from concord_meta.runs where run_id = %s and stage = 'transform'",
                  (run_id,))[0][0]


@pytest.fixture(scope="module")
def hourly_runs(served) -> dict[str, Any]:
    """Run 1, an hour of sandbox activity, run 2; with what the tests compare."""
    first = run_dag("concord_hourly")
    state_after_first = dict(_query(served.url, "select state_id, state from concord_meta.singer_state"))
    clock_before = orjson.loads(served.concord("sandbox", "truth", "--json"))
    served.concord("sandbox", "advance", "--hours", "1")
    second = run_dag("concord_hourly")
    return {"first": first, "second": second, "state_after_first": state_after_first, "truth": clock_before}


def test_first_run_lands_builds_checks_and_writes_back(served, hourly_runs) -> None:
    first: DagRunResult = hourly_runs["first"]
    assert first.state == "success"
    assert not first.tasks_in("failed", "upstream_failed")
    assert set(first.tasks_in("skipped")) <= {"transform.dbt_producer_watcher_done"}
    stages = _stages(served.url, first.run_id)
    for source in ("salesforce", "stripe", "netsuite"):
        assert stages[f"load:{source}"][0] == "succeeded" and stages[f"load:{source}"][1] > 1000, source
    assert stages["check"][0] == "succeeded"
    for destination in ("salesforce", "netsuite", "stripe"):
        assert stages[f"writeback:{destination}"][0] in {"succeeded", "partial"}, destination
    assert "transform:path:models/marts/ops" in stages and "transform:path:models/writeback" in stages
    # the cosmos producer's one dbt build has its ledger row, with dbt's counts: a complete build on a first run
    assert stages["transform"][0] == "succeeded" and stages["transform"][1] > 100
    assert _transform_scope(served.url, first.run_id) == "complete"
    assert not [s for s in stages if s.startswith("airflow:")], stages  # no task failed, even on a first try
    # canonical marts: exactly the billing invoices the sandbox holds, canonical accounts for them
    with sqlite3.connect(served.sandbox_db) as db:
        live_invoices = {r[0] for r in db.execute("select id from invoices where deleted = 0")}
    assert {r[0] for r in _query(served.url, "select invoice_id from core.invoices")} == live_invoices
    (accounts,) = _query(served.url, "select count(*) from core.accounts")[0]
    assert accounts > 0
    # writebacks landed in the sandbox: succeeded rows, and planted inconsistencies the sandbox marks repaired
    (succeeded,) = _query(served.url, "select count(*) from concord_meta.writeback_log where run_id = %s "
                                      "and outcome = 'succeeded'", (first.run_id,))[0]
    assert succeeded > 0
    repaired = [t for t in orjson.loads(served.concord("sandbox", "truth", "--json")) if t.get("repaired_at")]
    assert repaired, "no planted inconsistency was repaired by a writeback"


def test_second_run_extracts_only_the_hours_changes(served, hourly_runs) -> None:
    first, second = hourly_runs["first"], hourly_runs["second"]
    assert second.state == "success"
    _assert_raw_equals_sandbox(served)
    one, two = _stages(served.url, first.run_id), _stages(served.url, second.run_id)
    assert two["transform"][0] == "succeeded" and 0 < two["transform"][1] < one["transform"][1] / 2
    assert _transform_scope(served.url, second.run_id) == "hourly"
    for source in ("salesforce", "stripe", "netsuite"):
        assert two[f"load:{source}"][0] == "succeeded"
        assert two[f"load:{source}"][1] < one[f"load:{source}"][1] / 5, source
    # Salesforce Accounts: every Account the sandbox changed after run 1's bookmark landed in run 2, and run 2
    # carried little more than those (the bookmark is inclusive: records stamped at that instant come again).
    bookmark = hourly_runs["state_after_first"]["salesforce"]["bookmarks"]["Account"]["replication_key_value"]
    # (the sandbox stores `2026-01-01T00:12:34.000+0000`; compare whole seconds, strictly after the bookmark:
    # records stamped at the bookmark's own second are read again but keep run 1's stamp at an equal version)
    with sqlite3.connect(served.sandbox_db) as db:
        changed = {r[0] for r in db.execute(
            'select "Id" from "Account" where substr("SystemModstamp", 1, 19) > ?', (bookmark[:19],))}
    in_run_two = {r[0] for r in _query(served.url, 'select "Id" from raw_salesforce."Account" '
                                                   "where _concord_run_id = %s", (second.run_id,))}
    assert changed and changed <= in_run_two
    detail = _query(served.url, "select detail from concord_meta.runs where run_id = %s and stage = 'load:salesforce'",
                    (second.run_id,))[0][0]
    assert detail["streams"]["Account"]["loaded"] <= len(changed) + 25


def test_rerunning_a_task_of_the_second_run_changes_nothing(served, hourly_runs) -> None:
    from concord.orchestration import tasks

    second = hourly_runs["second"]
    snapshot = "select md5(string_agg(id || ':' || _concord_version::text, ',' order by id)) from raw_stripe.invoices"
    before = _query(served.url, snapshot)
    state_before = _query(served.url, "select state from concord_meta.singer_state where state_id = 'stripe'")
    tasks.extract_load("stripe", second.run_id)
    assert _query(served.url, snapshot) == before
    assert _query(served.url, "select state from concord_meta.singer_state where state_id = 'stripe'") == state_before


def test_backfill_reprocesses_one_stream_without_touching_the_bookmarks(served, hourly_runs) -> None:
    states = dict(_query(served.url, "select state_id, state from concord_meta.singer_state"))
    counts = _query(served.url, "select count(*), count(*) filter (where not _concord_deleted) from raw_stripe.customers")
    result = run_dag("concord_backfill", conf={"source": "stripe", "streams": ["customers"],
                                               "start_date": "2025-01-01T00:00:00Z"})
    assert result.task_states["backfill_stripe"] == "success"
    assert result.tasks_in("skipped") == ["backfill_netsuite", "backfill_salesforce"]
    after = dict(_query(served.url, "select state_id, state from concord_meta.singer_state"))
    assert {k: v for k, v in after.items() if k != "stripe:backfill"} == states
    assert set(after["stripe:backfill"]["bookmarks"]) == {"customers"}
    (loaded,) = _query(served.url, "select records_out from concord_meta.runs where run_id = %s and "
                                   "stage = 'load:stripe'", (result.run_id,))[0]
    # the backfill lists customers created since its start date (Stripe lists by `created` windows)
    since = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    with sqlite3.connect(served.sandbox_db) as db:
        (live,) = db.execute("select count(*) from customers where deleted = 0 and created >= ?", (since,)).fetchone()
    assert live > 0 and loaded >= live
    assert _query(served.url, "select count(*), count(*) filter (where not _concord_deleted) "
                              "from raw_stripe.customers") == counts


def test_replay_dag_resends_dead_letters_of_one_destination(served, hourly_runs) -> None:
    result = run_dag("concord_replay", conf={"destination": "netsuite"})
    assert result.task_states["writebacks.netsuite"] == "success"
    assert sorted(result.tasks_in("skipped")) == sorted(
        ["quarantine.salesforce", "quarantine.stripe", "quarantine.netsuite", "writebacks.salesforce",
         "writebacks.stripe"])
    assert _stages(served.url, result.run_id)["writeback:netsuite"][0] in {"succeeded", "partial"}
