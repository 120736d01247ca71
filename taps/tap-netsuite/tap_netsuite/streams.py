"""The NetSuite streams: one SuiteQL table each (transaction lines joined to their transaction for a version).

Stream names are the SuiteQL table names, so `raw_netsuite.<stream>` matches the ERP's own vocabulary.
"""

from __future__ import annotations

from tap_netsuite.client import NetSuiteStream
from tap_netsuite.columns import Column, cols

TRANSACTION_TYPES = "('CustInvc', 'CustPymt', 'CustCred')"


class CurrencyStream(NetSuiteStream):
    """Currencies: ISO code in `symbol`, `currencyprecision` = digits after the decimal point."""

    name = "currency"
    table, alias = "currency", "c"
    primary_keys = ("id",)
    columns = cols("c", "id:integer name symbol displaysymbol currencyprecision:integer exchangerate:number "
                        "isbasecurrency:boolean isinactive:boolean lastmodifieddate:datetime")
    key_columns = [Column("id", "c.id", "integer")]
    modified_expr = "c.lastmodifieddate"


class SubsidiaryStream(NetSuiteStream):
    """Subsidiaries (legal entities): `externalid` is the legal-entity code, `currency` its base currency."""

    name = "subsidiary"
    table, alias = "subsidiary", "s"
    primary_keys = ("id",)
    columns = cols("s", "id:integer name fullname legalname country currency:integer parent:integer "
                        "iselimination:boolean isinactive:boolean externalid lastmodifieddate:datetime")
    key_columns = [Column("id", "s.id", "integer")]
    modified_expr = "s.lastmodifieddate"


class CustomerStream(NetSuiteStream):
    """Customers; deleted customers arrive from `deletedrecord` with `_sdc_deleted_at` set."""

    name = "customer"
    table, alias = "customer", "cu"
    primary_keys = ("id",)
    columns = cols("cu", "id:integer entityid companyname email phone subsidiary:integer currency:integer "
                         "parent:integer terms externalid custentity_sf_account_id isinactive:boolean "
                         "datecreated:datetime lastmodifieddate:datetime")
    key_columns = [Column("id", "cu.id", "integer")]
    modified_expr = "cu.lastmodifieddate"
    deleted_record_types = ("customer",)


class ItemStream(NetSuiteStream):
    """Items (the product catalog): `itemid` is the product code, `externalid` the billing product id."""

    name = "item"
    table, alias = "item", "i"
    primary_keys = ("id",)
    columns = cols("i", "id:integer itemid displayname itemtype externalid isinactive:boolean "
                        "createddate:datetime lastmodifieddate:datetime")
    key_columns = [Column("id", "i.id", "integer")]
    modified_expr = "i.lastmodifieddate"


class TransactionStream(NetSuiteStream):
    """Invoices (CustInvc), customer payments (CustPymt) and credit memos (CustCred); amounts in the
    transaction currency as decimals; deletions from `deletedrecord`."""

    name = "transaction"
    table, alias = "transaction", "t"
    primary_keys = ("id",)
    columns = cols("t", "id:integer tranid type recordtype entity:integer subsidiary:integer currency:integer "
                        "exchangerate:number foreigntotal:number taxtotal:number foreignamountremaining:number "
                        "status trandate:date duedate:date memo externalid voided:boolean createddate:datetime "
                        "lastmodifieddate:datetime")
    key_columns = [Column("id", "t.id", "integer")]
    modified_expr = "t.lastmodifieddate"
    filters = [f"t.type IN {TRANSACTION_TYPES}"]
    deleted_record_types = ("invoice", "customerpayment", "creditmemo")


class TransactionLineStream(NetSuiteStream):
    """Item lines of those transactions, versioned by their transaction's `lastmodifieddate` (lines have none)."""

    name = "transactionline"
    table, alias = "transactionline", "tl"
    primary_keys = ("transaction", "id")
    columns = [
        *cols("tl", "transaction:integer id:integer linesequencenumber:integer item:integer memo quantity:number "
                    "rate:number foreignamount:number subsidiary:integer mainline:boolean"),
        Column("lastmodifieddate", "t.lastmodifieddate", "datetime", "The parent transaction's lastmodifieddate."),
    ]
    key_columns = [Column("transaction", "t.id", "integer"), Column("id", "tl.id", "integer")]
    modified_expr = "t.lastmodifieddate"
    joins = "INNER JOIN transaction t ON tl.transaction = t.id"
    filters = [f"t.type IN {TRANSACTION_TYPES}", "tl.mainline = 'F'"]


STREAM_TYPES: list[type[NetSuiteStream]] = [
    CurrencyStream, SubsidiaryStream, CustomerStream, ItemStream, TransactionStream, TransactionLineStream,
]
