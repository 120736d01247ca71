"""Fixtures for tap-salesforce tests: emulators over small seeded sandboxes, on free loopback ports.

`sf_shared` is the process-wide read-only emulator (seeded once per test process); tests that change data
use `sf_private`, an emulator over their own copy of that seeded database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from concord_sandbox.apis.salesforce.live import (
    LiveEmulator,
    copy_database,
    shared_small_emulator,
    start_emulator,
)


@pytest.fixture(scope="session")
def sf_shared() -> LiveEmulator:
    """The shared emulator over a small sandbox; never write through it."""
    return shared_small_emulator()


@pytest.fixture
def sf_db_copy(sf_shared: LiveEmulator, tmp_path: Path) -> Path:
    """A private copy of the shared seeded database."""
    return copy_database(sf_shared.store.path, tmp_path)


@pytest.fixture
def sf_private(sf_db_copy: Path) -> Iterator[LiveEmulator]:
    """An emulator over this test's own copy of the seeded sandbox."""
    emulator = start_emulator(sf_db_copy)
    try:
        yield emulator
    finally:
        emulator.stop()

