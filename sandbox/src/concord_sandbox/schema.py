"""The sandbox store's schema: the contract the API emulators build on (documented in sandbox/MODEL.md).

Per system, tables mirror the vendor API so an emulator translates a query cheaply:
Salesforce tables are named after sObjects with field API names as columns; Stripe tables hold the API's JSON
document plus indexed columns for listing; NetSuite tables are named as SuiteQL tables with lowercase columns.
Columns whose names start with ``_`` are sandbox-internal and must never be exposed by an emulator.
Bulk-load indexes are created after seeding (``INDEXES``) so seeding stays fast.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

# Salesforce: timestamps are text in the API's own format, e.g. 2026-01-01T00:00:00.000+0000 (sortable).
SALESFORCE_DDL = """
create table "User" (
    Id text not null, Username text not null, FirstName text, LastName text, Name text, Email text,
    Title text, IsActive integer not null default 1,
    CreatedDate text not null, LastModifiedDate text not null, SystemModstamp text not null
);
create table "Account" (
    Id text not null, Name text not null, Type text, Industry text, ParentId text, Website text,
    Phone text, BillingStreet text, BillingCity text, BillingState text, BillingPostalCode text,
    BillingCountry text, CurrencyIsoCode text, NumberOfEmployees integer, AnnualRevenue real,
    Tax_Id__c text, Concord_Account_Id__c text, ERP_Customer_Number__c text, Billing_Status__c text,
    AR_Balance__c real, Last_Payment_Date__c text, OwnerId text,
    IsDeleted integer not null default 0, MasterRecordId text,
    CreatedDate text not null, CreatedById text, LastModifiedDate text not null, LastModifiedById text,
    SystemModstamp text not null, _deleted_at text
);
create table "Contact" (
    Id text not null, AccountId text, FirstName text, LastName text not null, Name text, Email text,
    Phone text, Title text, MailingCountry text, OwnerId text,
    IsDeleted integer not null default 0, MasterRecordId text,
    CreatedDate text not null, LastModifiedDate text not null, SystemModstamp text not null, _deleted_at text
);
create table "Product2" (
    Id text not null, Name text not null, ProductCode text, Description text, Family text,
    IsActive integer not null default 1, Stripe_Product_Id__c text, IsDeleted integer not null default 0,
    CreatedDate text not null, LastModifiedDate text not null, SystemModstamp text not null, _deleted_at text
);
create table "Opportunity" (
    Id text not null, AccountId text, Name text not null, StageName text not null, Amount real,
    CurrencyIsoCode text, CloseDate text, Probability real, Type text, LeadSource text,
    IsClosed integer not null default 0, IsWon integer not null default 0, OwnerId text,
    Stripe_Subscription_Id__c text, IsDeleted integer not null default 0,
    CreatedDate text not null, LastModifiedDate text not null, SystemModstamp text not null, _deleted_at text
);
create table "OpportunityLineItem" (
    Id text not null, OpportunityId text not null, Product2Id text, Name text, Quantity real,
    UnitPrice real, TotalPrice real, CurrencyIsoCode text, ServiceDate text,
    IsDeleted integer not null default 0,
    CreatedDate text not null, LastModifiedDate text not null, SystemModstamp text not null, _deleted_at text
);
"""

# Stripe: one table per resource; `data` is the JSON document the API returns (API version 2026-10-28.endive),
# the other columns are copies for listing and filtering. `_updated` is the unix time of the last change.
_STRIPE_RESOURCES: dict[str, str] = {
    "customers": "",
    "products": "active integer",
    "prices": "product text, active integer",
    "tax_rates": "active integer",
    "subscriptions": "current_period_end integer",
    "invoices": "subscription text",
    "invoice_payments": "invoice text, payment_intent text",
    "payment_intents": "invoice text",
    "charges": "payment_intent text, invoice text",
    "refunds": "charge text, payment_intent text",
    "credit_notes": "invoice text",
}


def _stripe_table(name: str, extra: str) -> str:
    extra_sql = f", {extra}" if extra else ""
    return (
        f"create table {name} (id text not null, created integer not null, customer text, status text, "
        f"deleted integer not null default 0, _updated integer not null{extra_sql}, data text not null);"
    )


STRIPE_DDL = (
    "\n".join(_stripe_table(n, e) for n, e in _STRIPE_RESOURCES.items())
    + """
create table events (
    seq integer primary key, id text not null, type text not null, created integer not null,
    object_id text not null, data text not null
);
"""
)

STRIPE_TABLES: tuple[str, ...] = tuple(_STRIPE_RESOURCES)

# NetSuite: SuiteQL names, integer internal ids, booleans 'T'/'F', money as REAL rounded to the currency's
# precision, dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS' (UTC, second precision).
NETSUITE_DDL = """
create table currency (
    id integer primary key, name text not null, symbol text not null, displaysymbol text,
    currencyprecision integer not null, exchangerate real not null, isbasecurrency text not null,
    isinactive text not null default 'F', lastmodifieddate text not null
);
create table subsidiary (
    id integer primary key, name text not null, fullname text, legalname text, country text,
    currency integer not null, parent integer, iselimination text not null default 'F',
    isinactive text not null default 'F', externalid text, lastmodifieddate text not null
);
create table customer (
    id integer primary key, entityid text not null, companyname text, email text, phone text,
    subsidiary integer, currency integer, parent integer, terms text, externalid text,
    custentity_sf_account_id text, isinactive text not null default 'F',
    datecreated text not null, lastmodifieddate text not null
);
create table item (
    id integer primary key, itemid text not null, displayname text, itemtype text not null,
    externalid text, isinactive text not null default 'F', createddate text not null,
    lastmodifieddate text not null
);
create table "transaction" (
    id integer primary key, tranid text not null, type text not null, recordtype text not null,
    entity integer, subsidiary integer, currency integer, exchangerate real, foreigntotal real,
    taxtotal real, foreignamountremaining real, status text, trandate text, duedate text, memo text,
    externalid text, voided text not null default 'F', createddate text not null,
    lastmodifieddate text not null
);
create table transactionline (
    "transaction" integer not null, id integer not null, linesequencenumber integer not null,
    item integer, memo text, quantity real, rate real, foreignamount real, subsidiary integer,
    mainline text not null default 'F'
);
create table previoustransactionlink (
    previousdoc integer not null, nextdoc integer not null, linktype text not null,
    foreignamount real, lastmodifieddate text not null
);
create table deletedrecord (
    id integer primary key, recordid integer not null, recordtypename text not null, name text,
    externalid text, deleteddate text not null
);
"""

NETSUITE_TABLES: tuple[str, ...] = (
    "currency",
    "subsidiary",
    "customer",
    "item",
    "transaction",
    "transactionline",
    "previoustransactionlink",
    "deletedrecord",
)
SALESFORCE_TABLES: tuple[str, ...] = (
    "User",
    "Account",
    "Contact",
    "Product2",
    "Opportunity",
    "OpportunityLineItem",
)

# Sandbox meta tables. Times are ISO-8601 UTC text 'YYYY-MM-DDTHH:MM:SSZ' except where noted.
META_DDL = """
create table sandbox_meta (key text primary key, value text not null);
create table sandbox_credentials (
    system text not null, name text not null, value text not null, primary key (system, name)
);
create table sandbox_truth (
    instance_id text primary key, class text not null, keys text not null,
    planted_at text not null, repaired_at text, repaired_by text
);
create table sandbox_truth_key (
    system text not null, object text not null, key text not null, instance_id text not null,
    primary key (system, object, key, instance_id)
);
create table sandbox_pending (
    id integer primary key, due_at integer not null, kind text not null, ref text not null,
    payload text not null default '{}'
);
create table sandbox_faults (
    api text primary key, config text not null, updated_at real not null
);
"""

# Keys and the indexes the emulators' listing queries need; created after the bulk load (seeding copies
# index-free tables record by record, then sorts each index once).
INDEXES = (
    "".join(f'create unique index "{t}_pk" on "{t}" (Id);\n' for t in SALESFORCE_TABLES)
    + "".join(f"create unique index {t}_pk on {t} (id);\n" for t in STRIPE_TABLES)
    # every Stripe list pages newest first by (created, id): without this index a page sorts the whole table
    # (invoice_payments lacked it: at large scale, a million rows sorted per page of 100)
    + "".join(f"create index {t}_created on {t} (created, id);\n" for t in STRIPE_TABLES)
    + """
create unique index events_id on events (id);
create unique index customer_externalid on customer (externalid);
create unique index item_externalid on item (externalid);
create unique index transaction_externalid on "transaction" (externalid);
create unique index transactionline_pk on transactionline ("transaction", id);
create unique index previoustransactionlink_pk on previoustransactionlink (previousdoc, nextdoc);
create index account_modstamp on "Account" (SystemModstamp, Id);
create index account_taxid on "Account" (Tax_Id__c);
create index account_parent on "Account" (ParentId);
create index contact_modstamp on "Contact" (SystemModstamp, Id);
create index contact_account on "Contact" (AccountId);
create index opportunity_modstamp on "Opportunity" (SystemModstamp, Id);
create index opportunity_account on "Opportunity" (AccountId);
create index opportunity_subscription on "Opportunity" (Stripe_Subscription_Id__c);
create index oli_modstamp on "OpportunityLineItem" (SystemModstamp, Id);
create index oli_opportunity on "OpportunityLineItem" (OpportunityId);
create index product2_modstamp on "Product2" (SystemModstamp, Id);
create index user_modstamp on "User" (SystemModstamp, Id);
create index subscriptions_customer on subscriptions (customer);
create index subscriptions_period_end on subscriptions (current_period_end);
create index invoices_customer on invoices (customer);
create index invoices_subscription on invoices (subscription);
create index invoice_payments_invoice on invoice_payments (invoice);
create index payment_intents_invoice on payment_intents (invoice);
create index charges_pi on charges (payment_intent);
create index credit_notes_invoice on credit_notes (invoice);
create index events_created on events (created, seq);
create index events_type on events (type, seq);
create index customer_lastmodified on customer (lastmodifieddate, id);
create index item_lastmodified on item (lastmodifieddate, id);
create index transaction_lastmodified on "transaction" (lastmodifieddate, id);
create index transaction_type on "transaction" (type, id);
create index transaction_entity on "transaction" (entity);
create index link_nextdoc on previoustransactionlink (nextdoc);
create index deletedrecord_date on deletedrecord (deleteddate, id);
create index pending_due on sandbox_pending (due_at, id);
create index pending_ref on sandbox_pending (ref);
create index truth_class on sandbox_truth (class, instance_id);
create index truth_key_instance on sandbox_truth_key (instance_id);
"""
)

ALL_DDL = SALESFORCE_DDL + STRIPE_DDL + NETSUITE_DDL + META_DDL
