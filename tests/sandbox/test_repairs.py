"""Writes through the store's write hook mark exactly the instances they repair, at the simulated time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from concord_sandbox import writes
from concord_sandbox.errors import InvalidWriteError, RecordNotFoundError
from concord_sandbox.store import Store


@pytest.fixture
def store(sandbox_dir: Path) -> Iterator[Store]:
    s = Store(sandbox_dir / "sandbox.db")
    yield s
    s.close()


def first_open(store: Store, cls: str) -> tuple[str, dict[str, Any]]:
    row = store.conn.execute(
        "select instance_id, keys from sandbox_truth where class = ? and repaired_at is null "
        "order by instance_id limit 1",
        (cls,),
    ).fetchone()
    assert row is not None, f"no open {cls} instance"
    return row[0], orjson.loads(row[1])


def repaired(store: Store, instance_id: str) -> tuple[str | None, str | None]:
    return store.conn.execute(
        "select repaired_at, repaired_by from sandbox_truth where instance_id = ?", (instance_id,)
    ).fetchone()


def open_count(store: Store) -> int:
    return store.conn.execute("select count(*) from sandbox_truth where repaired_at is null").fetchone()[0]


def invoice(store: Store, invoice_id: str) -> dict[str, Any]:
    return orjson.loads(
        store.conn.execute("select data from invoices where id = ?", (invoice_id,)).fetchone()[0]
    )


def ns_customer_of(store: Store, customer_id: str) -> int:
    return store.conn.execute("select id from customer where externalid = ?", (customer_id,)).fetchone()[0]


def assert_repaired_alone(store: Store, instance_id: str, before_open: int) -> None:
    at, by = repaired(store, instance_id)
    assert at == store.now_iso() and by
    assert open_count(store) == before_open - 1


def test_merging_a_duplicate_account_repairs_it(store: Store) -> None:
    iid, keys = first_open(store, "duplicate_crm_account")
    before = open_count(store)
    original, duplicate = keys["salesforce"]["Account"]
    writes.salesforce_merge(store, "Account", original, [duplicate])
    assert_repaired_alone(store, iid, before)
    loser = store.conn.execute(
        'select IsDeleted, MasterRecordId, SystemModstamp from "Account" where Id = ?', (duplicate,)
    ).fetchone()
    assert loser == (1, original, "2026-01-01T00:00:00.000+0000")


def test_linking_the_billing_customer_repairs_it_and_appends_an_event(store: Store) -> None:
    iid, keys = first_open(store, "billing_customer_unlinked")
    customer = keys["stripe"]["customers"][0]
    account = keys["salesforce"]["Account"][0]
    writes.stripe_update(store, "customers", customer, {"email": "ap@example.com"})
    assert repaired(store, iid) == (None, None)  # an unrelated change repairs nothing
    before = open_count(store)
    doc = writes.stripe_update(store, "customers", customer, {"metadata": {"salesforce_account_id": account}})
    assert doc["metadata"]["salesforce_account_id"] == account
    assert_repaired_alone(store, iid, before)
    event = orjson.loads(
        store.conn.execute("select data from events order by seq desc limit 1").fetchone()[0]
    )
    assert event["type"] == "customer.updated"
    assert event["data"]["previous_attributes"] == {"metadata": {"salesforce_account_id": None}}


def test_creating_the_erp_customer_repairs_it(store: Store) -> None:
    iid, keys = first_open(store, "erp_customer_missing")
    before = open_count(store)
    _, created = writes.netsuite_upsert(
        store, "customer", keys["stripe"]["customers"][0], {"companyname": "Repaired Co", "subsidiary": 2}
    )
    assert created
    assert_repaired_alone(store, iid, before)
    _, again = writes.netsuite_upsert(
        store, "customer", keys["stripe"]["customers"][0], {"email": "x@example.com"}
    )
    assert not again


@pytest.mark.parametrize(
    "cls", ["invoice_unposted_missing_tax_mapping", "invoice_unposted_missing_entity_mapping"]
)
def test_posting_the_missing_erp_invoice_repairs_it(store: Store, cls: str) -> None:
    iid, keys = first_open(store, cls)
    before = open_count(store)
    inv = invoice(store, keys["stripe"]["invoices"][0])
    writes.netsuite_upsert(
        store,
        "invoice",
        inv["id"],
        {
            "entity": ns_customer_of(store, inv["customer"]),
            "trandate": "2026-01-01",
            "lines": [{"item": 101, "quantity": 1, "rate": 10.0}],
        },
    )
    assert_repaired_alone(store, iid, before)


def test_correcting_the_erp_invoice_total_repairs_an_amount_mismatch(store: Store) -> None:
    iid, keys = first_open(store, "invoice_amount_mismatch")
    before = open_count(store)
    inv = invoice(store, keys["stripe"]["invoices"][0])
    exponent = 0 if inv["currency"] == "jpy" else 2
    writes.netsuite_upsert(store, "invoice", inv["id"], {"memo": "fixing"})
    assert repaired(store, iid) == (None, None)
    writes.netsuite_upsert(store, "invoice", inv["id"], {"foreigntotal": inv["total"] / 10**exponent})
    assert_repaired_alone(store, iid, before)


def test_correcting_the_erp_invoice_currency_repairs_a_currency_mismatch(store: Store) -> None:
    iid, keys = first_open(store, "invoice_currency_mismatch")
    before = open_count(store)
    inv = invoice(store, keys["stripe"]["invoices"][0])
    currency = store.conn.execute(
        "select id from currency where symbol = ?", (inv["currency"].upper(),)
    ).fetchone()[0]
    exponent = 0 if inv["currency"] == "jpy" else 2
    writes.netsuite_upsert(
        store, "invoice", inv["id"], {"currency": currency, "foreigntotal": inv["total"] / 10**exponent}
    )
    assert_repaired_alone(store, iid, before)


def test_posting_the_payment_repairs_a_payment_status_mismatch(store: Store) -> None:
    iid, keys = first_open(store, "payment_status_mismatch")
    before = open_count(store)
    inv = invoice(store, keys["stripe"]["invoices"][0])
    ns_invoice = keys["netsuite"]["transaction"][0]
    total = store.conn.execute(
        'select foreigntotal from "transaction" where id = ?', (ns_invoice,)
    ).fetchone()[0]
    pi = store.conn.execute(
        "select payment_intent from invoice_payments where invoice = ?", (inv["id"],)
    ).fetchone()[0]
    writes.netsuite_upsert(
        store,
        "customerPayment",
        pi,
        {
            "entity": ns_customer_of(store, inv["customer"]),
            "payment": total,
            "apply": [{"doc": ns_invoice, "amount": total}],
        },
    )
    assert_repaired_alone(store, iid, before)
    status = store.conn.execute(
        'select status, lastmodifieddate from "transaction" where id = ?', (ns_invoice,)
    ).fetchone()
    assert status == ("B", "2026-01-01 00:00:00")


def test_deleting_the_unmatched_erp_payment_repairs_it_and_logs_the_deletion(store: Store) -> None:
    iid, keys = first_open(store, "erp_payment_unmatched")
    before = open_count(store)
    payment = keys["netsuite"]["transaction"][0]
    writes.netsuite_delete(store, "customerPayment", payment)
    assert_repaired_alone(store, iid, before)
    logged = store.conn.execute(
        "select recordtypename, deleteddate from deletedrecord where recordid = ?", (payment,)
    ).fetchone()
    assert logged == ("customerpayment", "2026-01-01 00:00:00")


def test_creating_the_opportunity_repairs_a_subscription_without_one(store: Store) -> None:
    iid, keys = first_open(store, "subscription_without_opportunity")
    before = open_count(store)
    writes.salesforce_create(
        store,
        "Opportunity",
        {
            "AccountId": keys["salesforce"]["Account"][0],
            "Name": "Backfilled",
            "StageName": "Closed Won",
            "CloseDate": "2026-01-01",
            "Stripe_Subscription_Id__c": keys["stripe"]["subscriptions"][0],
        },
    )
    assert_repaired_alone(store, iid, before)


def test_pointing_billing_at_a_live_account_repairs_a_deleted_reference(store: Store) -> None:
    iid, keys = first_open(store, "deleted_account_referenced")
    before = open_count(store)
    live = writes.salesforce_create(store, "Account", {"Name": "Successor Ltd", "BillingCountry": "Germany"})
    writes.stripe_update(
        store, "customers", keys["stripe"]["customers"][0], {"metadata": {"salesforce_account_id": live}}
    )
    assert_repaired_alone(store, iid, before)


def test_a_salesforce_update_stamps_the_simulated_time(store: Store) -> None:
    account = store.conn.execute(
        'select Id from "Account" where IsDeleted = 0 order by Id limit 1'
    ).fetchone()[0]
    row = writes.salesforce_update(
        store, "Account", account, {"Billing_Status__c": "Active", "AR_Balance__c": 12.5}
    )
    assert (row["Billing_Status__c"], row["SystemModstamp"]) == ("Active", "2026-01-01T00:00:00.000+0000")


def test_bad_writes_name_the_record_and_field(store: Store) -> None:
    with pytest.raises(RecordNotFoundError, match="001Dn0000000zzzIAA"):
        writes.salesforce_update(store, "Account", "001Dn0000000zzzIAA", {"Name": "x"})
    account = store.conn.execute('select Id from "Account" limit 1').fetchone()[0]
    with pytest.raises(InvalidWriteError, match="SystemModstamp"):
        writes.salesforce_update(
            store, "Account", account, {"SystemModstamp": "2020-01-01T00:00:00.000+0000"}
        )
    with pytest.raises(InvalidWriteError, match="bogus"):
        writes.netsuite_upsert(store, "customer", "cus_nope", {"companyname": "X", "bogus": 1})
