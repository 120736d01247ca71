"""Shared fixtures: the warehouse server for this test session and throw-away databases on it.

With CONCORD_WAREHOUSE_URL set (CI points it at the machine's PostgreSQL), tests use that server; otherwise
the embedded cluster is started. Every test that needs a database gets its own, created and dropped here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from concord.airflow_env import apply_airflow_environment

apply_airflow_environment()


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of the PostgreSQL server the tests may create databases on."""
    from concord.warehouse.connection import warehouse_url

    return warehouse_url()


def database_url(server: str, dbname: str) -> str:
    params = conninfo_to_dict(server)
    params["dbname"] = dbname
    return make_conninfo("", **params)


@pytest.fixture
def fresh_db(server_url: str) -> Iterator[str]:
    """A new empty database on the test server, dropped after the test; yields its URL."""
    name = f"concord_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield database_url(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
