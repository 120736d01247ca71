"""Fixtures for tap-salesforce tests: emulators over small seeded sandboxes, on free loopback ports.

`sf_shared` is the process-wide read-only emulator (seeded once per test process); tests that change data
use `sf_private`, an emulator over their own copy of that seeded database.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from concord_sandbox.apis.salesforce.live import LiveEmulator, shared_small_emulator, start_emulator


@pytest.fixture(scope="session")
def sf_shared() -> LiveEmulator:
    """The shared emulator over a small sandbox; never write through it."""
    return shared_small_emulator()


@pytest.fixture
def sf_db_copy(sf_shared: LiveEmulator, tmp_path: Path) -> Path:
    """A private copy of the shared seeded database (consistent: copied through SQLite's backup API)."""
    import sqlite3

    target = tmp_path / "sandbox.db"
    src = sqlite3.connect(f"file:{sf_shared.store.path}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


@pytest.fixture
def sf_private(sf_db_copy: Path) -> Iterator[LiveEmulator]:
    """An emulator over this test's own copy of the seeded sandbox."""
    emulator = start_emulator(sf_db_copy)
    try:
        yield emulator
    finally:
        emulator.stop()


def copy_db(src: Path, dst_dir: Path) -> Path:
    """Copy a sandbox database file into `dst_dir`."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(src, dst_dir / "sandbox.db"))
