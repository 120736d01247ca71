"""The exception lifecycle, blocked keys and aging, driven by crafted check outcomes (no GX needed here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from concord.quality.aging import aging_bucket, bucket_labels, open_exceptions_by_age
from concord.quality.config import QualityConfig
from concord.quality.lifecycle import exception_id, sync_exceptions
from concord.quality.outcomes import CheckOutcome
from concord.quality.policy import blocked_key_count, blocked_keys
from concord.quality.suites import ExpectationSpec
from tests.quality.conftest import spec

T0 = datetime(2026, 1, 1, tzinfo=UTC)
INVOICES = spec("invoices_status", policy="block")
PAYMENTS = spec("payment_reference", suite_name="ns", table="raw_netsuite.transaction", policy="warn",
                kwargs={"column": "externalid"}, keys={"netsuite": {"transaction": "id"}},
                **{"class": "erp_payment_unmatched"})


def failing(s: ExpectationSpec, *rows: dict[str, Any]) -> CheckOutcome:
    return CheckOutcome(s, "failure" if rows else "success", element_count=10, unexpected_count=len(rows),
                        unexpected_percent=10.0 * len(rows), failing_rows=list(rows))


def errored(s: ExpectationSpec) -> CheckOutcome:
    return CheckOutcome(s, "error", error="raw_stripe.invoices: table does not exist")


def exceptions(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    return {r["exception_id"]: r for r in cur.execute("select * from concord_meta.exceptions")}


def test_opened_then_refreshed_and_older_then_resolved(conn: psycopg.Connection, config: QualityConfig) -> None:
    eid = exception_id("contract_violation", {"stripe": {"invoices": ["in_1"]}})

    s1 = sync_exceptions(conn, "run1", [failing(INVOICES, {"id": "in_1"})], config, seen_at=T0)
    assert (s1.opened, s1.refreshed, s1.resolved) == (1, 0, 0)
    row = exceptions(conn)[eid]
    assert row["keys"] == {"stripe": {"invoices": ["in_1"]}}
    assert (row["class"], row["steward_team"], row["blocked"], row["occurrences"]) == (
        "contract_violation", "data_platform", True, 1)
    assert row["resolved_at"] is None and row["first_run_id"] == row["last_run_id"] == "run1"

    t1 = T0 + timedelta(days=2)
    s2 = sync_exceptions(conn, "run2", [failing(INVOICES, {"id": "in_1"})], config, seen_at=t1)
    assert (s2.opened, s2.refreshed, s2.resolved) == (0, 1, 0)
    row = exceptions(conn)[eid]
    assert (row["first_seen_at"], row["last_seen_at"], row["occurrences"]) == (T0, t1, 2)
    assert (row["first_run_id"], row["last_run_id"], row["resolved_at"]) == ("run1", "run2", None)
    assert aging_bucket(t1 - row["first_seen_at"]) == "1-3d"

    t2 = T0 + timedelta(days=3)
    s3 = sync_exceptions(conn, "run3", [failing(INVOICES)], config, seen_at=t2)
    assert (s3.opened, s3.refreshed, s3.resolved) == (0, 0, 1)
    row = exceptions(conn)[eid]
    assert (row["resolved_at"], row["resolved_run_id"], row["occurrences"]) == (t2, "run3", 2)
    assert len(exceptions(conn)) == 1  # resolved, never deleted
    assert blocked_keys(conn, "stripe", "invoices") == set()


def test_same_keys_failing_again_reopen_the_same_exception(conn: psycopg.Connection, config: QualityConfig) -> None:
    sync_exceptions(conn, "run1", [failing(INVOICES, {"id": "in_1"})], config, seen_at=T0)
    sync_exceptions(conn, "run2", [failing(INVOICES)], config, seen_at=T0 + timedelta(hours=1))
    summary = sync_exceptions(conn, "run3", [failing(INVOICES, {"id": "in_1"})], config,
                              seen_at=T0 + timedelta(hours=2))
    assert (summary.opened, summary.reopened) == (0, 1)
    (row,) = exceptions(conn).values()
    assert row["resolved_at"] is None and row["resolved_run_id"] is None
    assert (row["reopened_count"], row["occurrences"], row["first_seen_at"]) == (1, 2, T0)


def test_rerunning_the_same_run_does_not_count_twice(conn: psycopg.Connection, config: QualityConfig) -> None:
    for _ in range(2):
        sync_exceptions(conn, "run1", [failing(INVOICES, {"id": "in_1"})], config, seen_at=T0)
    (row,) = exceptions(conn).values()
    assert row["occurrences"] == 1


def test_errored_check_leaves_its_exceptions_untouched(conn: psycopg.Connection, config: QualityConfig) -> None:
    sync_exceptions(conn, "run1", [failing(INVOICES, {"id": "in_1"}), failing(PAYMENTS, {"id": 7})], config,
                    seen_at=T0)
    before = exceptions(conn)
    summary = sync_exceptions(conn, "run2", [errored(INVOICES), failing(PAYMENTS, {"id": 7})], config,
                              seen_at=T0 + timedelta(days=1))
    after = exceptions(conn)
    assert summary.untouched_expectations == ["s.invoices_status"] and summary.resolved == 0
    stripe_id = exception_id("contract_violation", {"stripe": {"invoices": ["in_1"]}})
    assert after[stripe_id] == before[stripe_id]
    netsuite_id = exception_id("erp_payment_unmatched", {"netsuite": {"transaction": [7]}})
    assert after[netsuite_id]["occurrences"] == 2


def test_blocked_keys_are_exactly_the_open_block_keys(conn: psycopg.Connection, config: QualityConfig) -> None:
    other = spec("currency", policy="block", kwargs={"column": "currency"})
    sync_exceptions(conn, "run1", [
        failing(INVOICES, {"id": "in_1"}, {"id": "in_2"}),
        failing(other, {"id": "in_2"}, {"id": "in_3"}),
        failing(PAYMENTS, {"id": 7}),  # warn: recorded, not blocked
    ], config, seen_at=T0)
    assert blocked_keys(conn, "stripe", "invoices") == {"in_1", "in_2", "in_3"}
    assert blocked_keys(conn, "netsuite", "transaction") == set()
    assert blocked_key_count(conn) == 3
    view = conn.execute("select distinct system, object, key from concord_meta.blocked_keys").fetchall()
    assert sorted(view) == [("stripe", "invoices", k) for k in ("in_1", "in_2", "in_3")]
    row = exceptions(conn)[exception_id("erp_payment_unmatched", {"netsuite": {"transaction": [7]}})]
    assert (row["blocked"], row["steward_team"]) == (False, "accounts_receivable")
    sync_exceptions(conn, "run2", [failing(INVOICES), failing(other, {"id": "in_3"}), failing(PAYMENTS)], config,
                    seen_at=T0 + timedelta(hours=1))
    assert blocked_keys(conn, "stripe", "invoices") == {"in_3"}


def test_group_by_makes_one_exception_of_a_duplicate_pair(conn: psycopg.Connection, config: QualityConfig) -> None:
    dup = spec("tax_id_unique", table="raw_salesforce.Account", type="expect_column_values_to_be_unique",
               kwargs={"column": "Tax_Id__c"}, keys={"salesforce": {"Account": "Id"}}, group_by="Tax_Id__c",
               **{"class": "duplicate_crm_account"})
    rows = [{"Id": "001B", "Tax_Id__c": "T1"}, {"Id": "001A", "Tax_Id__c": "T1"}, {"Id": "001C", "Tax_Id__c": "T2"},
            {"Id": "001D", "Tax_Id__c": "T2"}]
    summary = sync_exceptions(conn, "run1", [failing(dup, *rows)], config, seen_at=T0)
    assert summary.opened == 2
    assert sorted(r["keys"]["salesforce"]["Account"] for r in exceptions(conn).values()) == [
        ["001A", "001B"], ["001C", "001D"]]
    assert {r["steward_team"] for r in exceptions(conn).values()} == {"sales_ops"}


def test_aging_buckets(conn: psycopg.Connection, config: QualityConfig) -> None:
    assert bucket_labels((1.0, 3.0, 7.0)) == ["0-1d", "1-3d", "3-7d", ">7d"]
    assert [aging_bucket(timedelta(days=d)) for d in (0, 1, 1.5, 3, 6.9, 7.1, 30)] == [
        "0-1d", "0-1d", "1-3d", "1-3d", "3-7d", ">7d", ">7d"]
    sync_exceptions(conn, "run1", [failing(INVOICES, {"id": "a"})], config, seen_at=T0)
    sync_exceptions(conn, "run2", [failing(INVOICES, {"id": "a"}, {"id": "b"})], config,
                    seen_at=T0 + timedelta(days=5))
    assert open_exceptions_by_age(conn, now=T0 + timedelta(days=8), config=config) == {
        "0-1d": 0, "1-3d": 1, "3-7d": 0, ">7d": 1}


def test_removed_expectation_resolves_its_open_exceptions(conn: psycopg.Connection, config: QualityConfig) -> None:
    both = {("s", "invoices_status"), ("ns", "payment_reference")}
    sync_exceptions(conn, "run1", [failing(INVOICES, {"id": "in_1"}), failing(PAYMENTS, {"id": 7})], config,
                    seen_at=T0, defined=both)
    # run2 runs only the `ns` suite (`concord check --suite ns`): s.invoices_status is still defined, untouched
    s2 = sync_exceptions(conn, "run2", [failing(PAYMENTS, {"id": 7})], config, seen_at=T0 + timedelta(hours=1),
                         defined=both)
    assert (s2.resolved, s2.retired) == (0, 0)
    # run3: invoices_status was deleted from its suite; its exception resolves (kept, marked why), the other stays
    t3 = T0 + timedelta(hours=2)
    s3 = sync_exceptions(conn, "run3", [failing(PAYMENTS, {"id": 7})], config, seen_at=t3,
                         defined={("ns", "payment_reference")})
    assert (s3.resolved, s3.retired) == (0, 1)
    rows = exceptions(conn)
    retired = rows[exception_id("contract_violation", {"stripe": {"invoices": ["in_1"]}})]
    kept = rows[exception_id("erp_payment_unmatched", {"netsuite": {"transaction": [7]}})]
    assert (retired["resolved_at"], retired["resolved_run_id"]) == (t3, "run3")
    assert retired["detail"]["resolution"] == "expectation_removed"
    assert kept["resolved_at"] is None and len(rows) == 2
    assert blocked_keys(conn, "stripe", "invoices") == set()
    # the expectation comes back and finds the same row again: the same exception re-opens, its reason cleared
    sync_exceptions(conn, "run4", [failing(INVOICES, {"id": "in_1"})], config, seen_at=t3 + timedelta(hours=1),
                    defined=both)
    back = exceptions(conn)[retired["exception_id"]]
    assert back["resolved_at"] is None and back["reopened_count"] == 1 and "resolution" not in back["detail"]


def test_a_row_missing_a_counterpart_drops_that_key(conn: psycopg.Connection, config: QualityConfig) -> None:
    customers = spec("linked", keys={"stripe": {"customers": "cid"}, "salesforce": {"Account": "aid"}},
                     **{"class": "billing_customer_unlinked"})
    sync_exceptions(conn, "run1", [failing(customers, {"cid": "cus_1", "aid": None},
                                           {"cid": "cus_2", "aid": "001X"})], config, seen_at=T0)
    assert sorted((r["keys"] for r in exceptions(conn).values()), key=str) == [
        {"stripe": {"customers": ["cus_1"]}},
        {"stripe": {"customers": ["cus_2"]}, "salesforce": {"Account": ["001X"]}},
    ]
