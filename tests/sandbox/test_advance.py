"""`advance` moves the clock, changes exactly what it reports, stamps changes in the window, and plants at the
same rates (the ground truth still lists exactly the planted instances afterwards)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from concord_sandbox.activity import advance
from concord_sandbox.errors import InvalidOptionError
from concord_sandbox.schema import NETSUITE_TABLES, SALESFORCE_TABLES, STRIPE_TABLES
from concord_sandbox.store import Store
from concord_sandbox.timefmt import ns, sf

from tests.sandbox.conftest import START
from tests.sandbox.independent_queries import symptoms, truth_keys

KEYS = {
    "transactionline": ('"transaction"', "id"),
    "previoustransactionlink": ("previousdoc", "nextdoc"),
    "sandbox_truth": ("instance_id",),
    "sandbox_pending": ("id",),
    "deletedrecord": ("id",),
}
TABLES = (
    *SALESFORCE_TABLES,
    *STRIPE_TABLES,
    "events",
    *NETSUITE_TABLES,
    "sandbox_pending",
    "sandbox_truth",
)
HOURS = 48


def snapshot(conn: sqlite3.Connection) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """Every row of every table, keyed by its primary key."""
    result = {}
    for table in TABLES:
        key_cols = KEYS.get(table, ("Id",) if table[0].isupper() else ("id",))
        cur = conn.execute(f'select {", ".join(key_cols)}, * from "{table}"')
        n = len(key_cols)
        result[table] = {row[:n] if n > 1 else row[0]: row[n:] for row in cur}
    return result


@pytest.fixture
def advanced(sandbox_dir: Path) -> tuple[dict[str, Any], dict[str, Any], Any, Store]:
    store = Store(sandbox_dir / "sandbox.db")
    before = snapshot(store.conn)
    report = advance(store, HOURS)
    after = snapshot(store.conn)
    yield before, after, report, store
    store.close()


def test_advance_changes_exactly_what_it_reports(advanced: tuple[Any, ...]) -> None:
    before, after, report, _ = advanced
    for table in TABLES:
        old, new = before[table], after[table]
        inserted = new.keys() - old.keys()
        deleted = old.keys() - new.keys()
        updated = {k for k in old.keys() & new.keys() if old[k] != new[k]}
        if table == "sandbox_truth":
            assert not updated and not deleted
            assert len(inserted) == sum(report.planted.values())
            continue
        assert len(inserted) == report.inserted.get(table, 0), table
        assert len(updated) == report.updated.get(table, 0), table
        assert len(deleted) == report.deleted.get(table, 0), table
    assert sum(report.inserted.values()) > 100 and report.updated and report.deleted
    for kind in ("renewal", "new_prospect", "account_update", "ns_post_invoice", "ns_post_payment"):
        assert report.activity.get(kind, 0) > 0, kind


def test_changes_are_stamped_inside_the_simulated_window(advanced: tuple[Any, ...]) -> None:
    before, after, _, store = advanced
    assert store.now() == START + HOURS * 3600
    end = START + HOURS * 3600
    columns = {
        "Account": ("SystemModstamp", sf),
        "Contact": ("SystemModstamp", sf),
        "Opportunity": ("SystemModstamp", sf),
        "customer": ("lastmodifieddate", ns),
        "transaction": ("lastmodifieddate", ns),
    }
    for table, (column, fmt) in columns.items():
        index = [r[1] for r in store.conn.execute(f'pragma table_info("{table}")')].index(column)
        changed = [row for key, row in after[table].items() if before[table].get(key) != row]
        assert changed, table
        # Late-arriving CRM updates are stamped up to 10 minutes before the hour they became visible.
        assert all(fmt(START - 600) <= row[index] <= fmt(end) for row in changed), table
    stripe_changed = [row for key, row in after["invoices"].items() if before["invoices"].get(key) != row]
    assert stripe_changed and all(START <= row[5] <= end for row in stripe_changed)  # _updated


def test_ground_truth_still_lists_exactly_the_planted_instances(advanced: tuple[Any, ...]) -> None:
    _, _, report, store = advanced
    assert report.planted, "48 hours at these rates plant new instances"
    found, truth = symptoms(store.conn), truth_keys(store.conn)
    for cls, keys in found.items():
        assert truth.get(cls, set()) == keys, cls


def test_advance_rejects_a_non_positive_duration(sandbox_dir: Path) -> None:
    store = Store(sandbox_dir / "sandbox.db")
    with pytest.raises(InvalidOptionError, match="--hours"):
        advance(store, 0)
    assert store.now() == START


def test_a_month_of_activity_keeps_the_ground_truth_exact(sandbox_dir: Path) -> None:
    """Follow-ups that cross many hours (late payments waiting for their ERP invoice) stay consistent."""
    store = Store(sandbox_dir / "sandbox.db")
    report = advance(store, 24 * 30)
    assert report.activity["renewal"] > 100 and sum(report.planted.values()) > 10
    found, truth = symptoms(store.conn), truth_keys(store.conn)
    assert {cls: truth.get(cls, set()) for cls in found} == found
    store.close()


def test_a_payment_already_in_the_erp_is_not_posted_again(sandbox_dir: Path) -> None:
    """A payment Concord's writeback upserted (externalid = the payment intent) before the company's own ERP
    posting came due: advance skips that posting instead of failing on the unique external id."""
    store = Store(sandbox_dir / "sandbox.db")
    try:
        conn = store.conn
        rows = conn.execute("select id, ref, payload from sandbox_pending where kind = 'ns_post_payment' "
                            "order by due_at, id").fetchall()
        import orjson

        pending = next(
            (pid, ref, orjson.loads(payload)) for pid, ref, payload in rows
            if conn.execute("select 1 from \"transaction\" where externalid = ? and type = 'CustInvc'",
                            (ref,)).fetchone()
        )
        pid, _, payload = pending
        pi_id = payload["payment_intent"]
        # Stand-in for the writeback's upsert: an existing ERP payment now carries the payment intent's id.
        conn.execute("update \"transaction\" set externalid = ? where id = (select min(id) from \"transaction\" "
                     "where type = 'CustPymt')", (pi_id,))
        conn.execute("update sandbox_pending set due_at = ? where id = ?", (store.now(), pid))
        conn.commit()
        advance(store, 1)
        assert conn.execute("select count(*) from \"transaction\" where externalid = ?", (pi_id,)).fetchone()[0] == 1
        assert conn.execute("select count(*) from sandbox_pending where id = ?", (pid,)).fetchone()[0] == 0
    finally:
        store.close()
