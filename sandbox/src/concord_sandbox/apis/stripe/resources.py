"""The Stripe resources the emulator serves: URL name → store table, object name and list filters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    """One listable resource; `filters` are query parameters matched against an indexed column of the same name."""

    path: str
    table: str
    obj: str
    filters: tuple[str, ...] = ()


RESOURCES: dict[str, Resource] = {r.path: r for r in (
    Resource("customers", "customers", "customer", ("email",)),
    Resource("products", "products", "product", ("active",)),
    Resource("prices", "prices", "price", ("product", "active")),
    Resource("tax_rates", "tax_rates", "tax_rate", ("active",)),
    Resource("subscriptions", "subscriptions", "subscription", ("customer", "status")),
    Resource("invoices", "invoices", "invoice", ("customer", "status", "subscription")),
    Resource("invoice_payments", "invoice_payments", "invoice_payment", ("invoice", "payment_intent")),
    Resource("payment_intents", "payment_intents", "payment_intent", ("customer",)),
    Resource("charges", "charges", "charge", ("customer", "payment_intent")),
    Resource("refunds", "refunds", "refund", ("charge", "payment_intent")),
    Resource("credit_notes", "credit_notes", "credit_note", ("customer", "invoice")),
)}

# Id prefix → table, to expand an id into its object (`expand[]=data.customer`).
TABLE_BY_PREFIX: dict[str, str] = {
    "cus": "customers", "prod": "products", "price": "prices", "txr": "tax_rates", "sub": "subscriptions",
    "in": "invoices", "inpay": "invoice_payments", "pi": "payment_intents", "ch": "charges", "re": "refunds",
    "cn": "credit_notes",
}

# Columns a filter may name that are not plain text equality (`active` is stored as 0/1).
BOOLEAN_FILTERS = frozenset({"active"})
