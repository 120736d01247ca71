"""The streams: one declarative class per Stripe resource (path, object, schema, list parameters)."""

from __future__ import annotations

from typing import Any, ClassVar

from tap_stripe.client import StripeStream
from tap_stripe.schemas import build_schema

_COMMON = "object:str created:int livemode:bool metadata:obj"


def complete_embedded(stream: StripeStream, obj: dict[str, Any], field: str, path: str,
                      params: dict[str, Any]) -> dict[str, Any]:
    """Fill an embedded list the API cut at 10 (`has_more`) by paging `path` after its last element."""
    embedded = obj.get(field)
    if isinstance(embedded, dict) and embedded.get("has_more") and embedded.get("data"):
        data = list(embedded["data"])
        data.extend(stream.pages(path, {**params, "starting_after": data[-1]["id"]}))
        obj[field] = {**embedded, "data": data, "has_more": False}
    return obj


class CustomersStream(StripeStream):
    name = "customers"
    path = "/v1/customers"
    object_name = "customer"
    schema = build_schema(
        f"{_COMMON} "
        "deleted:bool address:obj balance:int currency:str default_source:str delinquent:bool "
        "description:str discount:obj email:str invoice_prefix:str invoice_settings:obj name:str "
        "phone:str preferred_locales:arr shipping:obj tax_exempt:str test_clock:str"
    )


class ProductsStream(StripeStream):
    name = "products"
    path = "/v1/products"
    object_name = "product"
    schema = build_schema(
        f"{_COMMON} "
        "deleted:bool active:bool default_price:str description:str images:arr marketing_features:arr "
        "name:str package_dimensions:obj shippable:bool statement_descriptor:str tax_code:str type:str "
        "unit_label:str updated:int url:str"
    )


class PricesStream(StripeStream):
    name = "prices"
    path = "/v1/prices"
    object_name = "price"
    schema = build_schema(
        f"{_COMMON} "
        "deleted:bool active:bool billing_scheme:str currency:str custom_unit_amount:obj lookup_key:str "
        "nickname:str product:str recurring:obj tax_behavior:str tiers_mode:str transform_quantity:obj "
        "type:str unit_amount:int unit_amount_decimal:str"
    )


class TaxRatesStream(StripeStream):
    """Tax rates: which `txr_…` an invoice's `total_taxes` names (reconciliation maps them to ERP tax codes)."""

    name = "tax_rates"
    path = "/v1/tax_rates"
    object_name = "tax_rate"
    schema = build_schema(
        f"{_COMMON} "
        "active:bool country:str description:str display_name:str effective_percentage:num flat_amount:obj "
        "inclusive:bool jurisdiction:str jurisdiction_level:str percentage:num rate_type:str state:str "
        "tax_type:str"
    )


class SubscriptionsStream(StripeStream):
    """Subscriptions with all their items: past 10, `/v1/subscription_items?subscription=…` pages the rest."""

    name = "subscriptions"
    path = "/v1/subscriptions"
    object_name = "subscription"
    list_params: ClassVar[dict[str, str]] = {"status": "all"}  # Stripe hides canceled ones otherwise
    schema = build_schema(
        f"{_COMMON} "
        "application:str automatic_tax:obj billing_cycle_anchor:int billing_mode:obj cancel_at:int "
        "cancel_at_period_end:bool canceled_at:int cancellation_details:obj collection_method:str "
        "currency:str customer:str days_until_due:int default_payment_method:str description:str "
        "discounts:arr ended_at:int invoice_settings:obj items:obj latest_invoice:str start_date:int "
        "status:str trial_end:int trial_start:int"
    )


    def complete(self, obj: dict[str, Any]) -> dict[str, Any]:
        return complete_embedded(self, obj, "items", "/v1/subscription_items", {"subscription": obj["id"]})


class InvoicesStream(StripeStream):
    """Invoices with all their lines: when the embedded `lines` list has more, `/v1/invoices/{id}/lines` pages it."""

    name = "invoices"
    path = "/v1/invoices"
    object_name = "invoice"
    schema = build_schema(
        f"{_COMMON} "
        "account_country:str account_name:str account_tax_ids:arr amount_due:int amount_overpaid:int "
        "amount_paid:int amount_remaining:int amount_shipping:int application:str attempt_count:int "
        "attempted:bool auto_advance:bool automatic_tax:obj billing_reason:str collection_method:str "
        "currency:str custom_fields:arr customer:str customer_address:obj customer_email:str "
        "customer_name:str customer_phone:str customer_shipping:obj customer_tax_exempt:str "
        "customer_tax_ids:arr default_payment_method:str default_source:str default_tax_rates:arr "
        "description:str discounts:arr due_date:int effective_at:int ending_balance:int footer:str "
        "from_invoice:obj hosted_invoice_url:str invoice_pdf:str issuer:obj last_finalization_error:obj "
        "latest_revision:str lines:obj next_payment_attempt:int number:str on_behalf_of:str parent:obj "
        "period_end:int period_start:int post_payment_credit_notes_amount:int "
        "pre_payment_credit_notes_amount:int receipt_number:str rendering:obj starting_balance:int "
        "statement_descriptor:str status:str status_transitions:obj subtotal:int "
        "subtotal_excluding_tax:int test_clock:str total:int total_discount_amounts:arr "
        "total_excluding_tax:int total_pretax_credit_amounts:arr total_taxes:arr "
        "webhooks_delivered_at:int"
    )

    def complete(self, obj: dict[str, Any]) -> dict[str, Any]:
        return complete_embedded(self, obj, "lines", f"/v1/invoices/{obj['id']}/lines", {})


class InvoicePaymentsStream(StripeStream):
    """Invoice payments: since the 2025 API the only link from an invoice to the payment intent that paid it."""

    name = "invoice_payments"
    path = "/v1/invoice_payments"
    object_name = "invoice_payment"
    schema = build_schema(
        "object:str created:int livemode:bool "
        "amount_paid:int amount_requested:int currency:str invoice:str is_default:bool payment:obj status:str "
        "status_transitions:obj"
    )


class PaymentIntentsStream(StripeStream):
    name = "payment_intents"
    path = "/v1/payment_intents"
    object_name = "payment_intent"
    schema = build_schema(
        f"{_COMMON} "
        "amount:int amount_capturable:int amount_details:obj amount_received:int application:str "
        "application_fee_amount:int automatic_payment_methods:obj canceled_at:int "
        "cancellation_reason:str capture_method:str client_secret:str confirmation_method:str "
        "currency:str customer:str description:str last_payment_error:obj latest_charge:str "
        "next_action:obj on_behalf_of:str payment_method:str payment_method_types:arr processing:obj "
        "receipt_email:str review:str setup_future_usage:str shipping:obj statement_descriptor:str "
        "status:str"
    )


class ChargesStream(StripeStream):
    name = "charges"
    path = "/v1/charges"
    object_name = "charge"
    schema = build_schema(
        f"{_COMMON} "
        "amount:int amount_captured:int amount_refunded:int application:str application_fee:str "
        "balance_transaction:str billing_details:obj calculated_statement_descriptor:str captured:bool "
        "currency:str customer:str description:str disputed:bool failure_code:str failure_message:str "
        "fraud_details:obj outcome:obj paid:bool payment_intent:str payment_method:str receipt_url:str "
        "refunded:bool status:str"
    )


class RefundsStream(StripeStream):
    name = "refunds"
    path = "/v1/refunds"
    object_name = "refund"
    schema = build_schema(
        f"{_COMMON} "
        "amount:int balance_transaction:str charge:str currency:str destination_details:obj "
        "payment_intent:str reason:str receipt_number:str source_transfer_reversal:str status:str "
        "transfer_reversal:str"
    )


class CreditNotesStream(StripeStream):
    name = "credit_notes"
    path = "/v1/credit_notes"
    object_name = "credit_note"
    schema = build_schema(
        f"{_COMMON} "
        "amount:int amount_shipping:int currency:str customer:str customer_balance_transaction:str "
        "discount_amount:int discount_amounts:arr effective_at:int invoice:str lines:obj memo:str "
        "number:str out_of_band_amount:int pdf:str post_payment_amount:int pre_payment_amount:int "
        "pretax_credit_amounts:arr reason:str refunds:arr shipping_cost:obj status:str subtotal:int "
        "subtotal_excluding_tax:int total:int total_excluding_tax:int total_taxes:arr type:str "
        "voided_at:int"
    )


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    CustomersStream, ProductsStream, PricesStream, TaxRatesStream, SubscriptionsStream, InvoicesStream,
    InvoicePaymentsStream, PaymentIntentsStream, ChargesStream, RefundsStream, CreditNotesStream,
)
