"""What the generated data says is broken, found by querying the three systems directly.

These queries are written independently of the generator and of `concord_sandbox.predicates`: each scans
the whole data for a class's symptom and returns the set of instance keys, so the tests can compare the ground
truth with the data itself.
"""

from __future__ import annotations

import sqlite3

import orjson
from concord_sandbox.company import LEGAL_ENTITIES, TAX_RATES

MAPPED_TAX_CODES = tuple(t.code for t in TAX_RATES if t.mapped)
MAPPED_ENTITIES = tuple(e.code for e in LEGAL_ENTITIES)


def _strings(conn: sqlite3.Connection, sql: str, *args: object) -> set[str]:
    return {row[0] for row in conn.execute(sql, args)}


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def symptoms(conn: sqlite3.Connection) -> dict[str, set[object]]:
    """Per class, the keys showing the symptom: a frozenset of Account ids, or one Stripe/NetSuite id."""
    found: dict[str, set[object]] = {}
    found["duplicate_crm_account"] = {
        frozenset(ids.split(","))
        for (ids,) in conn.execute(
            'select group_concat(Id) from "Account" where IsDeleted = 0 and Tax_Id__c is not null '
            "group by Tax_Id__c having count(*) > 1"
        )
    }
    found["billing_customer_unlinked"] = set(
        _strings(
            conn,
            """
        select id from customers where deleted = 0
        and coalesce(json_extract(data, '$.metadata.salesforce_account_id'), '') = ''""",
        )
    )
    found["erp_customer_missing"] = set(
        _strings(
            conn,
            """
        select c.id from customers c left join customer n on n.externalid = c.id
        where c.deleted = 0 and n.id is null""",
        )
    )
    found["deleted_account_referenced"] = set(
        _strings(
            conn,
            """
        select c.id from customers c join "Account" a
          on a.Id = json_extract(c.data, '$.metadata.salesforce_account_id')
        where c.deleted = 0 and a.IsDeleted = 1""",
        )
    )
    unposted = """
        select i.id from invoices i
        left join "transaction" t on t.externalid = i.id and t.type = 'CustInvc'
        where t.id is null and i.status != 'draft' and {condition}"""
    found["invoice_unposted_missing_tax_mapping"] = set(
        _strings(
            conn,
            unposted.format(
                condition=f"""
        (select json_extract(r.data, '$.metadata.tax_code') from tax_rates r
         where r.id = json_extract(i.data, '$.total_taxes[0].tax_rate_details.tax_rate'))
        not in {_in(MAPPED_TAX_CODES)}"""
            ),
        )
    )
    found["invoice_unposted_missing_entity_mapping"] = set(
        _strings(
            conn,
            unposted.format(
                condition=f"json_extract(i.data, '$.metadata.legal_entity') not in {_in(MAPPED_ENTITIES)}"
            ),
        )
    )
    found["invoice_amount_mismatch"] = set(
        _strings(
            conn,
            """
        select i.id from invoices i join "transaction" t on t.externalid = i.id and t.type = 'CustInvc'
        join currency c on c.id = t.currency
        where abs(t.foreigntotal - json_extract(i.data, '$.total') / (case c.currencyprecision when 0 then 1.0
              else 100.0 end)) > 0.001
          and c.symbol = upper(json_extract(i.data, '$.currency'))""",
        )
    )
    found["invoice_currency_mismatch"] = set(
        _strings(
            conn,
            """
        select i.id from invoices i join "transaction" t on t.externalid = i.id and t.type = 'CustInvc'
        join currency c on c.id = t.currency where c.symbol != upper(json_extract(i.data, '$.currency'))""",
        )
    )
    found["payment_status_mismatch"] = set(
        _strings(
            conn,
            """
        select i.id from invoices i join "transaction" t on t.externalid = i.id and t.type = 'CustInvc'
        where i.status = 'paid' and t.status != 'B'
        and not exists (select 1 from sandbox_pending p where p.ref = i.id and p.kind = 'ns_post_payment')""",
        )
    )
    found["erp_payment_unmatched"] = {
        row[0]
        for row in conn.execute("""
        select t.id from "transaction" t left join payment_intents p on p.id = t.externalid
        where t.type = 'CustPymt' and p.id is null""")
    }
    found["subscription_without_opportunity"] = set(
        _strings(
            conn,
            """
        select s.id from subscriptions s where not exists (
            select 1 from "Opportunity" o where o.IsDeleted = 0 and o.Stripe_Subscription_Id__c = s.id)""",
        )
    )
    return found


def truth_keys(conn: sqlite3.Connection, open_only: bool = True) -> dict[str, set[object]]:
    """The ground truth's instances in the same shape as `symptoms`."""
    primary = {
        "billing_customer_unlinked": ("stripe", "customers"),
        "erp_customer_missing": ("stripe", "customers"),
        "deleted_account_referenced": ("stripe", "customers"),
        "invoice_unposted_missing_tax_mapping": ("stripe", "invoices"),
        "invoice_unposted_missing_entity_mapping": ("stripe", "invoices"),
        "invoice_amount_mismatch": ("stripe", "invoices"),
        "invoice_currency_mismatch": ("stripe", "invoices"),
        "payment_status_mismatch": ("stripe", "invoices"),
        "erp_payment_unmatched": ("netsuite", "transaction"),
        "subscription_without_opportunity": ("stripe", "subscriptions"),
    }
    result: dict[str, set[object]] = {}
    sql = "select class, keys from sandbox_truth" + (" where repaired_at is null" if open_only else "")
    for cls, keys_json in conn.execute(sql):
        keys = orjson.loads(keys_json)
        if cls == "duplicate_crm_account":
            key: object = frozenset(keys["salesforce"]["Account"])
        else:
            system, obj = primary[cls]
            key = keys[system][obj][0]
        result.setdefault(cls, set()).add(key)
    return result


def base_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many records each class's rate applies to (the denominators of the planting rates)."""

    def one(sql: str) -> int:
        return conn.execute(sql).fetchone()[0]

    customers = one("select count(*) from customers")
    erp_invoices = one("""select count(*) from invoices i join customers c on c.id = i.customer
                          where exists (select 1 from customer n where n.externalid = c.id)""")
    return {
        "duplicate_crm_account": one('select count(distinct Tax_Id__c) from "Account"'),
        "billing_customer_unlinked": customers,
        "erp_customer_missing": customers,
        "deleted_account_referenced": customers,
        "invoice_unposted_missing_tax_mapping": erp_invoices,
        "invoice_unposted_missing_entity_mapping": erp_invoices,
        "invoice_amount_mismatch": erp_invoices,
        "invoice_currency_mismatch": erp_invoices,
        "payment_status_mismatch": one("""select count(*) from invoices i join "transaction" t
                                          on t.externalid = i.id where i.status = 'paid'"""),
        "erp_payment_unmatched": one("""select count(*) from "transaction" t join payment_intents p
                                        on p.id = t.externalid where t.type = 'CustPymt'"""),
        "subscription_without_opportunity": one("select count(*) from subscriptions"),
    }
