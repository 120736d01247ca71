"""The planted inconsistency classes (ARCHITECTURE's single list) and the rates at which they are planted.

Each rate is a probability per eligible base record, named in `BASE`; e.g. `invoice_amount_mismatch` at 0.01
means one in a hundred ERP-posted invoices carries a wrong total.
"""

from __future__ import annotations

from concord.fault_classes import FAULT_CLASSES
from concord_sandbox.errors import InvalidOptionError

CLASSES: tuple[str, ...] = FAULT_CLASSES

# What a rate is a probability of, per class.
BASE: dict[str, str] = {
    "duplicate_crm_account": "CRM account",
    "billing_customer_unlinked": "billing customer",
    "erp_customer_missing": "billing customer",
    "invoice_unposted_missing_tax_mapping": "finalized invoice",
    "invoice_unposted_missing_entity_mapping": "finalized invoice",
    "invoice_amount_mismatch": "finalized invoice",
    "invoice_currency_mismatch": "finalized invoice",
    "payment_status_mismatch": "paid invoice",
    "erp_payment_unmatched": "ERP customer payment",
    "subscription_without_opportunity": "subscription",
    "deleted_account_referenced": "billing customer",
}

DEFAULT_RATES: dict[str, float] = {
    "duplicate_crm_account": 0.02,
    "billing_customer_unlinked": 0.02,
    "erp_customer_missing": 0.01,
    "invoice_unposted_missing_tax_mapping": 0.003,
    "invoice_unposted_missing_entity_mapping": 0.002,
    "invoice_amount_mismatch": 0.004,
    "invoice_currency_mismatch": 0.002,
    "payment_status_mismatch": 0.004,
    "erp_payment_unmatched": 0.003,
    "subscription_without_opportunity": 0.02,
    "deleted_account_referenced": 0.01,
}


def parse_rates(text: str | None, base: dict[str, float] | None = None) -> dict[str, float]:
    """Rates from 'class=rate,class=rate' over `base` (default rates); unknown classes and bad rates raise."""
    rates = dict(base or DEFAULT_RATES)
    if not text:
        return rates
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep or name not in CLASSES:
            raise InvalidOptionError(
                "--rates entry", part, f"expected CLASS=RATE with CLASS one of {', '.join(CLASSES)}"
            )
        try:
            rate = float(value)
        except ValueError as exc:
            raise InvalidOptionError("--rates entry", part, "the rate must be a number") from exc
        if not 0.0 <= rate <= 0.5:
            raise InvalidOptionError("--rates entry", part, "the rate must be between 0 and 0.5")
        rates[name] = rate
    return rates
