"""Every table dbt builds gets planner statistics right after it is built (a sample at the project's statistics
target); an incremental mart is analyzed again only when a run rewrote more than a tenth of it."""

from __future__ import annotations

import psycopg
import pytest

from concord.transform.runner import run_dbt
from tests.transform.conftest import BuiltWarehouse

pytestmark = pytest.mark.xdist_group("dbt")

BUILT_SCHEMAS = ["intermediate", "core", "finance", "writeback"]


def test_every_built_table_has_statistics_at_the_project_target(built_warehouse: BuiltWarehouse) -> None:
    with psycopg.connect(built_warehouse.url) as conn:
        tables = conn.execute(
            "select n.nspname || '.' || c.relname, c.reltuples from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname = any(%s)",
            (BUILT_SCHEMAS,)).fetchall()
        assert len(tables) > 20
        unanalyzed = [t for t, reltuples in tables if reltuples < 0]
        assert not unanalyzed, f"built tables without statistics: {unanalyzed}"
        # the sample is var('statistics_target') = 20: at most 21 histogram bounds for a unique key
        (bounds,) = conn.execute(
            "select array_length(histogram_bounds, 1) from pg_stats "
            "where schemaname = 'core' and tablename = 'invoices' and attname = 'invoice_id'").fetchone()
        assert bounds is not None and 2 <= bounds <= 21


def _analyze_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        (count,) = conn.execute(
            "select analyze_count from pg_stat_user_tables where schemaname = 'core' and relname = 'invoices'"
        ).fetchone()
    return count


def test_an_incremental_run_analyzes_only_after_rewriting_a_tenth(built_warehouse: BuiltWarehouse,
                                                                 copy_url: str) -> None:
    # A copied database starts with zeroed activity counters: analyze_count counts this test's analyzes only.
    assert _analyze_count(copy_url) == 0
    with psycopg.connect(copy_url) as conn:
        (total,) = conn.execute("select count(*) from core.invoices").fetchone()
        conn.execute("update raw_stripe.invoices set _concord_loaded_at = now() "
                     "where id = (select min(invoice_id) from core.invoices)")
    run_dbt(["run", "--select", "invoices"], url=copy_url)
    assert _analyze_count(copy_url) == 0  # one row of many merged: the statistics still hold

    with psycopg.connect(copy_url) as conn:
        conn.execute("update raw_stripe.invoices set _concord_loaded_at = now() where id in "
                     "(select invoice_id from core.invoices order by invoice_id limit %s)", (total // 5,))
    run_dbt(["run", "--select", "invoices"], url=copy_url)
    assert _analyze_count(copy_url) == 1
    with psycopg.connect(copy_url) as conn:
        (merged,) = conn.execute(
            "select count(*) from core.invoices where built_at = (select max(built_at) from core.invoices)").fetchone()
    assert merged >= total // 5
