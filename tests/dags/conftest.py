"""DAG-run fixtures: a small sandbox served on free ports and a fresh warehouse database, wired into this process's
environment (`dag.test()` runs every task in this process, so the tasks see exactly these settings)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

CONCORD = str(Path(sys.executable).with_name("concord"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Served:
    """A served sandbox and an empty warehouse database; `concord(...)` runs the CLI against both."""

    url: str
    sandbox_db: Path
    env: dict[str, str]

    def concord(self, *args: str) -> str:
        proc = subprocess.run([CONCORD, *args], env={**os.environ, **self.env}, capture_output=True, text=True,
                              check=False, timeout=600)
        assert proc.returncode == 0, f"concord {' '.join(args)} failed: {proc.stderr[-3000:]}{proc.stdout[-3000:]}"
        return proc.stdout


@pytest.fixture(scope="module")
def served(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Seed (small, seed 3) and serve a sandbox, create a database; both set in os.environ for the module."""
    tmp = tmp_path_factory.mktemp("dag-sandbox")
    name = f"concord_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = make_conninfo(server_url, dbname=name)
    env = {"CONCORD_SANDBOX_DIR": str(tmp / "sandbox"), "CONCORD_WAREHOUSE_URL": url,
           **{f"CONCORD_SANDBOX_{n.upper()}_PORT": str(_free_port())
              for n in ("control", "salesforce", "stripe", "netsuite")}}
    served = Served(url, tmp / "sandbox" / "sandbox.db", env)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        served.concord("sandbox", "seed", "--scale", "small", "--seed", "3")
        served.concord("sandbox", "serve")
        try:
            yield served
        finally:
            subprocess.run([CONCORD, "sandbox", "stop"], env={**os.environ, **env}, capture_output=True, check=False)
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(f'drop database if exists "{name}" with (force)')
