"""Precision and recall per class: matching on identifying keys, and which instances are expected when."""

from __future__ import annotations

from concord.transform.score import Item, expected_instances, key_set, score

TRUTH = [
    {"instance_id": "I1", "class": "duplicate_crm_account", "keys": {"salesforce": {"Account": ["001a", "001b"]}},
     "planted_at": "2025-06-01T00:00:00Z", "repaired_at": None},
    {"instance_id": "I2", "class": "billing_customer_unlinked",
     "keys": {"salesforce": {"Account": ["001c"]}, "stripe": {"customers": ["cus_1"]}},
     "planted_at": "2025-06-01T00:00:00Z", "repaired_at": "2026-01-01T05:00:00Z"},
    {"instance_id": "I3", "class": "erp_customer_missing",
     "keys": {"salesforce": {"Account": ["001d"]}, "stripe": {"customers": ["cus_2"]}},
     "planted_at": "2026-01-02T00:00:00Z", "repaired_at": None},
]


def test_expected_excludes_repaired_and_not_yet_planted_instances() -> None:
    assert [i.item_id for i in expected_instances(TRUTH, "2026-01-01T04:00:00Z")] == ["I1", "I2"]
    assert [i.item_id for i in expected_instances(TRUTH, "2026-01-01T06:00:00Z")] == ["I1"]
    assert [i.item_id for i in expected_instances(TRUTH, "2026-01-03T00:00:00Z")] == ["I1", "I3"]


def test_customer_classes_match_on_the_billing_customer_whatever_account_was_suggested() -> None:
    truth_keys = key_set("billing_customer_unlinked", TRUTH[1]["keys"])  # type: ignore[arg-type]
    finding_keys = key_set("billing_customer_unlinked", {"stripe": {"customers": ["cus_1"]},
                                                         "salesforce": {"Account": ["001zz"]}})
    assert truth_keys == finding_keys == frozenset({("stripe", "customers", "cus_1")})


def test_precision_and_recall_per_class() -> None:
    expected = expected_instances(TRUTH, "2026-01-01T04:00:00Z")
    findings = [
        Item("f1", "duplicate_crm_account", key_set("duplicate_crm_account", {"salesforce": {"Account": ["001b", "001a"]}})),
        Item("f2", "duplicate_crm_account", key_set("duplicate_crm_account", {"salesforce": {"Account": ["001x", "001y"]}})),
    ]
    dup, unlinked = score(findings, expected, ["duplicate_crm_account", "billing_customer_unlinked"])
    assert (dup.precision, dup.recall, dup.false_positives) == (0.5, 1.0, ("f2",))
    assert (unlinked.found, unlinked.precision, unlinked.recall, unlinked.missed) == (0, 1.0, 0.0, ("I2",))
