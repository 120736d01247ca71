"""Quality-engine fixtures: a migrated throw-away warehouse, crafted tables, expectation specs built in code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from concord.quality.config import QualityConfig
from concord.quality.suites import ExpectationSpec, Suite, parse_suite
from concord.warehouse.connection import ready_url

# GX takes seconds to import; tests that run a checkpoint share one xdist worker (and so one import).
GX = pytest.mark.xdist_group("quality_gx")


@pytest.fixture
def warehouse(fresh_db: str) -> str:
    """A fresh database with concord_meta migrated."""
    return ready_url(fresh_db)


@pytest.fixture
def conn(warehouse: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(warehouse, autocommit=True) as c:
        yield c


@pytest.fixture
def config() -> QualityConfig:
    return QualityConfig(
        systemic_threshold_percent=30.0,
        stewards={"duplicate_crm_account": "sales_ops", "erp_payment_unmatched": "accounts_receivable"},
        default_steward="data_platform",
    )


def expectation(name: str, **fields: Any) -> dict[str, Any]:
    """An expectation document with defaults (a stripe invoices contract check), overridden by `fields`."""
    doc: dict[str, Any] = {
        "name": name,
        "table": "raw_stripe.invoices",
        "type": "expect_column_values_to_not_be_null",
        "kwargs": {"column": "id"},
        "class": "contract_violation",
        "keys": {"stripe": {"invoices": "id"}},
        "policy": "block",
    }
    doc.update(fields)
    return doc


def suite(name: str, *expectations: dict[str, Any]) -> Suite:
    return parse_suite(f"<test suite {name}>", {"suite": name, "expectations": list(expectations)})


def spec(name: str = "e", suite_name: str = "s", **fields: Any) -> ExpectationSpec:
    return suite(suite_name, expectation(name, **fields)).expectations[0]


@pytest.fixture
def sql(conn: psycopg.Connection) -> Callable[[str], None]:
    """Run a SQL script on the test warehouse."""

    def run(script: str) -> None:
        conn.execute(script)

    return run
