"""`concord sync` over real HTTP: sandbox → three taps → target-concord → raw schemas, first and incremental.

The warehouse must hold exactly the sandbox's live records after each sync (checked against the sandbox's
own SQLite store), a later sync must carry only the change, and a source locked by another run is refused.
"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from concord.sync.locks import resource_lock

pytestmark = pytest.mark.xdist_group("e2e_sync")

# (raw table, key column, sandbox query for the live keys)
LIVE_KEYS = {
    'raw_salesforce."Account"': ('"Id"', 'select "Id" from "Account" where "IsDeleted" = 0'),
    'raw_salesforce."Contact"': ('"Id"', 'select "Id" from "Contact" where "IsDeleted" = 0'),
    "raw_stripe.customers": ("id", "select id from customers where deleted = 0"),
    "raw_stripe.invoices": ("id", "select id from invoices where deleted = 0"),
    "raw_netsuite.customer": ("id", "select id from customer"),
    "raw_netsuite.transaction": ("id", 'select id from "transaction"'),
}


def _warehouse_keys(url: str, table: str, key: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {str(r[0]) for r in conn.execute(f"select {key} from {table} where not _concord_deleted")}


def _sandbox_keys(db, query: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {str(r[0]) for r in conn.execute(query)}


def _assert_warehouse_equals_sandbox(p) -> None:
    for table, (key, query) in LIVE_KEYS.items():
        expected = _sandbox_keys(p.sandbox_db, query)
        assert expected, f"sandbox has no rows for {table}"
        assert _warehouse_keys(p.warehouse_url, table, key) == expected, table


def _landed(url: str, run_id: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("select source, records_out, status from concord_meta.runs where run_id = %s "
                            "and stage like 'load:%%'", (run_id,)).fetchall()
    assert all(status == "succeeded" for _, _, status in rows), rows
    return {source: n for source, n, _ in rows}


def test_first_and_incremental_sync_land_exactly_the_live_records(pipeline) -> None:
    out = pipeline.concord("sync", "--run-id", "e2e-1").stdout
    assert [line.split(":")[0] for line in out.strip().splitlines()] == ["salesforce", "stripe", "netsuite"]
    first = _landed(pipeline.warehouse_url, "e2e-1")
    assert set(first) == {"salesforce", "stripe", "netsuite"} and min(first.values()) > 1000
    _assert_warehouse_equals_sandbox(pipeline)
    with psycopg.connect(pipeline.warehouse_url) as conn:
        assert {r[0] for r in conn.execute("select state_id from concord_meta.singer_state")} == set(first)
        assert conn.execute("select count(*) from concord_meta.quarantine").fetchone()[0] == 0

    pipeline.concord("sandbox", "advance", "--hours", "6")
    pipeline.concord("sync", "--run-id", "e2e-2")
    second = _landed(pipeline.warehouse_url, "e2e-2")
    _assert_warehouse_equals_sandbox(pipeline)
    # The incremental run carries the hour's changes (plus inclusive bookmark boundaries), not the company.
    for source, n in second.items():
        assert n < first[source] / 5, (source, n, first[source])


def test_a_source_locked_by_another_run_is_refused(pipeline) -> None:
    with resource_lock(pipeline.warehouse_url, "source:stripe"):
        proc = pipeline.concord("sync", "stripe", "--run-id", "e2e-locked", check=False)
    assert proc.returncode == 1
    assert "source:stripe is locked by another Concord process" in " ".join(proc.stderr.split())
    pipeline.concord("sync", "stripe", "--run-id", "e2e-unlocked")
    assert _landed(pipeline.warehouse_url, "e2e-unlocked")["stripe"] > 1000
