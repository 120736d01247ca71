"""Fixtures for the Salesforce emulator tests: a shared read-only emulator and private writable ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from concord_sandbox.apis.salesforce.live import (
    LiveEmulator,
    copy_database,
    shared_small_emulator,
    start_emulator,
)
from sf_http_helpers import login


@pytest.fixture(scope="session")
def sf_emulator() -> LiveEmulator:
    """The process-wide emulator over a small seeded sandbox (read-only use)."""
    return shared_small_emulator()


@pytest.fixture(scope="session")
def sf_http(sf_emulator: LiveEmulator) -> requests.Session:
    return login(sf_emulator)


@pytest.fixture
def sf_writable(sf_emulator: LiveEmulator, tmp_path: Path) -> Iterator[LiveEmulator]:
    """An emulator over this test's own copy of the seeded sandbox."""
    target = copy_database(sf_emulator.store.path, tmp_path)
    emulator = start_emulator(target)
    try:
        yield emulator
    finally:
        emulator.stop()

