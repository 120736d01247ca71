"""The wb_* models leave out every key an open blocking exception names, through either of its systems' keys."""

from __future__ import annotations

import orjson
import psycopg
import pytest

from tests.transform.conftest import BuiltWarehouse

pytestmark = pytest.mark.xdist_group("dbt")


def _keys(conn: psycopg.Connection, model: str) -> set[str]:
    return {k for (k,) in conn.execute(f"select key from writeback.{model}").fetchall()}


def test_blocked_keys_leave_the_writeback_models_and_unblocking_brings_them_back(
        built_warehouse: BuiltWarehouse, copy_url: str) -> None:
    with psycopg.connect(copy_url) as conn:
        conn.execute("delete from concord_meta.exceptions")  # only this test's exceptions block anything
    built_warehouse.concord("transform", "build", "--select", "path:models/writeback", url=copy_url)
    with psycopg.connect(copy_url) as conn:
        before = {m: _keys(conn, m) for m in ("wb_crm_accounts", "wb_billing_customers", "wb_erp_invoices")}
        assert all(len(keys) >= 3 for keys in before.values()), {m: len(k) for m, k in before.items()}
        account, other_account = sorted(before["wb_crm_accounts"])[:2]
        customer = sorted(before["wb_billing_customers"])[0]
        invoice = sorted(before["wb_erp_invoices"])[0]
        keys = {"salesforce": {"Account": [account, other_account]},
                "stripe": {"customers": [customer], "invoices": [invoice]}}
        conn.execute(
            "insert into concord_meta.exceptions (exception_id, class, keys, steward_team, expectation, suite, "
            "source, first_seen_at, last_seen_at, first_run_id, last_run_id, blocked) values ('ex-block', 'test', "
            "%s::jsonb, 'data', 'e', 's', 'stripe', now(), now(), 'r', 'r', true)", (orjson.dumps(keys).decode(),))
        # what else each blocked key takes with it: a row is out when any system's key on it is blocked
        expected_out = {
            "wb_crm_accounts": {account, other_account} | {k for (k,) in conn.execute(
                "select salesforce_account_id from core.accounts where stripe_customer_id = %s", (customer,))},
            "wb_billing_customers": {customer} | {k for (k,) in conn.execute(
                "select key from writeback.wb_billing_customers where salesforce_account_id = any(%s)",
                ([account, other_account],))},
            "wb_erp_invoices": {invoice} | {k for (k,) in conn.execute(
                "select invoice_id from core.invoices where stripe_customer_id = %s", (customer,))},
        }

    built_warehouse.concord("transform", "build", "--select", "path:models/writeback", url=copy_url)
    with psycopg.connect(copy_url) as conn:
        blocked = {m: _keys(conn, m) for m in before}
    for model, keys_out in expected_out.items():
        assert blocked[model] == before[model] - keys_out, model
        assert blocked[model] < before[model]

    with psycopg.connect(copy_url) as conn:
        conn.execute("update concord_meta.exceptions set resolved_at = now(), resolved_run_id = 'r2'")
    built_warehouse.concord("transform", "build", "--select", "path:models/writeback", url=copy_url)
    with psycopg.connect(copy_url) as conn:
        assert {m: _keys(conn, m) for m in before} == before
