"""The incremental invoices and payments marts stay equal to a full rebuild under late updates and deletions."""

from __future__ import annotations

import psycopg
import pytest

from tests.transform.conftest import BuiltWarehouse

pytestmark = pytest.mark.xdist_group("dbt")

# Every column but built_at (when the row was last rebuilt, which differs between the two builds by design).
SNAPSHOT = {
    "invoices": "select to_jsonb(i) - 'built_at' from core.invoices as i order by invoice_id",
    "payments": "select to_jsonb(p) - 'built_at' from core.payments as p order by payment_id",
}


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(url) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in SNAPSHOT.items()}


def one(conn: psycopg.Connection, sql: str) -> tuple[object, ...]:
    row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return row


def test_late_updates_and_deletions_match_a_full_rebuild(built_warehouse: BuiltWarehouse, copy_url: str) -> None:
    with psycopg.connect(copy_url) as conn:
        posted_invoice, erp_id = one(conn, "select invoice_id, netsuite_transaction_id from core.invoices "
                                     "where erp_status = 'A' and is_posted_to_erp order by invoice_id limit 1")
        (open_invoice,) = one(conn, "select invoice_id from core.invoices where invoice_status = 'open' "
                              f"and invoice_id <> '{posted_invoice}' order by invoice_id limit 1")
        (deleted_invoice,) = one(conn, "select invoice_id from core.invoices as i where invoice_id not in "
                                 f"('{open_invoice}', '{posted_invoice}') and not exists (select 1 from "
                                 "core.payments as p where p.invoice_id = i.invoice_id) order by invoice_id limit 1")
        (deleted_payment,) = one(conn, "select payment_id from core.payments order by payment_id limit 1")
        # A late billing update (the invoice got paid), a deletion, and a later ERP change on its own; each
        # lands with a fresh _concord_loaded_at like a new sync would, the ERP one stamped a minute before the
        # last build began by a batch that committed only after it (as the loader records it in load_batches).
        conn.execute(
            "update raw_stripe.invoices set status = 'paid', amount_paid = amount_due, amount_remaining = 0, "
            "_concord_loaded_at = now() where id = %s", (open_invoice,))
        conn.execute(
            "update raw_stripe.invoices set _concord_deleted = true, _concord_loaded_at = now() where id = %s",
            (deleted_invoice,))
        conn.execute(
            "update raw_netsuite.transaction set status = 'B', foreignamountremaining = 0, "
            "_concord_loaded_at = (select max(built_at) from core.invoices) - interval '1 minute' "
            "where id = %s", (erp_id,))
        conn.execute(
            "insert into concord_meta.load_batches (run_id, schema_name, table_name, rows, started_at, committed_at)"
            " select 'late-batch', 'raw_netsuite', 'transaction', 1, max(built_at) - interval '1 minute', now()"
            " from core.invoices")
        conn.execute(
            "update raw_stripe.payment_intents set _concord_deleted = true, _concord_loaded_at = now() "
            "where id = %s", (deleted_payment,))

    built_warehouse.concord("transform", "build", "--select", "invoices payments", url=copy_url)
    incremental = snapshot(copy_url)

    with psycopg.connect(copy_url) as conn:
        assert one(conn, f"select invoice_status, amount_remaining from core.invoices where invoice_id = '{open_invoice}'") == ("paid", 0)
        assert one(conn, f"select count(*) from core.invoices where invoice_id = '{deleted_invoice}'") == (0,)
        assert one(conn, f"select erp_status, erp_amount_remaining from core.invoices where invoice_id = '{posted_invoice}'") == ("B", 0)
        assert one(conn, f"select count(*) from core.payments where payment_id = '{deleted_payment}'") == (0,)

    built_warehouse.concord("transform", "build", "--select", "invoices payments", "--full-refresh", url=copy_url)
    assert snapshot(copy_url) == incremental
