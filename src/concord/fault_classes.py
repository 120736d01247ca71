"""The fault classes (ARCHITECTURE's single list): what the sandbox plants and what Concord must surface.

The generator, the ground truth, the exceptions and the score all take the names from here.
"""

from __future__ import annotations

FAULT_CLASSES: tuple[str, ...] = (
    "duplicate_crm_account",
    "billing_customer_unlinked",
    "erp_customer_missing",
    "invoice_unposted_missing_tax_mapping",
    "invoice_unposted_missing_entity_mapping",
    "invoice_amount_mismatch",
    "invoice_currency_mismatch",
    "payment_status_mismatch",
    "erp_payment_unmatched",
    "subscription_without_opportunity",
    "deleted_account_referenced",
)

# The source systems, by the names used in keys (`{system: {object: [key, ...]}}`) everywhere.
SYSTEMS: tuple[str, ...] = ("salesforce", "stripe", "netsuite")
