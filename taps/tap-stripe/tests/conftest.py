"""Fixtures for tap-stripe's tests: one small seeded sandbox per test session (per xdist worker), a shared
read-only emulator over it, and private copies for tests that write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from stripe_support import Emulator, copy_sandbox, running, seed_small


@pytest.fixture(scope="session")
def seeded_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small company, seeded once per session; never written to (copy it first)."""
    return seed_small(tmp_path_factory.mktemp("stripe_seed"))


@pytest.fixture(scope="session")
def shared_emulator(seeded_sandbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator over a session copy of the sandbox, for tests that only read."""
    db = copy_sandbox(seeded_sandbox, tmp_path_factory.mktemp("stripe_shared"))
    with running(db) as emulator:
        yield emulator


@pytest.fixture
def private_sandbox(seeded_sandbox: Path, tmp_path: Path) -> Path:
    """A copy of the seeded sandbox this test may change."""
    return copy_sandbox(seeded_sandbox, tmp_path / "sandbox")
