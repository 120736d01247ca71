"""pytest fixtures for tests that need the Salesforce emulator (imported by the test folders' conftest files).

`sf_shared` is this process's read-only emulator over the run's small seeded sandbox (seeded once per run);
tests that change data use `sf_private`, an emulator over their own copy (`sf_db_copy`) of that database.
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

__all__ = ["sf_db_copy", "sf_private", "sf_shared"]


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
