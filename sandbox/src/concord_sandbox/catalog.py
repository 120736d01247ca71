"""The company's reference records in all three systems, a pure function of the seed and start time.

`build_catalog` returns ids and documents; `catalog_rows` yields the rows that seeding inserts. Advancing the
clock rebuilds the same catalog from the seed instead of reading it back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from concord_sandbox import stripe_docs
from concord_sandbox.company import (
    CURRENCIES,
    LEGAL_ENTITIES,
    PARENT_SUBSIDIARY,
    PRODUCTS,
    TAX_RATES,
    price_amount,
)
from concord_sandbox.ids import StripeIds, salesforce_id
from concord_sandbox.timefmt import ns, sf

FIRST_NAMES = (
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Emma",
    "Felix",
    "Grace",
    "Hiro",
    "Isla",
    "Jonas",
    "Kai",
    "Lena",
    "Mia",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Yuki",
)
LAST_NAMES = (
    "Adams",
    "Berg",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jones",
    "Kim",
    "Lopez",
    "Muller",
    "Nakamura",
    "Olsen",
    "Patel",
    "Rossi",
    "Smith",
    "Tanaka",
    "Vos",
    "Wong",
    "Young",
)


@dataclass
class CatalogProduct:
    """One product's ids in each system and its Stripe price per currency."""

    code: str
    name: str
    interval: str | None
    sf_id: str
    stripe_id: str
    ns_item_id: int
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Catalog:
    """Users, products, prices and tax rates; everything an account's history refers to."""

    users: list[str]
    products: dict[str, CatalogProduct]
    tax_rate_ids: dict[str, str]
    item_by_stripe_product: dict[str, int]
    docs: list[tuple[str, dict[str, Any]]]
    user_rows: list[dict[str, Any]]
    product_rows: list[dict[str, Any]]


def build_catalog(seed: int, start: int, n_accounts: int, ids: StripeIds) -> Catalog:
    """The reference records: created long before `start` (no Stripe events: outside the 30-day retention)."""
    rng = random.Random(f"{seed}:catalog")
    created = start - 800 * 86400
    n_users = max(8, min(300, n_accounts // 100))
    users, user_rows = [], []
    for n in range(1, n_users + 1):
        uid = salesforce_id("User", n)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        users.append(uid)
        user_rows.append(
            {
                "Id": uid,
                "Username": f"{first.lower()}.{last.lower()}{n}@northwind.example",
                "FirstName": first,
                "LastName": last,
                "Name": f"{first} {last}",
                "Email": f"{first.lower()}.{last.lower()}@northwind.example",
                "Title": rng.choice(("Account Executive", "Account Manager", "Sales Director")),
                "IsActive": 1,
                "CreatedDate": sf(created),
                "LastModifiedDate": sf(created),
                "SystemModstamp": sf(created),
            }
        )
    docs: list[tuple[str, dict[str, Any]]] = []
    products: dict[str, CatalogProduct] = {}
    product_rows: list[dict[str, Any]] = []
    price_n = 0
    for n, p in enumerate(PRODUCTS, start=1):
        cp = CatalogProduct(
            p.code, p.name, p.interval, salesforce_id("Product2", n), ids.make("prod", n), 100 + n
        )
        for cur in CURRENCIES:
            price_n += 1
            cp.prices[cur.code] = stripe_docs.price(
                ids.make("price", price_n),
                created,
                cp.stripe_id,
                cur.code,
                price_amount(p.usd_unit_amount, cur.code),
                p.interval,
            )
        default_price = cp.prices["USD"]["id"]
        docs.append(("products", stripe_docs.product(cp.stripe_id, created, p.name, p.code, default_price)))
        docs.extend(("prices", doc) for doc in cp.prices.values())
        products[p.code] = cp
        product_rows.append(
            {
                "Id": cp.sf_id,
                "Name": p.name,
                "ProductCode": p.code,
                "Description": None,
                "Family": p.family,
                "IsActive": 1,
                "Stripe_Product_Id__c": cp.stripe_id,
                "IsDeleted": 0,
                "CreatedDate": sf(created),
                "LastModifiedDate": sf(created),
                "SystemModstamp": sf(created),
            }
        )
    tax_rate_ids = {}
    for n, t in enumerate(TAX_RATES, start=1):
        tid = ids.make("txr", n)
        tax_rate_ids[t.code] = tid
        docs.append(
            (
                "tax_rates",
                stripe_docs.tax_rate(
                    tid, created, t.code, t.display_name, t.jurisdiction, t.country, t.percentage
                ),
            )
        )
    return Catalog(
        users,
        products,
        tax_rate_ids,
        {p.stripe_id: p.ns_item_id for p in products.values()},
        docs,
        user_rows,
        product_rows,
    )


def netsuite_reference_rows(catalog: Catalog, start: int) -> dict[str, list[dict[str, Any]]]:
    """NetSuite currencies, subsidiaries (parent + one per mapped legal entity) and items."""
    at = ns(start - 800 * 86400)
    cur_id = {c.code: c.ns_id for c in CURRENCIES}
    currencies = [
        {
            "id": c.ns_id,
            "name": c.name,
            "symbol": c.code,
            "displaysymbol": c.code,
            "currencyprecision": c.exponent,
            "exchangerate": c.rate_to_usd,
            "isbasecurrency": "T" if c.code == "USD" else "F",
            "isinactive": "F",
            "lastmodifieddate": at,
        }
        for c in CURRENCIES
    ]
    pid, pname, pcountry, pcur = PARENT_SUBSIDIARY
    subsidiaries = [
        {
            "id": pid,
            "name": pname,
            "fullname": pname,
            "legalname": pname,
            "country": pcountry,
            "currency": cur_id[pcur],
            "parent": None,
            "iselimination": "F",
            "isinactive": "F",
            "externalid": None,
            "lastmodifieddate": at,
        }
    ]
    for e in LEGAL_ENTITIES:
        subsidiaries.append(
            {
                "id": e.subsidiary_id,
                "name": e.name,
                "fullname": f"{pname} : {e.name}",
                "legalname": e.name,
                "country": e.country,
                "currency": cur_id[e.currency],
                "parent": pid,
                "iselimination": "F",
                "isinactive": "F",
                "externalid": e.code,
                "lastmodifieddate": at,
            }
        )
    items = [
        {
            "id": p.ns_item_id,
            "itemid": p.code,
            "displayname": p.name,
            "itemtype": "NonInvtPart" if p.interval else "Service",
            "externalid": p.stripe_id,
            "isinactive": "F",
            "createddate": at,
            "lastmodifieddate": at,
        }
        for p in catalog.products.values()
    ]
    return {"currency": currencies, "subsidiary": subsidiaries, "item": items}
