"""`dbt build` on data synced from a fresh small sandbox, and the identity score against the ground truth."""

from __future__ import annotations

import psycopg
import pytest

from concord.transform.score import IDENTITY_CLASSES, expected_instances, score
from concord.transform.score_sources import load_findings, load_truth
from tests.transform.conftest import BuiltWarehouse

pytestmark = pytest.mark.xdist_group("dbt")


def test_identity_findings_score_perfectly_at_small_scale(built_warehouse: BuiltWarehouse) -> None:
    truth = load_truth(built_warehouse.sandbox_dir / "sandbox.db")
    expected = expected_instances(truth.records, truth.as_of)
    results = score(load_findings(built_warehouse.url), expected, IDENTITY_CLASSES)
    assert sum(r.expected for r in results) > 0
    for r in results:
        assert (r.precision, r.recall) == (1.0, 1.0), (r.cls, r.missed, r.false_positives)


def test_concord_score_cli_passes_at_full_marks(built_warehouse: BuiltWarehouse) -> None:
    out = built_warehouse.concord("score", "--from", "findings", "--fail-under", "1").stdout
    for cls in IDENTITY_CLASSES:
        assert f"{cls}" in out and "100.0%" in out


def test_marts_are_populated_and_every_invoice_has_a_canonical_account(built_warehouse: BuiltWarehouse) -> None:
    with psycopg.connect(built_warehouse.url) as conn:
        counts = {
            t: conn.execute(f"select count(*) from core.{t}").fetchone()[0]  # type: ignore[index]
            for t in ("accounts", "subscriptions", "invoices", "payments", "products", "orders")
        }
        orphan_invoices = conn.execute("select count(*) from core.invoices where canonical_account_id is null").fetchone()
        schemas = {r[0] for r in conn.execute("select schema_name from information_schema.schemata")}
    assert all(n > 0 for n in counts.values()), counts
    assert orphan_invoices == (0,)
    assert {"staging", "intermediate", "core", "seeds"} <= schemas
