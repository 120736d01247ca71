"""Writes the Stripe emulator accepts, applied through the sandbox core (simulated time, events, ground truth).

A customer update goes through `concord_sandbox.writes.stripe_update` (metadata merge, `customer.updated`
with `previous_attributes`, repair detection). Creating and deleting a customer and cancelling a subscription
are not in the core's write set; they use the core's `Mutation` helpers so ids, events and counters stay
consistent, and re-evaluate the ground truth for the keys they touch.
"""

from __future__ import annotations

from typing import Any

import orjson

from concord_sandbox import stripe_docs as sd
from concord_sandbox import writes as core_writes
from concord_sandbox.apis.stripe.errors import StripeAPIError, invalid_request, no_such_object
from concord_sandbox.errors import InvalidWriteError, RecordNotFoundError
from concord_sandbox.mutation import Mutation
from concord_sandbox.repair import reevaluate
from concord_sandbox.store import Store

CUSTOMER_FIELDS = frozenset({"name", "email", "description", "phone", "metadata"})


def _metadata_param(value: Any) -> dict[str, str]:
    if value == "":
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid_request("Invalid metadata: must be a hash of strings", param="metadata")
    return value


def _vendor_error(exc: RecordNotFoundError | InvalidWriteError, obj: str, object_id: str) -> StripeAPIError:
    if isinstance(exc, RecordNotFoundError):
        return no_such_object(obj, object_id)
    return invalid_request(f"Received unknown parameter: {exc.field}", param=exc.field)


def update_customer(store: Store, customer_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """`POST /v1/customers/{id}`: metadata (key by key; '' removes) and the simple fields."""
    changes: dict[str, Any] = {}
    for name, value in params.items():
        if name == "expand":
            continue
        if name not in CUSTOMER_FIELDS:
            raise invalid_request(f"Received unknown parameter: {name}", param=name)
        if name == "metadata":
            value = _metadata_param(value)
            if params["metadata"] == "":  # Stripe: metadata="" clears every key
                current = _current_metadata(store, customer_id)
                value = dict.fromkeys(current, "")
        changes[name] = value or None if name != "metadata" else value
    try:
        return core_writes.stripe_update(store, "customers", customer_id, changes)
    except (RecordNotFoundError, InvalidWriteError) as exc:
        raise _vendor_error(exc, "customer", customer_id) from None


def _current_metadata(store: Store, customer_id: str) -> dict[str, str]:
    with store.transaction() as conn:
        doc = Mutation(conn, store.now()).stripe_doc("customers", customer_id)
    if doc is None or doc.get("deleted"):
        raise no_such_object("customer", customer_id)
    return dict(doc.get("metadata") or {})


def create_customer(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    """`POST /v1/customers`: name, email, currency, address[country|city], metadata; appends `customer.created`."""
    address = params.get("address") if isinstance(params.get("address"), dict) else {}
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        doc = sd.customer(m.sid("cus"), m.now, params.get("name") or "", params.get("email") or "",
                          address.get("country"), address.get("city"), params.get("currency") or "",
                          _metadata_param(params.get("metadata") or {}))
        doc["currency"] = doc["currency"] or None
        m.stripe_put("customers", doc)
        m.event("customer.created", doc)
        reevaluate(conn, [("stripe", "customers", doc["id"])], m.now, f"stripe create customers {doc['id']}")
        m.finish()
    return doc


def delete_customer(store: Store, customer_id: str) -> dict[str, Any]:
    """`DELETE /v1/customers/{id}`: the row stays, flagged; `customer.deleted` carries the last state."""
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        doc = m.stripe_doc("customers", customer_id)
        if doc is None or doc.get("deleted"):
            raise no_such_object("customer", customer_id)
        m.conn.execute("update customers set data = ?, deleted = 1, _updated = ? where id = ?",
                       (orjson.dumps(sd.deleted(customer_id, "customer")).decode(), m.now, customer_id))
        m.event("customer.deleted", doc)
        reevaluate(conn, [("stripe", "customers", customer_id)], m.now, f"stripe delete customers {customer_id}")
        m.finish()
    return sd.deleted(customer_id, "customer")


def cancel_subscription(store: Store, subscription_id: str) -> dict[str, Any]:
    """`DELETE /v1/subscriptions/{id}`: cancel now (status `canceled`); appends `customer.subscription.deleted`.

    A cancellation is not a deletion: the subscription stays retrievable and listable with `status=all`.
    """
    with store.transaction() as conn:
        m = Mutation(conn, store.now())
        doc = m.stripe_doc("subscriptions", subscription_id)
        if doc is None:
            raise no_such_object("subscription", subscription_id)
        if doc["status"] == "canceled":
            raise invalid_request("A canceled subscription can only update its cancellation_details and "
                                  f"metadata. Subscription: '{subscription_id}'", param="subscription")
        previous = {"status": doc["status"], "canceled_at": None, "ended_at": None}
        doc.update(status="canceled", canceled_at=m.now, ended_at=m.now)
        doc["cancellation_details"] = {**(doc.get("cancellation_details") or {}),
                                       "reason": "cancellation_requested"}
        m.stripe_put("subscriptions", doc, current_period_end=None)
        m.event("customer.subscription.deleted", doc, previous)
        reevaluate(conn, [("stripe", "subscriptions", subscription_id)], m.now,
                   f"stripe cancel subscriptions {subscription_id}")
        m.finish()
    return doc
