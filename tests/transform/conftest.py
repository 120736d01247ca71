"""One small sandbox, synced once into a database and built once with dbt, shared by every dbt test.

Tests that change the warehouse work on a copy (`CREATE DATABASE … TEMPLATE`), so the shared build stays as
the sync left it.
"""

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
from psycopg.conninfo import conninfo_to_dict, make_conninfo

CONCORD = str(Path(sys.executable).with_name("concord"))


def database_url(server: str, dbname: str) -> str:
    """`server` with its database replaced by `dbname`."""
    return make_conninfo(server, dbname=dbname)


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class BuiltWarehouse:
    """A database synced from a seeded sandbox and built by dbt; `env` runs the concord CLI against both."""

    url: str
    server_url: str
    sandbox_dir: Path
    env: dict[str, str]

    def concord(self, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `concord <args>` (against `url`, default this database); fail the test with its output."""
        env = {**self.env, "CONCORD_WAREHOUSE_URL": url or self.url}
        proc = subprocess.run([CONCORD, *args], env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"concord {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        return proc

    def copy(self) -> str:
        """A new database copied from this one (dropped by the caller through `drop`); returns its URL."""
        name = f"concord_test_{uuid.uuid4().hex[:12]}"
        dbname = conninfo_to_dict(self.url)["dbname"]
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'create database "{name}" template "{dbname}"')
        return database_url(self.server_url, name)

    def drop(self, url: str) -> None:
        name = conninfo_to_dict(url)["dbname"]
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def built_warehouse(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    """Seed a small sandbox on free ports, sync it into a fresh database, run `dbt build` once."""
    sandbox_dir = tmp_path_factory.mktemp("dbt-sandbox")
    name = f"concord_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = database_url(server_url, name)
    env = {
        **os.environ,
        "CONCORD_SANDBOX_DIR": str(sandbox_dir),
        "CONCORD_WAREHOUSE_URL": url,
        **{f"CONCORD_SANDBOX_{n.upper()}_PORT": str(free_port()) for n in ("control", "salesforce", "stripe", "netsuite")},
    }
    built = BuiltWarehouse(url=url, server_url=server_url, sandbox_dir=sandbox_dir, env=env)
    try:
        built.concord("sandbox", "seed", "--scale", "small")
        built.concord("sandbox", "serve")
        try:
            built.concord("sync")
        finally:
            subprocess.run([CONCORD, "sandbox", "stop"], env=env, capture_output=True, check=False)
        built.concord("transform", "build")
        yield built
    finally:
        built.drop(url)


@pytest.fixture
def copy_url(built_warehouse: BuiltWarehouse) -> Iterator[str]:
    """A database copied from the built warehouse for one test (it may change it), dropped after."""
    url = built_warehouse.copy()
    try:
        yield url
    finally:
        built_warehouse.drop(url)
