"""Builders of Stripe API objects in the shape of API version 2026-10-28.endive (amounts in minor units).

Since the basil releases an invoice names its subscription under `parent.subscription_details`, a subscription's
billing period lives on its items, and invoices link to payments through `invoice_payment` objects; the builders
follow that shape. Each returns a plain dict; the store keeps it as the JSON document the API returns.
"""

from __future__ import annotations

from typing import Any

import orjson

Doc = dict[str, Any]
API_VERSION = "2026-10-28.endive"


def event_json(eid: str, etype: str, created: int, doc: Doc, previous: dict[str, Any] | None) -> str:
    """The JSON text of an event about `doc` (with `previous_attributes` when the change has any)."""
    return orjson.dumps(
        {
            "id": eid,
            "object": "event",
            "api_version": API_VERSION,
            "created": created,
            "data": {"object": doc, **({"previous_attributes": previous} if previous else {})},
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": etype,
        }
    ).decode()


def customer(
    cid: str,
    created: int,
    name: str,
    email: str,
    country: str,
    city: str,
    currency: str,
    metadata: dict[str, str],
) -> Doc:
    """A customer object."""
    return {
        "id": cid,
        "object": "customer",
        "address": {
            "city": city,
            "country": country,
            "line1": None,
            "line2": None,
            "postal_code": None,
            "state": None,
        },
        "balance": 0,
        "created": created,
        "currency": currency.lower(),
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": email,
        "invoice_prefix": cid[4:12].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": metadata,
        "name": name,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def deleted(oid: str, obj: str) -> Doc:
    """What the API returns for a deleted object."""
    return {"id": oid, "object": obj, "deleted": True}


def product(pid: str, created: int, name: str, code: str, default_price: str | None) -> Doc:
    """A product object."""
    return {
        "id": pid,
        "object": "product",
        "active": True,
        "created": created,
        "default_price": default_price,
        "description": None,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {"product_code": code},
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": created,
        "url": None,
    }


def price(
    pid: str, created: int, product_id: str, currency: str, unit_amount: int, interval: str | None
) -> Doc:
    """A price object (recurring when `interval` is set)."""
    return {
        "id": pid,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": currency.lower(),
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": product_id,
        "recurring": None
        if interval is None
        else {"interval": interval, "interval_count": 1, "meter": None, "usage_type": "licensed"},
        "tax_behavior": "exclusive",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "one_time" if interval is None else "recurring",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def tax_rate(
    tid: str, created: int, code: str, display: str, jurisdiction: str, country: str, pct: float
) -> Doc:
    """A tax rate object; `metadata.tax_code` is the company's code for it."""
    return {
        "id": tid,
        "object": "tax_rate",
        "active": True,
        "country": country,
        "created": created,
        "description": None,
        "display_name": display,
        "effective_percentage": pct,
        "flat_amount": None,
        "inclusive": False,
        "jurisdiction": jurisdiction,
        "jurisdiction_level": None,
        "livemode": False,
        "metadata": {"tax_code": code},
        "percentage": pct,
        "rate_type": "percentage",
        "state": None,
        "tax_type": "vat" if "VAT" in code else "sales_tax",
    }


def subscription_item(
    si_id: str, sub_id: str, created: int, price_doc: Doc, quantity: int, period_start: int, period_end: int
) -> Doc:
    """A subscription item; its billing period is the subscription's current period."""
    return {
        "id": si_id,
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": created,
        "current_period_end": period_end,
        "current_period_start": period_start,
        "discounts": [],
        "metadata": {},
        "price": price_doc,
        "quantity": quantity,
        "subscription": sub_id,
        "tax_rates": [],
    }


def subscription(
    sub_id: str,
    created: int,
    customer_id: str,
    currency: str,
    items: list[Doc],
    status: str,
    collection_method: str,
    canceled_at: int | None,
    latest_invoice: str | None,
    metadata: dict[str, str],
) -> Doc:
    """A subscription object with its items."""
    return {
        "id": sub_id,
        "object": "subscription",
        "application": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": created,
        "billing_mode": {"type": "flexible"},
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": canceled_at,
        "cancellation_details": {
            "comment": None,
            "feedback": None,
            "reason": "cancellation_requested" if canceled_at else None,
        },
        "collection_method": collection_method,
        "created": created,
        "currency": currency.lower(),
        "customer": customer_id,
        "days_until_due": 30 if collection_method == "send_invoice" else None,
        "default_payment_method": None,
        "description": None,
        "discounts": [],
        "ended_at": canceled_at,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "items": {
            "object": "list",
            "data": items,
            "has_more": False,
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "latest_invoice": latest_invoice,
        "livemode": False,
        "metadata": metadata,
        "start_date": created,
        "status": status,
        "trial_end": None,
        "trial_start": None,
    }


def invoice_line(
    il_id: str,
    invoice_id: str,
    sub_id: str | None,
    si_id: str | None,
    price_doc: Doc,
    quantity: int,
    period_start: int,
    period_end: int,
    tax_rate_id: str,
    tax_amount: int,
    description: str,
) -> Doc:
    """An invoice line item with its tax."""
    amount = price_doc["unit_amount"] * quantity
    return {
        "id": il_id,
        "object": "line_item",
        "amount": amount,
        "currency": price_doc["currency"],
        "description": description,
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": sub_id,
                "subscription_item": si_id,
            },
        }
        if sub_id
        else {
            "type": "invoice_item_details",
            "subscription_item_details": None,
            "invoice_item_details": {
                "invoice_item": f"ii_{il_id[3:]}",
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": None,
            },
        },
        "period": {"end": period_end, "start": period_start},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": price_doc["id"], "product": price_doc["product"]},
            "type": "price_details",
            "unit_amount_decimal": str(price_doc["unit_amount"]),
        },
        "quantity": quantity,
        "taxes": [
            {
                "amount": tax_amount,
                "tax_behavior": "exclusive",
                "tax_rate_details": {"tax_rate": tax_rate_id},
                "taxability_reason": "standard_rated",
                "taxable_amount": amount,
                "type": "tax_rate_details",
            }
        ],
    }


def invoice(
    inv_id: str,
    created: int,
    customer_id: str,
    customer_name: str,
    customer_email: str,
    currency: str,
    sub_id: str | None,
    lines: list[Doc],
    tax_rate_id: str,
    collection_method: str,
    billing_reason: str,
    period_start: int,
    period_end: int,
    metadata: dict[str, str],
) -> Doc:
    """A draft invoice; `finalize_invoice`, `pay_invoice` move it along."""
    subtotal = sum(line["amount"] for line in lines)
    tax = sum(line["taxes"][0]["amount"] for line in lines)
    total = subtotal + tax
    return {
        "id": inv_id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Northwind Software",
        "account_tax_ids": None,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_remaining": total,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "billing_reason": billing_reason,
        "collection_method": collection_method,
        "created": created,
        "currency": currency.lower(),
        "custom_fields": None,
        "customer": customer_id,
        "customer_address": None,
        "customer_email": customer_email,
        "customer_name": customer_name,
        "customer_phone": None,
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "due_date": created + 30 * 86400 if collection_method == "send_invoice" else None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": lines,
            "has_more": False,
            "total_count": len(lines),
            "url": f"/v1/invoices/{inv_id}/lines",
        },
        "livemode": False,
        "metadata": metadata,
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": {}, "subscription": sub_id},
        }
        if sub_id
        else None,
        "period_end": period_end,
        "period_start": period_start,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal,
        "test_clock": None,
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": subtotal,
        "total_pretax_credit_amounts": [],
        "total_taxes": [
            {
                "amount": tax,
                "tax_behavior": "exclusive",
                "tax_rate_details": {"tax_rate": tax_rate_id},
                "taxability_reason": "standard_rated",
                "taxable_amount": subtotal,
                "type": "tax_rate_details",
            }
        ],
        "webhooks_delivered_at": created,
    }


def finalize_invoice(doc: Doc, at: int, number: str) -> None:
    """Draft → open: the invoice gets its number and hosted URLs."""
    doc["number"] = number
    doc["status"] = "open"
    doc["effective_at"] = at
    doc["status_transitions"]["finalized_at"] = at
    doc["ending_balance"] = 0
    doc["hosted_invoice_url"] = f"https://invoice.stripe.com/i/{doc['id']}"
    doc["invoice_pdf"] = f"https://pay.stripe.com/invoice/{doc['id']}/pdf"
    if doc["collection_method"] == "charge_automatically":
        doc["next_payment_attempt"] = at


def pay_invoice(doc: Doc, at: int) -> None:
    """Open → paid."""
    doc["status"] = "paid"
    doc["amount_paid"] = doc["amount_due"]
    doc["amount_remaining"] = 0
    doc["attempt_count"] = max(1, doc["attempt_count"])
    doc["attempted"] = True
    doc["next_payment_attempt"] = None
    doc["status_transitions"]["paid_at"] = at


def payment_intent(pi_id: str, ch_id: str, created: int, customer_id: str, amount: int, currency: str) -> Doc:
    """A succeeded payment intent."""
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": amount,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{pi_id}_secret_{ch_id[3:15]}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": customer_id,
        "description": "Subscription update",
        "last_payment_error": None,
        "latest_charge": ch_id,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": f"pm_{ch_id[3:27]}",
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "statement_descriptor": None,
        "status": "succeeded",
    }


def charge(ch_id: str, pi_id: str, created: int, customer_id: str, amount: int, currency: str) -> Doc:
    """A succeeded card charge."""
    return {
        "id": ch_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "balance_transaction": f"txn_{ch_id[3:]}",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "calculated_statement_descriptor": "NORTHWIND",
        "captured": True,
        "created": created,
        "currency": currency,
        "customer": customer_id,
        "description": "Subscription update",
        "disputed": False,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "outcome": {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": pi_id,
        "payment_method": f"pm_{ch_id[3:27]}",
        "receipt_url": None,
        "refunded": False,
        "status": "succeeded",
    }


def invoice_payment(ip_id: str, created: int, invoice_id: str, pi_id: str, amount: int, currency: str) -> Doc:
    """The link between an invoice and the payment intent that paid it."""
    return {
        "id": ip_id,
        "object": "invoice_payment",
        "amount_paid": amount,
        "amount_requested": amount,
        "created": created,
        "currency": currency,
        "invoice": invoice_id,
        "is_default": True,
        "livemode": False,
        "payment": {"payment_intent": pi_id, "type": "payment_intent"},
        "status": "paid",
        "status_transitions": {"canceled_at": None, "paid_at": created},
    }


def refund(re_id: str, created: int, ch_id: str, pi_id: str, amount: int, currency: str) -> Doc:
    """A succeeded refund of (part of) a charge."""
    return {
        "id": re_id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": f"txn_{re_id[3:]}",
        "charge": ch_id,
        "created": created,
        "currency": currency,
        "destination_details": {"type": "card"},
        "metadata": {},
        "payment_intent": pi_id,
        "reason": "requested_by_customer",
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }


def credit_note(
    cn_id: str,
    number: str,
    created: int,
    customer_id: str,
    invoice_id: str,
    amount: int,
    currency: str,
    paid: bool,
) -> Doc:
    """An issued credit note against an invoice (to the customer balance when the invoice was paid)."""
    return {
        "id": cn_id,
        "object": "credit_note",
        "amount": amount,
        "amount_shipping": 0,
        "created": created,
        "currency": currency,
        "customer": customer_id,
        "customer_balance_transaction": f"cbtxn_{cn_id[3:]}" if paid else None,
        "discount_amount": 0,
        "discount_amounts": [],
        "effective_at": created,
        "invoice": invoice_id,
        "lines": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/credit_notes/{cn_id}/lines",
        },
        "livemode": False,
        "memo": "Service credit",
        "metadata": {},
        "number": number,
        "out_of_band_amount": None,
        "pdf": f"https://pay.stripe.com/credit_notes/{cn_id}/pdf",
        "post_payment_amount": amount if paid else 0,
        "pre_payment_amount": 0 if paid else amount,
        "pretax_credit_amounts": [],
        "reason": "order_change",
        "refunds": [],
        "shipping_cost": None,
        "status": "issued",
        "subtotal": amount,
        "subtotal_excluding_tax": amount,
        "total": amount,
        "total_excluding_tax": amount,
        "total_taxes": [],
        "type": "post_payment" if paid else "pre_payment",
        "voided_at": None,
    }
