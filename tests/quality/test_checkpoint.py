"""The GX checkpoint on crafted tables: each supported kind fails on a violation and passes when clean, with the
failing rows' keys; errors fail the run without touching exceptions; systemic thresholds; the shipped suites."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from concord.quality.config import QualityConfig, expectations_dir
from concord.quality.lifecycle import sync_exceptions
from concord.quality.policy import blocked_keys, blocked_sources, systemic_failures
from concord.quality.runner import run_checkpoint
from concord.quality.suites import load_suites
from tests.quality.conftest import GX, expectation, suite

pytestmark = GX

LIVE = [{"column": "_concord_deleted", "op": "==", "value": False}]
INVOICES = """
create schema if not exists raw_stripe;
create table raw_stripe.invoices (
    id text primary key, number text, customer text, status text, currency text, total bigint,
    _concord_deleted boolean not null default false, _concord_run_id text not null default 'r0');
insert into raw_stripe.invoices (id, number, customer, status, currency, total, _concord_deleted) values
    ('in_1', 'N-1', 'cus_1', 'paid', 'usd', 100, false),
    ('in_2', 'N-2', 'cus_1', 'open', 'eur', 0, false),
    ('in_3', 'N-3', 'cus_2', 'paid', 'usd', 5, false),
    -- a deleted row breaking every rule: the `where` (live rows only) keeps it out of every check
    ('in_9', 'N-1', 'cus_1', 'bogus', null, -1, true);
"""

# kind -> (type, kwargs, SQL planting the violation, SQL repairing it, the implicated invoice ids)
KINDS: dict[str, tuple[str, dict[str, Any], str, str, list[str]]] = {
    "not_null": ("expect_column_values_to_not_be_null", {"column": "currency"},
                 "update raw_stripe.invoices set currency = null where id = 'in_2'",
                 "update raw_stripe.invoices set currency = 'eur' where id = 'in_2'", ["in_2"]),
    "unique": ("expect_column_values_to_be_unique", {"column": "number"},
               "update raw_stripe.invoices set number = 'N-2' where id = 'in_3'",
               "update raw_stripe.invoices set number = 'N-3' where id = 'in_3'", ["in_2", "in_3"]),
    "in_set": ("expect_column_values_to_be_in_set", {"column": "status", "value_set": ["open", "paid"]},
               "update raw_stripe.invoices set status = 'bogus' where id = 'in_1'",
               "update raw_stripe.invoices set status = 'paid' where id = 'in_1'", ["in_1"]),
    "match_regex": ("expect_column_values_to_match_regex", {"column": "currency", "regex": "^[a-z]{3}$"},
                    "update raw_stripe.invoices set currency = 'USD' where id = 'in_3'",
                    "update raw_stripe.invoices set currency = 'usd' where id = 'in_3'", ["in_3"]),
    "between": ("expect_column_values_to_be_between", {"column": "total", "min_value": 0},
                "update raw_stripe.invoices set total = -5 where id = 'in_2'",
                "update raw_stripe.invoices set total = 0 where id = 'in_2'", ["in_2"]),
    "compound_unique": ("expect_compound_columns_to_be_unique", {"column_list": ["customer", "number"]},
                        "update raw_stripe.invoices set number = 'N-1' where id = 'in_2'",
                        "update raw_stripe.invoices set number = 'N-2' where id = 'in_2'", ["in_1", "in_2"]),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_fails_on_a_violation_and_passes_when_clean(
        kind: str, warehouse: str, sql: Callable[[str], None]) -> None:
    gx_type, kwargs, plant, repair, implicated = KINDS[kind]
    checks = [suite("contracts", expectation(kind, type=gx_type, kwargs=kwargs, where=LIVE))]
    sql(INVOICES)
    assert run_checkpoint(warehouse, "clean", checks).outcomes[0].status == "success"
    sql(plant)
    broken = run_checkpoint(warehouse, "broken", checks)
    (outcome,) = broken.outcomes
    assert broken.succeeded  # failing rows are not an error
    assert (outcome.status, outcome.element_count, outcome.unexpected_count) == ("failure", 3, len(implicated))
    assert sorted(k["stripe"]["invoices"][0] for k in outcome.implicated_keys()) == implicated
    sql(repair)
    assert run_checkpoint(warehouse, "repaired", checks).outcomes[0].status == "success"
    with psycopg.connect(warehouse) as conn:
        rows = conn.execute("select run_id, status, unexpected_count from concord_meta.check_results "
                            "order by id").fetchall()
    assert rows == [("clean", "success", 0), ("broken", "failure", len(implicated)), ("repaired", "success", 0)]


def test_every_failing_row_is_named_past_gx_partial_count(warehouse: str, sql: Callable[[str], None]) -> None:
    checks = [suite("contracts", expectation("status_ok", type="expect_column_values_to_be_in_set",
                                             kwargs={"column": "status", "value_set": ["paid"]}),
                    expectation("number_unique", type="expect_column_values_to_be_unique",
                                kwargs={"column": "number"}))]
    sql(INVOICES + "insert into raw_stripe.invoices (id, number, status) "
        "select 'in_x' || g, 'N-dup', 'open' from generate_series(1, 45) g;")
    status, unique = run_checkpoint(warehouse, "run1", checks).outcomes
    assert (status.unexpected_count, len(status.implicated_keys())) == (47, 47)  # GX's default list stops at 20
    assert (unique.unexpected_count, len(unique.implicated_keys())) == (47, 47)  # N-1 twice, N-dup 45 times
    capped = run_checkpoint(warehouse, "run2", checks, max_failing_rows=30).outcomes[0]
    assert capped.status == "error" and "reported 47 failing rows but the keys of 30" in (capped.error or "")


def test_three_runs_open_refresh_and_resolve(warehouse: str, sql: Callable[[str], None],
                                            conn: psycopg.Connection, config: QualityConfig) -> None:
    checks = [suite("contracts", expectation("status_ok", type="expect_column_values_to_be_in_set",
                                             kwargs={"column": "status", "value_set": ["open", "paid"]}))]
    sql(INVOICES + "delete from raw_stripe.invoices where id = 'in_9';")
    sql("update raw_stripe.invoices set status = 'bogus' where id = 'in_1'")
    states = []
    for run_id in ("run1", "run2", "run3"):
        if run_id == "run3":
            sql("update raw_stripe.invoices set status = 'paid' where id = 'in_1'")
        result = run_checkpoint(warehouse, run_id, checks)
        summary = sync_exceptions(conn, run_id, result.outcomes, config)
        states.append((summary.opened, summary.refreshed, summary.resolved))
        row = conn.execute("select keys, occurrences, first_seen_at, last_seen_at, resolved_run_id "
                           "from concord_meta.exceptions").fetchall()
        assert len(row) == 1
        keys, occurrences, first_seen, last_seen, resolved_run = row[0]
        assert keys == {"stripe": {"invoices": ["in_1"]}}
        if run_id == "run2":
            assert occurrences == 2 and last_seen > first_seen and resolved_run is None
    assert states == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    assert resolved_run == "run3"


def test_check_that_cannot_run_fails_the_run_and_leaves_exceptions(
        warehouse: str, sql: Callable[[str], None], conn: psycopg.Connection, config: QualityConfig) -> None:
    checks = [suite("contracts",
                    expectation("status_ok", type="expect_column_values_to_be_in_set",
                                kwargs={"column": "status", "value_set": ["open", "paid"]}, where=LIVE),
                    expectation("no_such_column", kwargs={"column": "nope"}))]
    sql(INVOICES + "update raw_stripe.invoices set status = 'bogus' where id = 'in_1';")
    first = run_checkpoint(warehouse, "run1", checks)
    assert [o.status for o in first.outcomes] == ["failure", "error"] and not first.succeeded
    assert "nope" in (first.outcomes[1].error or "")
    sync_exceptions(conn, "run1", first.outcomes, config)
    before = conn.execute("select * from concord_meta.exceptions").fetchall()

    sql("drop table raw_stripe.invoices")
    second = run_checkpoint(warehouse, "run2", checks)
    assert [o.status for o in second.outcomes] == ["error", "error"] and not second.succeeded
    assert "raw_stripe.invoices" in (second.outcomes[0].error or "")
    summary = sync_exceptions(conn, "run2", second.outcomes, config)
    assert summary.resolved == 0 and summary.opened == 0
    assert conn.execute("select * from concord_meta.exceptions").fetchall() == before
    statuses = conn.execute("select status, detail ->> 'error' is not null from concord_meta.check_results "
                            "where run_id = 'run2'").fetchall()
    assert statuses == [("error", True), ("error", True)]


def test_systemic_threshold_blocks_the_source(warehouse: str, sql: Callable[[str], None],
                                              conn: psycopg.Connection, config: QualityConfig) -> None:
    status_rule = {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "status", "value_set": ["paid"]}}
    checks = [suite("contracts",
                    expectation("block_status", policy="block", where=LIVE, **status_rule),       # 1 of 3 rows
                    expectation("warn_status", policy="warn", **status_rule),                      # 2 of 4 rows
                    expectation("fault_status", policy="block", where=LIVE, **status_rule,          # a fault class
                                **{"class": "payment_status_mismatch"}))]
    sql(INVOICES)
    run_checkpoint(warehouse, "run1", checks)
    # 33 % > 30 %; the warn one never blocks, nor does a business inconsistency (only its keys are blocked)
    assert blocked_sources(conn, "run1", config) == {"stripe"}
    (failure,) = systemic_failures(conn, "run1", config)
    assert (failure.expectation, failure.threshold_percent) == ("block_status", 30.0)
    assert round(failure.unexpected_percent, 1) == 33.3
    lenient = QualityConfig(systemic_threshold_percent=5.0, source_threshold_percent={"stripe": 40.0})
    assert blocked_sources(conn, "run1", lenient) == set()


RAW = """
create schema raw_stripe; create schema raw_netsuite; create schema raw_salesforce;
create table raw_stripe.invoices (id text primary key, status text, currency text, total bigint,
    _concord_deleted boolean not null default false, _concord_run_id text not null default 'r0');
insert into raw_stripe.invoices (id, status, currency, total, _concord_deleted) values
    ('in_1', 'paid', 'usd', 100, false), ('in_2', 'sent', 'usd', 10, false), ('in_3', 'open', 'JPY', 9, false),
    ('in_4', 'void', 'eur', 0, false), ('in_5', 'bogus', 'x', -1, true);
create table raw_netsuite.transaction (id numeric primary key, type text, externalid text,
    _concord_deleted boolean not null default false, _concord_run_id text not null default 'r0');
insert into raw_netsuite.transaction (id, type, externalid, _concord_deleted) values
    (1, 'CustInvc', 'in_1', false), (2, 'CustPymt', null, false), (3, 'CustPymt', 'pi_1', false),
    (4, 'CustCred', 'cn_1', false), (5, 'CustPymt', null, true);
-- "Name": GX's own uniqueness row query lower-cases it (see failing_rows); the checks must still run.
create table raw_salesforce."Account" ("Id" text primary key, "Name" text, "Type" text, "Tax_Id__c" text,
    "IsDeleted" boolean, _concord_deleted boolean not null default false, _concord_run_id text not null default 'r0');
insert into raw_salesforce."Account" ("Id", "Type", "Tax_Id__c", "IsDeleted") values
    ('001A', 'Customer', 'T1', false), ('001B', 'Customer', 'T1', false), ('001C', 'Prospect', 'T2', false),
    ('001D', 'Customer', 'T2', true), ('001E', 'Partner', 'T3', false);
"""


def test_shipped_raw_suites_on_crafted_raw_tables(warehouse: str, sql: Callable[[str], None],
                                                  conn: psycopg.Connection, config: QualityConfig) -> None:
    sql(RAW)
    result = run_checkpoint(warehouse, "run1", load_suites(names=["raw_stripe", "raw_netsuite", "raw_salesforce"]))
    assert result.succeeded, [o.error for o in result.errored]
    sync_exceptions(conn, "run1", result.outcomes, config)
    found = {(cls, json.dumps(keys, sort_keys=True), blocked) for cls, keys, blocked in conn.execute(
        "select class, keys, blocked from concord_meta.exceptions")}
    assert found == {
        ("contract_violation", '{"stripe": {"invoices": ["in_2"]}}', True),          # status not accepted
        ("contract_violation", '{"stripe": {"invoices": ["in_3"]}}', True),          # currency not ISO lowercase
        ("erp_payment_unmatched", '{"netsuite": {"transaction": [2]}}', False),      # payment without reference
        ("duplicate_crm_account", '{"salesforce": {"Account": ["001A", "001B"]}}', True),
        ("contract_violation", '{"salesforce": {"Account": ["001E"]}}', True),       # Type not accepted
    }
    assert blocked_keys(conn, "salesforce", "Account") == {"001A", "001B", "001E"}
    assert blocked_keys(conn, "netsuite", "transaction") == set()


def test_cli_check_exit_codes(warehouse: str, sql: Callable[[str], None], tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from concord.cli.main import run

    sql(RAW)
    shutil.copytree(expectations_dir(), tmp_path / "exp")
    monkeypatch.setenv("CONCORD_WAREHOUSE_URL", warehouse)
    monkeypatch.setenv("CONCORD_EXPECTATIONS_DIR", str(tmp_path / "exp"))
    with pytest.raises(SystemExit) as done:
        run(["check", "--run-id", "cli1", "--suite", "raw_salesforce"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "3 expectations" in out and "1 passed, 2 failed, 0 could not run" in out
    assert "2 opened" in out and "3 keys blocked from writebacks" in out
    assert "systemic: salesforce writebacks blocked" in out

    sql('drop table raw_salesforce."Account"')
    with pytest.raises(SystemExit) as done:
        run(["check", "--run-id", "cli2", "--suite", "raw_salesforce"])
    captured = capsys.readouterr()
    assert done.value.code == 1
    assert "3 could not run" in captured.out and "the run failed" in captured.err
    with psycopg.connect(warehouse) as c:
        assert c.execute("select run_id, status from concord_meta.runs where stage = 'check' order by run_id"
                         ).fetchall() == [("cli1", "succeeded"), ("cli2", "failed")]
