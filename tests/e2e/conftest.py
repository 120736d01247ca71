"""End-to-end fixtures: a seeded sandbox served on free ports, and the environment a `concord` process needs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pipeline:
    """A served sandbox plus a warehouse database; `concord(...)` runs the real CLI against both."""

    env: dict[str, str]
    sandbox_db: Path
    warehouse_url: str

    def concord(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(Path(sys.executable).with_name("concord")), *args], env=self.env,
                              capture_output=True, text=True, check=False, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"concord {' '.join(args)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
        return proc


@pytest.fixture
def pipeline(tmp_path: Path, fresh_db: str) -> Iterator[Pipeline]:
    """A small sandbox seeded and served in a temp dir, syncing into a fresh database; stopped afterwards."""
    env = {**os.environ, "CONCORD_SANDBOX_DIR": str(tmp_path / "sandbox"), "CONCORD_WAREHOUSE_URL": fresh_db,
           "CONCORD_HOME": str(tmp_path / "home")}
    for name in ("control", "salesforce", "stripe", "netsuite"):
        env[f"CONCORD_SANDBOX_{name.upper()}_PORT"] = str(_free_port())
    p = Pipeline(env, tmp_path / "sandbox" / "sandbox.db", fresh_db)
    p.concord("sandbox", "seed", "--scale", "small", "--seed", "3")
    p.concord("sandbox", "serve")
    try:
        yield p
    finally:
        p.concord("sandbox", "stop", check=False)
