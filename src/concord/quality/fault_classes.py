"""The class names an exception may carry: ARCHITECTURE's fault classes plus the engine's own contract class."""

from __future__ import annotations

# The planted inconsistency classes (ARCHITECTURE.md, sandbox/MODEL.md): the single list shared with the sandbox's
# ground truth and the score.
FAULT_CLASSES: frozenset[str] = frozenset({
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
})

# A landed table breaking its contract (null or duplicate key, a value outside its accepted set) is not a planted
# business inconsistency, so it gets its own class; the score ignores it.
CONTRACT_VIOLATION = "contract_violation"

EXCEPTION_CLASSES: frozenset[str] = FAULT_CLASSES | {CONTRACT_VIOLATION}

SYSTEMS: frozenset[str] = frozenset({"salesforce", "stripe", "netsuite"})
