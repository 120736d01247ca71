"""Two databases creating the (cluster-wide) analytics role at the same moment both succeed."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from concord.transform.runner import run_dbt
from tests.transform.conftest import BuiltWarehouse

pytestmark = pytest.mark.xdist_group("dbt")


def test_concurrent_builds_create_the_role_once_and_grant_usage_in_each_database(
    built_warehouse: BuiltWarehouse,
) -> None:
    role = f"concord_analyst_t{uuid.uuid4().hex[:8]}"
    urls = [built_warehouse.copy(), built_warehouse.copy()]
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(
                lambda url: run_dbt(["run-operation", "create_analyst_role", "--args", f"{{role: {role}}}"], url=url),
                urls,
            ))
        assert len(results) == 2
        for url in urls:
            with psycopg.connect(url) as conn:
                assert conn.execute("select rolcanlogin from pg_roles where rolname = %s", (role,)).fetchone() == (False,)
                assert conn.execute("select has_schema_privilege(%s, 'core', 'usage')", (role,)).fetchone() == (True,)
    finally:
        for url in urls:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'drop owned by "{role}"')
            built_warehouse.drop(url)
        with psycopg.connect(built_warehouse.server_url, autocommit=True) as conn:
            conn.execute(f'drop role if exists "{role}"')
