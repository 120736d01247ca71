"""`run_checks` (what `concord check` and the Airflow task call) on crafted tables: a run with open exceptions
succeeds and says so; systemic failures (a broken contract past its threshold, a source past its freshness SLA,
a check that could not execute) block whole sources through concord_meta.blocked_sources; a run whose checks
could not execute raises and is recorded as failed; Data Docs are built every run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from concord.quality.checkpoint import run_checks
from concord.quality.errors import ChecksNotExecutedError, SuiteDefinitionError
from concord.quality.policy import blocked_keys, blocked_sources_now
from tests.quality.conftest import GX, expectation

pytestmark = GX

TABLES = """
create schema raw_stripe; create schema raw_salesforce;
create table raw_stripe.invoices (id text primary key, status text, currency text,
    _concord_deleted boolean not null default false);
insert into raw_stripe.invoices (id, status, currency) values
    ('in_1', 'paid', 'usd'), ('in_2', 'bogus', 'usd'), ('in_3', 'open', 'USD');
create table raw_salesforce."Account" ("Id" text primary key, "Type" text);
insert into raw_salesforce."Account" values ('001A', 'Customer');
-- stripe loaded a minute ago, salesforce ten hours ago (SLA 6 h), netsuite never
insert into concord_meta.runs (run_id, stage, source, status, started_at, ended_at) values
    ('sync1', 'load:stripe', 'stripe', 'succeeded', now() - interval '2 minutes', now() - interval '1 minute'),
    ('sync0', 'load:salesforce', 'salesforce', 'succeeded', now() - interval '11 hours', now() - interval '10 hours');
"""
LIVE = [{"column": "_concord_deleted", "op": "==", "value": False}]


def _expectations_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "exp"
    (folder / "suites").mkdir(parents=True)
    (folder / "quality.toml").write_text("[systemic]\nthreshold_percent = 30.0\n[freshness]\nhours = 6\n")
    stripe = [
        # 1 of 3 rows: 33 % > 30 %, a contract → stripe is blocked entirely
        expectation("status_accepted", where=LIVE, type="expect_column_values_to_be_in_set",
                    kwargs={"column": "status", "value_set": ["paid", "open"]}),
        # a business inconsistency blocks only its own key
        expectation("currency_lowercase", type="expect_column_values_to_match_regex",
                    kwargs={"column": "currency", "regex": "^[a-z]{3}$"}, **{"class": "invoice_currency_mismatch"}),
    ]
    salesforce = [expectation("account_type", table='raw_salesforce.Account', type="expect_column_values_to_be_in_set",
                              kwargs={"column": "Type", "value_set": ["Customer", "Prospect"]},
                              keys={"salesforce": {"Account": "Id"}})]
    (folder / "suites" / "stripe.json").write_text(json.dumps({"suite": "stripe", "expectations": stripe}))
    (folder / "suites" / "crm.json").write_text(json.dumps({"suite": "crm", "expectations": salesforce}))
    return folder


def test_open_exceptions_succeed_systemic_failures_block_sources_and_unexecuted_checks_fail(
        warehouse: str, sql: Callable[[str], None], conn: psycopg.Connection, tmp_path: Path) -> None:
    sql(TABLES)
    folder, docs = _expectations_dir(tmp_path), tmp_path / "docs"

    report = run_checks(warehouse, "run1", directory=folder, docs_dir=docs)
    assert report.succeeded and report.open_exceptions == 2
    assert report.summary() == "run run1 succeeded with 2 open exceptions (2 of 3 checks found failing rows)"
    assert {(f.source, f.reason) for f in report.systemic} == {
        ("stripe", "contract"), ("salesforce", "freshness"), ("netsuite", "freshness")}
    assert blocked_sources_now(conn) == {"stripe", "salesforce", "netsuite"}
    assert conn.execute("select source, reason, check_name, round(measured) from concord_meta.blocked_sources "
                        "order by source").fetchall() == [
        ("netsuite", "freshness", "freshness.netsuite_loaded_within_sla", None),
        ("salesforce", "freshness", "freshness.salesforce_loaded_within_sla", 10),
        ("stripe", "contract", "stripe.status_accepted", 33)]
    assert blocked_keys(conn, "stripe", "invoices") == {"in_2", "in_3"}
    assert report.docs_index == (docs / "index.html").resolve() and report.docs_index.is_file()
    assert conn.execute("select status, detail ->> 'open', detail ->> 'data_docs' from concord_meta.runs "
                        "where run_id = 'run1' and stage = 'check'").fetchone() == (
        "succeeded", "2", str(report.docs_index))

    # repaired contract, all sources loaded just now: nothing is blocked by the latest run
    sql("update raw_stripe.invoices set status = 'paid' where id = 'in_2'; "
        "insert into concord_meta.runs (run_id, stage, source, status, ended_at) values "
        "('sync2', 'load:salesforce', 'salesforce', 'succeeded', now()), "
        "('sync2', 'load:netsuite', 'netsuite', 'succeeded', now())")
    report = run_checks(warehouse, "run2", directory=folder, docs_dir=docs)
    assert report.systemic == [] and blocked_sources_now(conn) == set()
    assert blocked_keys(conn, "stripe", "invoices") == {"in_3"}

    # a check that cannot execute: the run raises and is failed, exceptions stay, the source is blocked
    sql('drop table raw_salesforce."Account"')
    with pytest.raises(ChecksNotExecutedError, match=r"1 checks could not execute: crm\.account_type"):
        run_checks(warehouse, "run3", directory=folder, docs_dir=docs)
    assert conn.execute("select status from concord_meta.runs where run_id = 'run3' and stage = 'check'"
                        ).fetchone() == ("failed",)
    assert blocked_sources_now(conn) == {"salesforce"}
    assert blocked_keys(conn, "stripe", "invoices") == {"in_3"}


def test_a_run_that_cannot_start_is_recorded_failed(warehouse: str, tmp_path: Path,
                                                     conn: psycopg.Connection) -> None:
    (tmp_path / "suites").mkdir()
    (tmp_path / "quality.toml").write_text("")
    with pytest.raises(SuiteDefinitionError, match="no suites found"):
        run_checks(warehouse, "empty", directory=tmp_path, docs_dir=tmp_path / "docs")
    status, error = conn.execute("select status, detail ->> 'error' from concord_meta.runs where run_id = 'empty'"
                                 ).fetchone()
    assert status == "failed" and "no suites found" in error
