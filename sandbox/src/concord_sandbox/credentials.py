"""Deterministic sandbox credentials per system, derived from the seed (never real secrets)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def _hex(seed: int, label: str, n: int) -> str:
    return hashlib.sha256(f"{seed}:{label}".encode()).hexdigest()[:n]


def sandbox_credentials(seed: int) -> dict[str, dict[str, str]]:
    """Credentials by system: Salesforce OAuth client + user, Stripe keys, NetSuite TBA tokens and OAuth2 M2M key."""
    scalar = int(_hex(seed, "netsuite-m2m-key", 64), 16) % (2**255) + 1
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return {
        "salesforce": {
            "client_id": "3MVG9sandbox" + _hex(seed, "sf-client-id", 40),
            "client_secret": _hex(seed, "sf-client-secret", 64).upper(),
            "username": "integration@northwind.sandbox",
            "password": "Sandbox-" + _hex(seed, "sf-password", 12),
            "security_token": _hex(seed, "sf-token", 24),
        },
        "stripe": {
            "secret_key": "sk_test_51Sandbox" + _hex(seed, "stripe-secret", 48),
            "publishable_key": "pk_test_51Sandbox" + _hex(seed, "stripe-publishable", 48),
        },
        "netsuite": {
            "account_id": "1234567_SB1",
            "consumer_key": _hex(seed, "ns-consumer-key", 64),
            "consumer_secret": _hex(seed, "ns-consumer-secret", 64),
            "token_id": _hex(seed, "ns-token-id", 64),
            "token_secret": _hex(seed, "ns-token-secret", 64),
            "oauth2_client_id": _hex(seed, "ns-oauth2-client", 64),
            "oauth2_certificate_id": _hex(seed, "ns-oauth2-cert", 43),
            "oauth2_private_key_pem": private_pem,
            "oauth2_public_key_pem": public_pem,
        },
    }
