"""Which Stripe events each stream reads and what each does to the record: an upsert or a deletion.

The mapping is explicit: `customer.deleted` and `product.deleted` (and `price.deleted`, `invoice.deleted` for
drafts) are real deletions; `customer.subscription.deleted` is a cancellation (the subscription, status
`canceled`, stays an ordinary record).
"""

from __future__ import annotations

from enum import Enum


class Action(Enum):
    """What an event does to the record it carries."""

    UPSERT = "upsert"
    DELETE = "delete"


U, D = Action.UPSERT, Action.DELETE

EVENT_ACTIONS: dict[str, dict[str, Action]] = {
    "customers": {"customer.created": U, "customer.updated": U, "customer.deleted": D},
    "products": {"product.created": U, "product.updated": U, "product.deleted": D},
    "prices": {"price.created": U, "price.updated": U, "price.deleted": D},
    "tax_rates": {"tax_rate.created": U, "tax_rate.updated": U},
    "subscriptions": {
        "customer.subscription.created": U, "customer.subscription.updated": U,
        "customer.subscription.deleted": U,  # a cancellation: status `canceled`, not a deletion
        "customer.subscription.paused": U, "customer.subscription.resumed": U,
        "customer.subscription.pending_update_applied": U, "customer.subscription.pending_update_expired": U,
        "customer.subscription.trial_will_end": U,
    },
    "invoices": {
        "invoice.created": U, "invoice.finalized": U, "invoice.finalization_failed": U, "invoice.paid": U,
        "invoice.payment_failed": U, "invoice.payment_succeeded": U, "invoice.payment_action_required": U,
        "invoice.marked_uncollectible": U, "invoice.overdue": U, "invoice.overpaid": U, "invoice.sent": U,
        "invoice.updated": U, "invoice.voided": U, "invoice.will_be_due": U,
        "invoice.deleted": D,  # only drafts can be deleted
    },
    "invoice_payments": {"invoice_payment.paid": U},
    "payment_intents": {
        "payment_intent.created": U, "payment_intent.succeeded": U, "payment_intent.canceled": U,
        "payment_intent.processing": U, "payment_intent.payment_failed": U, "payment_intent.requires_action": U,
        "payment_intent.amount_capturable_updated": U, "payment_intent.partially_funded": U,
    },
    "charges": {
        "charge.succeeded": U, "charge.failed": U, "charge.pending": U, "charge.captured": U,
        "charge.expired": U, "charge.refunded": U, "charge.updated": U,
    },
    "refunds": {"refund.created": U, "refund.updated": U, "refund.failed": U, "charge.refund.updated": U},
    "credit_notes": {"credit_note.created": U, "credit_note.updated": U, "credit_note.voided": U},
}
