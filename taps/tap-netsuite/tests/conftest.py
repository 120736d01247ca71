"""Fixtures for tap-netsuite: one small sandbox seeded per test session (per xdist worker) and an emulator
serving it; tests that write get their own copy of the database and their own server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from netsuite_emulator import Emulator, running_emulator, seed_sandbox


@pytest.fixture(scope="session")
def seeded_netsuite_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sandbox seeded once at small scale (never the default .concord directory)."""
    return seed_sandbox(tmp_path_factory.mktemp("netsuite_sandbox"))


@pytest.fixture(scope="session")
def netsuite_emulator(seeded_netsuite_db: Path) -> Iterator[Emulator]:
    """The emulator over the shared, read-only-by-convention sandbox."""
    with running_emulator(seeded_netsuite_db) as emulator:
        yield emulator
