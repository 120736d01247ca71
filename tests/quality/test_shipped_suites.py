"""The shipped canonical-integrity and reconciliation suites on crafted tables shaped like the models they check:
every expectation passes on clean rows, and each crafted violation fails exactly its expectation, naming the
violating row's keys with the class's shape."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from concord.quality.runner import run_checkpoint
from concord.quality.suites import load_suites
from tests.quality.conftest import GX

pytestmark = GX

CLEAN = """
create schema intermediate; create schema core; create schema finance; create schema staging;
create table intermediate.int_accounts_resolved (source_system text, source_record_id text, canonical_account_id text,
    salesforce_account_id text, stripe_customer_id text, netsuite_customer_id bigint);
insert into intermediate.int_accounts_resolved values
    ('salesforce', '001A', 'ca_1', '001A', null, null), ('stripe', 'cus_1', 'ca_1', '001A', 'cus_1', null),
    ('netsuite', '7', 'ca_1', '001A', 'cus_1', 7);
create table core.accounts (canonical_account_id text, salesforce_account_id text, tax_id text);
insert into core.accounts values ('ca_1', '001A', 'T1'), ('ca_2', '001B', 'T2'), ('ca_3', null, null);
create table finance.invoice_posting (stripe_invoice_id text, canonical_account_id text, netsuite_transaction_id bigint,
    posting_status text, not_posted_reason text, age_hours numeric);
insert into finance.invoice_posting values
    ('in_1', 'ca_1', 5001, 'posted', null, 900), ('in_2', 'ca_1', null, 'not_posted', null, 2),
    ('in_3', 'ca_1', null, 'not_posted', 'missing_erp_customer', 500);
create table finance.payment_status (stripe_invoice_id text, netsuite_invoice_id bigint, payment_status text,
    age_hours numeric);
insert into finance.payment_status values ('in_1', 5001, 'consistent', 900), ('in_4', 5004, 'erp_open', 3),
    ('in_5', null, 'billing_open', null);
create table finance.erp_payments_unmatched (netsuite_transaction_id bigint, unmatched_reason text);
create table intermediate.int_billing_customers_reconciled (stripe_customer_id text, salesforce_account_id text,
    crm_reference_state text, has_erp_customer boolean);
insert into intermediate.int_billing_customers_reconciled values ('cus_1', '001A', 'live', true);
create table intermediate.int_subscriptions_reconciled (stripe_subscription_id text, salesforce_account_id text,
    salesforce_opportunity_id text);
insert into intermediate.int_subscriptions_reconciled values ('sub_1', '001A', '006A');
create table staging.stg_netsuite__customers (customer_id bigint, stripe_customer_id text, is_deleted boolean);
insert into staging.stg_netsuite__customers values (7, 'cus_1', false), (8, 'cus_1', true);
"""

VIOLATIONS = """
insert into intermediate.int_accounts_resolved values
    ('stripe', 'cus_1', 'ca_9', '001Z', 'cus_1', null), ('stripe', 'cus_8', null, null, 'cus_8', null);
insert into core.accounts values ('ca_4', '001A', 'T4'), ('ca_5', '001C', 'T2');
insert into finance.invoice_posting values
    ('in_10', null, 5010, 'posted', null, 5), ('in_11', 'ca_1', null, 'not_posted', 'missing_entity_mapping', 1),
    ('in_12', 'ca_1', null, 'not_posted', 'missing_tax_mapping', 1), ('in_13', 'ca_1', null, 'not_posted', null, 80),
    ('in_14', 'ca_1', 5014, 'amount_mismatch', null, 1), ('in_15', 'ca_1', 5015, 'currency_mismatch', null, 1);
insert into finance.payment_status values ('in_16', 5016, 'erp_open', 150);
insert into finance.erp_payments_unmatched values (5017, 'no_external_id');
insert into intermediate.int_billing_customers_reconciled values
    ('cus_2', null, 'missing', true), ('cus_3', '001D', 'deleted', true), ('cus_4', '001E', 'live', false);
insert into intermediate.int_subscriptions_reconciled values ('sub_2', '001A', null);
insert into staging.stg_netsuite__customers values (9, 'cus_1', false);
"""

# expectation -> the keys of the exception(s) its violation makes
EXPECTED = {
    "resolved_record_one_canonical_account": [
        {"salesforce": {"Account": ["001A"]}, "stripe": {"customers": ["cus_1"]}},
        {"salesforce": {"Account": ["001Z"]}, "stripe": {"customers": ["cus_1"]}}],
    "resolved_record_has_canonical_account": [{"stripe": {"customers": ["cus_8"]}}],
    "one_canonical_account_per_crm_account": [{"salesforce": {"Account": ["001A"]}}],
    "one_canonical_account_per_tax_id": [{"salesforce": {"Account": ["001B", "001C"]}}],
    "no_duplicate_customers": [{"salesforce": {"Account": ["001B", "001C"]}}],
    "invoice_has_account": [{"stripe": {"invoices": ["in_10"]}}],
    "invoice_has_entity_mapping": [{"stripe": {"invoices": ["in_11"]}}],
    "invoice_has_tax_mapping": [{"stripe": {"invoices": ["in_12"]}}],
    "invoice_posted_within_sla": [{"stripe": {"invoices": ["in_13"]}}],
    "invoice_posted_with_same_amount": [{"stripe": {"invoices": ["in_14"]}, "netsuite": {"transaction": [5014]}}],
    "invoice_posted_with_same_currency": [{"stripe": {"invoices": ["in_15"]}, "netsuite": {"transaction": [5015]}}],
    "billing_paid_is_erp_paid_within_sla": [{"stripe": {"invoices": ["in_16"]}, "netsuite": {"transaction": [5016]}}],
    "erp_payment_matches_billing_payment": [{"netsuite": {"transaction": [5017]}}],
    "no_duplicate_erp_customers": [{"netsuite": {"customer": [7]}, "stripe": {"customers": ["cus_1"]}},
                                   {"netsuite": {"customer": [9]}, "stripe": {"customers": ["cus_1"]}}],
    "billing_customer_linked_to_crm": [{"stripe": {"customers": ["cus_2"]}}],
    "billing_customer_crm_account_live": [{"stripe": {"customers": ["cus_3"]}, "salesforce": {"Account": ["001D"]}}],
    "billing_customer_in_erp": [{"stripe": {"customers": ["cus_4"]}, "salesforce": {"Account": ["001E"]}}],
    "subscription_has_closed_won_opportunity": [
        {"stripe": {"subscriptions": ["sub_2"]}, "salesforce": {"Account": ["001A"]}}],
}


def _canonical(keys: list[dict]) -> list[str]:
    out = []
    for k in keys:
        plain = {s: {o: [int(v) if hasattr(v, "to_integral_value") else v for v in vals] for o, vals in objs.items()}
                 for s, objs in k.items()}
        out.append(json.dumps(plain, sort_keys=True))
    return sorted(out)


def test_each_expectation_passes_clean_and_fails_exactly_its_crafted_violation(
        warehouse: str, sql: Callable[[str], None]) -> None:
    suites = load_suites(names=["canonical_integrity", "reconciliation"])
    assert {e.name for s in suites for e in s.expectations} == set(EXPECTED)
    sql(CLEAN)
    clean = run_checkpoint(warehouse, "clean", suites)
    assert [(o.spec.name, o.status, o.error) for o in clean.outcomes if o.status != "success"] == []
    sql(VIOLATIONS)
    broken = run_checkpoint(warehouse, "broken", suites)
    assert broken.succeeded, [o.error for o in broken.errored]
    for outcome in broken.outcomes:
        assert outcome.status == "failure", outcome.spec.name
        assert _canonical(outcome.implicated_keys()) == _canonical(EXPECTED[outcome.spec.name]), outcome.spec.name


@pytest.mark.parametrize("name", ["invoice_posted_within_sla", "billing_paid_is_erp_paid_within_sla"])
def test_sla_conditions_come_from_quality_toml(name: str) -> None:
    from concord.quality.config import load_config

    (spec,) = [e for s in load_suites() for e in s.expectations if e.name == name]
    params = load_config().parameters
    assert [c.value for c in spec.where if c.column == "age_hours"] == [
        params["invoice_posting_sla_hours" if "invoice" in name else "payment_sla_hours"]]
