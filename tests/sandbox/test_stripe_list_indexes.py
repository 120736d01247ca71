"""Every Stripe list pages newest first by (created, id) through an index: no page sorts its whole table (a
missing index on invoice_payments made each page of 100 sort a million rows at large scale)."""

from __future__ import annotations

import sqlite3

import pytest
from concord_sandbox.schema import ALL_DDL, INDEXES, STRIPE_TABLES


@pytest.mark.parametrize("table", STRIPE_TABLES)
def test_a_stripe_page_reads_the_created_index_without_sorting(table: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(ALL_DDL)
    conn.executescript(INDEXES)
    plan = " ".join(row[3] for row in conn.execute(
        f"explain query plan select data from {table} where (created, id) < (?, ?) "
        "order by created desc, id desc limit ?", (0, "x", 101)))
    assert f"{table}_created" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
