"""The analytics role reads the marts and nothing else, and cannot write anywhere."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from tests.transform.conftest import BuiltWarehouse

pytestmark = pytest.mark.xdist_group("dbt")

FORBIDDEN_READS = (
    'select 1 from raw_salesforce."Account" limit 1',
    "select 1 from raw_stripe.invoices limit 1",
    "select 1 from raw_netsuite.transaction limit 1",
    "select 1 from concord_meta.runs limit 1",
    "select 1 from staging.stg_stripe__invoices limit 1",
    "select 1 from intermediate.int_accounts_resolved limit 1",
    "select 1 from seeds.fx_rates limit 1",
)
FORBIDDEN_WRITES = (
    "insert into core.accounts (canonical_account_id) values ('x')",
    "update core.invoices set total = 0",
    "delete from core.payments",
    "create table core.scratch (x int)",
    "create table public.scratch (x int)",
    "insert into raw_stripe.customers (id) values ('cus_x')",
)


def as_analyst(url: str, sql: str) -> list[tuple[object, ...]]:
    """Run `sql` as concord_analyst (the superuser assumes the role for one transaction)."""
    with psycopg.connect(url) as conn:
        conn.execute("set local role concord_analyst")
        return conn.execute(sql).fetchall()


def test_analyst_role_exists_without_login(built_warehouse: BuiltWarehouse) -> None:
    with psycopg.connect(built_warehouse.url) as conn:
        row = conn.execute("select rolcanlogin, rolsuper from pg_roles where rolname = 'concord_analyst'").fetchone()
    assert row == (False, False)


def test_analyst_reads_every_core_mart(built_warehouse: BuiltWarehouse) -> None:
    for mart in ("accounts", "subscriptions", "invoices", "payments", "products", "orders"):
        assert as_analyst(built_warehouse.url, f"select count(*) from core.{mart}")[0][0] > 0  # type: ignore[operator]


@pytest.mark.parametrize("sql", FORBIDDEN_READS)
def test_analyst_cannot_read_raw_meta_or_upstream_layers(built_warehouse: BuiltWarehouse, sql: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        as_analyst(built_warehouse.url, sql)


@pytest.mark.parametrize("sql", FORBIDDEN_WRITES)
def test_analyst_cannot_write(built_warehouse: BuiltWarehouse, sql: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        as_analyst(built_warehouse.url, sql)
