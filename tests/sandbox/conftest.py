"""Sandbox test fixtures: seeded sandboxes in temp dirs (never the default `.concord`), free ports."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from concord_sandbox.inconsistencies import CLASSES
from concord_sandbox.seed import seed_company
from concord_sandbox.timefmt import parse_iso

START = parse_iso("2026-01-01T00:00:00Z")
# High planting rates so a small company carries enough instances of every class to measure rates.
TEST_RATES: dict[str, float] = {
    "duplicate_crm_account": 0.05,
    "billing_customer_unlinked": 0.05,
    "erp_customer_missing": 0.04,
    "deleted_account_referenced": 0.04,
    "invoice_unposted_missing_tax_mapping": 0.02,
    "invoice_unposted_missing_entity_mapping": 0.02,
    "invoice_amount_mismatch": 0.02,
    "invoice_currency_mismatch": 0.02,
    "payment_status_mismatch": 0.03,
    "erp_payment_unmatched": 0.02,
    "subscription_without_opportunity": 0.05,
}
assert set(TEST_RATES) == set(CLASSES)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small company (seed 7, test rates) seeded once per test session; copy it before writing."""
    directory = tmp_path_factory.mktemp("sandbox-template")
    seed_company(directory / "sandbox.db", "small", 7, START, dict(TEST_RATES))
    return directory / "sandbox.db"


@pytest.fixture
def sandbox_dir(tmp_path: Path, seeded_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the seeded sandbox; CONCORD_SANDBOX_DIR points at it for the test."""
    directory = tmp_path / "sandbox"
    directory.mkdir()
    shutil.copyfile(seeded_template, directory / "sandbox.db")
    monkeypatch.setenv("CONCORD_SANDBOX_DIR", str(directory))
    return directory


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Free ports for the control API and the three emulators, exported as CONCORD_SANDBOX_<NAME>_PORT."""
    chosen = {name: free_port() for name in ("control", "salesforce", "stripe", "netsuite")}
    for name, port in chosen.items():
        monkeypatch.setenv(f"CONCORD_SANDBOX_{name.upper()}_PORT", str(port))
    yield chosen
