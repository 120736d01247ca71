"""Per-class "still broken?" predicates: SQL over the current data, evaluated for one instance's keys.

Repair detection is data-driven: after any write, the instances whose keys the write touched are re-evaluated
here, whatever endpoint made the write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

Keys = dict[str, dict[str, list[Any]]]

# Minor units per major unit, from the ERP's currency precision.
_SCALE = "(case cur.currencyprecision when 0 then 1 when 3 then 1000 else 100 end)"


def _one(conn: sqlite3.Connection, sql: str, *args: Any) -> bool:
    return conn.execute(sql, args).fetchone() is not None


def _key(keys: Keys, system: str, obj: str, index: int = 0) -> Any:
    return keys[system][obj][index]


def duplicate_crm_account(conn: sqlite3.Connection, keys: Keys) -> bool:
    """More than one of the duplicate Accounts is still live."""
    ids = keys["salesforce"]["Account"]
    marks = ", ".join("?" * len(ids))
    n = conn.execute(
        f'select count(*) from "Account" where Id in ({marks}) and IsDeleted = 0', ids
    ).fetchone()[0]
    return n > 1


def billing_customer_unlinked(conn: sqlite3.Connection, keys: Keys) -> bool:
    """The live Stripe customer's `metadata.salesforce_account_id` names no live Account."""
    return _one(
        conn,
        """
        select 1 from customers c where c.id = ? and c.deleted = 0 and not exists (
            select 1 from "Account" a
            where a.Id = json_extract(c.data, '$.metadata.salesforce_account_id') and a.IsDeleted = 0)""",
        _key(keys, "stripe", "customers"),
    )


def erp_customer_missing(conn: sqlite3.Connection, keys: Keys) -> bool:
    """The live Stripe customer has no ERP customer with its id as external id."""
    return _one(
        conn,
        """
        select 1 from customers c where c.id = ? and c.deleted = 0
        and not exists (select 1 from customer n where n.externalid = c.id)""",
        _key(keys, "stripe", "customers"),
    )


def invoice_unposted(conn: sqlite3.Connection, keys: Keys) -> bool:
    """The finalized Stripe invoice has no ERP invoice with its id as external id."""
    return _one(
        conn,
        """
        select 1 from invoices i where i.id = ? and i.status in ('open', 'paid', 'uncollectible')
        and not exists (select 1 from "transaction" t where t.externalid = i.id and t.type = 'CustInvc')""",
        _key(keys, "stripe", "invoices"),
    )


def invoice_amount_mismatch(conn: sqlite3.Connection, keys: Keys) -> bool:
    """The ERP invoice's total, in minor units, differs from the Stripe invoice's total."""
    return _one(
        conn,
        f"""
        select 1 from invoices i join "transaction" t on t.externalid = i.id and t.type = 'CustInvc'
        join currency cur on cur.id = t.currency
        where i.id = ? and cast(round(t.foreigntotal * {_SCALE}) as integer) != json_extract(i.data, '$.total')""",
        _key(keys, "stripe", "invoices"),
    )


def invoice_currency_mismatch(conn: sqlite3.Connection, keys: Keys) -> bool:
    """The ERP invoice is in another currency than the Stripe invoice."""
    return _one(
        conn,
        """
        select 1 from invoices i join "transaction" t on t.externalid = i.id and t.type = 'CustInvc'
        join currency cur on cur.id = t.currency
        where i.id = ? and cur.symbol != upper(json_extract(i.data, '$.currency'))""",
        _key(keys, "stripe", "invoices"),
    )


def payment_status_mismatch(conn: sqlite3.Connection, keys: Keys) -> bool:
    """The Stripe invoice is paid and its ERP invoice is not Paid In Full."""
    return _one(
        conn,
        """
        select 1 from invoices i where i.id = ? and i.status = 'paid' and not exists (
            select 1 from "transaction" t where t.externalid = i.id and t.type = 'CustInvc' and t.status = 'B')""",
        _key(keys, "stripe", "invoices"),
    )


def erp_payment_unmatched(conn: sqlite3.Connection, keys: Keys) -> bool:
    """The ERP payment exists and its external id is not a Stripe payment intent."""
    return _one(
        conn,
        """
        select 1 from "transaction" t where t.id = ? and t.type = 'CustPymt' and (t.externalid is null
            or not exists (select 1 from payment_intents p where p.id = t.externalid))""",
        _key(keys, "netsuite", "transaction"),
    )


def subscription_without_opportunity(conn: sqlite3.Connection, keys: Keys) -> bool:
    """No live Opportunity carries the subscription id."""
    return _one(
        conn,
        """
        select 1 from subscriptions s where s.id = ? and not exists (
            select 1 from "Opportunity" o where o.Stripe_Subscription_Id__c = s.id and o.IsDeleted = 0)""",
        _key(keys, "stripe", "subscriptions"),
    )


def deleted_account_referenced(conn: sqlite3.Connection, keys: Keys) -> bool:
    """The live Stripe customer's `metadata.salesforce_account_id` names a deleted or missing Account."""
    return _one(
        conn,
        """
        select 1 from customers c where c.id = ? and c.deleted = 0
        and coalesce(json_extract(c.data, '$.metadata.salesforce_account_id'), '') != ''
        and not exists (select 1 from "Account" a
                        where a.Id = json_extract(c.data, '$.metadata.salesforce_account_id') and a.IsDeleted = 0)""",
        _key(keys, "stripe", "customers"),
    )


PREDICATES: dict[str, Callable[[sqlite3.Connection, Keys], bool]] = {
    "duplicate_crm_account": duplicate_crm_account,
    "billing_customer_unlinked": billing_customer_unlinked,
    "erp_customer_missing": erp_customer_missing,
    "invoice_unposted_missing_tax_mapping": invoice_unposted,
    "invoice_unposted_missing_entity_mapping": invoice_unposted,
    "invoice_amount_mismatch": invoice_amount_mismatch,
    "invoice_currency_mismatch": invoice_currency_mismatch,
    "payment_status_mismatch": payment_status_mismatch,
    "erp_payment_unmatched": erp_payment_unmatched,
    "subscription_without_opportunity": subscription_without_opportunity,
    "deleted_account_referenced": deleted_account_referenced,
}
