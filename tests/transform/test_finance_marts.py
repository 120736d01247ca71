"""The finance marts flag exactly the sandbox's planted reconciliation faults, keyed in each system."""

from __future__ import annotations

import psycopg
import pytest

from concord.transform.score import FINANCE_CLASSES, SLA_CLASSES, due_instances, expected_instances, score
from concord.transform.score_sources import load_billing_paid_at, load_finance_findings, load_truth
from tests.transform.conftest import BuiltWarehouse

pytestmark = pytest.mark.xdist_group("dbt")

# Per class: the mart rows it flags, as (system, object, key) of the object that identifies an instance.
FLAGGED = {
    "invoice_unposted_missing_tax_mapping": "select 'stripe', 'invoices', stripe_invoice_id from finance.invoice_posting "
    "where posting_status = 'not_posted' and not_posted_reason = 'missing_tax_mapping'",
    "invoice_unposted_missing_entity_mapping": "select 'stripe', 'invoices', stripe_invoice_id from "
    "finance.invoice_posting where posting_status = 'not_posted' and not_posted_reason = 'missing_entity_mapping'",
    "invoice_amount_mismatch": "select 'stripe', 'invoices', stripe_invoice_id from finance.invoice_posting "
    "where posting_status = 'amount_mismatch'",
    "invoice_currency_mismatch": "select 'stripe', 'invoices', stripe_invoice_id from finance.invoice_posting "
    "where posting_status = 'currency_mismatch'",
    "payment_status_mismatch": "select 'stripe', 'invoices', stripe_invoice_id from finance.payment_status "
    "where payment_status = 'erp_open' and is_past_payment_sla",
    "erp_payment_unmatched": "select 'netsuite', 'transaction', netsuite_transaction_id::text "
    "from finance.erp_payments_unmatched",
    "subscription_without_opportunity": "select 'stripe', 'subscriptions', subscription_id from core.subscriptions "
    "where salesforce_opportunity_id is null",
}
IDENTIFYING = {cls: sql.split("'")[1:4:2] for cls, sql in FLAGGED.items()}


def scalar(conn: psycopg.Connection, sql: str) -> object:
    row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


def test_finance_marts_flag_exactly_the_planted_instances(built_warehouse: BuiltWarehouse) -> None:
    sandbox_db = built_warehouse.sandbox_dir / "sandbox.db"
    truth = load_truth(sandbox_db)
    with psycopg.connect(built_warehouse.url) as conn:
        data_as_of = scalar(conn, "select to_char(data_as_of at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                            "from intermediate.int_source_clock")
        sla = {cls: float(scalar(conn, "select max(payment_sla_hours) from finance.payment_status"))  # type: ignore[arg-type]
               for cls in SLA_CLASSES}
        flagged = {cls: {tuple(r) for r in conn.execute(sql).fetchall()} for cls, sql in FLAGGED.items()}
    expected = expected_instances(truth.records, truth.as_of)
    due = due_instances(expected, load_billing_paid_at(sandbox_db), str(data_as_of), sla)
    for cls in FINANCE_CLASSES:
        system, obj = IDENTIFYING[cls]
        planted = {k for item in due if item.cls == cls for k in item.keys if k[:2] == (system, obj)}
        assert planted, f"the small sandbox plants no {cls}: the test would prove nothing"
        assert flagged[cls] == planted, (cls, sorted(flagged[cls] - planted), sorted(planted - flagged[cls]))

    # The findings the exceptions flow and `concord score` read: 100 % precision and recall per class.
    results = score(load_finance_findings(built_warehouse.url), due, FINANCE_CLASSES)
    for r in results:
        assert (r.precision, r.recall) == (1.0, 1.0), (r.cls, r.missed, r.false_positives)

    # A planted payment mismatch not yet past the SLA is visible as an open ERP invoice within the SLA.
    pending = [i for i in expected if i.cls in SLA_CLASSES and i not in due]
    with psycopg.connect(built_warehouse.url) as conn:
        for item in pending:
            (invoice,) = [k for s, o, k in item.keys if (s, o) == ("stripe", "invoices")]
            assert scalar(conn, f"select payment_status || ':' || is_past_payment_sla from finance.payment_status "
                          f"where stripe_invoice_id = '{invoice}'") == "erp_open:false"


def test_finance_mart_rows_carry_the_keys_of_each_system(built_warehouse: BuiltWarehouse) -> None:
    with psycopg.connect(built_warehouse.url) as conn:
        mismatched = conn.execute(
            "select count(*), count(netsuite_transaction_id), count(salesforce_account_id), count(canonical_account_id)"
            " from finance.invoice_posting where posting_status in ('amount_mismatch', 'currency_mismatch')").fetchone()
        unmatched = conn.execute(
            "select count(*), count(netsuite_customer_id), count(canonical_account_id) from finance.erp_payments_unmatched"
        ).fetchone()
        paid = conn.execute(
            "select count(*), count(stripe_payment_intent_id), count(netsuite_payment_id) from finance.payment_status "
            "where payment_status = 'consistent'").fetchone()
    assert mismatched is not None and mismatched[0] > 0 and len(set(mismatched)) == 1, mismatched
    assert unmatched is not None and unmatched[0] > 0 and len(set(unmatched)) == 1, unmatched
    # every invoice paid consistently links, through billing's invoice_payment, to the ERP payment of its intent
    assert paid is not None and paid[0] > 0 and len(set(paid)) == 1, paid


def test_ar_balance_and_mrr_add_up_to_their_sources(built_warehouse: BuiltWarehouse) -> None:
    with psycopg.connect(built_warehouse.url) as conn:
        ar = conn.execute(
            "select (select sum(ar_balance) from finance.ar_balance where currency = 'USD'), "
            "(select sum(foreignamountremaining)::numeric from raw_netsuite.transaction as t "
            "join raw_netsuite.currency as c on c.id = t.currency where t.type = 'CustInvc' and t.status = 'A' "
            "and c.symbol = 'USD' and not t._concord_deleted)").fetchone()
        mrr = conn.execute(
            "select (select sum(mrr) from finance.mrr), (select sum(monthly_recurring_amount) "
            "from core.subscriptions where subscription_status in ('active', 'past_due'))").fetchone()
        per_account = scalar(conn, "select count(*) from (select canonical_account_id from finance.ar_balance "
                             "group by 1 having count(distinct account_ar_balance_reporting) > 1) as x")
    assert ar is not None and ar[0] is not None and ar[0] == ar[1], ar
    assert mrr is not None and mrr[0] is not None and mrr[0] == mrr[1], mrr
    assert per_account == 0
