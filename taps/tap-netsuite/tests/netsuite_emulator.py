"""Test helpers: seed a throw-away sandbox, copy it, and serve the NetSuite emulator on a free loopback port."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concord_sandbox.apis.netsuite import FAULT_EXEMPT_PATHS, NAME, create_app, tap_config
from concord_sandbox.apis.netsuite.local import serve_in_thread
from concord_sandbox.fault_injection import ApiFaults, FaultSource
from concord_sandbox.inconsistencies import DEFAULT_RATES
from concord_sandbox.paths import database_path
from concord_sandbox.seed import DEFAULT_START, seed_company
from concord_sandbox.store import Store
from concord_sandbox.timefmt import parse_iso


def seed_sandbox(directory: Path, scale: str = "small") -> Path:
    """Seed a sandbox at `scale` into `directory`; returns the database path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = database_path(directory)
    seed_company(path, scale, 1, parse_iso(DEFAULT_START), dict(DEFAULT_RATES))
    return path


def copy_sandbox(source: Path, directory: Path) -> Path:
    """A private copy of a seeded sandbox database (for tests that write)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = database_path(directory)
    shutil.copyfile(source, target)
    return target


@dataclass
class Emulator:
    """A running emulator: its base URL, the store it serves and the tap config that reaches it."""

    url: str
    store: Store

    def tap_config(self, **overrides: Any) -> dict[str, Any]:
        config = tap_config(self.url, self.store.credentials("netsuite"))
        config.update({"retry_base_seconds": 0.01, "max_retries": 10})
        config.update(overrides)
        return config


@contextmanager
def running_emulator(db: Path, **settings: Any) -> Iterator[Emulator]:
    """The emulator over the sandbox database `db` (settings: max_results, concurrency_limit), wrapped with the
    sandbox's fault injection as `concord sandbox serve` wraps it (faults come from `sandbox_faults`)."""
    store = Store(db)
    faults = ApiFaults(NAME, FaultSource(db, NAME, refresh=0.0))
    try:
        app = faults.wrap(create_app(store, faults, **settings), exempt=FAULT_EXEMPT_PATHS)
        with serve_in_thread(app) as url:
            yield Emulator(url, store)
    finally:
        store.close()
