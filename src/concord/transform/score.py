"""Precision and recall of what Concord surfaced against the sandbox's ground truth, per fault class.

An instance is expected when it was planted at or before the sandbox clock and not repaired by then. A finding
matches an instance of the same class when their identifying keys overlap (the CRM accounts of a duplicate,
the billing customer of a customer-level class, the billing invoice of an invoice-level class); a class not
listed compares all its keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

IDENTITY_CLASSES: tuple[str, ...] = (
    "duplicate_crm_account",
    "billing_customer_unlinked",
    "erp_customer_missing",
    "deleted_account_referenced",
)

# Which (system, object) identifies an instance of a class; a class not listed compares all its keys.
IDENTIFYING_OBJECT: dict[str, tuple[str, str]] = {
    "duplicate_crm_account": ("salesforce", "Account"),
    "billing_customer_unlinked": ("stripe", "customers"),
    "erp_customer_missing": ("stripe", "customers"),
    "deleted_account_referenced": ("stripe", "customers"),
    "invoice_unposted_missing_tax_mapping": ("stripe", "invoices"),
    "invoice_unposted_missing_entity_mapping": ("stripe", "invoices"),
    "invoice_amount_mismatch": ("stripe", "invoices"),
    "invoice_currency_mismatch": ("stripe", "invoices"),
    "payment_status_mismatch": ("stripe", "invoices"),
    "erp_payment_unmatched": ("netsuite", "transaction"),
    "subscription_without_opportunity": ("stripe", "subscriptions"),
}

Keys = Mapping[str, Mapping[str, Sequence[Any]]]
KeySet = frozenset[tuple[str, str, str]]


@dataclass(frozen=True)
class Item:
    """A planted instance or a finding: its class, its key set and an id for reporting."""

    item_id: str
    cls: str
    keys: KeySet


@dataclass(frozen=True)
class ClassScore:
    """Counts and ratios for one fault class; a ratio with an empty denominator is 1.0 (nothing to miss)."""

    cls: str
    expected: int
    found: int
    true_positives_found: int
    true_positives_expected: int
    false_positives: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def precision(self) -> float:
        return self.true_positives_found / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives_expected / self.expected if self.expected else 1.0


def key_set(cls: str, keys: Keys) -> KeySet:
    """The identifying keys of an item of `cls` as (system, object, key-as-text) triples."""
    wanted = IDENTIFYING_OBJECT.get(cls)
    return frozenset(
        (system, obj, str(value))
        for system, objects in keys.items()
        for obj, values in objects.items()
        if wanted is None or (system, obj) == wanted
        for value in values
    )


def expected_instances(truth: Iterable[Mapping[str, Any]], as_of: str) -> list[Item]:
    """Instances still broken at `as_of` (ISO `2026-01-01T00:00:00Z`; lexical order is time order)."""
    return [
        Item(str(t["instance_id"]), str(t["class"]), key_set(str(t["class"]), t["keys"]))
        for t in truth
        if str(t["planted_at"]) <= as_of and (t.get("repaired_at") is None or str(t["repaired_at"]) > as_of)
    ]


def score(findings: Sequence[Item], expected: Sequence[Item], classes: Sequence[str]) -> list[ClassScore]:
    """One ClassScore per class in `classes`."""
    results = []
    for cls in classes:
        mine = [f for f in findings if f.cls == cls]
        theirs = [e for e in expected if e.cls == cls]
        hit_findings = [f for f in mine if any(f.keys & e.keys for e in theirs)]
        hit_expected = [e for e in theirs if any(e.keys & f.keys for f in mine)]
        results.append(
            ClassScore(
                cls=cls,
                expected=len(theirs),
                found=len(mine),
                true_positives_found=len(hit_findings),
                true_positives_expected=len(hit_expected),
                false_positives=tuple(f.item_id for f in mine if f not in hit_findings),
                missed=tuple(e.item_id for e in theirs if e not in hit_expected),
            )
        )
    return results


# The finance reconciliation classes the finance marts flag (finance.reconciliation_findings).
FINANCE_CLASSES: tuple[str, ...] = (
    "invoice_unposted_missing_tax_mapping",
    "invoice_unposted_missing_entity_mapping",
    "invoice_amount_mismatch",
    "invoice_currency_mismatch",
    "payment_status_mismatch",
    "erp_payment_unmatched",
    "subscription_without_opportunity",
)

# Classes only observable once an SLA ran out: no system shows when the integration gave up on a follow-up (the
# ground truth plants a payment_status_mismatch at that hidden moment), so Concord flags it once the billing payment
# is older than the payment SLA. Value: the dbt var holding the SLA in hours.
SLA_CLASSES: dict[str, str] = {"payment_status_mismatch": "payment_sla_hours"}


def due_instances(
    expected: Sequence[Item], paid_at: Mapping[str, str], data_as_of: str, sla_hours: Mapping[str, float]
) -> list[Item]:
    """`expected` without the SLA-class instances not yet due at `data_as_of` (ISO UTC `…Z`): an instance of a
    class in `sla_hours` is due once the billing payment of its invoice (`paid_at`, ISO UTC by invoice id) is more
    than that many hours old."""
    from datetime import datetime, timedelta

    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    now = parse(data_as_of)
    kept = []
    for item in expected:
        hours = sla_hours.get(item.cls)
        if hours is not None:
            invoices = [key for system, obj, key in item.keys if (system, obj) == ("stripe", "invoices")]
            paid = [parse(paid_at[i]) for i in invoices if i in paid_at]
            if not paid or now - max(paid) <= timedelta(hours=hours):
                continue
        kept.append(item)
    return kept
