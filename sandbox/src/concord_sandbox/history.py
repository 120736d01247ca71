"""One account's history up to the start time, in all three systems, generated in closed form.

Each account draws from its own RNG stream (seeded by the sandbox seed and the account index), so the history
of account i does not depend on how the others turned out; ids come from shared counters in account order.
Follow-ups due after the start time (late payments, ERP postings still in the integration's queue) go to
`sandbox_pending` and happen when the clock is advanced.
"""

from __future__ import annotations

import calendar
import random
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from concord_sandbox import netsuite_rows as nsr
from concord_sandbox import stripe_docs as sd
from concord_sandbox.catalog import FIRST_NAMES, LAST_NAMES, Catalog
from concord_sandbox.company import (
    COUNTRIES,
    COUNTRY_WEIGHTS,
    CURRENCY_BY_CODE,
    ENTITY_BY_REGION,
    TAX_RATE_BY_CODE,
    UNMAPPED_ENTITY,
    UNMAPPED_TAX_RATE,
    Country,
)
from concord_sandbox.ids import StripeIds, salesforce_id
from concord_sandbox.row_sink import RowSink
from concord_sandbox.timefmt import sf, sf_date

DAY = 86400
HOUR = 3600
RETENTION = 30 * DAY
HISTORY_DAYS = 410.0  # accounts were created up to this many days before the start

NAME_A = (
    "North",
    "Blue",
    "Bright",
    "Silver",
    "Iron",
    "Green",
    "Red",
    "Clear",
    "Swift",
    "True",
    "Deep",
    "High",
    "Open",
    "Prime",
    "Solid",
    "Quiet",
    "Bold",
    "Urban",
    "Polar",
    "Coral",
    "Amber",
    "Cedar",
    "Delta",
    "Echo",
    "Falcon",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orbit",
)
NAME_B = (
    "wind",
    "peak",
    "river",
    "stone",
    "field",
    "bridge",
    "works",
    "light",
    "forge",
    "path",
    "wave",
    "point",
    "gate",
    "line",
    "leaf",
    "ridge",
    "star",
    "vale",
    "crest",
    "port",
    "shore",
    "spring",
    "brook",
    "mark",
)
NAME_C = (
    "Inc",
    "Ltd",
    "GmbH",
    "Labs",
    "Systems",
    "Group",
    "Holdings",
    "Analytics",
    "Logistics",
    "Foods",
    "Health",
    "Energy",
    "Media",
    "Retail",
    "Capital",
    "Robotics",
)
INDUSTRIES = (
    "Technology",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Finance",
    "Media",
    "Energy",
    "Logistics",
)
OPEN_STAGES = (
    ("Prospecting", 10),
    ("Qualification", 20),
    ("Needs Analysis", 40),
    ("Proposal/Price Quote", 60),
    ("Negotiation/Review", 80),
)


def add_interval(ts: int, interval: str) -> int:
    """`ts` plus one calendar month or year (day clamped to the month's length), as Stripe bills."""
    t = time.gmtime(ts)
    year, month = (
        (t.tm_year + 1, t.tm_mon) if interval == "year" else (t.tm_year + (t.tm_mon // 12), t.tm_mon % 12 + 1)
    )
    day = min(t.tm_mday, calendar.monthrange(year, month)[1])
    return calendar.timegm((year, month, day, t.tm_hour, t.tm_min, t.tm_sec, 0, 0, 0))


@dataclass
class Planted:
    """A planted inconsistency: its class, keys per system and object, and when it appeared."""

    cls: str
    keys: dict[str, dict[str, list[Any]]]
    planted_at: int


@dataclass
class Pending:
    """A follow-up due after the start time."""

    due_at: int
    kind: str
    ref: str
    payload: dict[str, Any] = field(default_factory=dict)


class Counters:
    """Named id counters, persisted in sandbox_meta so advancing continues the sequences.

    `base` offsets every counter: seeding gives each fixed chunk of accounts its own id range, so chunks can be
    generated in any order (or in parallel) and still produce the same ids.
    """

    def __init__(self, values: dict[str, int] | None = None, base: int = 0) -> None:
        self.values: dict[str, int] = dict(values or {})
        self.base = base

    def next(self, name: str, first: int = 1) -> int:
        n = self.values.get(name, self.base + first - 1) + 1
        self.values[name] = n
        return n


class HistoryContext:
    """What every account's generation shares: seed, times, rates, ids, counters and the output sinks."""

    def __init__(
        self,
        seed: int,
        start: int,
        rates: dict[str, float],
        catalog: Catalog,
        sink: RowSink,
        counters: Counters,
    ) -> None:
        self.seed = seed
        self.start = start
        self.retention_start = start - RETENTION
        self.rates = rates
        self.catalog = catalog
        self.sink = sink
        self.counters = counters
        self.ids = StripeIds(seed)
        self.planted: list[Planted] = []
        self.pending: list[Pending] = []
        self.family: tuple[str, int | None, int] | None = (
            None  # (parent account id, parent NS id, children left)
        )
        self.ns_invoice: dict[str, int] = {}  # Stripe invoice id → ERP invoice id, for the current account
        self.erp_paid: list[
            tuple[int, int]
        ] = []  # (ERP invoice id, paid-in-full time) to apply after the load

    def sid(self, prefix: str) -> str:
        return self.ids.make(prefix, self.counters.next(f"stripe.{prefix}"))

    def sfid(self, sobject: str) -> str:
        return salesforce_id(sobject, self.counters.next(f"sf.{sobject}"))

    def event(
        self, etype: str, created: int, doc: dict[str, Any], previous: dict[str, Any] | None = None
    ) -> None:
        """Append a Stripe event when it falls inside the 30-day retention window."""
        if created < self.retention_start:
            return
        eid = self.sid("evt")
        data = sd.event_json(eid, etype, created, doc, previous)
        self.sink.add(
            "_seed_events",
            {"created": created, "id": eid, "type": etype, "object_id": doc["id"], "data": data},
        )

    def stripe_row(self, table: str, doc: dict[str, Any], updated: int, **extra: Any) -> None:
        """Store a Stripe document with its listing columns."""
        row = {
            "id": doc["id"],
            "created": doc["created"],
            "customer": doc.get("customer"),
            "status": doc.get("status"),
            "deleted": 0,
            "_updated": updated,
            **extra,
            "data": orjson.dumps(doc).decode(),
        }
        self.sink.add(table, row)

    def plant(self, cls: str, at: int, **systems: dict[str, list[Any]]) -> None:
        self.planted.append(Planted(cls, systems, at))

    def roll(self, rng: random.Random, cls: str) -> bool:
        return rng.random() < self.rates.get(cls, 0.0)


@dataclass
class BillingCustomer:
    """What the account's billing generation needs to know about its customer."""

    account_id: str
    stripe_id: str
    name: str
    email: str
    currency: str
    country: Country
    entity_code: str
    subsidiary: int
    ns_id: int | None
    collection_method: str
    invoice_prefix: str
    created: int
    invoice_count: int = 0


def generate_account(ctx: HistoryContext, index: int, created: int | None = None) -> str:
    """Generate account `index`: CRM records, its billing customer and invoices, its ERP records.

    `created` pins the creation time (a new account while the clock advances; it starts as a prospect).
    Returns the Account Id.
    """
    rng = random.Random(f"{ctx.seed}:account:{index}")
    start = ctx.start
    country = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
    entity = ENTITY_BY_REGION[country.region]
    drawn = start - int(rng.uniform(2.0, HISTORY_DAYS) * DAY)
    created = drawn if created is None else created
    owner = rng.choice(ctx.catalog.users)
    acct_id = ctx.sfid("Account")
    parent_id, parent_ns = None, None
    if ctx.family is not None:
        parent_id, parent_ns, left = ctx.family
        ctx.family = (parent_id, parent_ns, left - 1) if left > 1 else None
    a, b, c = rng.choice(NAME_A), rng.choice(NAME_B), rng.choice(NAME_C)
    name = f"{a}{b} {c}"
    slug = f"{a}{b}".lower()
    website = f"www.{slug}{index}.example.com"
    tax_id = f"{country.code}{(index * 7919 + ctx.seed) % 10**9:09d}"
    city = rng.choice(country.cities)
    account: dict[str, Any] = {
        "Id": acct_id,
        "Name": name,
        "Type": "Prospect",
        "Industry": rng.choice(INDUSTRIES),
        "ParentId": parent_id,
        "Website": website,
        "Phone": f"+{rng.randrange(10**9, 10**10)}",
        "BillingStreet": f"{rng.randrange(1, 999)} {rng.choice(NAME_A)} Street",
        "BillingCity": city,
        "BillingState": None,
        "BillingPostalCode": f"{rng.randrange(10000, 99999)}",
        "BillingCountry": country.name,
        "CurrencyIsoCode": country.currency,
        "NumberOfEmployees": int(rng.lognormvariate(4.5, 1.3)) + 1,
        "AnnualRevenue": float(rng.randrange(1, 500) * 100000),
        "Tax_Id__c": tax_id,
        "Concord_Account_Id__c": None,
        "ERP_Customer_Number__c": None,
        "Billing_Status__c": None,
        "AR_Balance__c": None,
        "Last_Payment_Date__c": None,
        "OwnerId": owner,
        "IsDeleted": 0,
        "MasterRecordId": None,
        "CreatedDate": sf(created),
        "CreatedById": owner,
        "LastModifiedDate": sf(created),
        "LastModifiedById": owner,
        "SystemModstamp": sf(created),
        "_deleted_at": None,
    }
    last_modified = created
    domain = f"{slug}{index}.example.com"
    for _ in range(rng.randint(1, 4)):
        contact_at = max(created, min(start - 60, created + int(rng.uniform(0, 30) * DAY)))
        _contact(ctx, rng, acct_id, country, owner, domain, contact_at)
    n_open = rng.choice((0, 0, 1, 1, 2))
    for _ in range(n_open):
        _pipeline_opportunity(ctx, rng, acct_id, name, country.currency, owner, created)

    ns_id: int | None = None
    if rng.random() < 0.85 and created < start - 2 * DAY:
        cust, last_modified = open_customer(
            ctx, rng, account, country, entity.code, entity.subsidiary_id, parent_ns, created, domain
        )
        ns_id = cust.ns_id
        n_subs = 2 if rng.random() < 0.15 else 1
        sub_start = min(cust.created, start - 3 * HOUR)
        for k in range(n_subs):
            if k == 1:
                sub_start = sub_start + int(rng.uniform(30, 300) * DAY)
                if sub_start > start - 2 * HOUR:
                    break
            start_subscription(
                ctx,
                rng,
                cust,
                account,
                sub_start + int(rng.uniform(0, 2) * DAY) if k == 0 else sub_start,
                second=k == 1,
            )
        account["Type"] = "Customer"
    # A deleted account cannot also be a live duplicate: those two classes never share an account.
    if ctx.roll(rng, "duplicate_crm_account") and not account["IsDeleted"]:
        dup_created = created + int(rng.uniform(1, 200) * DAY)
        if dup_created > start - HOUR:
            dup_created = (created + start) // 2
        dup_id = ctx.sfid("Account")
        dup = dict(account)
        dup.update(
            {
                "Id": dup_id,
                "Name": rng.choice((f"{a}{b}", f"{a} {b.title()} {c}", f"{name}.", name.upper())),
                "Website": rng.choice((website, f"{slug}{index}.example.com", f"https://{website}")),
                "ParentId": None,
                "Type": "Prospect",
                "ERP_Customer_Number__c": None,
                "OwnerId": rng.choice(ctx.catalog.users),
                "CreatedDate": sf(dup_created),
                "LastModifiedDate": sf(dup_created),
                "SystemModstamp": sf(dup_created),
            }
        )
        ctx.sink.add("Account", dup)
        ctx.plant("duplicate_crm_account", dup_created, salesforce={"Account": [acct_id, dup_id]})

    if parent_id is None and rng.random() < 0.06:
        ctx.family = (acct_id, ns_id, rng.randint(1, 4))
    if account["IsDeleted"] == 0:
        account["LastModifiedDate"] = account["SystemModstamp"] = sf(last_modified)
    ctx.sink.add("Account", account)
    ctx.ns_invoice.clear()
    return acct_id


def _contact(
    ctx: HistoryContext,
    rng: random.Random,
    acct_id: str,
    country: Country,
    owner: str,
    domain: str,
    created: int,
) -> None:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    ctx.sink.add(
        "Contact",
        {
            "Id": ctx.sfid("Contact"),
            "AccountId": acct_id,
            "FirstName": first,
            "LastName": last,
            "Name": f"{first} {last}",
            "Email": f"{first.lower()}.{last.lower()}@{domain}",
            "Phone": f"+{rng.randrange(10**9, 10**10)}",
            "Title": rng.choice(("CFO", "Controller", "VP Finance", "CTO", "Head of Operations", "Buyer")),
            "MailingCountry": country.name,
            "OwnerId": owner,
            "IsDeleted": 0,
            "MasterRecordId": None,
            "CreatedDate": sf(created),
            "LastModifiedDate": sf(created),
            "SystemModstamp": sf(created),
            "_deleted_at": None,
        },
    )


def _pipeline_opportunity(
    ctx: HistoryContext,
    rng: random.Random,
    acct_id: str,
    name: str,
    currency: str,
    owner: str,
    acct_created: int,
) -> None:
    created = acct_created + int(rng.uniform(0, 60) * DAY)
    if created > ctx.start - HOUR:
        return
    lost = rng.random() < 0.3
    stage, prob = ("Closed Lost", 0) if lost else rng.choice(OPEN_STAGES)
    modified = min(ctx.start - 60, created + int(rng.uniform(0, 45) * DAY))
    amount = float(rng.randrange(5, 200) * 1000)
    if CURRENCY_BY_CODE[currency].exponent == 0:
        amount *= 100
    ctx.sink.add(
        "Opportunity",
        {
            "Id": ctx.sfid("Opportunity"),
            "AccountId": acct_id,
            "Name": f"{name} - Expansion",
            "StageName": stage,
            "Amount": amount,
            "CurrencyIsoCode": currency,
            "CloseDate": sf_date(created + 60 * DAY),
            "Probability": float(prob),
            "Type": "Existing Business",
            "LeadSource": rng.choice(("Web", "Partner", "Event")),
            "IsClosed": 1 if lost else 0,
            "IsWon": 0,
            "OwnerId": owner,
            "Stripe_Subscription_Id__c": None,
            "IsDeleted": 0,
            "CreatedDate": sf(created),
            "LastModifiedDate": sf(modified),
            "SystemModstamp": sf(modified),
            "_deleted_at": None,
        },
    )


def open_customer(
    ctx: HistoryContext,
    rng: random.Random,
    account: dict[str, Any],
    country: Country,
    entity_code: str,
    subsidiary: int,
    parent_ns: int | None,
    acct_created: int,
    domain: str,
    at: int | None = None,
) -> tuple[BillingCustomer, int]:
    """The Stripe customer (and its NetSuite customer) for a CRM account; plants the customer-level classes.

    `at` pins the creation time (a prospect converting while the clock advances).
    """
    start = ctx.start
    acct_id = account["Id"]
    drawn = min(acct_created + int(rng.uniform(HOUR, 20 * DAY)), start - 3 * HOUR)
    created = drawn if at is None else at
    cid = ctx.sid("cus")
    email = f"billing@{domain}"
    u = rng.random()
    r = ctx.rates
    unlinked = u < r["billing_customer_unlinked"]
    u -= r["billing_customer_unlinked"]
    erp_missing = 0 <= u < r["erp_customer_missing"]
    u -= r["erp_customer_missing"]
    deleted_ref = 0 <= u < r["deleted_account_referenced"]
    metadata = (
        {"legal_entity": entity_code}
        if unlinked
        else {"salesforce_account_id": acct_id, "legal_entity": entity_code}
    )
    doc = sd.customer(
        cid, created, account["Name"], email, country.code, account["BillingCity"], country.currency, metadata
    )
    ctx.event("customer.created", created, doc)
    ctx.stripe_row("customers", doc, created)
    last_modified = created
    ns_id = None
    if unlinked:
        ctx.plant(
            "billing_customer_unlinked",
            created,
            salesforce={"Account": [acct_id]},
            stripe={"customers": [cid]},
        )
    if erp_missing:
        ctx.plant(
            "erp_customer_missing", created, salesforce={"Account": [acct_id]}, stripe={"customers": [cid]}
        )
    else:
        ns_id = ctx.counters.next("ns.entity", 1000)
        ns_at = max(created, min(created + int(rng.uniform(60, 900)), start - 60))
        entityid = f"CUST{ns_id:07d}"
        terms = "Net 30"
        ctx.sink.add(
            "customer",
            nsr.customer_row(
                ns_id,
                entityid,
                account["Name"],
                email,
                subsidiary,
                country.currency,
                parent_ns,
                cid,
                None if unlinked else acct_id,
                terms,
                ns_at,
            ),
        )
        account["ERP_Customer_Number__c"] = entityid
        last_modified = ns_at
    if deleted_ref:
        deleted_at = created + int(rng.uniform(0.2, 0.9) * (start - created))
        account.update(
            {
                "IsDeleted": 1,
                "_deleted_at": sf(deleted_at),
                "LastModifiedDate": sf(deleted_at),
                "SystemModstamp": sf(deleted_at),
            }
        )
        ctx.plant(
            "deleted_account_referenced",
            deleted_at,
            salesforce={"Account": [acct_id]},
            stripe={"customers": [cid]},
        )
    collection = "send_invoice" if rng.random() < 0.2 else "charge_automatically"
    return BillingCustomer(
        acct_id,
        cid,
        account["Name"],
        email,
        country.currency,
        country,
        entity_code,
        subsidiary,
        ns_id,
        collection,
        doc["invoice_prefix"],
        created,
    ), last_modified


_PLANS = (("PLT-STARTER", 35), ("PLT-PRO", 35), ("PLT-ENT", 15), ("PLT-ENT-Y", 15))


def start_subscription(
    ctx: HistoryContext,
    rng: random.Random,
    cust: BillingCustomer,
    account: dict[str, Any],
    created: int,
    *,
    second: bool,
) -> None:
    """A subscription, its closed-won opportunity and every invoice it produced up to the start time."""
    start = ctx.start
    created = min(created, start - 60)
    cat = ctx.catalog
    if second:
        items_spec = [("SUP-PREM", 1)]
    else:
        plan = rng.choices([p for p, _ in _PLANS], weights=[w for _, w in _PLANS])[0]
        items_spec = [(plan, 1)]
        annual = plan.endswith("-Y")
        if rng.random() < 0.5:
            items_spec.append(("SEAT-Y" if annual else "SEAT", rng.randint(1, 40)))
        if not annual and rng.random() < 0.2:
            items_spec.append(("SUP-PREM", 1))
    interval = cat.products[items_spec[0][0]].interval or "month"
    sub_id = ctx.sid("sub")
    cur = cust.currency
    si_ids = [ctx.sid("si") for _ in items_spec]
    cancel_at = None
    if rng.random() < 0.08:
        cancel_at = created + int(rng.uniform(30, 400) * DAY)
        if cancel_at > start - HOUR:
            cancel_at = None

    # The closed-won opportunity that produced the subscription (unless planted missing).
    if ctx.roll(rng, "subscription_without_opportunity"):
        ctx.plant(
            "subscription_without_opportunity",
            created,
            stripe={"subscriptions": [sub_id]},
            salesforce={"Account": [cust.account_id]},
        )
    else:
        _won_opportunity(ctx, rng, cust, account, sub_id, items_spec, created, second)

    def items_docs(period_start: int, period_end: int) -> list[dict[str, Any]]:
        return [
            sd.subscription_item(
                si, sub_id, created, cat.products[code].prices[cur], qty, period_start, period_end
            )
            for si, (code, qty) in zip(si_ids, items_spec, strict=True)
        ]

    p_start = created
    latest_invoice = None
    first = True
    p_end = add_interval(p_start, interval)
    while first or (p_start + HOUR <= start and (cancel_at is None or p_start < cancel_at)):
        p_end = add_interval(p_start, interval)
        latest_invoice = bill_period(ctx, rng, cust, sub_id, si_ids, items_spec, p_start, p_end, first)
        if p_start >= ctx.retention_start:
            doc = sd.subscription(
                sub_id,
                created,
                cust.stripe_id,
                cur,
                items_docs(p_start, p_end),
                "active",
                cust.collection_method,
                None,
                latest_invoice,
                {},
            )
            if first:
                ctx.event("customer.subscription.created", created, doc)
            else:
                ctx.event(
                    "customer.subscription.updated",
                    p_start,
                    doc,
                    {"items": {"current_period_start": p_start}, "latest_invoice": None},
                )
        first = False
        p_start = p_end
    status = "active"
    canceled_at = None
    if cancel_at is not None:
        status, canceled_at = "canceled", cancel_at
    doc = sd.subscription(
        sub_id,
        created,
        cust.stripe_id,
        cur,
        items_docs(add_back(p_end, interval), p_end),
        status,
        cust.collection_method,
        canceled_at,
        latest_invoice,
        {},
    )
    if canceled_at is not None:
        ctx.event("customer.subscription.deleted", canceled_at, doc)
    ctx.stripe_row(
        "subscriptions", doc, canceled_at or p_start, current_period_end=None if canceled_at else p_end
    )


def add_back(p_end: int, interval: str) -> int:
    """The start of the period ending at `p_end` (one interval earlier)."""
    t = time.gmtime(p_end)
    year, month = (
        (t.tm_year - 1, t.tm_mon)
        if interval == "year"
        else (t.tm_year - (1 if t.tm_mon == 1 else 0), 12 if t.tm_mon == 1 else t.tm_mon - 1)
    )
    day = min(t.tm_mday, calendar.monthrange(year, month)[1])
    return calendar.timegm((year, month, day, t.tm_hour, t.tm_min, t.tm_sec, 0, 0, 0))


def _won_opportunity(
    ctx: HistoryContext,
    rng: random.Random,
    cust: BillingCustomer,
    account: dict[str, Any],
    sub_id: str,
    items_spec: list[tuple[str, int]],
    sub_created: int,
    second: bool,
) -> None:
    cat = ctx.catalog
    created = max(cust.created - DAY, sub_created - int(rng.uniform(7, 60) * DAY))
    stamped = min(ctx.start - 30, sub_created + int(rng.uniform(60, 3600)))
    opp_id = ctx.sfid("Opportunity")
    exponent = CURRENCY_BY_CODE[cust.currency].exponent
    total = 0.0
    for code, qty in items_spec:
        unit = cat.products[code].prices[cust.currency]["unit_amount"] / 10**exponent
        total += unit * qty
        ctx.sink.add(
            "OpportunityLineItem",
            {
                "Id": ctx.sfid("OpportunityLineItem"),
                "OpportunityId": opp_id,
                "Product2Id": cat.products[code].sf_id,
                "Name": f"{cust.name} {cat.products[code].name}",
                "Quantity": float(qty),
                "UnitPrice": unit,
                "TotalPrice": unit * qty,
                "CurrencyIsoCode": cust.currency,
                "ServiceDate": sf_date(sub_created),
                "IsDeleted": 0,
                "CreatedDate": sf(created),
                "LastModifiedDate": sf(created),
                "SystemModstamp": sf(created),
                "_deleted_at": None,
            },
        )
    ctx.sink.add(
        "Opportunity",
        {
            "Id": opp_id,
            "AccountId": cust.account_id,
            "Name": f"{cust.name} - {'Support' if second else 'New Business'}",
            "StageName": "Closed Won",
            "Amount": round(total, exponent),
            "CurrencyIsoCode": cust.currency,
            "CloseDate": sf_date(sub_created),
            "Probability": 100.0,
            "Type": "Existing Business" if second else "New Business",
            "LeadSource": rng.choice(("Web", "Partner", "Event", "Outbound")),
            "IsClosed": 1,
            "IsWon": 1,
            "OwnerId": account["OwnerId"],
            "Stripe_Subscription_Id__c": sub_id,
            "IsDeleted": 0,
            "CreatedDate": sf(created),
            "LastModifiedDate": sf(stamped),
            "SystemModstamp": sf(stamped),
            "_deleted_at": None,
        },
    )


INVOICE_CLASSES = (
    "invoice_unposted_missing_tax_mapping",
    "invoice_unposted_missing_entity_mapping",
    "invoice_amount_mismatch",
    "invoice_currency_mismatch",
)


def erp_post_delay(rng: random.Random) -> int:
    """How long the integration takes to post a billing document to the ERP (minutes to three days)."""
    return 600 + min(int(rng.expovariate(1 / (6 * HOUR))), 3 * DAY)


def bill_period(
    ctx: HistoryContext,
    rng: random.Random,
    cust: BillingCustomer,
    sub_id: str,
    si_ids: list[str],
    items_spec: list[tuple[str, int]],
    p_start: int,
    p_end: int,
    first: bool,
) -> str:
    """One subscription invoice: creation, finalization, payment, refunds/credit notes, ERP postings."""
    start = ctx.start
    cat = ctx.catalog
    inv_id = ctx.sid("in")
    variant = None
    if cust.ns_id is not None:
        u = rng.random()
        for cls in INVOICE_CLASSES:
            if u < ctx.rates[cls]:
                variant = cls
                break
            u -= ctx.rates[cls]
    tax_code = (
        UNMAPPED_TAX_RATE if variant == "invoice_unposted_missing_tax_mapping" else cust.country.tax_rate
    )
    entity_code = (
        UNMAPPED_ENTITY.code if variant == "invoice_unposted_missing_entity_mapping" else cust.entity_code
    )
    tax_rate_id = cat.tax_rate_ids[tax_code]
    pct = TAX_RATE_BY_CODE[tax_code].percentage
    lines = []
    for si, (code, qty) in zip(si_ids, items_spec, strict=True):
        price = cat.products[code].prices[cust.currency]
        amount = price["unit_amount"] * qty
        lines.append(
            sd.invoice_line(
                ctx.sid("il"),
                inv_id,
                sub_id,
                si,
                price,
                qty,
                p_start,
                p_end,
                tax_rate_id,
                round(amount * pct / 100),
                f"{qty} x {cat.products[code].name}",
            )
        )
    doc = sd.invoice(
        inv_id,
        p_start,
        cust.stripe_id,
        cust.name,
        cust.email,
        cust.currency,
        sub_id,
        lines,
        tax_rate_id,
        cust.collection_method,
        "subscription_create" if first else "subscription_cycle",
        p_start,
        p_end,
        {"legal_entity": entity_code},
    )
    ctx.event("invoice.created", p_start, doc)
    finalized = p_start if first else p_start + HOUR
    cust.invoice_count += 1
    sd.finalize_invoice(doc, finalized, f"{cust.invoice_prefix}-{cust.invoice_count:04d}")
    ctx.event("invoice.finalized", finalized, doc, {"status": "draft"})

    if cust.collection_method == "charge_automatically":
        paid_at: int | None = finalized + rng.randint(5, 120)
        if rng.random() < 0.03:
            paid_at = finalized + 3 * DAY + rng.randint(0, HOUR)
    else:
        paid_at = None if rng.random() < 0.04 else finalized + int(rng.uniform(2, 45) * DAY)

    # ERP posting of the invoice (the integration's job), unless the customer or a mapping is missing.
    post_at = finalized + erp_post_delay(rng)
    posted_now = False
    if variant in INVOICE_CLASSES[:2]:
        ctx.plant(variant, finalized, stripe={"invoices": [inv_id]})
    elif cust.ns_id is not None:
        if post_at <= start:
            post_invoice_to_erp(ctx, doc, cust.ns_id, cust.subsidiary, variant, post_at)
            posted_now = True
        else:
            ctx.pending.append(
                Pending(post_at, "ns_post_invoice", inv_id, {"variant": variant} if variant else {})
            )

    if paid_at is not None and paid_at <= start:
        pi_id, ch = pay_invoice_in_billing(ctx, doc, paid_at)
        refund_or_credit(ctx, rng, cust, doc, ch, pi_id, paid_at)
        if cust.ns_id is not None and variant not in INVOICE_CLASSES[:2]:
            pay_post = max(paid_at, post_at) + 300 + min(int(rng.expovariate(1 / (8 * HOUR))), 3 * DAY)
            mismatch = variant is None and ctx.roll(rng, "payment_status_mismatch")
            stray = ctx.roll(rng, "erp_payment_unmatched")
            payload = {"payment_intent": pi_id, "mismatch": mismatch, "stray": stray}
            if pay_post <= start and posted_now:
                post_payment_to_erp(
                    ctx, rng, doc, pi_id, cust.ns_id, cust.subsidiary, paid_at, pay_post, payload
                )
            else:
                ctx.pending.append(Pending(pay_post, "ns_post_payment", inv_id, payload))
    elif paid_at is not None:
        ctx.pending.append(Pending(paid_at, "stripe_pay_invoice", inv_id))
    ctx.stripe_row(
        "invoices", doc, int(doc["status_transitions"]["paid_at"] or finalized), subscription=sub_id
    )
    return inv_id


def post_invoice_to_erp(
    ctx: HistoryContext, doc: dict[str, Any], entity: int, subsidiary: int, variant: str | None, at: int
) -> int:
    """Insert the ERP invoice for a Stripe invoice; a planted variant posts a wrong total or currency."""
    ns_id = ctx.counters.next("ns.transaction", 5000)
    currency = doc["currency"].upper()
    total = None
    if variant == "invoice_amount_mismatch":
        total = doc["total"] + max(1, doc["total"] // 10)
    elif variant == "invoice_currency_mismatch":
        currency = "EUR" if currency == "USD" else "USD"
    header, lines = nsr.invoice_rows(
        ns_id,
        f"INV{ns_id:08d}",
        doc,
        entity,
        subsidiary,
        currency,
        ctx.catalog.item_by_stripe_product,
        at,
        total,
    )
    ctx.sink.add("transaction", header)
    for line in lines:
        ctx.sink.add("transactionline", line)
    ctx.ns_invoice[doc["id"]] = ns_id
    if variant in ("invoice_amount_mismatch", "invoice_currency_mismatch"):
        ctx.plant(variant, at, stripe={"invoices": [doc["id"]]}, netsuite={"transaction": [ns_id]})
    return ns_id


def pay_invoice_in_billing(
    ctx: HistoryContext, doc: dict[str, Any], paid_at: int
) -> tuple[str, dict[str, Any]]:
    """Pay the invoice in Stripe: payment intent, charge (stored by the caller), invoice payment."""
    pi_id, ch_id, ip_id = ctx.sid("pi"), ctx.sid("ch"), ctx.sid("inpay")
    amount, cur, cust = doc["amount_due"], doc["currency"], doc["customer"]
    pi = sd.payment_intent(pi_id, ch_id, paid_at, cust, amount, cur)
    ch = sd.charge(ch_id, pi_id, paid_at, cust, amount, cur)
    ip = sd.invoice_payment(ip_id, paid_at, doc["id"], pi_id, amount, cur)
    sd.pay_invoice(doc, paid_at)
    ctx.event("payment_intent.succeeded", paid_at, pi)
    ctx.event("charge.succeeded", paid_at, ch)
    ctx.event("invoice_payment.paid", paid_at, ip)
    ctx.event("invoice.paid", paid_at, doc, {"status": "open", "amount_paid": 0, "amount_remaining": amount})
    ctx.stripe_row("payment_intents", pi, paid_at, invoice=doc["id"])
    ctx.stripe_row("invoice_payments", ip, paid_at, invoice=doc["id"], payment_intent=pi_id)
    return pi_id, ch


def refund_or_credit(
    ctx: HistoryContext,
    rng: random.Random,
    cust: BillingCustomer,
    doc: dict[str, Any],
    ch: dict[str, Any],
    pi_id: str,
    paid_at: int,
) -> None:
    """Occasionally refund part of the payment or issue a credit note (and post it to the ERP); store the charge."""
    start = ctx.start
    updated = paid_at
    if rng.random() < 0.015:
        at = paid_at + int(rng.uniform(1, 20) * DAY)
        if at <= start:
            amount = ch["amount"] if rng.random() < 0.5 else max(1, ch["amount"] // rng.randint(2, 10))
            re = sd.refund(ctx.sid("re"), at, ch["id"], pi_id, amount, ch["currency"])
            ch["amount_refunded"] = amount
            ch["refunded"] = amount == ch["amount"]
            ctx.event("refund.created", at, re)
            ctx.event("charge.refunded", at, ch, {"amount_refunded": 0, "refunded": False})
            ctx.stripe_row("refunds", re, at, charge=ch["id"], payment_intent=pi_id)
            updated = at
    elif rng.random() < 0.01:
        at = paid_at + int(rng.uniform(1, 25) * DAY)
        if at <= start:
            amount = max(1, doc["total"] // rng.randint(3, 10))
            cn_id = ctx.sid("cn")
            cn = sd.credit_note(
                cn_id, f"{doc['number']}-CN-01", at, cust.stripe_id, doc["id"], amount, doc["currency"], True
            )
            doc["post_payment_credit_notes_amount"] = amount
            ctx.event("credit_note.created", at, cn)
            ctx.stripe_row("credit_notes", cn, at, invoice=doc["id"])
            if cust.ns_id is not None:
                post = at + erp_post_delay(rng)
                if post <= start and doc["id"] in ctx.ns_invoice:
                    post_credit_memo_to_erp(ctx, cn, cust.ns_id, cust.subsidiary, post)
                else:
                    ctx.pending.append(Pending(post, "ns_post_credit_memo", cn_id))
    ctx.stripe_row("charges", ch, updated, payment_intent=pi_id, invoice=doc["id"])


def post_credit_memo_to_erp(
    ctx: HistoryContext, cn: dict[str, Any], entity: int, subsidiary: int, at: int
) -> None:
    """Insert the ERP credit memo for a Stripe credit note, applied to the ERP invoice."""
    ns_id = ctx.counters.next("ns.transaction", 5000)
    ctx.sink.add(
        "transaction",
        nsr.applied_row(
            "credit memo",
            ns_id,
            f"CM{ns_id:08d}",
            entity,
            subsidiary,
            cn["currency"],
            cn["total"],
            cn["created"],
            cn["id"],
            cn["number"],
            at,
        ),
    )
    inv_ns = ctx.ns_invoice.get(cn["invoice"])
    if inv_ns is not None:
        ctx.sink.add(
            "previoustransactionlink",
            nsr.link_row(inv_ns, ns_id, "Credit Memo", nsr.to_major(cn["total"], cn["currency"]), at),
        )


def post_payment_to_erp(
    ctx: HistoryContext,
    rng: random.Random,
    doc: dict[str, Any],
    pi_id: str,
    entity: int,
    subsidiary: int,
    paid_at: int,
    at: int,
    payload: dict[str, Any],
) -> None:
    """Post the customer payment to the ERP and mark the ERP invoice paid (or plant the mismatch classes).

    The ERP invoice's status is set afterwards from `ctx.erp_paid` (its row may still be in the sink).
    """
    inv_ns = ctx.ns_invoice[doc["id"]]
    if payload.get("mismatch"):
        ctx.plant(
            "payment_status_mismatch",
            at,
            stripe={"invoices": [doc["id"]]},
            netsuite={"transaction": [inv_ns]},
        )
    else:
        ns_id = _erp_payment(ctx, doc, entity, subsidiary, paid_at, pi_id, doc["number"], at)
        ctx.sink.add(
            "previoustransactionlink",
            nsr.link_row(inv_ns, ns_id, "Payment", nsr.to_major(doc["amount_paid"], doc["currency"]), at),
        )
        ctx.erp_paid.append((inv_ns, at))
    if payload.get("stray"):
        stray_at = min(ctx.start - 1, at + int(rng.uniform(HOUR, 3 * DAY)))
        ns_id = _erp_payment(
            ctx, doc, entity, subsidiary, paid_at, None, "Unidentified wire receipt", stray_at
        )
        ctx.plant("erp_payment_unmatched", stray_at, netsuite={"transaction": [ns_id]})


def _erp_payment(
    ctx: HistoryContext,
    doc: dict[str, Any],
    entity: int,
    subsidiary: int,
    paid_at: int,
    externalid: str | None,
    memo: str,
    at: int,
) -> int:
    """Insert an ERP customer payment of the invoice's amount; returns its internal id."""
    ns_id = ctx.counters.next("ns.transaction", 5000)
    row = nsr.applied_row(
        "payment",
        ns_id,
        f"PYMT{ns_id:08d}",
        entity,
        subsidiary,
        doc["currency"],
        doc["amount_paid"],
        paid_at,
        externalid,
        memo,
        at,
    )
    ctx.sink.add("transaction", row)
    return ns_id
