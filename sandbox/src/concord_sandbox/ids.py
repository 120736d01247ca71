"""Deterministic identifiers in each vendor's style: Salesforce 18-character ids, Stripe prefixed ids.

Ids are pure functions of (seed, kind, counter), so the same seed reproduces the same ids byte for byte.
"""

from __future__ import annotations

import hashlib

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

# Salesforce key prefixes of the sObjects the sandbox holds.
SF_PREFIX = {
    "User": "005",
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "Product2": "01t",
    "PricebookEntry": "01u",
}


def _base62(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, r = divmod(n, 62)
        chars.append(_B62[r])
    return "".join(reversed(chars))


def salesforce_id(sobject: str, n: int) -> str:
    """The n-th id of an sObject: prefix, pod 'Dn', a reserved '0', 9 base62 digits, 3-character checksum."""
    base = SF_PREFIX[sobject] + "Dn0" + _base62(n, 9)
    suffix = []
    for chunk in range(3):
        bits = 0
        for j in range(5):
            if "A" <= base[chunk * 5 + j] <= "Z":
                bits |= 1 << j
        suffix.append(_CHECKSUM[bits])
    return base + "".join(suffix)


def salesforce_id15_to_18(id15: str) -> str:
    """Append Salesforce's case-safe checksum to a 15-character id."""
    suffix = []
    for chunk in range(3):
        bits = sum(1 << j for j in range(5) if "A" <= id15[chunk * 5 + j] <= "Z")
        suffix.append(_CHECKSUM[bits])
    return id15 + "".join(suffix)


_WIDTH = {"cus": 14, "prod": 14}
# bytes.translate maps each digest byte onto the base62 alphabet (a slight bias is harmless for ids).
_TO_B62 = bytes(_B62[b % 62].encode()[0] for b in range(256))


class StripeIds:
    """Stripe-style ids ('cus_…', 'in_…'): a keyed hash of (seed, prefix, counter) in base62.

    Unique for practical purposes (≥ 83 random bits), pure functions of their inputs.
    """

    def __init__(self, seed: int) -> None:
        self._key = hashlib.blake2b(f"concord-sandbox:{seed}".encode(), digest_size=32).digest()

    def make(self, prefix: str, n: int) -> str:
        width = _WIDTH.get(prefix, 24)
        digest = hashlib.blake2b(f"{prefix}{n}".encode(), digest_size=width, key=self._key).digest()
        return f"{prefix}_{digest.translate(_TO_B62).decode()}"
